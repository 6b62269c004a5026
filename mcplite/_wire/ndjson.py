"""Newline-delimited JSON framing for the stdio transport (layer 1, pure).

MCP stdio (every revision, "Transports > stdio"): messages are delimited by newlines and
MUST NOT contain embedded newlines.  ``LineSplitter`` turns arbitrary chunks of bytes into
complete lines; ``frame`` does the reverse.

Cost model: each input byte is searched once and copied at most twice, whatever the chunking.
The unterminated tail is kept as a list of chunks that never hold a newline, so a new chunk
is only ever searched on its own -- a line that trickles in one byte at a time costs O(n),
not O(n**2) -- and a line split over several reads is joined (copied) once.
"""

from __future__ import annotations

import re
from typing import Final

import msgspec

from .._errors import PARSE_ERROR, LocalProtocolError, RemoteProtocolError

__all__ = ["DEFAULT_MAX_LINE_BYTES", "LineSplitter", "LineTooLong", "frame"]

# One line is one JSON-RPC message: same 4 MiB cap as an HTTP body (DESIGN.md §8).
DEFAULT_MAX_LINE_BYTES: Final = 4 * 1024 * 1024


# How much of an over-long line is kept to find its "id" and "method" (both come first in
# what every SDK writes: jsonrpc, id, method, params).
_HEAD_BYTES: Final = 512


class LineTooLong(RemoteProtocolError):
    """A line went over the limit; the splitter has already recovered.

    Raised by ``LineSplitter.feed`` *after* the whole chunk has been processed, so nothing
    is lost: ``lines`` holds every good line of that chunk (in order) and ``dropped`` counts
    the over-long lines skipped in it.  Handle ``lines`` as if ``feed`` had returned them,
    answer the error and keep reading.  ``salvaged`` has, per dropped line, the top-level
    ``id`` read from its first bytes (None if not found) and whether it has a ``method``:
    a request with an id is answered with an error for that id, a response with an id
    fails the request waiting for it, the rest get -32700 with a null id.
    """

    def __init__(
        self,
        max_line_bytes: int,
        lines: list[bytes],
        dropped: int,
        heads: list[bytes] | None = None,
    ) -> None:
        super().__init__(f"line exceeds {max_line_bytes} bytes", PARSE_ERROR)
        self.max_line_bytes = max_line_bytes
        self.lines = lines
        self.dropped = dropped
        self.salvaged = [salvage(h) for h in heads or []]


