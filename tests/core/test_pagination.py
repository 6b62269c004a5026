"""_core/pagination: opaque cursors and pages, round trip and refusal of bad cursors (pure)."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, strategies as st

from mcplite._core.pagination import decode_cursor, encode_cursor, paginate
from mcplite._errors import INVALID_PARAMS, RemoteProtocolError


def test_pagination_round_trip_and_errors() -> None:
    items = list(range(5))
    page, cursor = paginate(items, None, 2)
    assert page == [0, 1] and cursor is not None
    page, cursor = paginate(items, cursor, 2)
    assert page == [2, 3] and cursor is not None
    page, cursor = paginate(items, cursor, 2)
    assert page == [4] and cursor is None
    assert decode_cursor(encode_cursor(7)) == 7
    with pytest.raises(RemoteProtocolError) as info:
        paginate(items, encode_cursor(6), 2)
    assert info.value.code == INVALID_PARAMS and "past the end" in str(info.value)
    # exactly at the end is an empty last page, not an error
    assert paginate(items, encode_cursor(5), 2) == ([], None)
    for bad in ["!!", "é", base64.urlsafe_b64encode(b"o1:x").decode(), "bm9wZQ"]:
        with pytest.raises(RemoteProtocolError):
            decode_cursor(bad)


@pytest.mark.parametrize(
    "cursor",
    [
        encode_cursor(3) + "==",  # padded: our cursors are unpadded base64url
        encode_cursor(3) + "=",
        encode_cursor(3) + "==xx",  # anything after the padding was ignored
    ],
)
def test_decode_cursor_refuses_text_that_lenient_base64_would_accept(cursor: str) -> None:
    # base64.urlsafe_b64decode accepted all of these as offset 3 before the one strict decoder
    # (_core/base64url) took over: one page had many names, and junk after '=' went unseen.
    with pytest.raises(RemoteProtocolError) as info:
        decode_cursor(cursor)
    assert info.value.code == INVALID_PARAMS and "invalid cursor" in str(info.value)


@given(st.text(max_size=40))
def test_decode_cursor_fuzz(cursor: str) -> None:
    code = 0
    try:
        offset = decode_cursor(cursor)
    except RemoteProtocolError as exc:
        code = exc.code
    else:
        assert offset >= 0
    assert code in (0, INVALID_PARAMS)
