"""_streamable_wire: what a server peeks at in a POST before routing it (pure)."""

from __future__ import annotations

import base64

import msgspec

from mcplite._wire.streamable import (
    _media,
    _params,
    _Peek,
    _peek_decoder,
    decode_header_value,
)


def peek(data: bytes) -> _Peek:
    msg = _peek_decoder().decode(data)
    assert isinstance(msg, _Peek)
    return msg


def test_params_peek_reads_meta_name_and_uri() -> None:
    msg = peek(
        b'{"jsonrpc":"2.0","id":1,"method":"tools/call",'
        b'"params":{"name":"echo","_meta":{"k":1},"arguments":{"x":[1,2]}}}'
    )
    params = _params(msg)
    assert params.name == "echo" and params.meta == {"k": 1} and params.uri is None


def test_params_peek_tolerates_missing_or_non_object_params() -> None:
    assert _params(peek(b'{"jsonrpc":"2.0","id":1,"method":"ping"}')).name is None
    odd = _params(peek(b'{"jsonrpc":"2.0","id":1,"method":"x","params":[1,2]}'))
    assert odd.meta is None and odd.name is None  # the protocol will refuse it


def test_batches_peek_as_lists() -> None:
    msgs = _peek_decoder().decode(b'[{"method":"a"},{"id":2,"method":"b"}]')
    assert isinstance(msgs, list) and [m.method for m in msgs] == ["a", "b"]
    assert msgs[0].id is msgspec.UNSET and msgs[1].id == 2


def test_media_matching() -> None:
    assert not _media(None, b"application/json")  # the client MUST send Accept
    assert _media(b"Application/JSON, text/event-stream", b"application/json")
    assert not _media(b"text/html", b"application/json", b"text/event-stream")


def test_header_value_encoding() -> None:
    assert decode_header_value("us-west1") == "us-west1"
    encoded = base64.b64encode("Zürich".encode()).decode()
    assert decode_header_value(f"=?base64?{encoded}?=") == "Zürich"
    assert decode_header_value("=?base64?not base64!?=") is None
    bad_utf8 = base64.b64encode(b"\xff\xfe").decode()
    assert decode_header_value(f"=?base64?{bad_utf8}?=") is None
