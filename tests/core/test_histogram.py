"""The log-bucketed latency histogram: bounded error, bounded size, exact count/min/max."""

from __future__ import annotations

import math
import random

from hypothesis import given, strategies as st

from mcplite._core.histogram import SUB_BUCKET_BITS, Histogram, bucket_bounds, bucket_of

RELATIVE_ERROR = 2.0 ** -(SUB_BUCKET_BITS - 1)


@given(st.integers(min_value=0, max_value=2**45))
def test_a_value_falls_inside_its_bucket_and_the_bucket_is_narrow(value: int) -> None:
    low, high = bucket_bounds(bucket_of(value))
    assert low <= value <= high
    assert high - low <= max(0, value * RELATIVE_ERROR)


def test_buckets_tile_the_integers_without_gaps() -> None:
    previous_high = -1
    for index in range(5000):
        low, high = bucket_bounds(index)
        assert low == previous_high + 1, index
        assert bucket_of(low) == bucket_of(high) == index
        previous_high = high


def test_percentiles_match_the_exact_ones_within_the_bucket_error() -> None:
    rng = random.Random(22)
    values = [rng.lognormvariate(-7, 1.5) for _ in range(20_000)]
    h = Histogram()
    for v in values:
        h.record(v)
    values.sort()
    for q in (0.5, 0.9, 0.99, 0.999):
        exact = values[math.ceil(q * len(values)) - 1]
        got = h.percentile(q)
        assert abs(got - exact) <= exact * RELATIVE_ERROR + 1e-6, (q, got, exact)
    assert h.count == len(values)
    assert h.max_us == round(values[-1] * 1e6)
    assert h.percentile(1.0) == h.max_us / 1e6
    # Bounded memory: never more buckets than the index of the largest value, and a value of
    # twelve days (2**40 microseconds) has an index under 10,000.
    assert len(h.counts) <= bucket_of(h.max_us) + 1
    assert bucket_of(2**40) < 10_000


def test_merge_and_round_trip() -> None:
    a, b = Histogram(), Histogram()
    for v in (0.001, 0.002, 0.003):
        a.record(v)
    for v in (0.0005, 0.5):
        b.record(v)
    a.merge(b)
    a.merge(Histogram())
    assert (a.count, a.min_us, a.max_us) == (5, 500, 500_000)
    assert abs(a.mean - (0.0065 + 0.5) / 5) < 1e-9
    again = Histogram.from_dict(a.to_dict())
    assert again.to_dict() == a.to_dict()
    assert [n for _, _, n in again.buckets()] == [1, 1, 1, 1, 1]
    empty = Histogram()
    assert (empty.percentile(0.5), empty.mean) == (0.0, 0.0)
    empty.merge(a)
    assert empty.min_us == 500
