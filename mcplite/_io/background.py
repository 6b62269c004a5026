"""Fire-and-forget tasks, held until they finish (layer 2).

The event loop keeps only a weak reference to a task (Python docs, ``asyncio.create_task``:
"Save a reference to the result of this function, to avoid a task disappearing
mid-execution"), so every owner of background work (an HTTP app closing a session, the
bearer middleware checking a token, a store delivering answers) keeps its tasks in a set
until they are done and cancels or awaits what is left when it shuts down.  ``spawn`` is
that bookkeeping, written once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

__all__ = ["spawn"]

T = TypeVar("T")


def spawn(tasks: set[Any], aw: Awaitable[T]) -> asyncio.Task[T]:
    """Run ``aw`` as a task held in ``tasks`` until it is done (then it leaves the set)."""
    task = asyncio.ensure_future(aw)
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return task
