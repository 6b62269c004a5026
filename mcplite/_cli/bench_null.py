"""The null server ``mcplite bench`` measures its own ceiling against (stdio, both eras).

It answers every request at once with a canned result, without validating, dispatching or
building anything, so a run against it is bounded by the load generator alone.  It offers
one tool (``null``, any arguments), one resource and one prompt, and speaks the handshake
(``initialize``) and 2026-07-28 ``server/discover``.  Over HTTP the ceiling is measured
against an mcplite server with the same ``null`` tool (``http_server``), as no hand-written
responder speaks streamable HTTP in both eras.

    python -m mcplite._cli.bench_null
"""

from __future__ import annotations

import sys
from typing import Any, Final

import msgspec

from .._server.server import Server

NULL_TOOL: Final = "null"
NULL_URI: Final = "null://resource"
NULL_PROMPT: Final = "null"
_VERSIONS: Final = ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]
_CAPS: Final[dict[str, Any]] = {"tools": {}, "resources": {}, "prompts": {}}
_INFO: Final = {"name": "mcplite-bench-null", "version": "1.0.0"}
_TEXT: Final = [{"type": "text", "text": "ok"}]

_RESULTS: Final[dict[str, Any]] = {
    "tools/call": {"content": _TEXT, "isError": False},
    "tools/list": {
        "tools": [{"name": NULL_TOOL, "inputSchema": {"type": "object"}, "description": "null"}]
    },
    "resources/read": {"contents": [{"uri": NULL_URI, "text": "ok", "mimeType": "text/plain"}]},
    "resources/list": {"resources": [{"uri": NULL_URI, "name": "null"}]},
    "resources/templates/list": {"resourceTemplates": []},
    "prompts/get": {"messages": [{"role": "user", "content": _TEXT[0]}]},
    "prompts/list": {"prompts": [{"name": NULL_PROMPT}]},
    "ping": {},
}


class _Request(msgspec.Struct):
    id: Any = None
    method: str = ""
    params: dict[str, Any] | None = None


def answer(line: bytes) -> bytes | None:
    """The response line to one request line (None for a notification or a response)."""
    try:
        req = msgspec.json.decode(line, type=_Request)
    except msgspec.DecodeError:
        return None
    if req.id is None or not req.method:
        return None
    result: Any
    if req.method == "initialize":
        asked = (req.params or {}).get("protocolVersion")
        result = {
            "protocolVersion": asked if asked in _VERSIONS[1:] else _VERSIONS[1],
            "capabilities": _CAPS,
            "serverInfo": _INFO,
        }
    elif req.method == "server/discover":
        result = {
            "_meta": {"io.modelcontextprotocol/serverInfo": _INFO},
            "resultType": "complete",
            "supportedVersions": _VERSIONS,
            "capabilities": _CAPS,
        }
    elif req.method in _RESULTS:
        result = {**_RESULTS[req.method], "resultType": "complete"}
    else:
        error = {"code": -32601, "message": f"Method not found: {req.method}"}
        return msgspec.json.encode({"jsonrpc": "2.0", "id": req.id, "error": error}) + b"\n"
    return msgspec.json.encode({"jsonrpc": "2.0", "id": req.id, "result": result}) + b"\n"


def http_server() -> Any:
    """The null server for HTTP targets: an mcplite ``Server`` whose ``null`` tool answers at
    once (``python -m mcplite run mcplite._cli.bench_null:http_server --http HOST:PORT``)."""
    server = Server(_INFO["name"], version=_INFO["version"])

    @server.tool(name=NULL_TOOL, description="null")
    async def null() -> str:
        return "ok"

    return server


def main() -> None:
    read, write, flush = sys.stdin.buffer.readline, sys.stdout.buffer.write, sys.stdout.flush
    while line := read():
        out = answer(line)
        if out is not None:
            write(out)
            flush()


if __name__ == "__main__":
    main()
