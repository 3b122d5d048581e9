"""A name for this run of the bot, unique among the processes sharing the database: what it claims and
owns carries it, so another process can tell whether the owner is still there (Database.present)."""

from __future__ import annotations

import os
import secrets
import socket


def instance_name() -> str:
    """Readable by whoever looks in the tables: host, process id, and a few random bytes."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
