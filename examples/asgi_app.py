"""The MCP endpoint as an ASGI application, for uvicorn, hypercorn or granian.

    uvicorn --app-dir examples asgi_app:app --port 8000
    uvicorn --app-dir examples asgi_app:app --port 8000 --workers 4   # see below

mcplite itself imports no ASGI package.  With several workers, every worker must be able to
answer every request: 2026-07-28 clients are sessionless already; handshake-era clients
need ``stateless=True`` (or sticky routing on ``Mcp-Session-Id``), and 2026-07-28
``requestState`` must be sealed with one shared key (``MCP_STATE_KEY``).
"""

from __future__ import annotations

import os

from mcplite import Server, asgi_app

server = Server("asgi-demo", state_key=os.environ.get("MCP_STATE_KEY"))


@server.tool()
async def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


# Behind a proxy or on a public name, list the Host values clients use (DNS-rebinding
# protection accepts only loopback names on a loopback bind otherwise).
app = asgi_app(server, stateless=os.environ.get("MCP_STATELESS") == "1")
