"""Sans-I/O HTTP/1.1 (mcplite._wire.http11): parsing, limits, rejections, serialisers."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable

import pytest
from hypothesis import given, settings, strategies as st

from mcplite._errors import LocalProtocolError, RemoteProtocolError
from mcplite._wire.http11 import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_HEAD_BYTES,
    DEFAULT_MAX_HEADERS,
    DEFAULT_MAX_LINE_BYTES,
    Data,
    EndOfMessage,
    Event,
    Headers,
    HTTPProtocolError,
    Request,
    RequestParser,
    Response,
    ResponseParser,
)
from mcplite._wire.http11_write import (
    CHUNKED_END,
    REASONS,
    encode_chunk,
    encode_request_head,
    encode_response_head,
    reason,
)

Parser = RequestParser | ResponseParser


def merged(events: list[Event]) -> list[Event]:
    """Join adjacent Data events: chunking may split a body differently."""
    out: list[Event] = []
    for event in events:
        if isinstance(event, Data) and out and isinstance(out[-1], Data):
            out[-1] = Data(out[-1].data + event.data)
        elif not (isinstance(event, Data) and not event.data):
            out.append(event)
    return out


def feed_all(parser: Parser, chunks: list[bytes], eof: bool = False) -> list[Event]:
    events: list[Event] = []
    for chunk in chunks:
        events += parser.feed(chunk)
    if eof:
        events += parser.feed_eof()
    return merged(events)


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in itertools.pairwise([0, *points, len(data)])]


def reject(data: bytes, status: int = 400, match: str = "", **kwargs: int) -> None:
    with pytest.raises(HTTPProtocolError, match=match) as info:
        RequestParser(**kwargs).feed(data)
    assert info.value.status == status
    assert isinstance(info.value, RemoteProtocolError)


# --- requests ---------------------------------------------------------------------------------


def test_defaults() -> None:
    assert DEFAULT_MAX_HEAD_BYTES == 64 * 1024
    assert DEFAULT_MAX_HEADERS == 100
    assert DEFAULT_MAX_BODY_BYTES == 4 * 1024 * 1024
    assert DEFAULT_MAX_LINE_BYTES == 8 * 1024
    parser = RequestParser()
    assert parser.max_body_bytes == DEFAULT_MAX_BODY_BYTES
    assert ResponseParser().max_body_bytes is None


def test_post_with_content_length() -> None:
    raw = b"POST /mcp?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
    raw += b'Content-Length: 7\r\n\r\n{"a":1}'
    events = RequestParser().feed(raw)
    request = events[0]
    assert isinstance(request, Request)
    assert (request.method, request.target, request.http_version) == ("POST", "/mcp?x=1", b"1.1")
    assert request.keep_alive
    assert request.headers.get(b"content-type") == b"application/json"
    assert events[1:] == [Data(b'{"a":1}'), EndOfMessage()]


def test_body_across_feeds_and_feed_requests() -> None:
    parser = RequestParser()
    assert parser.feed_requests(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nab") == []
    assert parser.feed_requests(b"cd") == []
    [(request, body)] = parser.feed_requests(b"efGET /x HTTP/1.1\r\nHost: x\r\n")
    assert (request.method, body) == ("POST", b"abcdef")
    [(request, body)] = parser.feed_requests(b"\r\n")  # the second head completes
    assert (request.target, body) == ("/x", b"")


def test_pipelined_requests_in_one_feed() -> None:
    one = b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n1"
    two = b"POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n2\r\n0\r\n\r\n"
    three = b"GET /c HTTP/1.1\r\nHost: x\r\n\r\n"
    out = RequestParser().feed_requests(one + two + three)
    assert [(r.target, body) for r, body in out] == [("/a", b"1"), ("/b", b"2"), ("/c", b"")]


_REPEAT = b"POST /r HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nX-A: 1\r\n\r\nok"


def _sized(n: int) -> bytes:
    return _REPEAT.replace(b"Content-Length: 2", b"Content-Length: %d" % n)[:-2] + b"b" * n


_STREAMS = [
    # Pipelined requests of every framing: Content-Length (whole and split), none, chunked,
    # blank lines before a request, a bare-LF head, trailing whitespace, Expect, then a
    # Connection: close after which bytes are ignored.
    b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
    b"GET /b HTTP/1.1\r\nHost: x\r\nX-Pad: v \t\r\n\r\n"
    b"POST /c HTTP/1.1\r\nHost: y:1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
    b"\r\n\r\nPOST /d HTTP/1.1\r\nHost: y:1\r\nContent-Length: 0\r\n\r\n"
    b"POST /e HTTP/1.1\nHost: x\nContent-Length: 2\n\nok"
    b"POST /f HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nz"
    b"POST /g HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 1\r\n\r\nq"
    b"GET /ignored HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /h HTTP/1.0\r\nContent-Length: 2\r\n\r\n12GET /ignored HTTP/1.1\r\n\r\n",
    # The same head again and again (a keep-alive client), then one field different.
    _REPEAT * 3 + b"POST /r HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nzz" + _REPEAT,
    # ... and the same fields with another Content-Length each time (its digits only).
    _REPEAT + _sized(5) + _sized(12) + _sized(5) + _sized(0) + _sized(1) + _REPEAT + _sized(1000),
    _sized(3).replace(b"Length: 3", b"Length:   3 ") + _sized(3) + _sized(4),
    _sized(3) + _sized(3).replace(b"Length: 3", b"Length: 003"),
]

_BAD = [
    # A head reused from the one before stops being reused the moment a byte differs.
    _REPEAT * 2 + _REPEAT.replace(b"Host: x", b"Host: a b"),
    _REPEAT * 2 + _REPEAT.replace(b"X-A: 1", b"X-A : 1"),
    _REPEAT * 2 + _REPEAT.replace(b"Content-Length: 2", b"Content-Length: 2\r\nHost: y"),
    _REPEAT * 2 + _REPEAT.replace(b"HTTP/1.1", b"HTTP/1.2"),
    # ... and when only its Content-Length differs, the value is checked as ever.
    _REPEAT * 2 + _REPEAT.replace(b"Length: 2", b"Length: 1001"),
    _REPEAT * 2 + _REPEAT.replace(b"Length: 2", b"Length: 1234567890123456789"),
    _REPEAT * 2 + _REPEAT.replace(b"Length: 2", b"Length: 2, 3"),
    _REPEAT * 2 + _REPEAT.replace(b"Length: 2", b"Length: 2a"),
    _REPEAT * 2 + _REPEAT.replace(b"Length: 2", b"Length: -2"),
    _REPEAT * 2 + _REPEAT.replace(b"Length: 2", b"Length: 2\r\nContent-Length: 3"),
    _REPEAT * 2 + _REPEAT.replace(b"Length: 2", b"Length: 2\r\nTransfer-Encoding: chunked"),
    b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nzPOST /b HTTP/1.1\r\n\r\n",
    b"POST /a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
    b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n1"
    b"POST /b HTTP/1.1\r\nHost: a b\r\n\r\n",
    b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 9999999999\r\n\r\n",
    b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"POST /a HTTP/1.1\r\nHost: x\r\n Folded: y\r\n\r\n",
    b"POST /a HTTP/1.1\r\nHost: x\r\nExpect: nothing\r\n\r\n",
    b"POST /a HTTP/2.0\r\nHost: x\r\n\r\n",
]


def _by_events(chunks: list[bytes]) -> list[tuple[Request, bytes]]:
    """What feed_requests must return, assembled from feed()'s events."""
    parser = RequestParser(max_body_bytes=1000)
    out: list[tuple[Request, bytes]] = []
    body: list[bytes] = []
    request = None
    for chunk in chunks:
        for event in parser.feed(chunk):
            if isinstance(event, Request):
                request = event
            elif isinstance(event, Data):
                body.append(event.data)
            else:
                assert request is not None
                out.append((request, b"".join(body)))
                body = []
    return out


