"""_cli helpers on a (simulated) terminal: interactive elicitation and sampling, content
rendering."""

from __future__ import annotations

import asyncio

import pytest

from mcplite import types as t
from mcplite._cli import client_cmds as _cli


def answers(monkeypatch: pytest.MonkeyPatch, *replies: str) -> list[str]:
    """Pretend to be on a terminal and answer ``input()`` prompts in order."""
    prompts: list[str] = []
    queue = list(replies)

    def fake_input(prompt: str = "") -> str:
        prompts.append(prompt)
        return queue.pop(0)

    monkeypatch.setattr(_cli, "_interactive", lambda: True)
    monkeypatch.setattr("builtins.input", fake_input)
    return prompts


def test_form_elicitation_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = answers(monkeypatch, "Ada", "36", "not json")
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "age": {"type": "integer"},
            "tags": {"type": "array"},
        },
    }
    params = t.ElicitParams(message="Who are you?", requested_schema=schema)
    result = asyncio.run(_cli._elicit(params))
    assert result.action == "accept"
    # strings stay text, JSON types are decoded, undecodable input is kept as text
    assert result.content == {"name": "Ada", "age": 36, "tags": "not json"}
    assert prompts == ["  name (string): ", "  age (integer): ", "  tags (array): "]
    assert "server asks: Who are you?" in capsys.readouterr().err


@pytest.mark.parametrize(("reply", "action"), [("y", "accept"), ("Yes", "accept"), ("", "decline")])
def test_url_elicitation_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], reply: str, action: str
) -> None:
    answers(monkeypatch, reply)
    params = t.ElicitParams(message="Sign in", mode="url", url="https://example.test/auth")
    result = asyncio.run(_cli._elicit(params))
    assert result.action == action
    assert "open: https://example.test/auth" in capsys.readouterr().err


def test_elicitation_without_schema_accepts_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    answers(monkeypatch)
    result = asyncio.run(_cli._elicit(t.ElicitParams(message="ok?")))
    assert result.action == "accept" and result.content == {}


def test_sampling_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers(monkeypatch, "forty-two")
    params = t.CreateMessageParams(
        messages=[
            t.SamplingMessage(role="user", content=t.TextContent(text="what is it?")),
            t.SamplingMessage(
                role="user", content=t.ImageContent(data="AAAA", mime_type="image/png")
            ),
            t.SamplingMessage(role="assistant", content=[t.TextContent(text="a list")]),
        ],
        max_tokens=10,
    )
    result = asyncio.run(_cli._sample(params))
    assert result.role == "assistant" and result.model == "human-via-mcplite-cli"
    assert isinstance(result.content, t.TextContent) and result.content.text == "forty-two"
    err = capsys.readouterr().err
    assert "what is it?" in err
    assert "[user] ImageContent(" in err  # no text: shown as its repr
    assert "[assistant] [TextContent(" in err


def test_sampling_shows_text_messages_verbatim(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers(monkeypatch, "ok")
    message = t.SamplingMessage(role="user", content=t.TextContent(text="line one\nline two"))
    asyncio.run(_cli._sample(t.CreateMessageParams(messages=[message], max_tokens=5)))
    assert "[user] line one\nline two\n" in capsys.readouterr().err


def test_content_text_renders_every_block_kind() -> None:
    blocks = [
        t.TextContent(text="hello"),
        t.EmbeddedResource(resource=t.TextResourceContents(uri="file:///a.txt", text="x")),
    ]
    assert _cli._content_text(blocks) == "hello\n[resource file:///a.txt]"
    # other blocks are shown as a bracketed placeholder, never their (base64) payload
    text = _cli._content_text([t.ImageContent(data="QUFBQQ==", mime_type="image/png")])
    assert text.startswith("[") and text.endswith("]") and "QUFBQQ" not in text


def test_content_text_names_blocks_by_their_spec_type() -> None:
    blocks = [t.ImageContent(data="AAAA", mime_type="image/png")]
    assert _cli._content_text(blocks) == "[image]"
