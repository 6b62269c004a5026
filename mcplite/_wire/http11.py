"""Sans-I/O HTTP/1.1 for both roles (layer 1, pure).

Message syntax is RFC 9112, semantics RFC 9110.  The server feeds received bytes to a
``RequestParser`` and writes what ``_http11_write.encode_response_head``/``encode_chunk``
return; the client does the mirror image with ``encode_request_head`` and a
``ResponseParser``.  Nothing
here does I/O or keeps a clock: timeouts belong to the asyncio layer.

Parsers return events (h11's vocabulary): a head (``Request`` or ``Response``), then zero or
more ``Data``, then ``EndOfMessage``.  Any chunking of the same bytes gives the same events
(``Data`` may be split differently).  Every rejection is an ``HTTPProtocolError`` whose
``status`` is what a server should answer (400, 413, 414, 431, 501, 505) before closing; after
one, the parser is finished.

Cost model: a complete message in one chunk is parsed with a handful of C-level calls (two
searches for the end of the head, one regex to validate all field lines, one to split them).
An incomplete head or chunk line is kept in a ``bytearray`` and only the new bytes are
searched, so a message trickling in byte by byte still costs O(n).
"""

from __future__ import annotations

from collections import deque
from typing import Final, NoReturn

from .._errors import LocalProtocolError
from .._wire.http11_syntax import patterns as _re
from .._wire.http11_types import (
    Data,
    EndOfMessage,
    Event,
    Headers,
    HTTPProtocolError,
    Request,
    Response,
    _index_fields,
    body_too_large,
)

# fmt: off
__all__ = [
    "DEFAULT_MAX_BODY_BYTES", "DEFAULT_MAX_HEADERS", "DEFAULT_MAX_HEAD_BYTES",
    "DEFAULT_MAX_LINE_BYTES", "Data", "EndOfMessage", "Event", "HTTPProtocolError", "Headers",
    "Request", "RequestParser", "Response", "ResponseParser", "body_too_large",
]
# fmt: on

# Request/status line plus header fields.  64 KiB is generous: nginx and node default to
# 8-16 KiB, but bearer tokens and long session ids should never be the thing that fails.
DEFAULT_MAX_HEAD_BYTES: Final = 64 * 1024
DEFAULT_MAX_HEADERS: Final = 100  # header field lines per head
DEFAULT_MAX_BODY_BYTES: Final = 4 * 1024 * 1024  # one JSON-RPC message (DESIGN.md §8)
# Request-line / status-line (a longer request-line answers 414), chunk-size and trailer lines.
DEFAULT_MAX_LINE_BYTES: Final = 8 * 1024


# A head this long or shorter is remembered for reuse by the next identical one (per
# connection: RequestParser._last).
_MAX_REUSED_HEAD_BYTES: Final = 2048
_MAX_REUSED_RESPONSE_HEADS: Final = 8  # per client connection: ResponseParser._heads

_HEX_DIGITS: Final = b"0123456789abcdefABCDEF"

# Framing decided from a head: a byte count (>= 0) or one of these.
_CHUNKED: Final = -1
_UNTIL_CLOSE: Final = -2

# Parser states.
_HEAD, _BODY_LENGTH, _CHUNK_SIZE, _CHUNK_DATA, _CHUNK_END, _TRAILERS, _BODY_CLOSE = range(7)
_CLOSED, _ERROR = 7, 8


def _has_token(value: bytes, token: bytes) -> bool:
    """Whether a comma-separated list (e.g. Connection) holds ``token`` (lowercase)."""
    value = value.lower()
    return token in value and token in [t.strip(b" \t") for t in value.split(b",")]