@pytest.mark.parametrize("stream", _STREAMS)
def test_feed_requests_is_feed_at_every_split(stream: bytes) -> None:
    """feed_requests takes whole requests without events (its hot path) and hands the rest
    to the event machinery: at every split point, and byte by byte, it returns what the
    events say."""
    expected = _by_events([stream])
    assert expected
    splits: list[list[bytes]] = [[stream[i : i + 1] for i in range(len(stream))]]
    splits += [[stream[:i], stream[i:]] for i in range(len(stream) + 1)]
    for chunks in splits:
        parser = RequestParser(max_body_bytes=1000)
        got = [pair for chunk in chunks for pair in parser.feed_requests(chunk)]
        assert got == expected, chunks  # the whole Request: target, fields, keep-alive
        for request, _ in got:
            assert request.headers.get(b"content-length") == dict(request.headers.raw).get(
                b"content-length"
            )
        assert _by_events(chunks) == expected


@pytest.mark.parametrize("stream", _BAD)
def test_feed_requests_refuses_as_feed_does(stream: bytes) -> None:
    def refusal(feed: Callable[[bytes], object]) -> tuple[int, str]:
        with pytest.raises(HTTPProtocolError) as info:
            feed(stream)
        return info.value.status, str(info.value)

    one, other = RequestParser(max_body_bytes=1000), RequestParser(max_body_bytes=1000)
    assert refusal(one.feed_requests) == refusal(other.feed)
    with pytest.raises(LocalProtocolError):  # the parser is finished after a refusal
        one.feed_requests(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")


def test_expect_continue_is_asked_for_each_request() -> None:
    """A head with Expect is never reused: each one asks for its 100 Continue."""
    parser = RequestParser()
    head = b"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n"
    for _ in range(3):
        assert parser.feed_requests(head) == []
        assert parser.continue_wanted and parser.awaiting_body
        parser.continue_wanted = False  # the connection sent it
        [(_, body)] = parser.feed_requests(b"x")
        assert body == b"x"


def test_chunked_with_extensions_and_trailers() -> None:
    raw = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"
    raw += b"5;name=value\r\nhello\r\n6 ; x\r\n world\r\n0\r\nX-Trailer: 1\r\nY: 2\r\n\r\n"
    assert feed_all(RequestParser(), [raw])[1:] == [Data(b"hello world"), EndOfMessage()]
    bytewise = feed_all(RequestParser(), [raw[i : i + 1] for i in range(len(raw))])
    assert bytewise == feed_all(RequestParser(), [raw])


@pytest.mark.parametrize(
    ("head", "keep_alive"),
    [
        (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", True),
        (b"GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n", True),
        (b"GET / HTTP/1.1\r\nHost: x\r\nConnection: closer\r\n\r\n", True),
        (b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, Close\r\n\r\n", False),
        (b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", False),
        (b"GET / HTTP/1.0\r\n\r\n", False),
        (b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", False),
    ],
)
def test_keep_alive(head: bytes, keep_alive: bool) -> None:
    request = RequestParser().feed(head)[0]
    assert isinstance(request, Request)
    assert request.keep_alive is keep_alive


def test_bytes_after_a_closing_request_are_ignored() -> None:
    parser = RequestParser()
    events = parser.feed(
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        b"GET /again HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    assert len(events) == 2
    assert parser.feed(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n") == []
    assert parser.feed_eof() == []


def test_leading_blank_lines_and_bare_lf() -> None:
    events = RequestParser().feed(b"\r\n\n\r\nGET / HTTP/1.1\nHost: a\nX:  v  \n\n")
    request = events[0]
    assert isinstance(request, Request)
    assert list(request.headers) == [(b"host", b"a"), (b"x", b"v")]
    assert RequestParser().feed(b"\r\n") == []


def test_head_split_at_every_point_and_terminator_straddling() -> None:
    raw = b"GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n\r\n"
    want = feed_all(RequestParser(), [raw])
    for i in range(len(raw) + 1):
        assert feed_all(RequestParser(), [raw[:i], raw[i:]]) == want
    assert feed_all(RequestParser(), [b"GET / HTTP/1.1\nHost: x\n", b"A: b\n", b"\n"]) == want


def test_headers_api() -> None:
    headers = Headers([(b"accept", b"a"), (b"x", b"1"), (b"accept", b"b")])
    assert headers.get(b"accept") == b"a, b"
    assert headers.get(b"missing") is None
    assert headers.get(b"missing", b"d") == b"d"
    assert headers.get_all(b"accept") == [b"a", b"b"]
    assert b"x" in headers
    assert b"y" not in headers
    assert "x" not in headers
    assert len(headers) == 3
    assert headers.raw[1] == (b"x", b"1")
    assert headers == Headers(list(headers))
    assert headers != Headers([])
    assert headers != "x"
    assert "Headers([(b'accept'" in repr(headers)


def test_duplicate_equal_content_length_is_accepted() -> None:
    raw = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"
    assert feed_all(RequestParser(), [raw])[1:] == [Data(b"abc"), EndOfMessage()]
    raw = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 003, 3\r\n\r\nabc"
    with pytest.raises(HTTPProtocolError, match="differing"):
        RequestParser().feed(raw)


@pytest.mark.parametrize(
    ("raw", "status", "match"),
    [
        (b"GET /\r\n\r\n", 400, "malformed request line"),
        (b"GET  / HTTP/1.1\r\n\r\n", 400, "malformed request line"),
        (b"G(T / HTTP/1.1\r\n\r\n", 400, "malformed request line"),
        (b"GET /\x7f HTTP/1.1\r\nHost: x\r\n\r\n", 400, "malformed request line"),
        (b"GET / HTTP/2.0\r\n\r\n", 505, "version"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n c\r\n\r\n", 400, "folding"),
        (b"GET / HTTP/1.1\r\nHost: x\r\n\tc\r\n\r\n", 400, "folding"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nA b: c\r\n\r\n", 400, "invalid header name"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nA : c\r\n\r\n", 400, "invalid header name"),
        (b"GET / HTTP/1.1\r\nHost: x\r\n: c\r\n\r\n", 400, "invalid header name"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nnocolon\r\n\r\n", 400, "without a colon"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nA: b\rc\r\n\r\n", 400, "invalid character"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nA: b\x00c\r\n\r\n", 400, "invalid character"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nA: b\x7f\r\n\r\n", 400, "invalid character"),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n",
            400,
            "smuggling",
        ),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
            400,
            "differing",
        ),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400, "digits"),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400, "digits"),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\n", 400, "digits"),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n", 400, "digits"),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4194305\r\n\r\n", 413, "exceeds"),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + b"9" * 40 + b"\r\n\r\n",
            413,
            "too large",
        ),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            501,
            "unsupported",
        ),
        (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400, "end with chunked"),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, x\r\n\r\n",
            400,
            "end with chunked",
        ),
        (b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "HTTP/1.0"),
    ],
)
def test_request_rejections(raw: bytes, status: int, match: str) -> None:
    reject(raw, status, match)


