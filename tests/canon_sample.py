"""A small valid data/ folder, written to a temporary directory, for loader tests."""

from __future__ import annotations

from pathlib import Path

SOURCES = """
[[sources]]
id = "one"
title = "First source"
publisher = "Publisher One"
url = "https://example.org/one"

[[sources]]
id = "two"
title = "Second source"
publisher = "Publisher Two"
url = "https://example.org/two"
"""

FILES = {
    "show.toml": """
[show]
title = "Heartstopper"
network = "Netflix"
creator = "Alice Oseman"
based_on = "The graphic novels"
sources = ["one", "two"]

[[directors]]
name = "Euros Lyn"
seasons = [1]

[[seasons]]
number = 1
released = 2022-04-22
episodes = 2
synopsis = "Boy meets boy."

[film]
title = "Heartstopper Forever"
status = "announced"
release = "Not yet dated."
sources = ["one", "two"]
"""
    + SOURCES,
    "episodes/season1.toml": """
season = 1

[[episodes]]
code = "S1E1"
title = "Meet"
released = 2022-04-22
logline = "A new seat in form."
sources = ["one", "two"]

[[episodes.beats]]
text = "Charlie meets Nick."
reveals = "S1E1"

[[episodes]]
code = "S1E2"
title = "Crush"
released = 2022-04-22
runtime_minutes = 28
logline = "A crush grows."
sources = ["one", "two"]

[[episodes.beats]]
text = "Charlie realises he has a crush."
reveals = "S1E2"
"""
    + SOURCES,
    "cast.toml": """
[[characters]]
id = "charlie"
name = "Charlie Spring"
actor = "Joe Locke"
role = "main"
aliases = ["Charlie"]
description = "A Year 10 student."
first_appearance = "S1E1"
seasons = [1]
sources = ["one", "two"]

[[characters.facts]]
text = "He has a crush on Nick."
reveals = "S1E2"
"""
    + SOURCES,
    "trivia.toml": """
[[trivia]]
id = "first-day"
kind = "production"
text = "Filmed first."
reveals = "S1E1"
sources = ["one", "two"]
"""
    + SOURCES,
}


def write_sample(root: Path, **edits: tuple[str, str] | list[tuple[str, str]]) -> Path:
    """Write the sample to `root`; `edits` maps a file stem to (old, new) text edits, each made once."""
    for name, text in FILES.items():
        stem_edits = edits.get(Path(name).stem, [])
        for old, new in [stem_edits] if isinstance(stem_edits, tuple) else stem_edits:
            assert old in text, f"{old!r} not in {name}"
            text = text.replace(old, new, 1)
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
