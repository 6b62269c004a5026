"""Sans-I/O HTTP/1.1, the writing side: heads and chunks to send (layer 1, pure).

The parsers live in ``_http11``; both share its validation regexes.  Output is validated
too: a header name or value that could smuggle a second field (CR, LF, NUL, controls) is
refused with ``LocalProtocolError`` (RFC 9110 §5.5, RFC 9112 §11.1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from .._errors import LocalProtocolError
from .._wire.http11_syntax import patterns as _re

__all__ = [
    "CHUNKED_END",
    "REASONS",
    "encode_chunk",
    "encode_request_head",
    "encode_response_head",
    "reason",
]

CHUNKED_END: Final = b"0\r\n\r\n"  # last-chunk + empty trailer section (RFC 9112 §7.1)

# The reason phrases of RFC 9110 §15 (413 is "Content Too Large" there, no longer RFC 7231's
# "Payload Too Large"): the status line, and the "<reason>: <detail>" refusal messages, all
# spell them from this one table.
# fmt: off
REASONS: Final[Mapping[int, bytes]] = {
    100: b"Continue", 200: b"OK", 201: b"Created", 202: b"Accepted", 204: b"No Content",
    301: b"Moved Permanently", 302: b"Found", 304: b"Not Modified",
    307: b"Temporary Redirect", 308: b"Permanent Redirect", 400: b"Bad Request",
    401: b"Unauthorized", 403: b"Forbidden", 404: b"Not Found", 405: b"Method Not Allowed",
    406: b"Not Acceptable", 408: b"Request Timeout", 409: b"Conflict",
    413: b"Content Too Large", 414: b"URI Too Long", 415: b"Unsupported Media Type",
    421: b"Misdirected Request", 422: b"Unprocessable Content", 429: b"Too Many Requests",
    431: b"Request Header Fields Too Large", 500: b"Internal Server Error",
    501: b"Not Implemented", 502: b"Bad Gateway", 503: b"Service Unavailable",
    504: b"Gateway Timeout", 505: b"HTTP Version Not Supported",
}
# fmt: on


def reason(status: int) -> str:
    """The reason phrase of ``status`` (RFC 9110 §15) as text; "Error" for one not listed."""
    return REASONS.get(status, b"Error").decode()


def _encode_fields(headers: list[tuple[bytes, bytes]]) -> bytes:
    block = b"".join([b"%s: %s\r\n" % pair for pair in headers])
    # The count catches a value smuggling in "\r\nName: value", which the regex alone allows.
    if not _re().out_block.fullmatch(block) or block.count(b"\n") != len(headers):
        for name, value in headers:
            if not _re().token.fullmatch(name):
                raise LocalProtocolError(f"invalid header name {name!r}")
            if b"\r" in value or b"\n" in value or _re().ctl.search(value):
                raise LocalProtocolError(
                    f"header {name!r} value contains CR, LF, NUL or a control character"
                )
        raise AssertionError("unreachable: the field block was rejected")  # pragma: no cover
    return block


# Field blocks already checked and encoded, by their fields: a server sends the same few
# header sets over and over (per session, the same Mcp-Session-Id).  Bounded in count and
# in size; full, it starts over.
_BLOCKS: dict[tuple[tuple[bytes, bytes], ...], bytes] = {}
_MAX_BLOCKS: Final = 256
_MAX_BLOCK_BYTES: Final = 1024


def _fields_block(headers: list[tuple[bytes, bytes]]) -> bytes:
    key = tuple(headers)
    try:
        block = _BLOCKS.get(key)
    except TypeError:  # an unhashable value (a bytearray): encoded, not kept
        return _encode_fields(headers)
    if block is None:
        block = _encode_fields(headers)  # raises for a bad field: nothing is kept
        if len(block) <= _MAX_BLOCK_BYTES:
            if len(_BLOCKS) >= _MAX_BLOCKS:
                _BLOCKS.clear()
            _BLOCKS[key] = block
    return block


def encode_response_head(
    status: int,
    headers: list[tuple[bytes, bytes]],
    reason: bytes | None = None,
    *,
    content_length: int | None = None,
    close: bool = False,
) -> bytes:
    """Status line + header fields + blank line.  Framing headers are the caller's job:
    in ``headers``, or ``content_length`` (a Content-Length field after them) and ``close``
    (then Connection: close), which keep the cached block of ``headers`` reusable."""
    if not 100 <= status <= 999:
        raise LocalProtocolError(f"status must be 100-999, got {status}")
    if reason is None:
        reason = REASONS.get(status, b"")
    elif _re().ctl.search(reason):
        raise LocalProtocolError(f"reason phrase contains a control character: {reason!r}")
    block = _fields_block(headers)
    if content_length is not None:
        block += b"content-length: %d\r\n" % content_length
    if close:
        block += b"connection: close\r\n"
    return b"HTTP/1.1 %d %s\r\n%s\r\n" % (status, reason, block)


def encode_request_head(method: str, target: str, headers: list[tuple[bytes, bytes]]) -> bytes:
    """Request line + header fields + blank line.  ``Host`` is the caller's job."""
    line = b"%s %s HTTP/1.1" % (method.encode(), target.encode())
    if not _re().request_line.fullmatch(line):
        raise LocalProtocolError(f"invalid method or target: {method!r} {target!r}")
    return line + b"\r\n" + _encode_fields(headers) + b"\r\n"


def encode_chunk(data: bytes) -> bytes:
    """One chunk of a chunked body; empty data gives b"" (an empty chunk would end it)."""
    if not data:
        return b""
    return b"%x\r\n%s\r\n" % (len(data), data)
