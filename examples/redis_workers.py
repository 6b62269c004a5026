"""A stateful MCP server whose sessions every worker shares through Redis.

Run several of these behind any load balancer (no sticky routing; see
examples/scale_out.sh for redis-server + 2 workers + haproxy round-robin):

    python examples/redis_workers.py 8001 redis://127.0.0.1:6379/0
    python examples/redis_workers.py 8002 redis://127.0.0.1:6379/0

A client may ``initialize`` on one worker and send everything else to another; the
``count`` tool's notifications reach the client's GET stream wherever it is held.  Needs
redis-py: ``pip install 'mcplite[redis]'``.
"""

from __future__ import annotations

import sys

from mcplite import Context, RedisStore, Server


def make_server(redis_url: str) -> Server:
    server = Server("inventory", store=RedisStore(redis_url))

    @server.tool()
    async def count(ctx: Context, upto: int = 3) -> str:
        """Count, logging each number to the client."""
        for n in range(1, upto + 1):
            await ctx.log("info", f"{n}")
        return f"counted to {upto}"

    @server.resource("stock://{item}")
    def stock(item: str) -> str:
        return f"{item}: 42"

    return server


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8001
    url = sys.argv[2] if len(sys.argv) > 2 else "redis://127.0.0.1:6379/0"
    make_server(url).run("streamable-http", host="127.0.0.1", port=port)
