"""Location paths over JSON as spath reads it (Search Reference "spath" and the eval
function spath()), on the reader of devkit.jsontext.

`parse_path` and `follow`: a location path is steps separated by periods, each a key
and optional indexes, `{}` for every element of an array and `{N}` for the element at
position N, counted from 0 ("JSON uses zero-based indexing"); an object or an array at
the end of a path is given as its JSON text, as it stands in the input.
"""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from devkit.jsontext import Node

from .errors import SplError, SplUnsupported

# A step: its key ("" for none) and its indexes, each None for `{}` (every element) or
# a position counted from 0, as JSON arrays are ("JSON uses zero-based indexing").
Step = Tuple[str, Tuple[Optional[int], ...]]


def parse_path(path: str) -> List[Step]:
    """`commits{}.author.name` -> [("commits", (None,)), ("author", ()), ("name", ())];
    `vendorProductSet{1}` -> [("vendorProductSet", (1,))]."""
    steps = []
    for piece in path.split("."):
        match = re.fullmatch(r"([^{}]*)((?:\{[^{}]*\})*)", piece)
        if not match or not (match.group(1) or match.group(2)):
            raise SplError(f"invalid path {path!r}")
        indexes: List[Optional[int]] = []
        for inside in re.findall(r"\{([^{}]*)\}", match.group(2)):
            if inside.startswith("@"):
                raise SplUnsupported(f"unsupported XML attribute '{{{inside}}}' in a path")
            if inside and not inside.isdigit():
                raise SplError(f"invalid index '{{{inside}}}' in {path!r}")
            indexes.append(int(inside) if inside else None)
        steps.append((match.group(1), tuple(indexes)))
    return steps


def follow(root: Node, steps: List[Step], text: str) -> List[str]:
    """The values at `steps` from `root`: scalars as their text, objects and arrays as
    their JSON text in `text`."""
    current = [root]
    for key, indexes in steps:
        if key:
            current = [child for node in current if node.kind == "object"
                       for name, child in node.items if name == key]
        for index in indexes:
            arrays = [node for node in current if node.kind == "array"]
            if index is None:
                current = [child for node in arrays for child in node.items]
            else:
                current = [node.items[index] for node in arrays if index < len(node.items)]
    return [node.text if node.kind == "scalar" else text[node.start:node.end]
            for node in current if node.end >= 0]


__all__ = ["Step", "follow", "parse_path"]
