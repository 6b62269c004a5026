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

from typing import Final

from .._errors import PARSE_ERROR, LocalProtocolError, RemoteProtocolError

__all__ = ["DEFAULT_MAX_LINE_BYTES", "LineSplitter", "LineTooLong", "frame"]

# One line is one JSON-RPC message: same 4 MiB cap as an HTTP body (DESIGN.md §8).
DEFAULT_MAX_LINE_BYTES: Final = 4 * 1024 * 1024


class LineTooLong(RemoteProtocolError):
    """A line went over the limit; the splitter has already recovered.

    Raised by ``LineSplitter.feed`` *after* the whole chunk has been processed, so nothing
    is lost: ``lines`` holds every good line of that chunk (in order) and ``dropped`` counts
    the over-long lines skipped in it.  Handle ``lines`` as if ``feed`` had returned them,
    answer the error (JSON-RPC -32700 with a null id) and keep reading.
    """

    def __init__(self, max_line_bytes: int, lines: list[bytes], dropped: int) -> None:
        super().__init__(f"line exceeds {max_line_bytes} bytes", PARSE_ERROR)
        self.lines = lines
        self.dropped = dropped


class LineSplitter:
    """Split a byte stream into lines at ``\\n``.

    A trailing ``\\r`` is stripped and empty lines are skipped (tolerance for peers that
    write CRLF or blank keep-alive lines).  ``max_line_bytes`` counts the bytes of a line
    without its ``\\n`` (a ``\\r`` before it counts); a longer line is discarded up to the
    next newline and reported by ``LineTooLong`` -- once per over-long line, whatever the
    chunking -- while the splitter carries on with the line after it.
    """

    __slots__ = ("_discarding", "_tail", "_tail_bytes", "max_line_bytes")

    def __init__(self, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        if max_line_bytes < 1:
            raise ValueError(f"max_line_bytes must be >= 1, got {max_line_bytes}")
        self.max_line_bytes = max_line_bytes
        # Unterminated chunks, none containing b"\n", joined once when the line ends: a
        # large line split over several reads is copied once, not once per read.
        self._tail: list[bytes | memoryview] = []
        self._tail_bytes = 0
        self._discarding = False  # inside an over-long line: drop up to the next b"\n"

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
                    tail.clear()
                    self._tail_bytes = 0
                    self._discarding = True
                    raise LineTooLong(max_len, [], 1)
                return []
            size = self._tail_bytes + nl
            if size > max_len:
                dropped = 1
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
            else:
                tail.append(last)
                self._tail_bytes = len(last)
        for line in lines:
            if len(line) > max_len:
                dropped += 1
                continue
            if line[-1:] == b"\r":
                line = line[:-1]
            if line:
                out.append(line)
        if dropped:
            raise LineTooLong(max_len, out, dropped)
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


def frame(msg: bytes) -> bytes:
    """Append the message delimiter.  ``msg`` must not contain a newline (MCP stdio)."""
    if b"\n" in msg:
        raise LocalProtocolError("a stdio message must not contain a newline byte")
    return msg + b"\n"
