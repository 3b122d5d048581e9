"""The README's "Code layout" map matches the tree: every path it names exists, every package and every module
of a feature package is on it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FEATURES = ("core", "ui", "spoilers", "lookups", "progress", "shield", "parties", "times", "privacy")


def _layout_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n### Code layout\n", 1)[1]
    return section.split("```", 2)[1]


def _named_paths() -> set[str]:
    """Paths at the start of a line, and names indented by two under a folder's (`  a.py, b.py  what`)."""
    named: set[str] = set()
    folder = ""
    for line in _layout_block().splitlines():
        if top := re.match(r"([\w./-]+)\s", line + " "):
            named.add(top[1])
            folder = top[1] if top[1].endswith("/") else ""
        elif (entry := re.match(r" {2}(\S.*?)(?: {2,}|$)", line)) and folder:
            named.update(folder + name for name in re.findall(r"[\w./-]+", entry[1]))
    return named


def test_every_path_on_the_map_exists() -> None:
    named = _named_paths()
    assert len(named) > 40
    assert sorted(p for p in named if not (ROOT / p).exists()) == []


def test_every_package_is_on_the_map() -> None:
    named = {p.rstrip("/") for p in _named_paths()}
    packages = sorted(
        str(init.parent.relative_to(ROOT))
        for init in (ROOT / "bot").rglob("__init__.py")
        if init.parent != ROOT / "bot"
    )
    assert [p for p in packages if p not in named] == []


def test_every_module_of_a_feature_is_on_the_map() -> None:
    named = _named_paths()
    modules = [
        str(module.relative_to(ROOT))
        for feature in FEATURES
        for module in sorted((ROOT / "bot" / feature).glob("*.py"))
        if module.name != "__init__.py"
    ]
    assert [m for m in modules if m not in named] == []