CHUNKED_HEAD = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"x\r\n", "invalid chunk-size"),
        (b"0x5\r\n", "invalid chunk-size"),
        (b"-1\r\n", "invalid chunk-size"),
        (b" 5\r\n", "invalid chunk-size"),
        (b"\r\n", "invalid chunk-size"),
        (b"1" * 17 + b"\r\n", "invalid chunk-size"),
        (b"5;a\x01\r\n", "invalid chunk-size"),
        (b"5;a\rb\r\n", "invalid chunk-size"),
        (b"5\n", "CRLF"),
        (b"\n", "CRLF"),
        (b"1\r\nab", "expected CRLF after chunk data"),
        (b"1\r\naX", "expected CRLF after chunk data"),
        (b"1\r\na\rX", "expected CRLF after chunk data"),
        (b"0\r\nX: y\n", "CRLF"),
    ],
)
def test_chunked_rejections(body: bytes, match: str) -> None:
    reject(CHUNKED_HEAD + body, 400, match)
    with pytest.raises(HTTPProtocolError, match=match):  # and byte by byte
        feed_all(RequestParser(), [bytes([b]) for b in CHUNKED_HEAD + body])


def test_limits_statuses() -> None:
    # 431: head too large, complete or not; too many headers; trailers too large.
    big = b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 100 + b"\r\n\r\n"
    reject(big, 431, "head exceeds 64", max_head_bytes=64)
    reject(big[:90], 431, "head exceeds 64", max_head_bytes=64)
    parser = RequestParser(max_head_bytes=64)
    assert parser.feed(big[:50]) == []
    with pytest.raises(HTTPProtocolError) as info:
        parser.feed(big[50:90])
    assert info.value.status == 431
    reject(
        b"GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 431, "too many", max_headers=2
    )
    trailers = CHUNKED_HEAD + b"0\r\n" + b"X: 12345678\r\n" * 8
    reject(trailers, 431, "trailer", max_head_bytes=80)
    # 414: request line too long.
    reject(b"GET /" + b"a" * 100 + b" HTTP/1.1\r\n\r\n", 414, "request line", max_line_bytes=64)
    # 413: body too large, by Content-Length or as chunks arrive.
    reject(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n",
        413,
        "exceeds",
        max_body_bytes=10,
    )
    reject(CHUNKED_HEAD + b"6\r\nabcdef\r\n5\r\n", 413, "chunked body", max_body_bytes=10)
    # 400: chunk-size / trailer line too long, complete, incomplete, or grown over feeds.
    reject(CHUNKED_HEAD + b"1" + b" " * 20 + b"\r\n", 400, "line exceeds", max_line_bytes=16)
    reject(CHUNKED_HEAD + b"1" + b" " * 20, 400, "line exceeds", max_line_bytes=16)
    parser = RequestParser(max_line_bytes=16)
    assert [type(e) for e in parser.feed(CHUNKED_HEAD + b"1" + b" " * 10)] == [Request]
    with pytest.raises(HTTPProtocolError, match="line exceeds"):
        parser.feed(b" " * 10)


