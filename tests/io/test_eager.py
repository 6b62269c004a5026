"""_io/eager: a handler runs synchronously until it first suspends; after that it is a task
like any other (timeouts, cancellation, contextvars, TaskGroup bind to it, not to the
caller's task)."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

from mcplite._io.eager import eager_start

VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="unset")


async def test_a_coroutine_that_never_suspends_finishes_in_the_call() -> None:
    seen: list[Any] = []

    async def handler() -> None:
        VAR.set("inside")
        seen.append((VAR.get(), asyncio.current_task()))

    outer = asyncio.current_task()
    tasks_before = asyncio.all_tasks()
    task = eager_start(asyncio.get_running_loop(), handler(), contextvars.copy_context())
    assert task is None  # done already: no task left to schedule
    assert asyncio.all_tasks() == tasks_before
    assert seen[0][0] == "inside"
    assert seen[0][1] is not None and seen[0][1] is not outer  # not the caller's task
    assert VAR.get() == "unset"  # the handler's context is its own
    assert asyncio.current_task() is outer  # the caller is current again


async def test_a_coroutine_that_suspends_becomes_a_task_keeping_its_context() -> None:
    gate = asyncio.Event()
    seen: list[str] = []

    async def handler() -> None:
        VAR.set("mine")
        seen.append("before")
        await gate.wait()
        seen.append(VAR.get())

    task = eager_start(asyncio.get_running_loop(), handler(), contextvars.copy_context())
    assert task is not None and not task.done()
    assert seen == ["before"]  # the first step ran in the call
    gate.set()
    await task
    assert seen == ["before", "mine"]
    assert VAR.get() == "unset"


async def test_a_timeout_entered_before_the_first_await_cancels_the_handler_only() -> None:
    outcome: list[str] = []

    async def handler() -> None:
        try:
            async with asyncio.timeout(0.01):
                await asyncio.sleep(5)
        except TimeoutError:
            outcome.append("timed out")

    outer = asyncio.current_task()
    assert outer is not None
    task = eager_start(asyncio.get_running_loop(), handler(), contextvars.copy_context())
    assert task is not None
    await task
    assert outcome == ["timed out"]
    assert outer.cancelling() == 0  # the caller was never hit
    await asyncio.sleep(0.02)  # and keeps running past the deadline


async def test_a_task_group_opened_before_the_first_await_works() -> None:
    async def child(n: int) -> int:
        await asyncio.sleep(0)
        return n

    results: list[int] = []

    async def handler() -> None:
        async with asyncio.TaskGroup() as tg:
            a = tg.create_task(child(1))
            b = tg.create_task(child(2))
        results.extend([a.result(), b.result()])

    task = eager_start(asyncio.get_running_loop(), handler(), contextvars.copy_context())
    assert task is not None
    await task
    assert results == [1, 2]


async def test_cancelling_the_task_before_its_first_step_reaches_the_handler() -> None:
    seen: list[str] = []

    async def handler() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    task = eager_start(asyncio.get_running_loop(), handler(), contextvars.copy_context())
    assert task is not None
    task.cancel()  # before the loop ever ran it
    await asyncio.wait([task])
    assert task.cancelled()
    assert seen == ["cancelled"]


async def test_cancelling_a_running_handler_task() -> None:
    seen: list[str] = []
    started = asyncio.Event()

    async def handler() -> None:
        await asyncio.sleep(0)
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            seen.append("finally")

    task = eager_start(asyncio.get_running_loop(), handler(), contextvars.copy_context())
    assert task is not None
    await started.wait()
    task.cancel()
    await asyncio.wait([task])
    assert task.cancelled() and seen == ["finally"]


async def test_the_handler_cancelling_itself_before_suspending() -> None:
    seen: list[str] = []

    async def handler() -> None:
        current = asyncio.current_task()
        assert current is not None
        current.cancel()
        try:
            await asyncio.sleep(1)
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    task = eager_start(asyncio.get_running_loop(), handler(), contextvars.copy_context())
    assert task is not None
    await asyncio.wait([task])
    assert task.cancelled() and seen == ["cancelled"]


async def test_an_exception_before_the_first_await_is_the_coroutines_to_handle() -> None:
    caught: list[str] = []

    async def handler() -> None:
        try:
            raise ValueError("early")
        except ValueError as exc:
            caught.append(str(exc))

    assert eager_start(asyncio.get_running_loop(), handler(), contextvars.copy_context()) is None
    assert caught == ["early"]
