"""The load loops of ``mcplite bench``: closed (N calls in flight) and open (a fixed rate).

A call is measured when it *starts* inside the measured window (after the warm-up).  In the
open loop its latency runs from its intended start on the schedule, not from when it was
actually sent, so a server that stalls shows in the percentiles instead of slowing the
generator down with it (coordinated omission, as wrk2 and HdrHistogram correct it).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, Final

from .._core.histogram import Histogram
from .._errors import MCPError, RequestTimeout, RPCError, TransportError

Call = Callable[[], Awaitable[Any]]

TIMELINE_STEP_SECONDS: Final = 1.0
SHORT_TIMELINE_STEP_SECONDS: Final = 0.1
# The open loop's cap on calls in flight when --concurrency is not given: a bound on the
# generator's memory when the server stops answering, far above any sane server's queue.
DEFAULT_OPEN_LOOP_MAX_IN_FLIGHT: Final = 1000


def error_kind(exc: BaseException) -> str:
    """The error bucket of a failed call."""
    if isinstance(exc, RPCError):
        return f"rpc {exc.code}"
    if isinstance(exc, RequestTimeout | asyncio.TimeoutError):
        return "timeout"
    if isinstance(exc, TransportError | OSError | EOFError):
        return "transport"
    if isinstance(exc, MCPError):
        return "protocol"
    return type(exc).__name__


class Recorder:
    """What one run measured: a histogram, errors by kind, a per-second timeline."""

    def __init__(self, step: float = TIMELINE_STEP_SECONDS) -> None:
        self.step = step
        self.histogram = Histogram()
        self.errors: Counter[str] = Counter()
        self.error_examples: dict[str, str] = {}
        self.timeline: list[list[Any]] = []  # [completions, errors, Histogram] per step
        self.window_start: float | None = None
        self.last_done = 0.0
        self.started = 0  # calls started inside the window
        self.broken: str | None = None  # why the run stopped early (transport)
        self.on_open: Callable[[], None] | None = None

    def open_window(self, now: float) -> None:
        self.window_start = now
        if self.on_open is not None:
            self.on_open()

    def measuring(self, start: float) -> bool:
        return self.window_start is not None and start >= self.window_start

    def done(self, start: float, end: float, kind: str | None) -> None:
        assert self.window_start is not None
        latency = end - start
        self.histogram.record(latency)
        step = int((end - self.window_start) / self.step)
        while len(self.timeline) <= step:
            self.timeline.append([0, 0, Histogram()])
        slot = self.timeline[step]
        slot[0] += 1
        slot[2].record(latency)
        if kind is not None:
            slot[1] += 1
            self.errors[kind] += 1
        self.last_done = max(self.last_done, end)


async def one_call(call: Call) -> tuple[str | None, BaseException | None]:
    """Run one call: (None, None) on success, else (error kind, exception)."""
    try:
        result = await call()
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        return error_kind(exc), exc
    if getattr(result, "is_error", None) is True:
        return "isError", None
    return None, None


class Loop:
    """Drives the calls of one run; ``stop`` ends it early (Ctrl-C, a broken connection)."""

    def __init__(
        self,
        calls: list[Call],
        recorder: Recorder,
        *,
        concurrency: int,
        duration: float | None,
        max_calls: int | None,
        warmup: float,
        rate: float | None,
    ) -> None:
        self.calls = calls
        self.rec = recorder
        self.concurrency = concurrency
        self.duration = duration
        self.max_calls = max_calls
        self.warmup = warmup
        self.rate = rate
        self.stop = asyncio.Event()
        self.window_end: float | None = None
        self.in_flight = 0

    def _may_start(self, now: float) -> bool:
        if self.stop.is_set():
            return False
        if self.window_end is not None and now >= self.window_end:
            return False
        return self.max_calls is None or self.rec.started < self.max_calls

    async def _measure(self, call: Call, start: float) -> None:
        measured = self.rec.measuring(start)
        if measured:
            self.rec.started += 1
        self.in_flight += 1
        try:
            kind, exc = await one_call(call)
        finally:
            self.in_flight -= 1
        end = time.perf_counter()
        if measured:
            self.rec.done(start, end, kind)
            if kind is not None and exc is not None:
                self.rec.error_examples.setdefault(kind, str(exc) or type(exc).__name__)
        if kind == "transport":
            # A broken connection does not come back: the server died or hung up.
            self.rec.broken = self.rec.broken or (str(exc) or "the connection broke")
            self.stop.set()

    async def _windows(self, begin: float) -> None:
        """Open the measured window after the warm-up and close it after the duration."""
        if self.warmup > 0:
            try:
                async with asyncio.timeout(self.warmup):
                    await self.stop.wait()
                return
            except TimeoutError:
                pass
        now = time.perf_counter()
        self.rec.open_window(max(now, begin + self.warmup))
        if self.duration is not None:
            self.window_end = self.rec.window_start + self.duration  # type: ignore[operator]

    async def run(self) -> None:
        begin = time.perf_counter()
        if self.warmup <= 0:
            self.rec.open_window(begin)
            if self.duration is not None:
                self.window_end = begin + self.duration
            windows = None
        else:
            windows = asyncio.create_task(self._windows(begin))
        try:
            if self.rate is None:
                await self._closed()
            else:
                await self._open(begin)
        finally:
            if windows is not None:
                windows.cancel()

    async def _closed(self) -> None:
        async def worker(call: Call) -> None:
            while self._may_start(time.perf_counter()):
                await self._measure(call, time.perf_counter())

        calls = self.calls
        workers = [worker(calls[i % len(calls)]) for i in range(self.concurrency)]
        await asyncio.gather(*workers)

    async def _open(self, begin: float) -> None:
        assert self.rate is not None
        interval = 1.0 / self.rate
        slots = asyncio.Semaphore(self.concurrency)
        pending: set[asyncio.Task[None]] = set()
        calls = self.calls

        async def launch(call: Call, intended: float) -> None:
            try:
                await self._measure(call, intended)
            finally:
                slots.release()

        i = 0
        stopper = asyncio.create_task(self.stop.wait())
        try:
            while True:
                intended = begin + i * interval
                now = time.perf_counter()
                if intended > now:
                    await asyncio.wait([stopper], timeout=intended - now)
                if not self._may_start(intended):
                    break
                # Waiting for a free slot delays the send, never the intended start.
                await slots.acquire()
                task = asyncio.create_task(launch(calls[i % len(calls)], intended))
                pending.add(task)
                task.add_done_callback(pending.discard)
                i += 1
            if pending:
                await asyncio.wait(pending)
        finally:
            stopper.cancel()
            for task in pending:
                task.cancel()
