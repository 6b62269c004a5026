"""NDJSON line splitter for stdio (mcplite._wire.ndjson)."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings, strategies as st

from mcplite._errors import PARSE_ERROR, LocalProtocolError, RemoteProtocolError
from mcplite._wire.ndjson import DEFAULT_MAX_LINE_BYTES, LineSplitter, LineTooLong, frame


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def run(splitter: LineSplitter, chunks: list[bytes]) -> tuple[list[bytes], int]:
    """Every line from every chunk (including those carried by LineTooLong), and errors."""
    lines: list[bytes] = []
    dropped = 0
    for chunk in chunks:
        try:
            lines += splitter.feed(chunk)
        except LineTooLong as exc:
            lines += exc.lines
            dropped += exc.dropped
    return lines, dropped


def test_default_limit_is_4_mib() -> None:
    assert DEFAULT_MAX_LINE_BYTES == 4 * 1024 * 1024
    assert LineSplitter().max_line_bytes == DEFAULT_MAX_LINE_BYTES


def test_splits_lines_and_keeps_the_tail() -> None:
    s = LineSplitter()
    assert s.feed(b'{"a":1}\n{"b"') == [b'{"a":1}']
    assert s.pending_bytes == 4
    assert s.feed(b":2}\n") == [b'{"b":2}']
    assert s.pending_bytes == 0


def test_strips_cr_and_skips_empty_lines() -> None:
    s = LineSplitter()
    assert s.feed(b"one\r\n\n\r\ntwo\n") == [b"one", b"two"]
    assert s.feed(b"") == []


def test_tail_without_newline_grows_across_feeds() -> None:
    s = LineSplitter()
    for b in b"abc":
        assert s.feed(bytes([b])) == []
    assert s.feed(b"\r") == []
    assert s.feed(b"\nx") == [b"abc"]


def test_line_too_long_is_reported_once_and_recovers() -> None:
    s = LineSplitter(max_line_bytes=5)
    with pytest.raises(LineTooLong) as info:
        s.feed(b"ok\n123456789\nfine\n")
    assert info.value.lines == [b"ok", b"fine"]
    assert info.value.dropped == 1
    assert "line exceeds 5 bytes" in str(info.value)
    assert isinstance(info.value, RemoteProtocolError)
    assert info.value.code == PARSE_ERROR
    assert s.feed(b"next\n") == [b"next"]


def test_partial_over_long_line_discards_up_to_newline() -> None:
    s = LineSplitter(max_line_bytes=4)
    assert s.feed(b"abc") == []
    with pytest.raises(LineTooLong) as info:
        s.feed(b"defgh")  # tail now 8 bytes, no newline yet
    assert info.value.lines == []
    assert s.pending_bytes == 0
    assert s.feed(b"more junk") == []  # still inside the bad line
    assert s.feed(b"junk\nok\n") == [b"ok"]


def test_over_long_unterminated_tail_in_one_chunk() -> None:
    s = LineSplitter(max_line_bytes=3)
    with pytest.raises(LineTooLong) as info:
        s.feed(b"hi\nabcdef")
    assert info.value.lines == [b"hi"]
    assert s.feed(b"gh\nyo\n") == [b"yo"]


def test_limit_counts_the_cr() -> None:
    s = LineSplitter(max_line_bytes=3)
    assert s.feed(b"abc\n") == [b"abc"]
    with pytest.raises(LineTooLong):
        s.feed(b"abc\r\n")


@pytest.mark.parametrize(
    ("chunk", "limit", "lines"),
    [
        (b"abc\n", 8, [b"abc"]),
        (b"abc\r\n", 8, [b"abc"]),
        (b"\r\n", 8, []),
        (b"abcdefgh\n", 8, [b"abcdefgh"]),  # exactly at the limit
        (b"a\nb\n", 8, [b"a", b"b"]),  # two lines: not the one-line path
    ],
)
def test_a_chunk_that_is_one_line(chunk: bytes, limit: int, lines: list[bytes]) -> None:
    # The one-line fast path gives what the general path gives, and leaves no state.
    s = LineSplitter(limit)
    assert s.feed(chunk) == lines
    assert s.pending_bytes == 0
    assert s.feed(b"z\n") == [b"z"]


def test_a_one_line_chunk_over_the_limit_is_refused() -> None:
    s = LineSplitter(3)
    with pytest.raises(LineTooLong):
        s.feed(b"abcd\n")
    with pytest.raises(LineTooLong):
        s.feed(b"abc\r\n")  # the CR counts
    assert s.feed(b"ok\n") == [b"ok"]
    s = LineSplitter(8)
    s.feed(b"ab")  # a tail is waiting: the chunk completes it, not a line of its own
    assert s.feed(b"c\n") == [b"abc"]


def test_feed_eof_returns_the_unterminated_line() -> None:
    s = LineSplitter()
    s.feed(b"a\nlast\r")
    assert s.feed_eof() == [b"last"]
    assert s.feed_eof() == []


def test_frame() -> None:
    assert frame(b'{"x":1}') == b'{"x":1}\n'
    with pytest.raises(LocalProtocolError):
        frame(b"a\nb")


def test_bad_limit() -> None:
    with pytest.raises(ValueError):
        LineSplitter(max_line_bytes=0)


def test_large_line_in_tiny_chunks_is_linear() -> None:
    # 1 MiB arriving in 64-byte chunks: quadratic rescanning would take seconds.
    line = b"x" * (1 << 20)
    s = LineSplitter()
    out: list[bytes] = []
    for i in range(0, len(line), 64):
        out += s.feed(line[i : i + 64])
    out += s.feed(b"\n")
    assert out == [line]


lines_st = st.lists(st.binary(max_size=12).map(lambda b: b.replace(b"\n", b"")), max_size=8).map(
    lambda parts: b"\n".join(parts)
)


@settings(max_examples=300, deadline=None)
@given(data=lines_st, cuts=st.lists(st.integers(0, 200), max_size=10), limit=st.integers(1, 8))
def test_any_chunking_gives_the_same_lines(data: bytes, cuts: list[int], limit: int) -> None:
    whole = run(LineSplitter(limit), [data])
    assert run(LineSplitter(limit), chunked(data, cuts)) == whole
    assert run(LineSplitter(limit), [bytes([b]) for b in data]) == whole


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=20).filter(lambda b: b"\n" not in b), max_size=6))
def test_frame_then_split_round_trips(messages: list[bytes]) -> None:
    wire = b"".join(frame(m) for m in messages)
    expected = [m[:-1] if m.endswith(b"\r") else m for m in messages]
    assert LineSplitter().feed(wire) == [m for m in expected if m]


def test_random_bytes_raise_only_remote_protocol_error() -> None:
    rng = random.Random(1234)
    for _ in range(3000):
        s = LineSplitter(max_line_bytes=rng.randint(1, 16))
        for _ in range(rng.randint(1, 4)):
            try:
                s.feed(rng.randbytes(rng.randint(0, 24)).replace(b"\x00", b"\n"))
            except RemoteProtocolError:
                pass


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b'{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"x":"', (7, True)),
        (b'{"jsonrpc": "2.0", "method": "x", "params": {"id": 3}, "id": "a"}', ("a", True)),
        (b'{"method":"x","params":{"id":3,"deep":[1,{"id":4}]}', (None, True)),
        (b'{"jsonrpc":"2.0","id":-12,"result":{"content":[{"text":"', (-12, False)),
        (b'{"id":"a\\"b","method":"m"}', ('a"b', True)),
        (b'{"id":1.5,"method":"m"}', (None, False)),
        (b'{"id":null,"method":"m"}', (None, False)),
        (b"[1,2,3]", (None, False)),
        (b'{"params":{"text":"', (None, False)),
        (b"", (None, False)),
    ],
)
def test_salvage_reads_the_top_level_id_from_a_cut_line(
    head: bytes, expected: tuple[object, bool]
) -> None:
    from mcplite._wire.ndjson import salvage

    assert salvage(head) == expected


def test_line_too_long_carries_what_it_salvaged_whatever_the_chunking() -> None:
    line = b'{"jsonrpc":"2.0","id":9,"method":"ping","params":{"pad":"' + b"x" * 100 + b'"}}\n'
    for cut in (1, 10, 30, 70, len(line) - 1):
        s = LineSplitter(max_line_bytes=50)
        salvaged = []
        for chunk in (line[:cut], line[cut:]):
            try:
                s.feed(chunk)
            except LineTooLong as exc:
                salvaged += exc.salvaged
        assert salvaged == [(9, True)], cut


def test_line_split_over_reads_is_joined_once() -> None:
    splitter = LineSplitter(max_line_bytes=10)
    assert splitter.feed(b"abc") == []
    assert splitter.feed(b"") == []
    assert splitter.feed(b"def") == []
    assert splitter.pending_bytes == 6
    assert splitter.feed(b"g\r\nhi\nj") == [b"abcdefg", b"hi"]
    assert splitter.feed(b"\n") == [b"j"]
    assert splitter.feed(b"12345") == []
    with pytest.raises(LineTooLong) as info:
        splitter.feed(b"678901\nok\n")
    assert info.value.lines == [b"ok"] and info.value.dropped == 1
    assert splitter.feed(b"\r\n") == []  # an empty CRLF line is skipped
    assert splitter.feed(b"\r") == []
    assert splitter.feed(b"\n") == []  # ... also when its CR and LF arrive apart
