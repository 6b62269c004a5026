"""Fixtures of the server tests: a real redis-server and worker processes on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.server.redis_fixture import (
    RedisServer,
    Workers,
    redis_server_or_skip,
    start_workers,
    stop_workers,
)


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    yield from redis_server_or_skip()


@pytest.fixture(scope="module")
def redis_workers(redis_server: RedisServer) -> Iterator[Workers]:
    workers = start_workers(redis_server)
    try:
        yield workers
    finally:
        stop_workers(workers)
