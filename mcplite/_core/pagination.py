"""Opaque pagination cursors for every list method (layer 1, pure).

2025-11-25 server/utilities/pagination.mdx: cursors are opaque strings chosen by the
server; an invalid cursor SHOULD be answered with -32602.  Ours encode the offset into a
snapshot-free listing plus a check value, so a hand-made or stale-format cursor is
recognised as invalid instead of silently returning the wrong page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, TypeVar

from .._core.base64url import b64url_decode, b64url_encode
from .._errors import INVALID_PARAMS, RemoteProtocolError

T = TypeVar("T")

DEFAULT_PAGE_SIZE: Final = 100
_PREFIX: Final = "o1:"


def encode_cursor(offset: int) -> str:
    return b64url_encode(f"{_PREFIX}{offset}".encode("ascii"))


def decode_cursor(cursor: str) -> int:
    """The offset a cursor stands for; -32602 if it is not one of ours."""
    try:
        text = b64url_decode(cursor).decode("ascii")
    except ValueError:  # not base64url (the message names it), or not ASCII inside
        text = ""
    if text.startswith(_PREFIX) and text[len(_PREFIX) :].isdigit():
        return int(text[len(_PREFIX) :])
    raise RemoteProtocolError(f"Invalid params: invalid cursor {cursor!r}", INVALID_PARAMS)


def paginate(items: Sequence[T], cursor: str | None, page_size: int) -> tuple[list[T], str | None]:
    """One page of ``items`` from ``cursor`` and the cursor of the next page (or None)."""
    start = 0 if cursor is None else decode_cursor(cursor)
    if start > len(items):
        raise RemoteProtocolError(
            f"Invalid params: cursor {cursor!r} is past the end of the list", INVALID_PARAMS
        )
    end = start + page_size
    page = list(items[start:end])
    return page, (encode_cursor(end) if end < len(items) else None)
