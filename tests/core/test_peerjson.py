"""The JSON gate for peer bytes: nesting depth, UTF-8, and structural attacks on every parser."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings, strategies as st

from mcplite import types as t
from mcplite._auth import jose, jwt, oauth_metadata
from mcplite._client import streamable_wire as client_http
from mcplite._core import jsonrpc as rpc, peerjson
from mcplite._core.events import ReplyReady
from mcplite._core.protocol import SERVER_ROLE, Protocol
from mcplite._errors import PARSE_ERROR, AuthError, RemoteProtocolError
from mcplite._server import verifiers
from mcplite._wire.streamable import BodyPeek

LIMIT = peerjson.DEFAULT_MAX_JSON_DEPTH


def depth(value: object) -> int:
    """Reference: how many arrays/objects deep ``value`` nests."""
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


# Strings full of what could confuse a bracket counter: brackets, quotes, backslashes.
tricky = st.text(alphabet='[]{}"\\ab\n\u00e9\U0001f600', max_size=8)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | tricky,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(tricky, inner, max_size=3),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(json_values, st.integers(min_value=0, max_value=12))
def test_depth_measure_is_exact_for_well_formed_json(value: object, limit: int) -> None:
    data = msgspec.json.encode(value)
    assert peerjson.nesting_depth_exceeds(data, limit) == (depth(value) > limit)


@pytest.mark.parametrize(
    ("data", "deep"),
    [
        (b"[" * LIMIT + b"]" * LIMIT, False),
        (b"[" * (LIMIT + 1) + b"]" * (LIMIT + 1), True),
        (b'{"a":' * (LIMIT + 1) + b"1" + b"}" * (LIMIT + 1), True),
        # Brackets inside strings (escaped quotes and backslashes included) do not count.
        (b'["' + b"[" * 1000 + b'\\"' + b"{" * 1000 + b'\\\\"]', False),
        (b"[" * 100_000 + b"]" * 100_000, True),
    ],
)
def test_depth_limit(data: bytes, deep: bool) -> None:
    assert peerjson.nesting_depth_exceeds(data, LIMIT) is deep


def envelope(params: bytes) -> bytes:
    return b'{"jsonrpc":"2.0","id":7,"method":"tools/call","params":' + params + b"}"


# Structural attacks, each inside a JSON-RPC envelope.
deep_nesting = st.integers(min_value=LIMIT + 1, max_value=200_000).map(
    lambda n: envelope(b"[" * n + b"]" * n)
)
invalid_utf8 = st.sampled_from(
    [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\xe2\x82"]
).map(lambda bad: envelope(b'{"name":"x' + bad + b'"}'))
huge_numbers = st.sampled_from(
    [b"1" * 5000, b"-" + b"9" * 400, b"1e999999", b"0." + b"0" * 5000 + b"1", b"-1e-999999"]
).flatmap(lambda n: st.sampled_from([envelope(n), b'{"jsonrpc":"2.0","id":' + n + b"}"]))
long_keys = st.integers(min_value=1000, max_value=200_000).map(
    lambda n: envelope(b'{"' + b"k" * n + b'":1}')
)
duplicate_keys = st.sampled_from(
    [
        b'{"jsonrpc":"2.0","id":1,"id":2,"method":"ping","method":"tools/list"}',
        b'{"jsonrpc":"2.0","jsonrpc":"1.0","id":1,"method":"ping"}',
        b'{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"x"}}',
        envelope(b'{"name":"a","name":"b","arguments":{},"arguments":[]}'),
    ]
)
attacks = deep_nesting | invalid_utf8 | huge_numbers | long_keys | duplicate_keys


class _Identity:
    def __init__(self) -> None:
        self.info = t.Implementation(name="fuzz", version="0")
        self.instructions: str | None = None

    def capabilities(self) -> t.ServerCapabilities:
        return t.ServerCapabilities()


def protocol_receive(data: bytes) -> None:
    for ev in Protocol(SERVER_ROLE, identity=_Identity()).receive(data):
        if isinstance(ev, ReplyReady):
            reply = msgspec.json.decode(ev.data)
            assert "error" in reply or "result" in reply


def jwt_parse(data: bytes) -> None:
    def seg(b: bytes) -> bytes:
        return base64.urlsafe_b64encode(b).rstrip(b"=")

    jwt.parse_jws(seg(b'{"alg":"ES256"}') + b"." + seg(data) + b"." + seg(b"sig"))


def metadata(data: bytes) -> None:
    oauth_metadata.decode_json(data, oauth_metadata.AuthorizationServerMetadata, "metadata")


def jose_parse(data: bytes) -> None:
    seg = base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    jose.parse_jws(seg + "." + seg + ".c2ln")


def oauth_error_body(data: bytes) -> None:
    assert isinstance(oauth_metadata.error_message("token", 400, data), AuthError)


def jwks_document(data: bytes) -> None:
    jwt.keys_from_jwks(verifiers.peer_json(data))


def introspection_document(data: bytes) -> None:
    doc = verifiers.peer_json(data)
    assert doc is None or isinstance(doc, (dict, list, str, int, float, bool))


def bearer_methods(data: bytes) -> None:
    assert isinstance(BodyPeek(data).methods(), list)


def client_probe(data: bytes) -> None:
    client_http._probe(data)


class _Never(Exception):
    """For the parsers that answer bad input with a value, never an exception."""


PARSERS: dict[str, tuple[Callable[[bytes], Any], type[Exception]]] = {
    "jsonrpc.decode": (rpc.decode, RemoteProtocolError),
    "Protocol.receive": (protocol_receive, RemoteProtocolError),
    "jwt.parse_jws": (jwt_parse, RemoteProtocolError),
    "jose.parse_jws": (jose_parse, jose.JOSEError),
    "oauth_metadata.decode_json": (metadata, AuthError),
    "oauth_metadata.error_message": (oauth_error_body, _Never),
    "verifiers: a JWKS document": (jwks_document, RemoteProtocolError),
    "verifiers: an introspection answer": (introspection_document, _Never),
    "streamable POST peek: the methods (bearer scopes)": (bearer_methods, _Never),
    "client streamable HTTP: a response body's probe": (client_probe, _Never),
}


@pytest.mark.parametrize("parser", sorted(PARSERS))
@settings(max_examples=60, deadline=None)
@given(data=attacks)
def test_structural_attacks_raise_only_the_parsers_error(parser: str, data: bytes) -> None:
    parse, allowed = PARSERS[parser]
    try:
        parse(data)
    except allowed:
        pass


@settings(max_examples=100, deadline=None)
@given(deep_nesting | invalid_utf8)
def test_deep_nesting_and_invalid_utf8_are_parse_errors(data: bytes) -> None:
    with pytest.raises(rpc.InvalidMessage) as info:
        rpc.decode(data)
    assert info.value.code == PARSE_ERROR
    assert "limit of 128 levels" in info.value.message or "invalid UTF-8" in info.value.message


def test_protocol_answers_deep_nesting_with_a_parse_error_naming_the_limit() -> None:
    proto = Protocol(SERVER_ROLE, identity=_Identity(), max_json_depth=4)
    (ev,) = proto.receive(envelope(b"[[[[[1]]]]]"))
    assert isinstance(ev, ReplyReady)
    error = msgspec.json.decode(ev.data)["error"]
    assert error["code"] == PARSE_ERROR
    assert "limit of 4 levels" in error["message"]


def test_surrogates_and_overlong_forms_are_not_utf8() -> None:
    for bad in (b"\xed\xa0\x80", b"\xc0\xaf", b"\xf8\x88\x80\x80\x80"):
        with pytest.raises(peerjson.InvalidJSON, match="invalid UTF-8 at byte 2"):
            peerjson.check(b'["' + bad + b'"]')
    peerjson.check('["\u00e9\U0001f600"]'.encode())


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([b"{", b"[", b"x", b'"', b"}"]), max_size=60),
    st.integers(0, 6000),
    st.integers(0, 40),
)
def test_bracket_counting_agrees_with_count_on_both_sides_of_the_size_switch(
    parts: list[bytes], padding: int, limit: int
) -> None:
    # Small payloads are counted with bytes.count, large ones with find calls that stop
    # at the limit: both must say what counting says.
    data = b"".join(parts) + b" " * padding
    expected = data.count(b"[") + data.count(b"{") > limit
    assert peerjson._brackets_exceed(data, limit) is expected
    big = data + b" " * (peerjson._FIND_COUNT_ABOVE_BYTES + 1)
    assert peerjson._brackets_exceed(big, limit) is expected


def test_a_large_message_nested_past_the_limit_is_refused() -> None:
    deep = b'{"a":' * 200 + b'"' + b"x" * 70_000 + b'"' + b"}" * 200
    with pytest.raises(peerjson.InvalidJSON, match="nested deeper"):
        peerjson.check(deep)
    shallow = b'{"a":' * 20 + b'"' + b"x" * 70_000 + b'"' + b"}" * 20
    peerjson.check(shallow)