class _Parser:
    """Shared framing machinery; subclasses parse their start line and decide framing."""

    __slots__ = (
        "_body_bytes",
        "_keep_alive",
        "_remaining",
        "_state",
        "_tail",
        "_trailer_bytes",
        "max_body_bytes",
        "max_head_bytes",
        "max_headers",
        "max_line_bytes",
    )

    def __init__(
        self,
        max_head_bytes: int,
        max_headers: int,
        max_body_bytes: int | None,
        max_line_bytes: int,
    ) -> None:
        self.max_head_bytes = max_head_bytes
        self.max_headers = max_headers
        self.max_body_bytes = max_body_bytes  # None: unlimited (streams)
        self.max_line_bytes = max_line_bytes
        self._state = _HEAD
        self._tail = bytearray()  # an incomplete head or line, waiting for more bytes
        self._remaining = 0  # Content-Length or chunk bytes still to come
        self._body_bytes = 0  # chunked body bytes announced so far
        self._trailer_bytes = 0
        self._keep_alive = True

    def feed(self, data: bytes) -> list[Event]:
        """Parse ``data``; return the events it completes.

        Raises ``HTTPProtocolError`` on invalid input; the connection must then be closed
        (a server first answers ``exc.status``).
        """
        state = self._state
        tail = self._tail
        if tail:
            start = len(tail)
            tail += data
            if state == _HEAD:
                start = max(start - 2, 0)  # the terminator may straddle the old tail
                if tail.find(b"\n\r\n", start) < 0 and tail.find(b"\n\n", start) < 0:
                    if len(tail) > self.max_head_bytes:
                        self._fail(self._head_too_large(len(tail)))
                    return []
            elif state != _CHUNK_END and tail.find(b"\n", start) < 0:
                if len(tail) > self.max_line_bytes:
                    self._fail(self._line_too_long())
                return []
            data = bytes(tail)
            tail.clear()
        elif state >= _CLOSED:
            if state == _ERROR:
                raise LocalProtocolError("the HTTP parser failed earlier: close the connection")
            return []  # after a non-keep-alive message nothing more is read
        try:
            return self._parse(data)
        except HTTPProtocolError:
            self._state = _ERROR
            self._tail.clear()
            raise

    def feed_eof(self) -> list[Event]:
        """The peer closed its side.  Ends a close-delimited body; anywhere else but
        between messages that is an error."""
        state = self._state
        if state == _BODY_CLOSE:
            self._state = _CLOSED
            return [EndOfMessage()]
        if state == _CLOSED or (state == _HEAD and not self._tail):
            self._state = _CLOSED
            return []
        if state == _ERROR:
            raise LocalProtocolError("the HTTP parser failed earlier: close the connection")
        self._fail(HTTPProtocolError("connection closed in the middle of a message"))

    @property
    def awaiting_body(self) -> bool:
        """A head was parsed and (part of) its body is still to come."""
        return _BODY_LENGTH <= self._state <= _TRAILERS

    def _fail(self, exc: HTTPProtocolError) -> NoReturn:
        self._state = _ERROR
        self._tail.clear()
        raise exc

    def _head_too_large(self, size: int) -> HTTPProtocolError:
        return HTTPProtocolError(
            f"message head exceeds {self.max_head_bytes} bytes (got at least {size})", 431
        )

    def _line_too_long(self) -> HTTPProtocolError:
        return HTTPProtocolError(f"chunk-size or trailer line exceeds {self.max_line_bytes} bytes")

    def _start_line(self, head: bytes, end: int) -> tuple[Request | Response | None, int]:
        raise NotImplementedError

    def _parse(self, data: bytes) -> list[Event]:
        events: list[Event] = []
        pos = 0
        n = len(data)
        state = self._state
        while True:
            if state == _HEAD:
                if pos < n and (data[pos] == 13 or data[pos] == 10):
                    # RFC 9112 §2.2: ignore empty lines before the start line.
                    pos = _re().blank_lines.match(data, pos).end()  # type: ignore[union-attr]
                if pos == n:
                    break
                i = data.find(b"\n\r\n", pos)
                # Only a bare-LF terminator before the CRLF one matters: never scan the body.
                j = data.find(b"\n\n", pos, i + 1 if i >= 0 else n)
                if i < 0 and j < 0:
                    if n - pos > self.max_head_bytes:
                        raise self._head_too_large(n - pos)
                    self._tail += data[pos:]
                    break
                if j < 0 or 0 <= i < j:
                    end, nxt = i + 1, i + 3
                else:
                    end, nxt = j + 1, j + 2
                if nxt - pos > self.max_head_bytes:
                    raise self._head_too_large(nxt - pos)
                head = data[pos:end]
                pos = nxt
                if b"\r" in head:
                    head = head.replace(b"\r\n", b"\n")  # RFC 9112 §2.2: LF alone is accepted
                event, framing = self._start_line(head, head.find(b"\n"))
                if event is None:
                    continue  # an interim 1xx response
                events.append(event)
                if framing > 0:
                    if n - pos >= framing:  # the whole body is here: the hot path
                        events.append(Data(data[pos : pos + framing]))
                        events.append(EndOfMessage())
                        pos += framing
                        state = _HEAD if self._keep_alive else _CLOSED
                    else:
                        self._remaining = framing
                        state = _BODY_LENGTH
                elif framing == 0:
                    events.append(EndOfMessage())
                    state = _HEAD if self._keep_alive else _CLOSED
                elif framing == _CHUNKED:
                    self._body_bytes = 0
                    state = _CHUNK_SIZE
                else:
                    state = _BODY_CLOSE
            elif state in (_BODY_LENGTH, _CHUNK_DATA):
                if pos == n:
                    break
                take = min(n - pos, self._remaining)
                events.append(Data(data[pos : pos + take]))
                pos += take
                self._remaining -= take
                if not self._remaining:
                    if state == _CHUNK_DATA:
                        state = _CHUNK_END
                    else:
                        events.append(EndOfMessage())
                        state = _HEAD if self._keep_alive else _CLOSED
            elif state in (_CHUNK_SIZE, _TRAILERS):
                nl = data.find(b"\n", pos)
                if nl < 0:
                    if n - pos > self.max_line_bytes:
                        raise self._line_too_long()
                    self._tail += data[pos:]
                    break
                if nl - pos > self.max_line_bytes:
                    raise self._line_too_long()
                if nl == pos or data[nl - 1] != 13:
                    raise HTTPProtocolError("chunked body line must end with CRLF, got a bare LF")
                line = data[pos : nl - 1]
                pos = nl + 1
                if state == _CHUNK_SIZE:
                    state = self._chunk_size_line(line)
                elif not line:
                    events.append(EndOfMessage())
                    state = _HEAD if self._keep_alive else _CLOSED
                else:
                    # Trailer fields are read and dropped (RFC 9112 §7.1.2 allows it).
                    self._trailer_bytes += len(line) + 2
                    if self._trailer_bytes > self.max_head_bytes:
                        raise HTTPProtocolError(
                            f"trailer section exceeds {self.max_head_bytes} bytes", 431
                        )
            elif state == _CHUNK_END:
                if n - pos < 2:
                    if pos < n and data[pos] != 13:
                        raise HTTPProtocolError(
                            f"expected CRLF after chunk data, got {data[pos:]!r}"
                        )
                    self._tail += data[pos:]
                    break
                if data[pos : pos + 2] != b"\r\n":
                    raise HTTPProtocolError(
                        f"expected CRLF after chunk data, got {data[pos : pos + 2]!r}"
                    )
                pos += 2
                state = _CHUNK_SIZE
            elif state == _BODY_CLOSE:
                if pos < n:
                    events.append(Data(data[pos:]))
                break
            else:  # _CLOSED: bytes after a non-keep-alive message are ignored
                break
        self._state = state
        return events

    def _chunk_size_line(self, line: bytes) -> int:
        # chunk = chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1); extensions are ignored.
        if line and len(line) <= 16 and not line.translate(None, _HEX_DIGITS):
            size = int(line, 16)  # the hot path: hex digits only, what the regex accepts
        else:
            size_part = line.split(b";", 1)[0].rstrip(b" \t")
            if not _re().chunk_size.fullmatch(size_part) or _re().ctl.search(line):
                raise HTTPProtocolError(f"invalid chunk-size line {line[:64]!r}")
            size = int(size_part, 16)
        if size == 0:
            self._trailer_bytes = 0
            return _TRAILERS
        limit = self.max_body_bytes
        if limit is not None and self._body_bytes + size > limit:
            raise body_too_large(None, limit)
        self._body_bytes += size
        self._remaining = size
        return _CHUNK_DATA

    def _fields(self, head: bytes, start: int) -> tuple[Headers, dict[bytes, bytes]]:
        found = _re().field_line.findall(head, start)
        if len(found) != head.count(b"\n", start):
            raise _bad_field_line(head[start:])
        if b" \n" in head or b"\t\n" in head:  # trailing whitespace somewhere: strip it
            pairs = [(n.lower(), v.rstrip(b" \t")) for n, v in found]
        else:
            pairs = [(n.lower(), v) for n, v in found]
        if len(pairs) > self.max_headers:
            raise HTTPProtocolError(
                f"too many header fields: {len(pairs)}, limit {self.max_headers}", 431
            )
        index = _index_fields(pairs)
        return Headers(pairs, index), index

    def _body_framing(self, index: dict[bytes, bytes], version: bytes) -> int | None:
        """Content-Length / Transfer-Encoding framing (RFC 9112 §6.3); None if neither."""
        te = index.get(b"transfer-encoding")
        cl = index.get(b"content-length")
        if te is not None:
            if cl is not None:
                raise HTTPProtocolError(
                    "both Transfer-Encoding and Content-Length: rejected as possible request "
                    "smuggling (RFC 9112 §6.3)"
                )
            if version == b"1.0":
                raise HTTPProtocolError("Transfer-Encoding in an HTTP/1.0 message (RFC 9112 §6.1)")
            codings = [c.strip(b" \t") for c in te.lower().split(b",")]
            if codings == [b"chunked"]:
                return _CHUNKED
            if codings[-1] == b"chunked" and b"chunked" in codings[:-1]:
                # RFC 9112 §6.1: chunked is applied once and last; anything else cannot be
                # framed the way the sender meant (a smuggling vector).
                raise HTTPProtocolError(
                    f"chunked must be the last transfer coding, applied once, got {te[:64]!r} "
                    "(RFC 9112 §6.1)"
                )
            if codings[-1] == b"chunked":
                raise HTTPProtocolError(f"unsupported transfer coding in {te!r}", 501)
            raise HTTPProtocolError(f"Transfer-Encoding must end with chunked, got {te!r}")
        if cl is None:
            return None
        if b"," in cl:
            values = {v.strip(b" \t") for v in cl.split(b",")}
            if len(values) != 1:
                raise HTTPProtocolError(f"differing Content-Length values {cl!r}")
            cl = values.pop()
        if not cl.isdigit():
            raise HTTPProtocolError(f"Content-Length must be digits, got {cl[:32]!r}")
        limit = self.max_body_bytes
        if len(cl) > 18:  # beyond any limit, and beyond int()'s comfort zone
            raise HTTPProtocolError(f"Content-Length {cl[:32]!r}... is too large", 413)
        length = int(cl)
        if limit is not None and length > limit:
            raise body_too_large(length, limit)
        return length


