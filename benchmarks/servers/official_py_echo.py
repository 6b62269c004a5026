"""Echo server on the official Python SDK (``MCPServer``); run with the peer's own interpreter.

    python official_py_echo.py stdio
    python official_py_echo.py http PORT json|sse

Standalone on purpose: it runs in the peer's virtualenv, where this repository is not importable.
"""

import sys

from mcp.server.mcpserver import MCPServer  # type: ignore[import-not-found,unused-ignore]

server = MCPServer("bench", version="1.0.0", log_level="WARNING")


@server.tool(structured_output=False)  # type: ignore[misc,untyped-decorator,unused-ignore]
async def echo(text: str) -> str:
    return text


if __name__ == "__main__":
    if sys.argv[1] == "stdio":
        server.run()
    else:
        server.run(
            "streamable-http",
            host="127.0.0.1",
            port=int(sys.argv[2]),
            json_response=sys.argv[3] == "json",
            stateless_http=False,
        )
