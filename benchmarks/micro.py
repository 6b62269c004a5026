"""Micro-benchmarks of mcplite's hot path, each next to the floor's equivalent where one exists.

Private modules are imported defensively: a module or function that is missing (or has changed
shape) prints a skip line instead of failing the run.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from typing import Any

from . import floor

CALL = (
    b'{"jsonrpc":"2.0","id":7,"method":"tools/call",'
    b'"params":{"name":"echo","arguments":{"text":"0123456789abcdef"}}}'
)
HTTP_HEAD = (
    b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nContent-Type: application/json\r\n"
    b"Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-11-25\r\n"
    b"Mcp-Session-Id: 0123456789abcdef0123456789abcdef\r\nContent-Length: %d\r\n\r\n" % len(CALL)
) + CALL


def timeit(fn: Callable[[], object], seconds: float) -> float:
    """Best-of-5 nanoseconds per call, each round ~seconds/5 long."""
    n = 1
    while True:  # calibrate
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t0 > 0.01:
            break
        n *= 4
    per = (time.perf_counter() - t0) / n
    rounds_n = max(1, int(seconds / 5 / per))
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(rounds_n):
            fn()
        best = min(best, (time.perf_counter() - t0) / rounds_n)
    return best * 1e9


def _mod(name: str) -> Any:
    return importlib.import_module(name)


def _cases() -> list[tuple[str, Callable[[], Callable[[], object]]]]:
    """(name, factory) pairs; the factory raises to mean 'skip' (with the reason)."""
    core = floor.FloorServer()

    def floor_decode() -> Callable[[], object]:
        dec = core._decode_request
        return lambda: dec(CALL)

    def floor_encode() -> Callable[[], object]:
        enc = core._encode
        out = floor.OutResponse(7, floor.CallToolResult([floor.TextContent("0123456789abcdef")]))
        return lambda: enc(out)

    def floor_args() -> Callable[[], object]:
        dec = core._decode_echo
        return lambda: dec(b'{"text":"0123456789abcdef"}')

    def jsonrpc_decode() -> Callable[[], object]:
        m = _mod("mcplite._core.jsonrpc")
        return lambda: m.decode(CALL)

    def jsonrpc_classify() -> Callable[[], object]:
        m = _mod("mcplite._core.jsonrpc")
        _, msg = m.decode_message(CALL)
        return lambda: m.classify(msg)

    def jsonrpc_encode() -> Callable[[], object]:
        m = _mod("mcplite._core.jsonrpc")
        result = {"content": [{"type": "text", "text": "0123456789abcdef"}]}
        return lambda: m.encode_response(7, result)

    def method_lookup() -> Callable[[], object]:
        m = _mod("mcplite._core.methods")
        m.lookup("tools/call")
        return lambda: m.lookup("tools/call")

    def schema_validate() -> Callable[[], object]:
        m = _mod("mcplite._core.schema")

        async def echo(text: str) -> str:
            return text

        sig = m.build_signature(echo)
        return lambda: sig.decode_json(b'{"text":"0123456789abcdef"}')

    def http_head() -> Callable[[], object]:
        m = _mod("mcplite._wire.http11")

        def parse() -> object:
            return m.RequestParser().feed_requests(HTTP_HEAD)

        if not parse():
            raise RuntimeError("RequestParser.feed_requests returned no request")
        return parse

    def sse_encode() -> Callable[[], object]:
        m = _mod("mcplite._wire.sse")
        data = CALL
        return lambda: m.encode_event(data, event="message")

    return [
        ("floor: envelope decode (msgspec Struct)", floor_decode),
        ("floor: response encode", floor_encode),
        ("floor: echo arguments decode", floor_args),
        ("mcplite._core.jsonrpc.decode (envelope)", jsonrpc_decode),
        ("mcplite._core.jsonrpc.classify", jsonrpc_classify),
        ("mcplite._core.jsonrpc.encode_response", jsonrpc_encode),
        ("mcplite._core.methods.lookup (dispatch)", method_lookup),
        ("mcplite._core.schema ToolSignature.decode_json", schema_validate),
        ("mcplite._wire.http11 RequestParser (head+body)", http_head),
        ("mcplite._wire.sse.encode_event", sse_encode),
    ]


def run(seconds: float, selected: Callable[[str], bool]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for name, factory in _cases():
        if not selected("micro/" + name):
            continue
        try:
            fn = factory()
            fn()
        except Exception as exc:  # any shape change in a private module is a skip, not a crash
            print(f"  skip micro {name}: {type(exc).__name__}: {exc}")
            continue
        ns = timeit(fn, seconds)
        results.append({"name": name, "ns_per_op": ns})
        print(f"  {name:<46} {ns:>9.0f} ns/op")
    return results
