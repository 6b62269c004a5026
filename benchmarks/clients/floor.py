"""Client runner for the floor client (drives any server: the "server alone" cells)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from .. import floor
from .._runner import Session, main


class FloorAdapter:
    @contextlib.asynccontextmanager
    async def open(self, spec: dict[str, Any]) -> AsyncIterator[Session]:
        transport = spec["transport"]
        if transport == "stdio":
            limit = spec.get("max_message_bytes") or floor.MAX_LINE_BYTES
            async with floor.connect_stdio(spec["server_cmd"], limit) as client:
                yield client
        elif transport == "http":
            async with floor.connect_http(spec["url"]) as client:
                yield client
        elif transport == "memory":
            async with floor.connect_memory() as client:
                yield client
        else:
            raise SystemExit(f"floor client: unknown transport {transport!r}")


if __name__ == "__main__":
    main(lambda spec: FloorAdapter())
