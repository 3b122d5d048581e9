"""The command line: `python -m bot [run]` starts the bot; `python -m bot sync [--guild ID]` syncs."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dotenv import find_dotenv, load_dotenv

from bot import __version__
from bot.core.settings import Settings, SettingsError

if TYPE_CHECKING:
    from bot.core.database import Database
    from bot.sandbox.cli import Scale

# discord.py, aiohttp and the bot itself are imported where a command needs them (a third of a second):
# `--version`, a malformed setting or a missing token answer without them.

log = logging.getLogger("bot")

EXIT_OK, EXIT_FAILURE, EXIT_CONFIG = 0, 1, 2

NO_TOKEN_LINE = (
    "heartbot: DISCORD_TOKEN is not set; copy .env.example to .env and fill it in, "
    "or set DISCORD_TOKEN in the service's environment"
)
NO_TOKEN_TERMINAL = """\
No Discord bot token is set, so heartbot cannot connect to Discord. Starting the local sandbox instead:
the real bot, talking to a stand-in for Discord on this machine.

To run it on your server: create an application and bot at https://discord.com/developers/applications
(the README walks through it), copy .env.example to .env, put the bot's token after DISCORD_TOKEN=,
and run this command again.
"""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="heartbot", description="A spoiler-aware Heartstopper Discord bot.")
    parser.add_argument("--version", action="version", version=f"heartbot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="connect to Discord and run the bot (the default)")
    commands.add_parser("migrate", help="bring the database's tables up to this version, then stop")
    copy = commands.add_parser(
        "copy-db", help="copy all the bot's data from one database into another, empty one"
    )
    copy.add_argument("source", metavar="FROM", help="an SQLite file's path or a postgresql:// URL")
    copy.add_argument("target", metavar="TO", help="an SQLite file's path or a postgresql:// URL")
    sync = commands.add_parser("sync", help="sync slash commands with Discord now, changed or not")
    sync.add_argument("--guild", type=int, metavar="ID", help="sync to one server only (instant updates)")
    scan = commands.add_parser(
        "scan", help="find spoilers in messages read from standard input (JSON lines out)"
    )
    scan.add_argument("--watched", metavar="CODE", help="the reader's progress, e.g. S2E4 (default: nothing)")
    scan.add_argument(
        "--semantic", choices=("on", "off"), help="the semantic reader beside the lexicon (default: on)"
    )
    sandbox = commands.add_parser(
        "sandbox", help="run the bot against a local stand-in for Discord (no token)"
    )
    sandbox.add_argument(
        "--script", type=Path, metavar="FILE", help="run this script (default: standard input)"
    )
    sandbox.add_argument(
        "--db", type=Path, metavar="PATH", help="database file (default: a fresh temporary one)"
    )
    sandbox.add_argument(
        "--processes",
        type=int,
        metavar="N",
        help="run the bot as N processes of its own sharing the shards (needs DATABASE_URL)",
    )
    sandbox.add_argument(
        "--shards", type=int, metavar="M", help="with --processes: how many shards (default: 2 per process)"
    )
    output = sandbox.add_mutually_exclusive_group()
    output.add_argument(
        "--json",
        action="store_const",
        const="json",
        dest="output",
        help="JSON lines (default off a terminal)",
    )
    output.add_argument(
        "--chat",
        action="store_const",
        const="chat",
        dest="output",
        help="a chat transcript (default on a terminal)",
    )
    args = parser.parse_args(argv)
    args.command = args.command or "run"
    return args


def _on_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


async def _open_database(settings: Settings) -> Database:
    from bot.core.database import open_database

    db = await open_database(settings.database)
    try:
        await db.migrate()
    except BaseException:
        await db.close()
        raise
    return db


async def run(settings: Settings, token: str) -> None:
    from bot.canon import load_canon
    from bot.core.app import HeartBot

    canon = load_canon()
    async with await _open_database(settings) as db, HeartBot(settings=settings, db=db, canon=canon) as bot:
        await bot.start(token)


async def sync(settings: Settings, token: str, guild_id: int | None) -> None:
    from bot.canon import load_canon
    from bot.core.app import HeartBot

    canon = load_canon()
    async with (
        await _open_database(settings) as db,
        HeartBot(settings=settings, db=db, canon=canon, sync_on_start=False) as bot,
    ):
        await bot.login(token)  # runs setup_hook, which loads the cogs; no gateway needed
        await bot.sync_commands(guild_id=guild_id, force=True)
    target = guild_id or settings.dev_guild_id
    print(f"Commands synced to {'server ' + str(target) if target else 'all servers'}.")


async def migrate(settings: Settings) -> None:
    async with await _open_database(settings) as db:
        print(f"The database at {db.where} is at schema version {await db.schema_version()}.")


async def copy_db(source: str, target: str) -> None:
    from bot.core.copy_db import Copied, copy_database
    from bot.core.database import open_database

    def rows(count: int) -> str:
        return f"{count:,} row" if count == 1 else f"{count:,} rows"

    def report(copied: Copied) -> None:
        print(f"  {copied.table:<24} {rows(copied.rows):>14}")

    async with await open_database(source) as origin, await open_database(target) as destination:
        print(f"Copying {origin.where} to {destination.where}:")
        copied = await copy_database(origin, destination, report)
    print(f"Copied {rows(sum(c.rows for c in copied))}; every table's count matches.")


def run_database_command(args: argparse.Namespace, settings: Settings) -> int:
    """migrate and copy-db: no token, no Discord."""
    from bot.core.database import DatabaseError
    from bot.core.logs import setup_logging

    setup_logging(settings)
    try:
        if args.command == "migrate":
            asyncio.run(migrate(settings))
        else:
            asyncio.run(copy_db(args.source, args.target))
    except KeyboardInterrupt:
        return EXIT_FAILURE
    except (DatabaseError, OSError) as error:
        print(f"heartbot: {error}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


def _scale(args: argparse.Namespace, settings: Settings) -> Scale | None:
    """--processes and --shards, checked; None for the bot in the sandbox's own process."""
    from bot.sandbox.cli import Scale

    processes, shards = getattr(args, "processes", None), getattr(args, "shards", None)
    if processes is None:
        if shards is not None:
            raise SettingsError("--shards goes with --processes")
        return None
    shards = 2 * processes if shards is None else shards
    if processes < 1 or shards < processes:
        raise SettingsError("--processes needs at least 1, and --shards at least one shard per process")
    if settings.database_url is None:
        raise SettingsError(
            "--processes: several processes share one PostgreSQL database; set DATABASE_URL (the sandbox "
            "works in a fresh schema of it and drops it at the end)"
        )
    return Scale(processes, shards)


