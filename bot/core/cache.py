"""Where heartbot keeps what it can always rebuild (embeddings, compiled data, checks) between start-ups.

Nothing kept here is ever needed: a folder that cannot be written, or a file that cannot be read, only
means the work is done again.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger(__name__)


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """$HEARTBOT_CACHE_DIR, else $XDG_CACHE_HOME/heartbot, else ~/.cache/heartbot."""
    env = os.environ if env is None else env
    if env.get("HEARTBOT_CACHE_DIR"):
        return Path(env["HEARTBOT_CACHE_DIR"])
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "heartbot"


def read_kept(path: Path) -> bytes | None:
    """The file's bytes, or None when there is no such file or it cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        log.debug("cannot read %s: %s", path, error)
        return None


def keep(path: Path, data: bytes) -> bool:
    """Write the file whole or not at all (several processes may write the same one); False if it failed."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        partial.replace(path)
    except OSError as error:
        log.debug("cannot keep %s: %s", path, error)
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        return False
    return True
