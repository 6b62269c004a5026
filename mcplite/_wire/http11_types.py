"""Sans-I/O HTTP/1.1, the values (layer 1, pure): the parsers' events, ``Headers`` and
``HTTPProtocolError``.  ``_wire.http11`` (the parsers) exports them all; this module holds
them so each module keeps to one role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import msgspec

from .._errors import RemoteProtocolError

__all__ = [
    "Data",
    "EndOfMessage",
    "Event",
    "HTTPProtocolError",
    "Headers",
    "Request",
    "Response",
    "body_too_large",
]


class HTTPProtocolError(RemoteProtocolError):
    """The peer sent invalid HTTP; ``status`` is the response a server should send."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def body_too_large(length: int | None, limit: int) -> HTTPProtocolError:
    """The 413 (RFC 9110 §15.5.14) for a body over ``max_body_bytes``: one of a declared
    Content-Length ``length``, or a chunked one (None).  The parsers and the ASGI adapter,
    whose server parsed the framing, raise the same error, so both answer the same bytes."""
    size = "chunked body" if length is None else f"body of {length} bytes"
    return HTTPProtocolError(f"{size} exceeds {limit} bytes (max_body_bytes)", 413)


class Headers:
    """Header fields as received: ``(lowercased name, value)`` pairs in order.

    ``get`` combines repeated fields with ", " (RFC 9110 §5.3); ``get_all`` keeps them
    apart (needed for Set-Cookie-like fields).  Names passed in must be lowercase bytes.
    """

    __slots__ = ("_index", "_pairs")

    def __init__(
        self,
        pairs: list[tuple[bytes, bytes]],
        _index: dict[bytes, bytes] | None = None,
    ) -> None:
        self._pairs = pairs
        self._index = _index

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        return self._pairs

    def get(self, name: bytes, default: bytes | None = None) -> bytes | None:
        index = self._index
        if index is None:
            index = self._index = _index_fields(self._pairs)
        return index.get(name, default)

    def getter(self) -> Callable[[bytes], bytes | None]:
        """``get`` as the index's own (C) ``dict.get``: for code reading several fields."""
        index = self._index
        if index is None:
            index = self._index = _index_fields(self._pairs)
        return index.get

    def with_value(self, at: int, value: bytes) -> Headers:
        """These fields with the value of the ``at``-th one replaced (its name kept)."""
        pairs = self._pairs.copy()
        name = pairs[at][0]
        pairs[at] = (name, value)
        index = dict(self._index) if self._index is not None else _index_fields(pairs)
        index[name] = value
        return Headers(pairs, index)

    def get_all(self, name: bytes) -> list[bytes]:
        return [v for n, v in self._pairs if n == name]

    def __contains__(self, name: object) -> bool:
        return self.get(name) is not None if isinstance(name, bytes) else False

    def __iter__(self) -> Iterator[tuple[bytes, bytes]]:
        return iter(self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return self._pairs == other._pairs
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable-looking container, like list

    def __repr__(self) -> str:
        return f"Headers({self._pairs!r})"


def _index_fields(pairs: list[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    index = dict(pairs)
    if len(index) != len(pairs):  # a repeated name: combine in order
        index = {}
        for name, value in pairs:
            old = index.get(name)
            index[name] = value if old is None else old + b", " + value
    return index


class Request(msgspec.Struct, frozen=True):
    """A request head.  ``keep_alive`` is False for HTTP/1.0 or ``Connection: close``."""

    method: str
    target: str
    headers: Headers
    http_version: bytes = b"1.1"
    keep_alive: bool = True


class Response(msgspec.Struct, frozen=True):
    """A final (>= 200) response head; interim 1xx responses are skipped."""

    status: int
    reason: bytes
    headers: Headers
    http_version: bytes = b"1.1"
    keep_alive: bool = True


class Data(msgspec.Struct, frozen=True):
    """A piece of body."""

    data: bytes


class EndOfMessage(msgspec.Struct, frozen=True):
    """The body is complete (trailers, if any, were read and dropped)."""


Event = Request | Response | Data | EndOfMessage
