"""The compiled lexicon kept on disk between start-ups, so that a process loads it instead of compiling it.

A file is named by a hash of the lexicon's content and of the code that compiles and reads it (this
package, bot.canon.lexicon, the Python version): a changed lexicon or a changed detector never reads an old
one. It sits in heartbot's cache folder (bot.core.cache); one that no process has read for a week is
removed. A folder that cannot be written, a file that cannot be read or a damaged one only means the
lexicon is compiled again (and kept again), with a debug log.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import logging
import os
import pickle
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from bot.canon import lexicon as lexicon_module
from bot.canon.lexicon import Lexicon, lexicon_hash
from bot.core.cache import cache_dir, keep, read_kept

log = logging.getLogger(__name__)
T = TypeVar("T")
_UNUSED_FOR = 7 * 24 * 3600  # seconds


@functools.cache
def code_version() -> str:
    """A hash of the code whose output is kept: every module of this package and the lexicon's loader."""
    digest = hashlib.sha256(sys.version.encode())
    for path in [*sorted(Path(__file__).parent.glob("*.py")), Path(lexicon_module.__file__)]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def kept_path(lexicon: Lexicon, folder: Path | None = None) -> Path:
    """Where the compiled form of this lexicon is kept."""
    key = hashlib.sha256(f"{lexicon_hash(lexicon)} {code_version()}".encode()).hexdigest()[:32]
    return (cache_dir() if folder is None else folder) / "shield" / f"lexicon-{key}.pickle"


def load_or_build(lexicon: Lexicon, build: Callable[[Lexicon], T], kind: type[T]) -> T:
    """The lexicon's compiled form (a `kind`), read from the cache, or built by `build` and kept there."""
    path = kept_path(lexicon)
    data = read_kept(path)
    if data is not None:
        found = _unpickled(data)
        if isinstance(found, kind):
            with contextlib.suppress(OSError):
                os.utime(path)  # in use: see _forget_unused
            return found
        log.debug("the compiled lexicon in %s cannot be read: compiling it again", path)
    built = build(lexicon)
    try:
        data = pickle.dumps(built, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError) as error:
        log.debug("cannot keep the compiled lexicon: %r", error)
        return built
    if keep(path, data):
        log.debug("compiled lexicon kept in %s", path)
        _forget_unused(path)
    return built


def _forget_unused(kept: Path) -> None:
    """Remove the compiled lexicons no process has read for a week: each change of the code or the lexicon
    leaves one behind."""
    cutoff = time.time() - _UNUSED_FOR
    for other in kept.parent.glob("lexicon-*.pickle"):
        with contextlib.suppress(OSError):
            if other != kept and other.stat().st_mtime < cutoff:
                other.unlink()


def _unpickled(data: bytes) -> object:
    # Tens of thousands of small sets and tuples: the collector would walk them again and again as they come.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(data)
    except Exception as error:  # a damaged file can fail in any way unpickling can
        log.debug("cannot unpickle a kept compiled lexicon: %r", error)
        return None
    finally:
        if collecting:
            gc.enable()
