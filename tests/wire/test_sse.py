"""Server-Sent Events encoder and decoder (mcplite._wire.sse), WHATWG HTML §9.2."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings, strategies as st

from mcplite._errors import LocalProtocolError, RemoteProtocolError
from mcplite._wire.sse import (
    DEFAULT_MAX_EVENT_BYTES,
    SSEDecoder,
    SSEEvent,
    encode_comment,
    encode_event,
)


def decode(*chunks: bytes, **kwargs: int) -> list[SSEEvent]:
    decoder = SSEDecoder(**kwargs)
    events: list[SSEEvent] = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    return events


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def test_simple_event() -> None:
    assert decode(b"data: hello\n\n") == [SSEEvent(data="hello")]
    assert DEFAULT_MAX_EVENT_BYTES == 4 * 1024 * 1024


def test_fields_event_id_retry() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"event: message\nid: 7\nretry: 1500\ndata: {}\n\n")
    assert events == [SSEEvent(data="{}", event="message", id="7", retry=1500)]
    assert decoder.last_event_id == "7"
    assert decoder.retry == 1500
    # The last event id persists; retry is per block on the event, persistent on the decoder.
    assert decoder.feed(b"event: ping\ndata: x\n\n") == [SSEEvent(data="x", event="ping", id="7")]
    assert decoder.retry == 1500


def test_multiline_data_and_line_endings() -> None:
    want = [SSEEvent(data="a\nb\n")]
    assert decode(b"data: a\ndata: b\ndata\n\n") == want
    assert decode(b"data: a\r\ndata: b\r\ndata\r\n\r\n") == want
    assert decode(b"data: a\rdata: b\rdata\r\r") == want


def test_cr_at_chunk_boundary() -> None:
    # CR ends a line; an LF arriving in the next chunk belongs to it, not a blank line.
    assert decode(b"data: a\r", b"\ndata: b\r\n\r\n") == [SSEEvent(data="a\nb")]
    assert decode(b"data: a\r", b"", b"\ndata: b\r\n\r\n") == [SSEEvent(data="a\nb")]
    assert decode(b"data: a\r", b"\r") == [SSEEvent(data="a")]


def test_comments_colonless_fields_and_space() -> None:
    stream = b": keep-alive\n:\ndata\ndata:no-space\ndata:  two\nunknown: x\n\n"
    assert decode(stream) == [SSEEvent(data="\nno-space\n two")]


def test_empty_data_is_not_dispatched_but_empty_data_field_is() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"event: x\nid: 1\n\n") == []
    assert decoder.last_event_id == "1"  # id is still taken on a blank line
    assert decoder.feed(b"data:\n\n") == [SSEEvent(data="", id="1")]
    assert decoder.feed(b"event: y\n\ndata: z\n\n") == [SSEEvent(data="z", id="1")]


def test_id_with_nul_is_ignored_and_empty_id_resets() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"id: 5\ndata: a\n\n")
    assert decoder.feed(b"id: 6\x007\ndata: b\n\n") == [SSEEvent(data="b", id="5")]
    assert decoder.feed(b"id\ndata: c\n\n") == [SSEEvent(data="c", id=None)]
    assert decoder.last_event_id is None


def test_retry_must_be_digits() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"retry: 10\nretry: x1\nretry: -5\nretry: " + b"9" * 19 + b"\ndata: d\n\n")
    assert decoder.retry == 10


def test_bom_is_stripped_once_even_split() -> None:
    want = [SSEEvent(data="x")]
    assert decode(b"\xef\xbb\xbfdata: x\n\n") == want
    assert decode(b"", b"\xef", b"\xbb", b"\xbf", b"data: x\n\n") == want
    assert decode(b"\xef\xbb\xbf\xef\xbb\xbfdata: x\n\n") == []  # a second BOM is a field name
    assert decode(b"\xef", b"data: x\n\n") == []  # "\xefdata" is not "data"
    assert decode(b"da", b"ta: x\n\n") == want


def test_invalid_utf8_is_replaced() -> None:
    assert decode(b"data: \xff\xfe\n\n") == [SSEEvent(data="\ufffd\ufffd")]
    assert decode(b"data: caf\xc3", b"\xa9\n\n") == [SSEEvent(data="café")]


def test_incomplete_event_at_end_is_not_dispatched() -> None:
    assert decode(b"data: a\n") == []


def test_event_size_limit() -> None:
    with pytest.raises(RemoteProtocolError, match="exceeds 10 bytes"):
        decode(b"data: 12345\ndata: 67890\n\n", max_event_bytes=10)
    with pytest.raises(RemoteProtocolError, match="exceeds 10 bytes"):
        decode(b"data: 1234", b"5678", max_event_bytes=10)
    with pytest.raises(RemoteProtocolError, match="comment"):
        decode(b":" + b"x" * 20 + b"\n", max_event_bytes=10)
    with pytest.raises(RemoteProtocolError, match="exceeds 10 bytes"):
        decode(b":", b"x" * 20, max_event_bytes=10)
    # Comments do not count against the event, and blank lines reset the count.
    assert decode(b": " + b"x" * 8 + b"\ndata: 1\n\ndata: 2\n\n", max_event_bytes=10) == [
        SSEEvent(data="1"),
        SSEEvent(data="2"),
    ]


def test_encode_event() -> None:
    assert encode_event(b'{"a":1}') == b'data: {"a":1}\n\n'
    assert encode_event(b"a\nb\r\nc\rd") == b"data: a\ndata: b\ndata: c\ndata: d\n\n"
    assert encode_event(b"x", event="message", id="e1", retry_ms=500) == (
        b"event: message\nid: e1\nretry: 500\ndata: x\n\n"
    )
    assert encode_event(b"") == b"data: \n\n"
    assert decode(encode_event(b"")) == [SSEEvent(data="")]


@pytest.mark.parametrize(
    "kwargs",
    [{"event": "a\nb"}, {"id": "a\rb"}, {"id": "a\x00b"}, {"retry_ms": -1}],
)
def test_encode_event_rejects_injection(kwargs: dict[str, object]) -> None:
    with pytest.raises(LocalProtocolError):
        encode_event(b"x", **kwargs)  # type: ignore[arg-type]


def test_encode_comment() -> None:
    assert encode_comment() == b":\n\n"
    assert encode_comment("ping") == b": ping\n\n"
    assert encode_comment("a\r\nb") == b": a\n: b\n\n"
    assert decode(encode_comment("a\nb") + encode_event(b"z")) == [SSEEvent(data="z")]


text_st = st.text(st.characters(codec="utf-8"), max_size=40)
name_st = st.text(st.characters(codec="utf-8", exclude_characters="\r\n\x00"), max_size=8)


@settings(max_examples=300, deadline=None)
@given(
    items=st.lists(
        st.tuples(
            text_st,
            st.none() | name_st.filter(bool),
            st.none() | name_st,
            st.none() | st.integers(0, 10**9),
        ),
        max_size=5,
    ),
    cuts=st.lists(st.integers(0, 500), max_size=12),
    bom=st.booleans(),
)
def test_encode_decode_round_trip_under_any_chunking(
    items: list[tuple[str, str | None, str | None, int | None]], cuts: list[int], bom: bool
) -> None:
    wire = b"\xef\xbb\xbf" if bom else b""
    wire += encode_comment("hello")
    expected: list[SSEEvent] = []
    last_id: str | None = None
    for text, event, id_, retry in items:
        wire += encode_event(text.encode(), event=event, id=id_, retry_ms=retry)
        if id_ is not None:
            last_id = id_ or None
        data = text.replace("\r\n", "\n").replace("\r", "\n")
        expected.append(SSEEvent(data=data, event=event or "message", id=last_id, retry=retry))
    assert decode(wire) == expected
    assert decode(*chunked(wire, cuts)) == expected
    assert decode(*[wire[i : i + 1] for i in range(len(wire))]) == expected


stream_st = st.lists(
    st.sampled_from(
        [
            b"data",
            b"data:",
            b"data: x",
            b"event: e",
            b"id: 1",
            b"id: \x00",
            b"retry: 9",
            b": c",
            b"",
            b"\r",
            b"\n",
            b"\r\n",
            b"\xef\xbb\xbf",
            b"\xc3",
            b"\xa9",
            b"junk",
        ]
    ),
    max_size=30,
).map(b"".join)


@settings(max_examples=300, deadline=None)
@given(stream=stream_st, cuts=st.lists(st.integers(0, 300), max_size=12))
def test_any_chunking_gives_the_same_events(stream: bytes, cuts: list[int]) -> None:
    whole = SSEDecoder()
    events = whole.feed(stream)
    split = SSEDecoder()
    assert [e for c in chunked(stream, cuts) for e in split.feed(c)] == events
    assert (split.last_event_id, split.retry) == (whole.last_event_id, whole.retry)
    assert decode(*[stream[i : i + 1] for i in range(len(stream))]) == events


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200), st.integers(1, 64))
def test_arbitrary_bytes_raise_only_remote_protocol_error(data: bytes, limit: int) -> None:
    try:
        decode(data[:50], data[50:], max_event_bytes=limit)
    except RemoteProtocolError:
        pass


def test_random_bytes_raise_only_remote_protocol_error() -> None:
    rng = random.Random(99)
    alphabet = b"data:id event retry\r\n\x00\xef\xbb\xbf x"
    for _ in range(2000):
        decoder = SSEDecoder(max_event_bytes=rng.randint(1, 40))
        try:
            for _ in range(4):
                decoder.feed(bytes(rng.choices(alphabet, k=rng.randint(0, 30))))
        except RemoteProtocolError:
            pass
