"""The README, the admins' README and docs/ read on their own, as a public repository.

Oracles: GitHub's rendering of Markdown (a heading's anchor is its text lowercased, with
punctuation other than `-` removed and spaces made `-`), so that every link between the
pages lands; and the rule that the public pages explain behaviour themselves, never by
pointing at material that is not published with the repository.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", ROOT / "app" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(page: Path):
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
            for heading in re.findall(r"^#+ (.+)$", text, re.M)}


def test_the_docs_pages_exist():
    assert {p.name for p in PAGES if p.parent.name == "docs"} >= {
        "command.md", "analytics.md", "replay.md", "spl-engine.md", "development.md",
        "decisions.md"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_between_pages_lands(page):
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+://", target):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.is_file(), f"{page.name}: {target}"
        if anchor:
            assert anchor in anchors(linked), f"{page.name}: {target}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_points_at_what_the_public_repository_does_not_have(page):
    text = page.read_text(encoding="utf-8")
    for unpublished in (r"\bthe contract\b", r"\bthe spec\b", r"\bshared/", r"\.\./shared",
                        r"\bissue \d+", r"\bbrief\b"):
        assert not re.search(unpublished, text, re.I), f"{page.name}: {unpublished}"