class LineSplitter:
    """Split a byte stream into lines at ``\\n``.

    A trailing ``\\r`` is stripped and empty lines are skipped (tolerance for peers that
    write CRLF or blank keep-alive lines).  ``max_line_bytes`` counts the bytes of a line
    without its ``\\n`` (a ``\\r`` before it counts); a longer line is discarded up to the
    next newline and reported by ``LineTooLong`` -- once per over-long line, whatever the
    chunking -- while the splitter carries on with the line after it.
    """

    __slots__ = ("_discarding", "_heads", "_tail", "_tail_bytes", "max_line_bytes")

    def __init__(self, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        if max_line_bytes < 1:
            raise ValueError(f"max_line_bytes must be >= 1, got {max_line_bytes}")
        self.max_line_bytes = max_line_bytes
        # Unterminated chunks, none containing b"\n", joined once when the line ends: a
        # large line split over several reads is copied once, not once per read.
        self._tail: list[bytes | memoryview] = []
        self._tail_bytes = 0
        self._discarding = False  # inside an over-long line: drop up to the next b"\n"
        self._heads: list[bytes] = []  # first bytes of the over-long lines of this chunk

    @property
    def pending_bytes(self) -> int:
        """Bytes held back waiting for their newline."""
        return self._tail_bytes

    def feed(self, data: bytes) -> list[bytes]:
        """Return the lines completed by ``data``; keep the unterminated rest.

        Raises ``LineTooLong`` (carrying this chunk's good lines) when a line is over the
        limit; the next ``feed`` simply continues.
        """
        tail = self._tail
        max_len = self.max_line_bytes
        end = len(data) - 1
        if (
            not tail
            and not self._discarding
            and end > 0
            and data[end] == 10  # b"\n"
            and data.find(b"\n", 0, end) < 0
            and end <= max_len
        ):
            # The common case: a chunk that is exactly one line (one message per read).
            if data[end - 1] == 13:  # b"\r"
                end -= 1
            return [data[:end]] if end else []
        out: list[bytes] = []
        dropped = 0
        if self._discarding:
            nl = data.find(b"\n")
            if nl < 0:
                return []
            self._discarding = False
            data = data[nl + 1 :]
        elif tail:
            nl = data.find(b"\n")
            if nl < 0:
                if data:
                    tail.append(data)
                    self._tail_bytes += len(data)
                if self._tail_bytes > max_len:
                    head = _head(tail)
                    tail.clear()
                    self._tail_bytes = 0
                    self._discarding = True
                    raise LineTooLong(max_len, [], 1, [head])
                return []
            size = self._tail_bytes + nl
            if size > max_len:
                dropped = 1
                self._heads.append(_head([*tail, data[: min(nl, _HEAD_BYTES)]]))
            else:
                tail.append(memoryview(data)[:nl])
                line = b"".join(tail)
                if line[-1:] == b"\r":
                    line = line[:-1]
                if line:
                    out.append(line)
            tail.clear()
            self._tail_bytes = 0
            data = data[nl + 1 :] if nl + 1 < len(data) else b""
        lines = data.split(b"\n")
        last = lines.pop()
        if last:
            if len(last) > max_len:
                self._discarding = True
                dropped += 1
                self._heads.append(last[:_HEAD_BYTES])
            else:
                tail.append(last)
                self._tail_bytes = len(last)
        for line in lines:
            if len(line) > max_len:
                dropped += 1
                self._heads.append(line[:_HEAD_BYTES])
                continue
            if line[-1:] == b"\r":
                line = line[:-1]
            if line:
                out.append(line)
        if dropped:
            heads, self._heads = self._heads, []
            raise LineTooLong(max_len, out, dropped, heads)
        return out

    def feed_eof(self) -> list[bytes]:
        """The stream ended: return the unterminated last line, if any, as a final line.

        The spec wants every message newline-terminated; accepting a last line without one
        costs nothing and matches what peers' readers do.
        """
        line = b"".join(self._tail)
        self._tail.clear()
        self._tail_bytes = 0
        self._discarding = False
        if line[-1:] == b"\r":
            line = line[:-1]
        return [line] if line else []


def _head(pieces: list[bytes | memoryview]) -> bytes:
    out = bytearray()
    for piece in pieces:
        out += piece[: _HEAD_BYTES - len(out)]
        if len(out) >= _HEAD_BYTES:
            break
    return bytes(out)


_WS: Final = b" \t\r\n"
_NUMBER: Final = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


def salvage(head: bytes) -> tuple[int | str | None, bool]:
    """The top-level ``id`` (None if not within ``head``) of a JSON-RPC message cut short,
    and whether a top-level ``method`` was seen: a tolerant scan of the object's first
    keys that skips nested values and gives up where the bytes end."""
    msg_id: int | str | None = None
    has_method = False
    i = _skip_ws(head, 0)
    if head[i : i + 1] != b"{":
        return None, False
    i += 1
    while True:
        i = _skip_ws(head, i)
        if head[i : i + 1] != b'"':
            return msg_id, has_method
        key, i = _string(head, i)
        i = _skip_ws(head, i)
        if key is None or head[i : i + 1] != b":":
            return msg_id, has_method
        i = _skip_ws(head, i + 1)
        if key == "id":
            if head[i : i + 1] == b'"':
                value, i = _string(head, i)
                msg_id = value
            else:
                m = _NUMBER.match(head, i)
                if m is None or "." in m.group().decode() or b"e" in m.group().lower():
                    return msg_id, has_method
                msg_id, i = int(m.group()), m.end()
            if msg_id is None:
                return None, has_method
        else:
            has_method = has_method or key == "method"
            i = _skip_value(head, i)
        if i < 0:
            return msg_id, has_method
        i = _skip_ws(head, i)
        if head[i : i + 1] != b",":
            return msg_id, has_method
        i += 1


def _skip_ws(data: bytes, i: int) -> int:
    while i < len(data) and data[i] in _WS:
        i += 1
    return i


def _string(data: bytes, i: int) -> tuple[str | None, int]:
    """The JSON string starting at ``data[i]`` (a quote) and the index after it."""
    j = i + 1
    while j < len(data):
        c = data[j]
        if c == 0x5C:  # backslash
            j += 2
            continue
        if c == 0x22:
            try:
                return msgspec.json.decode(data[i : j + 1], type=str), j + 1
            except msgspec.DecodeError:
                return None, -1
        j += 1
    return None, -1


def _skip_value(data: bytes, i: int) -> int:
    """The index after the JSON value at ``data[i]``, or -1 if it runs past the end."""
    depth = 0
    while i < len(data):
        c = data[i : i + 1]
        if c == b'"':
            _, i = _string(data, i)
            if i < 0:
                return -1
            if depth == 0:
                return i
            continue
        if c in (b"{", b"["):
            depth += 1
        elif c in (b"}", b"]"):
            depth -= 1
            if depth == 0:
                return i + 1
            if depth < 0:
                return i
        elif depth == 0 and c == b",":
            return i
        i += 1
    return -1


def frame(msg: bytes) -> bytes:
    """Append the message delimiter.  ``msg`` must not contain a newline (MCP stdio)."""
    if b"\n" in msg:
        raise LocalProtocolError("a stdio message must not contain a newline byte")
    return msg + b"\n"
