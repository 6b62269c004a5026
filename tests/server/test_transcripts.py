"""Golden transcripts: client lines in, expected server lines out, over the raw JSON-RPC path.

``tests/transcripts/<name>.in.jsonl`` holds what a client sends (one JSON-RPC message per
line); ``<name>.out.jsonl`` what the everything-server must answer, compared as decoded JSON.
Normalised: sealed ``requestState`` values become ``"<sealed>"``; in input lines the string
``"$requestState"`` is replaced by the last sealed state the server sent.
``MCPLITE_UPDATE_TRANSCRIPTS=1`` rewrites the ``.out.jsonl`` files.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from mcplite import memory_pair

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE / "conformance"))

from everything_server import build_server  # noqa: E402

DIR = HERE / "transcripts"
NAMES = sorted(p.name[: -len(".in.jsonl")] for p in DIR.glob("*.in.jsonl"))
SEALED = "<sealed>"
READ_TIMEOUT_SECONDS = 5.0


def _normalise(msg: Any, seen: list[str]) -> Any:
    if isinstance(msg, dict):
        out = {}
        for k, v in msg.items():
            if k == "requestState" and isinstance(v, str):
                seen.append(v)
                out[k] = SEALED
            else:
                out[k] = _normalise(v, seen)
        return out
    if isinstance(msg, list):
        return [_normalise(v, seen) for v in msg]
    return msg


def _substitute(line: str, seen: list[str]) -> str:
    if "$requestState" in line:
        assert seen, "input uses $requestState before the server sent one"
        line = line.replace("$requestState", seen[-1])
    return line


async def run(lines: list[str]) -> list[Any]:
    server = build_server()
    wire, server_end = memory_pair()
    session = server.accept(server_end)
    out: list[Any] = []
    seen: list[str] = []
    outstanding: set[Any] = set()

    async def drain() -> None:
        # Read until every client request is answered or the server asks us something.
        while outstanding:
            raw = await asyncio.wait_for(wire.receive(), READ_TIMEOUT_SECONDS)
            msg = json.loads(raw)
            out.append(_normalise(msg, seen))
            if "method" in msg and "id" in msg:
                return
            if "method" not in msg:
                outstanding.discard(msg.get("id"))

    try:
        for line in lines:
            msg = json.loads(_substitute(line, seen))
            if msg.get("method") == "notifications/cancelled":
                outstanding.discard(msg["params"]["requestId"])
            await wire.send(json.dumps(msg).encode())
            if msg.get("method") == "subscriptions/listen":
                # Stays open: read its acknowledgement, not a response.
                raw = await asyncio.wait_for(wire.receive(), READ_TIMEOUT_SECONDS)
                out.append(_normalise(json.loads(raw), seen))
                continue
            if "method" in msg and "id" in msg:
                outstanding.add(msg["id"])
            if "method" in msg and "id" not in msg:
                for _ in range(5):
                    await asyncio.sleep(0)
                continue
            await drain()
    finally:
        await wire.aclose()
        await session.aclose()
    return out


@pytest.mark.parametrize("name", NAMES)
async def test_transcript(name: str) -> None:
    lines = [ln for ln in (DIR / f"{name}.in.jsonl").read_text().splitlines() if ln.strip()]
    got = await run(lines)
    expected_path = DIR / f"{name}.out.jsonl"
    if os.environ.get("MCPLITE_UPDATE_TRANSCRIPTS") == "1":
        expected_path.write_text("".join(json.dumps(m, sort_keys=True) + "\n" for m in got))
        return
    expected = [json.loads(ln) for ln in expected_path.read_text().splitlines() if ln.strip()]
    assert len(got) == len(expected), (got, expected)
    for i, (g, e) in enumerate(zip(got, expected)):
        assert g == e, f"{name}: server message {i + 1} differs"


def test_transcripts_exist() -> None:
    assert {"handshake", "stateless"} <= set(NAMES)