def _bad_field_line(block: bytes) -> HTTPProtocolError:
    """Say which field line is wrong, and how (slow path: errors only)."""
    for line in block.split(b"\n")[:-1]:  # the block ends with LF
        if line[:1] in (b" ", b"\t"):
            return HTTPProtocolError(
                f"obsolete line folding is not allowed (RFC 9112 §5.2): {line[:64]!r}"
            )
        name, colon, _ = line.partition(b":")
        if not colon:
            return HTTPProtocolError(f"header line without a colon: {line[:64]!r}")
        if not _re().token.fullmatch(name):
            return HTTPProtocolError(f"invalid header name {name[:64]!r}")
    return HTTPProtocolError(
        "invalid character (CR, NUL or another control character) in a header value"
    )


class RequestParser(_Parser):
    """Server side: bytes in, ``Request``/``Data``/``EndOfMessage`` out.

    Pipelined requests are parsed in order.  After a request that is not keep-alive, further
    bytes are ignored.  Use either ``feed`` (events) or ``feed_requests`` (whole messages)
    on one parser, not both.
    """

    __slots__ = ("_body", "_host", "_last", "_request", "continue_wanted")

    def __init__(
        self,
        *,
        max_head_bytes: int = DEFAULT_MAX_HEAD_BYTES,
        max_headers: int = DEFAULT_MAX_HEADERS,
        max_body_bytes: int | None = DEFAULT_MAX_BODY_BYTES,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    ) -> None:
        super().__init__(max_head_bytes, max_headers, max_body_bytes, max_line_bytes)
        self._request: Request | None = None
        self._body: list[bytes] = []
        self._host: bytes | None = None  # the last Host value found valid (keep-alive repeats it)
        # The last head parsed by _whole_requests, cut around its Content-Length digits,
        # with its outcome: a keep-alive client sends the same fields again and again
        # (_reuse, _remember).
        self._last: tuple[bytes, bytes, bytes, Request, int, bool, int] | None = None
        # A request head with "Expect: 100-continue" and a body was parsed: the server
        # may send "100 Continue" (and clears this) while the body is still to come.
        self.continue_wanted = False

    def feed_requests(self, data: bytes) -> list[tuple[Request, bytes]]:
        """Parse ``data``; return each request completed by it with its whole body.

        Bodies are bounded by ``max_body_bytes`` (413), so buffering them is safe.
        """
        out: list[tuple[Request, bytes]] = []
        if self._state == _HEAD and not self._tail:
            try:
                pos = self._whole_requests(data, out)
            except HTTPProtocolError:
                self._state = _ERROR
                self._tail.clear()
                raise
            if pos == len(data):
                return out
            data = data[pos:]
        for event in self.feed(data):
            if type(event) is Data:
                self._body.append(event.data)
            elif type(event) is Request:
                self._request = event
            else:
                assert self._request is not None
                out.append((self._request, b"".join(self._body)))
                self._body = []
        return out

    def _whole_requests(self, data: bytes, out: list[tuple[Request, bytes]]) -> int:
        """``feed_requests``'s hot path: each request of ``data`` whose head is complete
        goes to ``out`` with its body, with no events in between (the same head checks as
        ``_parse``: ``_start_line``).  Stops at what the event machinery must take (blank
        lines before a request, a bare-LF terminator, an incomplete head); a request whose
        body is still to come (or chunked) is left in the parser's state, as ``_parse``
        leaves it.  Returns how far it got."""
        pos = 0
        n = len(data)
        while pos < n:
            first = data[pos]
            if first == 13 or first == 10:
                break  # RFC 9112 §2.2 blank lines: _parse skips them
            i = data.find(b"\n\r\n", pos)
            if i < 0 or data.find(b"\n\n", pos, i + 1) >= 0 or i + 3 - pos > self.max_head_bytes:
                break  # incomplete, LF-terminated or too large: _parse decides
            head = data[pos : i + 1]
            pos = i + 3
            reused = self._reuse(head)
            if reused is not None:
                request, framing = reused
            else:
                raw = head
                if b"\r" in head:
                    head = head.replace(b"\r\n", b"\n")  # RFC 9112 §2.2: LF alone is accepted
                request, framing = self._start_line(head, head.find(b"\n"))
                self._remember(raw, request, framing)
            if framing == 0:
                out.append((request, b""))
            elif framing > 0 and n - pos >= framing:  # the whole body is here
                out.append((request, data[pos : pos + framing]))
                pos += framing
            else:  # the body follows in later reads: the event machinery takes over
                self._request = request
                if framing > 0:
                    self._body.append(data[pos:])
                    self._remaining = framing - (n - pos)
                    self._state = _BODY_LENGTH
                    return n
                self._body_bytes = 0
                self._state = _CHUNK_SIZE
                return pos
            if not self._keep_alive:
                self._state = _CLOSED  # bytes after a non-keep-alive request are ignored
                return n
        return pos

    @property
    def remembers(self) -> bool:
        """Whether a head is kept for ``_reuse`` (``forget_last`` drops it)."""
        return self._last is not None

    def forget_last(self) -> None:
        """Drop the head kept for ``_reuse``: a connection carrying a long response (an
        SSE stream) sees no next request for a long time, and the parsed head (its fields,
        their index, the Request: about 1.5 KB) was held for all of it, on every idle
        client's GET stream."""
        self._last = None

    def _reuse(self, head: bytes) -> tuple[Request, int] | None:
        """The parse of ``head`` taken from the connection's previous head, when the two
        are byte for byte the same but for the digits of Content-Length; else None.

        Every check depends on nothing but the head's bytes and the parser's limits, so
        the same bytes get the same verdict, and new Content-Length digits get the only
        checks that depend on them (digits, at most 18, within max_body_bytes); anything
        else -- a value out of bounds included -- is parsed and checked in full."""
        last = self._last
        if last is None:
            return None
        prefix, digits, suffix, request, framing, keep_alive, at = last
        start = len(prefix)
        end = len(head) - len(suffix)
        if end < start or not head.startswith(prefix) or not head.endswith(suffix):
            return None
        value = head[start:end]
        if value != digits:
            if at < 0 or not value.isdigit() or len(value) > 18:
                return None
            framing = int(value)
            limit = self.max_body_bytes
            if limit is not None and framing > limit:
                return None
            headers = request.headers.with_value(at, value)
            request = Request(
                request.method, request.target, headers, request.http_version, keep_alive
            )
            self._last = (prefix, value, suffix, request, framing, keep_alive, at)
        self._keep_alive = keep_alive
        return request, framing

    def _remember(self, raw: bytes, request: Request, framing: int) -> None:
        """Keep a head just parsed for ``_reuse``, cut around its Content-Length digits."""
        self._last = None
        if len(raw) > _MAX_REUSED_HEAD_BYTES:
            return
        headers = request.headers
        if b"expect" in headers:
            return  # Expect: each request asks for its own 100 Continue
        cl = headers.get(b"content-length")
        if cl is None:
            self._last = (raw, b"", b"", request, framing, self._keep_alive, -1)
            return
        at = [i for i, (name, _) in enumerate(headers.raw) if name == b"content-length"]
        low = raw.lower()
        line = low.find(b"\ncontent-length:")
        if (
            len(at) != 1
            or not cl.isdigit()
            or line < 0
            or low.find(b"\ncontent-length:", line + 1) >= 0
        ):
            return  # repeated, or a list of values: parsed in full each time
        start = line + 16
        while raw[start] in (32, 9):  # OWS before the value
            start += 1
        end = start + len(cl)
        if raw[start:end] == cl:
            self._last = (raw[:start], cl, raw[end:], request, framing, self._keep_alive, at[0])

    def _start_line(self, head: bytes, end: int) -> tuple[Request, int]:
        if end > self.max_line_bytes:
            raise HTTPProtocolError(f"request line exceeds {self.max_line_bytes} bytes", 414)
        m = _re().request_line.fullmatch(head, 0, end)
        if m is None:
            raise HTTPProtocolError(f"malformed request line {head[: min(end, 100)]!r}")
        method, target, version = m.groups()
        if version != b"1.1" and version != b"1.0":
            raise HTTPProtocolError(f"unsupported HTTP version {version!r}", 505)
        headers, index = self._fields(head, end + 1)
        framing = self._body_framing(index, version)
        host = index.get(b"host")
        if host is None or host != self._host or len(index) != len(headers.raw):
            _check_host(headers, index, version)
            self._host = host
        if target[0] != 47:  # not origin-form ("/path"): RFC 9112 §3.2.2-§3.2.4
            target, headers = _other_form(method, target, headers, index)
        conn = index.get(b"connection")
        # RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 keep-alive is not offered.
        self._keep_alive = keep_alive = version == b"1.1" and (
            conn is None or not _has_token(conn, b"close")
        )
        expect = index.get(b"expect")
        if expect is not None:
            # RFC 9110 §10.1.1: 100-continue is the only expectation defined; a client that
            # sends it waits for "100 Continue" before the body (curl does for large
            # bodies), so the connection sends one when the body is still to come.
            if expect.strip(b" \t").lower() != b"100-continue":
                raise HTTPProtocolError(
                    f"unsupported expectation {expect[:64]!r}: only 100-continue is known "
                    "(RFC 9110 §10.1.1)",
                    417,
                )
            self.continue_wanted = version == b"1.1" and framing is not None and framing != 0
        request = Request(method.decode(), target.decode(), headers, version, keep_alive)
        return request, 0 if framing is None else framing


