"""Server-Sent Events: encoder and incremental decoder (layer 1, pure).

The wire format is the WHATWG HTML Standard §9.2 "Server-sent events", section
"Parsing an event stream" / "Interpreting an event stream".  MCP streamable HTTP
(2025-03-26 and later) and the legacy HTTP+SSE transport (2024-11-05) carry one JSON-RPC
message per event.

The decoder works on bytes and decodes UTF-8 per field: CR and LF are ASCII and never part
of a multi-byte sequence, so splitting lines first and decoding after (with replacement, as
the standard's "UTF-8 decode" does) gives the same text as decoding the whole stream first.
"""

from __future__ import annotations

import functools
import re
from typing import Final

import msgspec

from .._errors import LocalProtocolError, RemoteProtocolError

__all__ = [
    "DEFAULT_MAX_EVENT_BYTES",
    "SSEDecoder",
    "SSEEvent",
    "encode_comment",
    "encode_event",
]

# Bytes of field lines (data/event/id/retry, not comments) in one event: one event is one
# JSON-RPC message, so the stdio/HTTP 4 MiB message cap applies (DESIGN.md §8).
DEFAULT_MAX_EVENT_BYTES: Final = 4 * 1024 * 1024

# `retry:` values longer than this are ignored: 18 digits (over 31 million years in ms)
# keeps int() far from the interpreter's int/str conversion limit.
_MAX_RETRY_DIGITS: Final = 18

_BOM: Final = b"\xef\xbb\xbf"


class SSEEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One dispatched event.

    ``id`` is the stream's last event ID when the event was dispatched (it persists across
    events, per the standard), ``None`` while it is empty.  ``retry`` is the reconnection
    time (ms) set inside this event's block, if any; ``SSEDecoder.retry`` keeps the latest.
    """

    data: str
    event: str = "message"
    id: str | None = None
    retry: int | None = None


@functools.cache
def _line_ending() -> re.Pattern[bytes]:
    return re.compile(rb"\r\n|\r|\n")


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


class SSEDecoder:
    """Incremental event-stream parser: ``feed(bytes) -> list[SSEEvent]``.

    Any chunking of the same stream gives the same events.  A stream whose event grows over
    ``max_event_bytes`` (or a single line over it, comments included) raises
    ``RemoteProtocolError``; the stream is then unusable and should be closed.
    """

    __slots__ = (
        "_at_start",
        "_data",
        "_event",
        "_event_bytes",
        "_id_buffer",
        "_retry_in_event",
        "_skip_lf",
        "_tail",
        "last_event_id",
        "max_event_bytes",
        "retry",
    )

    def __init__(self, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> None:
        self.max_event_bytes = max_event_bytes
        self.last_event_id: str | None = None  # the "last event ID string"; None when empty
        self.retry: int | None = None  # latest reconnection time (ms) the server asked for
        self._tail = bytearray()  # unterminated line; never contains CR or LF
        self._skip_lf = False  # the previous chunk ended in CR: a leading LF belongs to it
        self._at_start = True  # a BOM may still arrive (possibly split across chunks)
        self._data: list[bytes] = []
        self._event = b""
        self._id_buffer = b""  # the "last event ID buffer" (persists across events)
        self._retry_in_event: int | None = None
        self._event_bytes = 0

    def feed(self, data: bytes) -> list[SSEEvent]:
        """Parse ``data``; return the events it completes."""
        if self._at_start:
            data = bytes(self._tail) + data
            if len(data) < 3 and _BOM.startswith(data):
                self._tail[:] = data  # maybe a BOM: wait for more
                return []
            self._tail.clear()
            self._at_start = False
            if data.startswith(_BOM):
                data = data[3:]
        if self._skip_lf and data:
            self._skip_lf = False
            if data[0] == 0x0A:
                data = data[1:]
        tail = self._tail
        if b"\n" not in data and b"\r" not in data:
            tail += data
            self._check_tail()
            return []
        if tail:
            tail += data
            data = bytes(tail)
            tail.clear()
        if b"\r" in data:
            # A CR at the very end may be the first half of a CRLF split across chunks.
            self._skip_lf = data[-1:] == b"\r"
            lines = _line_ending().split(data)
        else:
            lines = data.split(b"\n")
        tail += lines.pop()
        events = self._lines(lines)
        self._check_tail()
        return events

    def _check_tail(self) -> None:
        tail = self._tail
        if not tail or tail[:1] == b":":
            size = len(tail)
        else:
            size = self._event_bytes + len(tail)
        if size > self.max_event_bytes:
            raise RemoteProtocolError(
                f"SSE event exceeds {self.max_event_bytes} bytes (got at least {size})"
            )

    def _lines(self, lines: list[bytes]) -> list[SSEEvent]:
        events: list[SSEEvent] = []
        max_bytes = self.max_event_bytes
        for line in lines:
            if not line:
                # Blank line: dispatch (WHATWG "Interpreting an event stream").
                if self._id_buffer:
                    self.last_event_id = _decode(self._id_buffer)
                else:
                    self.last_event_id = None
                if self._data:
                    events.append(
                        SSEEvent(
                            data=_decode(b"\n".join(self._data)),
                            event=_decode(self._event) if self._event else "message",
                            id=self.last_event_id,
                            retry=self._retry_in_event,
                        )
                    )
                    self._data = []
                self._event = b""
                self._retry_in_event = None
                self._event_bytes = 0
                continue
            if line[0] == 0x3A:  # ":" -- a comment (keep-alive)
                if len(line) > max_bytes:
                    raise RemoteProtocolError(f"SSE comment line exceeds {max_bytes} bytes")
                continue
            self._event_bytes += len(line)
            if self._event_bytes > max_bytes:
                raise RemoteProtocolError(
                    f"SSE event exceeds {max_bytes} bytes (got at least {self._event_bytes})"
                )
            if line.startswith(b"data: "):  # the common case, with one copy of the value
                self._data.append(line[6:])
                continue
            name, colon, value = line.partition(b":")
            if colon and value[:1] == b" ":
                value = value[1:]
            if name == b"data":
                self._data.append(value)
            elif name == b"event":
                self._event = value
            elif name == b"id":
                if b"\x00" not in value:
                    self._id_buffer = value
            elif name == b"retry" and value.isdigit() and len(value) <= _MAX_RETRY_DIGITS:
                self.retry = self._retry_in_event = int(value)
            # Any other field name is ignored, as the standard requires.
        return events


def _check_field(what: str, value: str) -> bytes:
    raw = value.encode()
    if b"\n" in raw or b"\r" in raw:
        raise LocalProtocolError(f"SSE {what} must not contain CR or LF, got {value!r}")
    return raw


def encode_event(
    data: bytes,
    *,
    event: str | None = None,
    id: str | None = None,
    retry_ms: int | None = None,
) -> bytes:
    """One event, ready to write.  CR, LF and CRLF in ``data`` split it into ``data:`` lines
    (the decoder joins them back with LF)."""
    plain = event is None and id is None and retry_ms is None
    if plain and b"\n" not in data and b"\r" not in data:
        return b"data: " + data + b"\n\n"
    head = b""
    if event is not None:
        head += b"event: " + _check_field("event", event) + b"\n"
    if id is not None:
        raw_id = _check_field("id", id)
        if b"\x00" in raw_id:
            raise LocalProtocolError(f"SSE id must not contain NUL, got {id!r}")
        head += b"id: " + raw_id + b"\n"
    if retry_ms is not None:
        if retry_ms < 0:
            raise LocalProtocolError(f"SSE retry must be >= 0 ms, got {retry_ms}")
        head += b"retry: %d\n" % retry_ms
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return head + b"data: " + data.replace(b"\n", b"\ndata: ") + b"\n\n"


def encode_comment(text: str = "") -> bytes:
    """A comment block (keep-alive); a blank line ends it so it never joins an event."""
    if not text:
        return b":\n\n"
    raw = text.encode()
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return b": " + raw.replace(b"\n", b"\n: ") + b"\n\n"
