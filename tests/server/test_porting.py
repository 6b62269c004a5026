"""FastMCP spellings that port unchanged (issue 17): bare ``@server.tool``/``@server.prompt``."""

from __future__ import annotations

import mcplite


async def test_bare_decorators_register_and_return_the_function() -> None:
    server = mcplite.Server("bare")

    @server.tool
    def add(a: int, b: int) -> int:
        """Add."""
        return a + b

    @server.prompt
    def greet(name: str) -> str:
        return f"Hello {name}"

    assert add(1, 2) == 3 and greet("x") == "Hello x"  # still plain functions
    async with mcplite.connect(server) as client:
        tools = (await client.list_tools()).tools
        assert [(tool.name, tool.description) for tool in tools] == [("add", "Add.")]
        assert (await client.call_tool("add", {"a": 2, "b": 3})).structured_content == {"result": 5}
        prompt = await client.get_prompt("greet", {"name": "Bo"})
        assert prompt.messages[0].content.text == "Hello Bo"  # type: ignore[union-attr]
