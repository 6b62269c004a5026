"""_transport: the logging wrapper and the in-memory pair's close semantics."""

from __future__ import annotations

import logging

import pytest

from mcplite._errors import ConnectionClosed
from mcplite._io.transport import LoggingTransport, memory_pair


async def test_logging_transport(caplog: pytest.LogCaptureFixture) -> None:
    a, b = memory_pair(max_messages=1)
    logged = LoggingTransport(a, "client")
    with caplog.at_level(logging.DEBUG, logger="mcplite._io.transport"):
        await logged.send(b'{"x":1}')
        assert await b.receive() == b'{"x":1}'
        await b.send(b'{"y":2}')
        assert await logged.receive() == b'{"y":2}'
    assert [r.getMessage() for r in caplog.records] == [
        'client -> {"x":1}',
        'client <- {"y":2}',
    ]
    # a full queue at close time: the oldest message makes room for the EOF marker
    await b.send(b"pending")
    await b.aclose()
    await b.aclose()  # idempotent
    with pytest.raises(ConnectionClosed):
        await logged.receive()
    with pytest.raises(ConnectionClosed):
        await a.receive()
    with pytest.raises(ConnectionClosed):
        await a.send(b"late")
    await logged.aclose()
