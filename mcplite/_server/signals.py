"""Graceful shutdown on SIGTERM and SIGINT for ``Server.run`` (layer 3).

The first signal asks for a graceful shutdown (stop accepting, let in-flight requests
finish within ``shutdown_timeout``, cancel the rest with error answers, close); a second
one exits at once, as an operator pressing Ctrl-C twice expects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Iterator

__all__ = ["shutdown_signals"]

log = logging.getLogger(__name__)


@contextlib.contextmanager
def shutdown_signals() -> Iterator[asyncio.Event]:
    """An event set by the first SIGTERM/SIGINT while inside the block.

    Where the loop cannot take signal handlers (Windows, a thread other than the main
    one), nothing is installed and the event is never set by a signal.
    """
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    seen = 0

    def on_signal(signum: int) -> None:
        nonlocal seen
        seen += 1
        name = signal.Signals(signum).name
        if seen > 1:
            sys.stderr.write(f"{name} again: exiting now\n")
            sys.stderr.flush()
            os._exit(128 + signum)
        log.info("%s: shutting down gracefully (send it again to exit at once)", name)
        stop.set()

    installed: list[signal.Signals] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, on_signal, int(sig))
        except (NotImplementedError, RuntimeError, ValueError):
            continue
        installed.append(sig)
    try:
        yield stop
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
