"""Content results: Image/Audio/File helpers and mixed lists of blocks, no outputSchema."""

from __future__ import annotations

import base64
from pathlib import Path

import mcplite
from mcplite import Audio, File, Image, types as t

PNG = b"\x89PNG\r\n\x1a\nfake"


async def test_helpers_and_mixed_lists_are_content(tmp_path: Path) -> None:
    picture = tmp_path / "chart.png"
    picture.write_bytes(PNG)
    server = mcplite.Server("media")

    @server.tool()
    def image() -> Image:
        return Image(path=picture)

    @server.tool()
    def sound() -> Audio:
        return Audio(data=b"RIFF", format="wav")

    @server.tool()
    def report() -> File:
        return File(data=b"a,b\n", format="text/csv", name="report.csv")

    @server.tool()
    def mixed() -> list[t.ContentBlock | Image]:
        return [
            t.TextContent(text="caption"),
            Image(data=PNG, format="png"),
            t.ResourceLink(uri="file:///x", name="x"),
            t.EmbeddedResource(resource=t.TextResourceContents(uri="file:///y", text="y")),
            t.AudioContent(data="UklGRg==", mime_type="audio/wav"),
        ]

    async with mcplite.connect(server) as client:
        tools = {tool.name: tool for tool in await client.list_all_tools()}
        for name in ("image", "sound", "report", "mixed"):
            assert tools[name].output_schema is msgspec_unset(), name
        got = (await client.call_tool("image", {})).content
        assert isinstance(got[0], t.ImageContent) and got[0].mime_type == "image/png"
        assert base64.b64decode(got[0].data) == PNG
        audio = (await client.call_tool("sound", {})).content[0]
        assert isinstance(audio, t.AudioContent) and audio.mime_type == "audio/wav"
        file = (await client.call_tool("report", {})).content[0]
        assert isinstance(file, t.EmbeddedResource)
        assert file.resource.uri == "file:///report.csv"
        assert file.resource.mime_type == "text/csv"
        result = await client.call_tool("mixed", {})
        kinds = [type(b).__name__ for b in result.content]
        assert kinds == [
            "TextContent",
            "ImageContent",
            "ResourceLink",
            "EmbeddedResource",
            "AudioContent",
        ]
        assert result.structured_content is msgspec_unset()


def msgspec_unset() -> object:
    from msgspec import UNSET

    return UNSET


def test_a_helper_needs_exactly_one_source() -> None:
    import pytest

    with pytest.raises(ValueError, match="exactly one of path= or data="):
        Image()
    with pytest.raises(ValueError, match="exactly one of path= or data="):
        Image(path="a.png", data=b"x")