def _check_host(headers: Headers, index: dict[bytes, bytes], version: bytes) -> None:
    """RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code to any
    HTTP/1.1 request message that lacks a Host header field and to any that contains more
    than one Host header field line or a Host header field with an invalid field value"."""
    host = index.get(b"host")
    if host is None:
        if version == b"1.1":
            raise HTTPProtocolError("missing Host header (required in HTTP/1.1, RFC 9112 §3.2)")
        return
    if len(index) != len(headers.raw) and len(headers.get_all(b"host")) > 1:
        raise HTTPProtocolError(f"more than one Host header: {host[:100]!r} (RFC 9112 §3.2)")
    if not _re().host.fullmatch(host):
        raise HTTPProtocolError(f"invalid Host header {host[:100]!r} (RFC 9112 §3.2)")


def _other_form(
    method: bytes, target: bytes, headers: Headers, index: dict[bytes, bytes]
) -> tuple[bytes, Headers]:
    """A request target other than origin-form, as origin-form plus the Host to route by.

    absolute-form (``http://host:port/path?q``) MUST be accepted by a server (RFC 9112
    §3.2.2), and its authority replaces any Host header: "the origin server MUST ignore the
    received Host header field (if any) and instead use the host information of the
    request-target".  So the returned headers carry that authority as Host, and the Host
    checks (DNS-rebinding protection) apply to it.  asterisk-form (``*``) is for OPTIONS
    only (§3.2.4); authority-form is for CONNECT only (§3.2.3), a proxy's method."""
    if method == b"CONNECT":
        raise HTTPProtocolError(
            "CONNECT is not implemented: this is an origin server, not a proxy (RFC 9110 §9.3.6)",
            501,
        )
    if target == b"*":
        if method != b"OPTIONS":
            raise HTTPProtocolError(
                f"the asterisk-form target * is only for OPTIONS, got {method.decode()} "
                "(RFC 9112 §3.2.4)"
            )
        return target, headers
    m = _re().absolute_target.fullmatch(target)
    if m is None:
        raise HTTPProtocolError(
            f"invalid request target {target[:100]!r}: expected origin-form (/path) or "
            "absolute-form (http://host/path) (RFC 9112 §3.2)"
        )
    scheme, authority, path, query = m.groups()
    if scheme.lower() not in (b"http", b"https"):
        raise HTTPProtocolError(
            f"absolute-form target with scheme {scheme[:20]!r}: expected http or https "
            "(RFC 9112 §3.2.2)"
        )
    if b"@" in authority:
        # RFC 9110 §4.2.4: userinfo in an http(s) URI is to be treated as an error.
        raise HTTPProtocolError(
            f"userinfo in the request target {target[:100]!r} (RFC 9110 §4.2.4)"
        )
    if not authority or not _re().host.fullmatch(authority):
        raise HTTPProtocolError(
            f"invalid authority {authority[:100]!r} in the request target (RFC 9110 §4.2.1)"
        )
    pairs = [(b"host", authority), *((n, v) for n, v in headers.raw if n != b"host")]
    index[b"host"] = authority
    return (path or b"/") + (query or b""), Headers(pairs, index)


