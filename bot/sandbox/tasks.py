"""Which asyncio task started which: how the harness tells the bot's handlers from everything else.

discord.py runs every event listener, slash command, button and modal in a task it starts while reading
the gateway, and those may start more. A task factory on the event loop remembers each task's parent, so
"the bot is handling something" is "a task descending from its gateway connection is still running",
whatever discord.py names its tasks.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Coroutine, Generator, Iterator
from typing import Any

_TREES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, TaskTree] = weakref.WeakKeyDictionary()


class TaskTree:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._parents: weakref.WeakKeyDictionary[asyncio.Future[Any], asyncio.Task[Any]] = (
            weakref.WeakKeyDictionary()
        )
        self._previous = loop.get_task_factory()
        loop.set_task_factory(self._create)

    def _create(
        self,
        loop: asyncio.AbstractEventLoop,
        coro: Coroutine[Any, Any, Any] | Generator[Any, None, Any],
        **options: Any,
    ) -> asyncio.Future[Any]:
        if self._previous is not None:
            task = self._previous(loop, coro, **options)
        else:
            task = asyncio.Task(coro, loop=loop, **options)
        parent = asyncio.current_task(loop)
        if parent is not None:
            self._parents[task] = parent
        return task

    def ancestors(self, task: asyncio.Future[Any]) -> Iterator[asyncio.Task[Any]]:
        parent = self._parents.get(task)
        while parent is not None:
            yield parent
            parent = self._parents.get(parent)

    def descendants(self, root: asyncio.Task[Any]) -> list[asyncio.Task[Any]]:
        """The unfinished tasks `root` started, directly or through others."""
        return [task for task in asyncio.all_tasks(root.get_loop()) if root in self.ancestors(task)]


def task_tree() -> TaskTree:
    """The running loop's tree, installed on first use; tasks made before that have no known parent."""
    loop = asyncio.get_running_loop()
    if loop not in _TREES:
        _TREES[loop] = TaskTree(loop)
    return _TREES[loop]


# The bot's one long-lived task of its own (bot/core/timers.py names it): it says itself when it is idle.
DISPATCHER_TASK = "timer-dispatcher"


def _coroutine_name(task: asyncio.Task[Any]) -> str:
    return getattr(task.get_coro(), "__qualname__", "")


def _waiting(task: asyncio.Task[Any]) -> bool:
    """Tasks that wait rather than work: a view's timeout (discord.py gives one to every view on an
    ephemeral message), and a shard's loop reading its connection (what it starts for an event is work)."""
    name = _coroutine_name(task)
    return name.endswith("__timeout_task_impl") or name == "Shard.worker"


def handlers_running(gateway: asyncio.Task[Any]) -> list[str]:
    """The names of the tasks the bot's gateway task started that are still at work: its handlers, leaving
    out the timer dispatcher and what it started (the dispatcher reports for itself) and tasks that wait."""
    tree = task_tree()
    started = tree.descendants(gateway)
    dispatcher = [t for t in started if t.get_name() == DISPATCHER_TASK]
    return sorted(
        t.get_name()
        for t in started
        if t not in dispatcher and not _waiting(t) and not any(a in dispatcher for a in tree.ancestors(t))
    )
