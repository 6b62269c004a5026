"""The one gate every JSON document from a peer passes before msgspec decodes it (layer 1).

msgspec skips the parts it keeps as ``msgspec.Raw`` or does not know without validating
their UTF-8, and recurses once per nesting level (a value 100,000 levels deep raises
``RecursionError``).  RFC 8259 §8.1 requires UTF-8 and §9 lets a parser limit nesting, so
both are checked here, once, and refused as the peer's fault (``RemoteProtocolError``
with -32700), whatever the transport.
"""

from __future__ import annotations

from typing import Final

from .._errors import PARSE_ERROR, RemoteProtocolError

# serde_json's default; far below CPython's recursion limit (1000), so code that walks a
# decoded value recursively (schema validation, ``repr``) cannot run out of stack either.
# An MCP message with a deep tool schema is still well under 30 levels.
DEFAULT_MAX_JSON_DEPTH: Final = 128

_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
_BRACKETS_AS_SQUARE = bytes.maketrans(b"{}", b"[]")


class InvalidJSON(RemoteProtocolError):
    """The peer's bytes are not JSON this parser accepts (-32700)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, PARSE_ERROR)


# Above this size the brackets are counted by memchr-speed ``find`` calls that stop once
# the limit is passed: ``bytes.count`` of one byte runs at ~1.4 GB/s, 48 us for the two
# counts of a 64 KiB message, against ~5 us for the finds.
_FIND_COUNT_ABOVE_BYTES: Final = 4096


def _brackets_exceed(data: bytes, limit: int) -> bool:
    """Whether ``data`` holds more than ``limit`` ``[`` and ``{`` bytes in all."""
    if len(data) <= _FIND_COUNT_ABOVE_BYTES:
        return data.count(b"[") + data.count(b"{") > limit
    seen = 0
    find = data.find
    for bracket in (b"{", b"["):
        at = find(bracket)
        while at >= 0:
            seen += 1
            if seen > limit:
                return True
            at = find(bracket, at + 1)
    return False


def nesting_depth_exceeds(data: bytes, max_depth: int) -> bool:
    """True if ``data`` nests arrays/objects deeper than ``max_depth`` levels.

    Only well-formed nesting is measured; malformed JSON is msgspec's to refuse.
    """
    # Fast paths (every ordinary message): a document no longer than the limit cannot hold
    # more brackets than that (the length costs nothing), and fewer brackets than the limit
    # cannot nest past it.
    if len(data) <= max_depth or not _brackets_exceed(data, max_depth):
        return False
    # Strings may hold brackets, so they are cut out first, at C speed throughout: drop the
    # escaped backslashes, then the escaped quotes (left to right, as a parser pairs them),
    # keep only quotes and brackets, drop the strings left empty, and take what lies
    # between the remaining quote pairs away.
    if b"\\" in data:
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    reduced = data.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    shape = b"".join(reduced.split(b'"')[::2]).translate(_BRACKETS_AS_SQUARE)
    # Each pass removes exactly the innermost pairs (those with nothing left inside), so
    # what survives ``max_depth`` passes is nested deeper than that.
    for _ in range(max_depth):
        if not shape:
            return False
        shape = shape.replace(b"[]", b"")
    return bool(shape)


def check(data: bytes | bytearray | memoryview, max_depth: int = DEFAULT_MAX_JSON_DEPTH) -> None:
    """Refuse invalid UTF-8 and nesting deeper than ``max_depth`` (``InvalidJSON``)."""
    raw = bytes(data) if not isinstance(data, bytes) else data
    if not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidJSON(
                f"Parse error: invalid UTF-8 at byte {exc.start} (JSON text must be UTF-8, "
                "RFC 8259 §8.1)"
            ) from None
    if nesting_depth_exceeds(raw, max_depth):
        raise InvalidJSON(f"Parse error: JSON nested deeper than the limit of {max_depth} levels")