class ResponseParser(_Parser):
    """Client side: bytes in, ``Response``/``Data``/``EndOfMessage`` out.

    Call ``expect_response(method)`` for each request sent (in order) so HEAD responses are
    known to have no body.  ``max_body_bytes`` defaults to None: a response may be a
    long-lived SSE stream, so the caller bounds what it buffers.
    """

    __slots__ = ("_heads", "_methods")

    def __init__(
        self,
        *,
        max_head_bytes: int = DEFAULT_MAX_HEAD_BYTES,
        max_headers: int = DEFAULT_MAX_HEADERS,
        max_body_bytes: int | None = None,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    ) -> None:
        super().__init__(max_head_bytes, max_headers, max_body_bytes, max_line_bytes)
        self._methods: deque[str] = deque()
        # Final response heads already parsed on this connection -> (Response, framing):
        # a server answers with the same few heads over and over (an SSE stream's always;
        # a JSON body's whenever its length repeats).  Identical bytes under the same
        # limits parse the same way, so a hit skips nothing a miss would check.
        self._heads: dict[tuple[bytes, bool], tuple[Response, int]] = {}

    def expect_response(self, method: str) -> None:
        """Record that a request with ``method`` was sent (responses come back in order)."""
        self._methods.append(method)

    def _start_line(self, head: bytes, end: int) -> tuple[Response | None, int]:
        methods = self._methods
        key = (head, bool(methods) and methods[0] == "HEAD")
        known = self._heads.get(key)
        if known is not None:
            if methods:
                methods.popleft()
            self._keep_alive = known[0].keep_alive
            return known
        event, framing = self._parse_start_line(head, end)
        if event is not None and len(head) <= _MAX_REUSED_HEAD_BYTES:
            if len(self._heads) >= _MAX_REUSED_RESPONSE_HEADS:
                self._heads.clear()
            self._heads[key] = (event, framing)
        return event, framing

    def _parse_start_line(self, head: bytes, end: int) -> tuple[Response | None, int]:
        if end > self.max_line_bytes:
            raise HTTPProtocolError(f"status line exceeds {self.max_line_bytes} bytes")
        m = _re().status_line.fullmatch(head, 0, end)
        if m is None:
            raise HTTPProtocolError(f"malformed status line {head[: min(end, 100)]!r}")
        version, code, reason = m.groups()
        if version != b"1.1" and version != b"1.0":
            raise HTTPProtocolError(f"unsupported HTTP version {version!r}", 505)
        status = int(code)
        if status < 100:
            raise HTTPProtocolError(f"status code must be 100-999, got {status}")
        headers, index = self._fields(head, end + 1)
        if status < 200:
            if status == 101:
                raise HTTPProtocolError("unexpected 101 Switching Protocols: no upgrade asked")
            return None, 0  # interim response (RFC 9110 §15.2): wait for the final one
        method = self._methods.popleft() if self._methods else "GET"
        conn = index.get(b"connection")
        keep_alive = version == b"1.1" and (conn is None or not _has_token(conn, b"close"))
        if method == "HEAD" or status == 204 or status == 304:
            framing = 0  # RFC 9112 §6.3 rule 1: never a body, whatever the headers say
        else:
            length = self._body_framing(index, version)
            if length is None:
                framing = _UNTIL_CLOSE  # rule 8: the body ends when the connection does
                keep_alive = False
            else:
                framing = length
        self._keep_alive = keep_alive
        response = Response(status, reason or b"", headers, version, keep_alive)
        return response, framing