def run_sandbox(
    settings: Settings,
    script: Path | None,
    database: Path | None,
    output: str | None = None,
    scale: Scale | None = None,
) -> int:
    from bot.canon import CanonError
    from bot.core.database import DatabaseError
    from bot.core.logs import setup_logging
    from bot.sandbox.cli import run_sandbox_session  # only the sandbox needs aiohttp's server side

    # The sandbox prints what users see on standard output: keep logs to warnings unless asked for more.
    level = settings.log_level if "LOG_LEVEL" in os.environ else "WARNING"
    setup_logging(dataclasses.replace(settings, log_level=level))
    try:
        chat = output == "chat" or (output is None and sys.stdout.isatty())
        url = settings.database_url.reveal() if settings.database_url else None
        return asyncio.run(
            run_sandbox_session(
                script,
                database,
                semantic=settings.shield_semantic,
                chat=chat,
                database_url=None if database else url,  # --db names an SQLite file: that one
                scale=scale,
            )
        )
    except KeyboardInterrupt:
        return EXIT_OK
    except (DatabaseError, CanonError, OSError) as error:
        print(f"heartbot sandbox: {error}", file=sys.stderr)
        return EXIT_FAILURE


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.command == "scan":  # needs no settings, token or database
        from bot.shield.scan import main as scan_main

        forwarded = ["--watched", args.watched] if args.watched else []
        return scan_main(forwarded + (["--semantic", args.semantic] if args.semantic else []))
    load_dotenv(find_dotenv(usecwd=True))
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"heartbot: {error}", file=sys.stderr)
        return EXIT_CONFIG
    if args.command in ("migrate", "copy-db"):
        return run_database_command(args, settings)
    if args.command == "sandbox" or (settings.discord_token is None and _on_terminal()):
        if args.command != "sandbox":
            print(NO_TOKEN_TERMINAL, file=sys.stderr)
        try:
            scale = _scale(args, settings)
        except SettingsError as error:
            print(f"heartbot sandbox: {error}", file=sys.stderr)
            return EXIT_CONFIG
        return run_sandbox(
            settings,
            getattr(args, "script", None),
            getattr(args, "db", None),
            getattr(args, "output", None),
            scale,
        )
    import aiohttp
    import discord

    from bot.canon import CanonError
    from bot.core.database import DatabaseError
    from bot.core.logs import setup_logging

    setup_logging(settings)
    if settings.discord_token is None:
        print(NO_TOKEN_LINE, file=sys.stderr)
        return EXIT_CONFIG
    token = settings.discord_token.reveal()
    try:
        if args.command == "sync":
            asyncio.run(sync(settings, token, args.guild))
        elif settings.sandbox_url is not None:
            from bot.sandbox.link import run_linked

            asyncio.run(run_linked(settings, token))
        else:
            asyncio.run(run(settings, token))
    except KeyboardInterrupt:
        return EXIT_OK
    except discord.LoginFailure:
        print(
            "heartbot: Discord rejected DISCORD_TOKEN; reset it in the Developer Portal and update .env",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    except discord.PrivilegedIntentsRequired:
        print(
            "heartbot: Discord refused a privileged intent; see the README's intents section", file=sys.stderr
        )
        return EXIT_FAILURE
    except (DatabaseError, CanonError) as error:
        print(f"heartbot: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except (aiohttp.ClientError, OSError) as error:
        print(f"heartbot: cannot reach Discord ({error}); check the network and try again", file=sys.stderr)
        return EXIT_FAILURE
    except discord.HTTPException as error:
        print(
            f"heartbot: Discord answered {error.status} ({error.text or 'no detail'}); try again later",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    except Exception:
        log.critical("heartbot stopped on an unexpected error", exc_info=True)
        return EXIT_FAILURE
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
