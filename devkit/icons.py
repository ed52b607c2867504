"""Draw the app icons (a keyhole on a vault door) as PNG files, standard library only.

Splunk shows appIcon (36 px) and appIcon_2x (72 px) in the launcher and app bar, and
the Alt variants on dark backgrounds. Run `python3 -m devkit.icons` after changing the
drawing; the PNG files under app/static/ are the committed output.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "app" / "static"

# (name, size in px, door colour, keyhole colour) as RGBA.
ICONS = (
    ("appIcon.png", 36, (29, 78, 137, 255), (255, 255, 255, 255)),
    ("appIcon_2x.png", 72, (29, 78, 137, 255), (255, 255, 255, 255)),
    ("appIconAlt.png", 36, (255, 255, 255, 255), (29, 78, 137, 255)),
    ("appIconAlt_2x.png", 72, (255, 255, 255, 255), (29, 78, 137, 255)),
)


def _inside_rounded_square(x: float, y: float, size: int) -> bool:
    radius = size * 0.2
    low, high = radius, size - radius
    cx = min(max(x, low), high)
    cy = min(max(y, low), high)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def _inside_keyhole(x: float, y: float, size: int) -> bool:
    cx, cy, r = size / 2, size * 0.40, size * 0.14
    if (x - cx) ** 2 + (y - cy) ** 2 <= r**2:
        return True
    # The slot widens from the circle's centre to the bottom.
    top, bottom = cy, size * 0.76
    if not top <= y <= bottom:
        return False
    half = size * (0.05 + 0.05 * (y - top) / (bottom - top))
    return abs(x - cx) <= half


def draw(size: int, door: tuple, hole: tuple) -> bytes:
    """Return the PNG bytes of one icon, with 4x4 supersampling for smooth edges."""
    rows = []
    for py in range(size):
        row = bytearray([0])  # filter type 0 for every scanline
        for px in range(size):
            totals = [0, 0, 0, 0]
            for sy in range(4):
                for sx in range(4):
                    x, y = px + (sx + 0.5) / 4, py + (sy + 0.5) / 4
                    if not _inside_rounded_square(x, y, size):
                        colour = (0, 0, 0, 0)
                    elif _inside_keyhole(x, y, size):
                        colour = hole
                    else:
                        colour = door
                    for i in range(4):
                        totals[i] += colour[i]
            row.extend(t // 16 for t in totals)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    STATIC.mkdir(parents=True, exist_ok=True)
    for name, size, door, hole in ICONS:
        (STATIC / name).write_bytes(draw(size, door, hole))


if __name__ == "__main__":
    main()
