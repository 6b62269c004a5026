"""_jsonrpc: envelope decode/classify/encode, batches, and the fuzz contract."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given, settings, strategies as st

from mcplite._core import jsonrpc as rpc
from mcplite._errors import INVALID_REQUEST, PARSE_ERROR, RemoteProtocolError
from mcplite.types import TextContent


def test_request_notification_response_error_classified() -> None:
    kind, msg = rpc.decode_message(b'{"jsonrpc":"2.0","id":1,"method":"ping"}')
    assert kind == rpc.REQUEST and msg.id == 1 and msg.method == "ping"
    kind, msg = rpc.decode_message(b'{"jsonrpc":"2.0","method":"n","params":{"a":1}}')
    assert kind == rpc.NOTIFICATION and isinstance(msg.params, msgspec.Raw)
    assert bytes(msg.params) == b'{"a":1}'
    kind, msg = rpc.decode_message(b'{"jsonrpc":"2.0","id":"x","result":{}}')
    assert kind == rpc.RESPONSE and msg.id == "x"
    kind, msg = rpc.decode_message(
        b'{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad"}}'
    )
    assert kind == rpc.ERROR and isinstance(msg.error, rpc.ErrorObject)
    assert msg.error.code == -32700


@pytest.mark.parametrize(
    ("data", "code", "id", "words"),
    [
        (b"{not json", PARSE_ERROR, None, "Parse error"),
        (b'{"jsonrpc":"1.0","id":3,"method":"x"}', INVALID_REQUEST, 3, "'1.0'"),
        (b'{"id":3,"method":"x"}', INVALID_REQUEST, 3, "got nothing"),
        (b'{"jsonrpc":"2.0","id":null,"method":"x"}', INVALID_REQUEST, None, "null"),
        (b'{"jsonrpc":"2.0","id":1,"method":"x","result":1}', INVALID_REQUEST, 1, "result"),
        (
            b'{"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1,"message":""}}',
            INVALID_REQUEST,
            None,
            "both",
        ),
        (b'{"jsonrpc":"2.0","result":1}', INVALID_REQUEST, None, "missing id"),
        (b'{"jsonrpc":"2.0","id":7}', INVALID_REQUEST, 7, "expected a method"),
        (b'{"jsonrpc":"2.0"}', INVALID_REQUEST, None, "expected a method"),
        (b'{"jsonrpc":"2.0","id":1.5,"method":"x"}', INVALID_REQUEST, None, "Invalid"),
        (b'{"jsonrpc":"2.0","id":"k","method":5}', INVALID_REQUEST, "k", "Expected `str`"),
        (b'{"jsonrpc":"2.0","id":true,"method":"x"}', INVALID_REQUEST, None, "Invalid"),
        (b"[1", PARSE_ERROR, None, "Parse error"),
        (b"[]", INVALID_REQUEST, None, "empty batch"),
        (b"42", INVALID_REQUEST, None, "Expected `object`"),
    ],
)
def test_invalid_messages_carry_code_and_id(data: bytes, code: int, id: object, words: str) -> None:
    with pytest.raises(rpc.InvalidMessage) as info:
        rpc.decode(data)
    assert info.value.code == code
    assert info.value.id == id
    assert words in info.value.message


def test_batch_members_decoded_in_place() -> None:
    out = rpc.decode(b' [{"jsonrpc":"2.0","id":1,"method":"a"}, 5, {"jsonrpc":"2.0","method":"n"}]')
    assert isinstance(out, list) and len(out) == 3
    assert out[0][0] == rpc.REQUEST  # type: ignore[index]
    assert isinstance(out[1], rpc.InvalidMessage) and out[1].code == INVALID_REQUEST
    assert out[2][0] == rpc.NOTIFICATION  # type: ignore[index]


def test_encoders_produce_canonical_envelopes() -> None:
    assert rpc.encode_request(1, "ping") == b'{"jsonrpc":"2.0","id":1,"method":"ping"}'
    assert (
        rpc.encode_request("a", "m", {"x": 1})
        == b'{"jsonrpc":"2.0","id":"a","method":"m","params":{"x":1}}'
    )
    assert rpc.encode_notification("n") == b'{"jsonrpc":"2.0","method":"n"}'
    assert rpc.encode_notification("n", {}) == b'{"jsonrpc":"2.0","method":"n","params":{}}'
    assert (
        rpc.encode_response(2, TextContent(text="hi"))
        == b'{"jsonrpc":"2.0","id":2,"result":{"type":"text","text":"hi"}}'
    )
    assert (
        rpc.encode_error(None, -32700, "bad")
        == b'{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad"}}'
    )
    assert rpc.encode_error(1, -1, "m", {"d": 1}).endswith(b'"data":{"d":1}}}')
    assert rpc.encode_batch([b"1", b"2"]) == b"[1,2]"
    raw = msgspec.Raw(b'{"already":"encoded"}')
    assert rpc.encode_response(3, raw) == b'{"jsonrpc":"2.0","id":3,"result":{"already":"encoded"}}'
    assert rpc.encode(raw) == b'{"already":"encoded"}'


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_arbitrary_bytes_raise_only_remote_protocol_error(data: bytes) -> None:
    try:
        rpc.decode(data)
    except RemoteProtocolError:
        pass


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
        ),
        max_leaves=10,
    )
)
def test_fuzz_arbitrary_json_raises_only_remote_protocol_error(value: object) -> None:
    try:
        rpc.decode(msgspec.json.encode(value))
    except RemoteProtocolError:
        pass
