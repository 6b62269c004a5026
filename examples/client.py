"""Spawn examples/server.py over stdio and use every kind of feature it offers.

python examples/client.py
"""

from __future__ import annotations

import asyncio
import pathlib
import sys

import mcplite
from mcplite import types

SERVER = pathlib.Path(__file__).with_name("server.py")


def show_progress(progress: float, total: float | None, message: str | None) -> None:
    print(f"  progress {progress:g}/{total:g}: {message}")


async def main() -> None:
    # The same interpreter runs the server; connect() spawns it and closes it on exit.
    async with mcplite.connect([sys.executable, str(SERVER)]) as client:
        info = client.server_info
        assert info is not None
        print(f"connected to {info.name} {info.version}, protocol {client.protocol_version}")

        for tool in await client.list_all_tools():
            print(f"tool {tool.name}: {tool.description}")

        result = await client.call_tool("add", {"a": 2, "b": 3})
        print("add ->", result.structured_content)  # {'result': 5}

        result = await client.call_tool("divide", {"a": 1, "b": 0})
        print("divide ->", result.is_error, result.content[0])  # a tool error is a result

        result = await client.call_tool("count", {"n": 2}, on_progress=show_progress)
        print("count ->", result.structured_content)

        contents = (await client.read_resource("notes://welcome")).contents
        print("notes://welcome ->", contents[0].text)

        prompt = await client.get_prompt("greet", {"name": "Ada", "style": "pirate"})
        print("greet ->", prompt.messages[0].content)

        ref = types.PromptReference(name="greet")
        completion = await client.complete(ref, "style", "f")
        print("complete style=f... ->", completion.values)

        try:
            await client.read_resource("notes://missing")
        except mcplite.RPCError as exc:  # the server answered with a JSON-RPC error
            print(f"notes://missing -> error {exc.code}: {exc.message}")


if __name__ == "__main__":
    asyncio.run(main())