def test_no_quadratic_backtracking_on_long_whitespace() -> None:
    reject(
        b"GET / HTTP/1.1\r\nHost: x\r\nX:" + b" \t" * 30000 + b"\x01\r\n\r\n",
        400,
        "invalid character",
    )


def test_large_head_in_tiny_chunks() -> None:
    raw = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X: " + b"a" * 60000 + b"\r\n\r\n"
    parser = RequestParser()
    events: list[Event] = []
    for i in range(0, len(raw), 16):
        events += parser.feed(raw[i : i + 16])
    assert isinstance(events[0], Request)
    assert events[0].headers.get(b"x") == b"a" * 60000


def test_after_an_error_the_parser_is_finished() -> None:
    parser = RequestParser()
    with pytest.raises(HTTPProtocolError):
        parser.feed(b"BAD\r\n\r\n")
    with pytest.raises(LocalProtocolError):
        parser.feed(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    with pytest.raises(LocalProtocolError):
        parser.feed_eof()
    parser = RequestParser(max_head_bytes=10)
    parser.feed(b"GET")
    with pytest.raises(HTTPProtocolError):
        parser.feed(b" /aaaaaaaaaaaa")
    with pytest.raises(LocalProtocolError):
        parser.feed(b"x")


def test_request_feed_eof() -> None:
    parser = RequestParser()
    assert parser.feed_eof() == []
    parser = RequestParser()
    parser.feed(b"GET / HT")
    with pytest.raises(HTTPProtocolError, match="middle of a message"):
        parser.feed_eof()
    parser = RequestParser()
    parser.feed(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab")
    with pytest.raises(HTTPProtocolError, match="middle of a message"):
        parser.feed_eof()


# --- responses --------------------------------------------------------------------------------


def test_response_content_length_and_keep_alive() -> None:
    parser = ResponseParser()
    parser.expect_response("POST")
    events = parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
    assert events == [
        Response(200, b"OK", Headers([(b"content-length", b"2")]), b"1.1", True),
        Data(b"{}"),
        EndOfMessage(),
    ]


def test_response_chunked_sse_stream() -> None:
    parser = ResponseParser()
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
    events = parser.feed(head + b"\r\n" + encode_chunk(b"data: 1\n\n"))
    assert events[1:] == [Data(b"data: 1\n\n")]
    assert parser.feed(encode_chunk(b"") + CHUNKED_END) == [EndOfMessage()]


def test_response_until_close() -> None:
    parser = ResponseParser()
    events = parser.feed(b"HTTP/1.1 200 OK\r\n\r\nsome")
    response = events[0]
    assert isinstance(response, Response)
    assert response.keep_alive is False
    assert parser.feed(b" more") == [Data(b" more")]
    assert parser.feed_eof() == [EndOfMessage()]
    assert parser.feed_eof() == []


@pytest.mark.parametrize(
    ("method", "status_line"),
    [("HEAD", b"HTTP/1.1 200 OK"), ("GET", b"HTTP/1.1 204 No Content"), ("GET", b"HTTP/1.1 304")],
)
def test_responses_without_body(method: str, status_line: bytes) -> None:
    parser = ResponseParser()
    parser.expect_response(method)
    parser.expect_response("GET")
    raw = status_line + b"\r\nContent-Length: 10\r\n\r\n"
    raw += b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"
    events = parser.feed(raw)
    assert [type(e) for e in events] == [Response, EndOfMessage, Response, Data, EndOfMessage]


def test_interim_responses_are_skipped() -> None:
    raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n"
    raw += b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
    events = ResponseParser().feed(raw)
    assert [type(e) for e in events] == [Response, EndOfMessage]
    assert isinstance(events[0], Response)
    assert events[0].status == 202


def test_http10_response_and_connection_close() -> None:
    parser = ResponseParser()
    events = parser.feed(b"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200 OK\r\n\r\n")
    assert isinstance(events[0], Response)
    assert events[0].keep_alive is False
    assert len(events) == 3  # the rest is ignored: the connection is done
    events = ResponseParser().feed(
        b"HTTP/1.1 200 \r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    )
    assert isinstance(events[0], Response)
    assert (events[0].keep_alive, events[0].reason) == (False, b"")


@pytest.mark.parametrize(
    ("raw", "status", "match"),
    [
        (b"HTTP/1.1 101 Switching Protocols\r\n\r\n", 400, "101"),
        (b"HTTP/1.1 099 X\r\n\r\n", 400, "100-999"),
        (b"HTTP/1.1 20 OK\r\n\r\n", 400, "malformed status line"),
        (b"HTTP/1.1 200 O\x00K\r\n\r\n", 400, "malformed status line"),
        (b"HTTP/3.0 200 OK\r\n\r\n", 505, "version"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", 400, "digits"),
        (b"HTTP/1.1 200 " + b"K" * 100 + b"\r\n\r\n", 400, "status line exceeds"),
    ],
)
def test_response_rejections(raw: bytes, status: int, match: str) -> None:
    with pytest.raises(HTTPProtocolError, match=match) as info:
        ResponseParser(max_line_bytes=64).feed(raw)
    assert info.value.status == status


def test_response_body_limit_is_optional() -> None:
    parser = ResponseParser(max_body_bytes=3)
    with pytest.raises(HTTPProtocolError) as info:
        parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n")
    assert info.value.status == 413
    parser = ResponseParser()
    with pytest.raises(HTTPProtocolError, match="too large"):
        parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: " + b"1" * 19 + b"\r\n\r\n")


# --- serialisers ------------------------------------------------------------------------------


def test_encode_response_head() -> None:
    head = encode_response_head(200, [(b"content-type", b"application/json")])
    assert head == b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n"
    assert encode_response_head(299, []) == b"HTTP/1.1 299 \r\n\r\n"
    assert encode_response_head(404, [], b"Nope") == b"HTTP/1.1 404 Nope\r\n\r\n"
    with pytest.raises(LocalProtocolError):
        encode_response_head(99, [])
    with pytest.raises(LocalProtocolError):
        encode_response_head(200, [], b"OK\r\nX: y")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        (b"x", b"a\r\nSet-Cookie: evil"),
        (b"x", b"a\nb"),
        (b"x", b"a\rb"),
        (b"x", b"a\x00b"),
        (b"x y", b"v"),
        (b"", b"v"),
        (b"x:", b"v"),
    ],
)
def test_serialisers_reject_injection(name: bytes, value: bytes) -> None:
    with pytest.raises(LocalProtocolError):
        encode_response_head(200, [(b"ok", b"1"), (name, value)])
    with pytest.raises(LocalProtocolError):
        encode_request_head("GET", "/", [(name, value)])


def test_encode_response_head_framing_and_its_block_cache() -> None:
    """Content-Length and Connection: close come after the caller's fields; the checked
    block of those fields is kept (bounded) and a refused one never is, so a field that
    smuggles a second line is refused every time."""
    from mcplite._wire import http11_write

    fields = [(b"content-type", b"application/json"), (b"mcp-session-id", b"abc")]
    for _ in range(2):
        assert encode_response_head(200, fields, content_length=12, close=True) == (
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nmcp-session-id: abc\r\n"
            b"content-length: 12\r\nconnection: close\r\n\r\n"
        )
        assert encode_response_head(202, fields, content_length=0).endswith(
            b"abc\r\ncontent-length: 0\r\n\r\n"
        )
    assert tuple(fields) in http11_write._BLOCKS
    evil = [(b"x", b"a\r\nSet-Cookie: evil")]
    for _ in range(2):
        with pytest.raises(LocalProtocolError):
            encode_response_head(200, evil, content_length=1)
    assert tuple(evil) not in http11_write._BLOCKS
    for i in range(http11_write._MAX_BLOCKS + 10):
        encode_response_head(200, [(b"x-n", b"%d" % i)])
    assert len(http11_write._BLOCKS) <= http11_write._MAX_BLOCKS
    mutable = [(b"x-m", bytearray(b"v"))]  # unhashable: encoded each time, never kept
    assert encode_response_head(200, mutable).endswith(b"x-m: v\r\n\r\n")  # type: ignore[arg-type]
    big = [(b"x-big", b"v" * 2000)]
    assert encode_response_head(200, big).endswith(b"v" * 2000 + b"\r\n\r\n")
    assert tuple(big) not in http11_write._BLOCKS


def test_encode_request_head_and_round_trip() -> None:
    body = b'{"jsonrpc":"2.0"}'
    head = encode_request_head(
        "POST", "/mcp", [(b"Host", b"h"), (b"Content-Length", b"%d" % len(body))]
    )
    assert head.startswith(b"POST /mcp HTTP/1.1\r\nHost: h\r\n")
    [(request, got)] = RequestParser().feed_requests(head + body)
    assert (request.method, request.target, got) == ("POST", "/mcp", body)
    for method, target in [("GE T", "/"), ("GET", "/a b"), ("GET", "/\r\n"), ("GÉT", "/")]:
        with pytest.raises(LocalProtocolError):
            encode_request_head(method, target, [])


def test_encode_chunk() -> None:
    assert encode_chunk(b"") == b""
    assert encode_chunk(b"x" * 26) == b"1a\r\n" + b"x" * 26 + b"\r\n"
    assert CHUNKED_END == b"0\r\n\r\n"


# --- properties -------------------------------------------------------------------------------

token_st = st.text("abcdefghijklmnopqrstuvwxyz-0123456789", min_size=1, max_size=8)
value_st = st.binary(max_size=12).map(
    lambda b: bytes(c for c in b if c == 9 or 32 <= c != 127).strip(b" \t")
)


@st.composite
def request_stream(draw: st.DrawFn) -> bytes:
    out = b""
    for _ in range(draw(st.integers(1, 3))):
        headers = [(n.encode(), v) for n, v in draw(st.lists(st.tuples(token_st, value_st)))]
        headers = [(n, v) for n, v in headers if n not in (b"content-length", b"connection")]
        headers = [(n, v) for n, v in headers if n not in (b"transfer-encoding", b"expect")]
        headers = [(b"Host", b"x"), *((n, v) for n, v in headers if n != b"host")]
        body = draw(st.binary(max_size=30))
        if draw(st.booleans()):
            headers.append((b"Transfer-Encoding", b"chunked"))
            pieces = chunked(body, draw(st.lists(st.integers(0, 40), max_size=4)))
            payload = b"".join(encode_chunk(p) for p in pieces) + CHUNKED_END
        else:
            headers.append((b"Content-Length", b"%d" % len(body)))
            payload = body
        out += encode_request_head("POST", "/" + draw(token_st), headers) + payload
    return out


@settings(max_examples=150, deadline=None)
@given(stream=request_stream(), cuts=st.lists(st.integers(0, 1000), max_size=10))
def test_any_chunking_gives_the_same_request_events(stream: bytes, cuts: list[int]) -> None:
    whole = feed_all(RequestParser(), [stream])
    assert feed_all(RequestParser(), chunked(stream, cuts)) == whole
    assert feed_all(RequestParser(), [stream[i : i + 1] for i in range(len(stream))]) == whole
    assert sum(isinstance(e, EndOfMessage) for e in whole) == sum(
        isinstance(e, Request) for e in whole
    )


@st.composite
def response_stream(draw: st.DrawFn) -> bytes:
    body = draw(st.binary(max_size=30))
    kind = draw(st.sampled_from(["length", "chunked", "close"]))
    headers: list[tuple[bytes, bytes]] = [(b"Content-Type", b"text/event-stream")]
    if kind == "chunked":
        headers.append((b"Transfer-Encoding", b"chunked"))
        pieces = chunked(body, draw(st.lists(st.integers(0, 40), max_size=4)))
        body = b"".join(encode_chunk(p) for p in pieces) + CHUNKED_END
    elif kind == "length":
        headers.append((b"Content-Length", b"%d" % len(body)))
    interim = b"HTTP/1.1 100 Continue\r\n\r\n" if draw(st.booleans()) else b""
    return interim + encode_response_head(200, headers) + body


@settings(max_examples=150, deadline=None)
@given(stream=response_stream(), cuts=st.lists(st.integers(0, 1000), max_size=10))
def test_any_chunking_gives_the_same_response_events(stream: bytes, cuts: list[int]) -> None:
    whole = feed_all(ResponseParser(), [stream], eof=True)
    assert isinstance(whole[-1], EndOfMessage)
    assert feed_all(ResponseParser(), chunked(stream, cuts), eof=True) == whole
    assert feed_all(ResponseParser(), [stream[i : i + 1] for i in range(len(stream))], True) == (
        whole
    )


PIECES = [
    b"GET / HTTP/1.1", b"POST /x HTTP/1.0", b"HTTP/1.1 200 OK", b"HTTP/1.1 100 C", b"HTTP/1.1 204",
    b"\r\n", b"\n", b"\r", b" ", b":", b"Content-Length: 3", b"Content-Length: 1",
    b"Transfer-Encoding: chunked", b"Connection: close", b"X: y", b"0", b"3", b"a", b";e",
    b"\x00", b"\t", b"\xff",
]  # fmt: skip
soup_st = st.lists(st.sampled_from(PIECES), max_size=40).map(b"".join)


def outcome(make: Callable[[], Parser], chunks: list[bytes]) -> tuple[list[Event] | None, int]:
    try:
        return feed_all(make(), chunks, eof=True), 0
    except HTTPProtocolError as exc:
        return None, exc.status


def small_request_parser() -> RequestParser:
    return RequestParser(max_head_bytes=60, max_headers=3, max_body_bytes=2, max_line_bytes=12)


def small_response_parser() -> ResponseParser:
    return ResponseParser(max_head_bytes=60, max_headers=3, max_body_bytes=2, max_line_bytes=20)


@settings(max_examples=300, deadline=None)
@given(soup=soup_st, cuts=st.lists(st.integers(0, 500), max_size=8), small=st.booleans())
def test_token_soup_same_outcome_under_any_chunking(
    soup: bytes, cuts: list[int], small: bool
) -> None:
    makers: list[Callable[[], Parser]] = (
        [small_request_parser, small_response_parser] if small else [RequestParser, ResponseParser]
    )
    for make in makers:
        whole = outcome(make, [soup])
        assert outcome(make, chunked(soup, cuts)) == whole
        assert outcome(make, [soup[i : i + 1] for i in range(len(soup))]) == whole


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_remote_protocol_error(data: bytes) -> None:
    for make in (RequestParser, ResponseParser, small_request_parser, small_response_parser):
        parser = make()
        try:
            parser.feed(data[:100])
            parser.feed(data[100:])
            parser.feed_eof()
        except RemoteProtocolError:
            pass


def test_random_bytes_raise_only_remote_protocol_error() -> None:
    rng = random.Random(2024)
    for i in range(3000):
        make = (RequestParser, ResponseParser, small_request_parser, small_response_parser)[i % 4]
        parser = make()
        try:
            for _ in range(3):
                parser.feed(b"".join(rng.choices(PIECES, k=rng.randint(0, 12))))
            parser.feed(rng.randbytes(rng.randint(0, 20)))
            parser.feed_eof()
        except RemoteProtocolError:
            pass


def test_one_reason_table_for_status_lines_and_messages() -> None:
    # RFC 9110 §15: the status line and the "<reason>: <detail>" messages share REASONS
    assert REASONS[413] == b"Content Too Large" and reason(413) == "Content Too Large"
    assert encode_response_head(503, []).startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
    assert reason(599) == "Error" and encode_response_head(599, []) == b"HTTP/1.1 599 \r\n\r\n"


def test_response_parser_reuses_a_repeated_head_and_keeps_its_framing() -> None:
    """A head seen before on the connection is not parsed again, yet framing still follows
    the request: after HEAD the same head has no body (RFC 9112 §6.3 rule 1)."""
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n"
    p = ResponseParser()
    firsts = []
    for method in ("GET", "POST", "HEAD", "POST"):
        p.expect_response(method)
        events = p.feed(head if method == "HEAD" else head + b"ok")
        assert type(events[0]) is Response and events[0].status == 200
        firsts.append(events[0])
        if method == "HEAD":
            assert events[1:] == [EndOfMessage()]
        else:
            assert events[1:] == [Data(b"ok"), EndOfMessage()]
    assert firsts[1] is firsts[0] and firsts[3] is firsts[0]  # reused, not re-parsed
    assert firsts[2] is not firsts[0]
    # A head announcing Connection: close is reused with its keep-alive decision.
    close = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    q = ResponseParser()
    q.feed(b"HTTP/1.1 204 No Content\r\n\r\n")
    events = q.feed(close)
    assert isinstance(events[0], Response)
    assert events[0].keep_alive is False and events[1:] == [EndOfMessage()]
    assert q.feed(b"HTTP/1.1 200 OK\r\n\r\n") == []  # closed: nothing more is read


def test_response_parser_reuse_does_not_bypass_its_limits() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
    loose = ResponseParser()
    loose.feed(head + b"x" * 100)
    again = loose.feed(head + b"x" * 100)[0]
    assert isinstance(again, Response) and again.status == 200
    strict = ResponseParser(max_body_bytes=10)  # its own heads: the loose one's hit no use
    with pytest.raises(HTTPProtocolError, match="10"):
        strict.feed(head)


@pytest.mark.parametrize(
    "line", [b"0x10", b"+1", b" 1", b"1_0", b"1" * 17, b"-1", b"1\x00", b"g", b""]
)
def test_chunk_size_hot_path_refuses_what_the_grammar_refuses(line: bytes) -> None:
    p = ResponseParser()
    with pytest.raises(HTTPProtocolError, match="chunk-size"):
        p.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + line + b"\r\n")


def test_chunk_size_hot_path_reads_hex_of_either_case() -> None:
    p = ResponseParser()
    body = b"A\r\n0123456789\r\nb;ext=1\r\n0123456789a\r\n0000000000000000\r\n\r\n"
    events = p.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
    assert [e.data for e in events if type(e) is Data] == [b"0123456789", b"0123456789a"]
    assert events[-1] == EndOfMessage()
