"""A log-bucketed latency histogram with bounded memory (layer 1, pure).

HdrHistogram's layout: values are whole microseconds; below ``2**SUB_BUCKET_BITS`` each value
has its own bucket, above it every power of two is split into ``2**(SUB_BUCKET_BITS - 1)``
equal buckets, so a recorded value is known to within ``2**-(SUB_BUCKET_BITS - 1)`` of itself
(0.8 % for 8 bits) whatever its size.  The bucket count grows with the logarithm of the
largest value, never with the number of values: a day-long run at any rate fits in a few
thousand integers.  Percentiles report the highest value equivalent to the bucket (as
HdrHistogram does), clamped to the exact maximum.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

SUB_BUCKET_BITS: Final = 8
_SUB: Final = 1 << SUB_BUCKET_BITS
_HALF: Final = _SUB >> 1


def bucket_of(value: int) -> int:
    """The bucket index of a non-negative whole number of microseconds."""
    if value < _SUB:
        return value
    shift = value.bit_length() - SUB_BUCKET_BITS
    return _SUB + (shift - 1) * _HALF + ((value >> shift) - _HALF)


def bucket_bounds(index: int) -> tuple[int, int]:
    """The lowest and highest value (inclusive) that fall into bucket ``index``."""
    if index < _SUB:
        return index, index
    shift, sub = divmod(index - _SUB, _HALF)
    shift += 1
    low = (sub + _HALF) << shift
    return low, low + (1 << shift) - 1


class Histogram:
    """Counts of latencies in log-linear buckets, plus the exact count, sum, min and max."""

    __slots__ = ("count", "counts", "max_us", "min_us", "total_us")

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.count = 0
        self.total_us = 0
        self.min_us = 0
        self.max_us = 0

    def record(self, seconds: float) -> None:
        value = max(0, int(seconds * 1e6 + 0.5))
        index = bucket_of(value)
        self.counts[index] = self.counts.get(index, 0) + 1
        if self.count == 0 or value < self.min_us:
            self.min_us = value
        if value > self.max_us:
            self.max_us = value
        self.count += 1
        self.total_us += value

    def merge(self, other: Histogram) -> None:
        if other.count == 0:
            return
        for index, n in other.counts.items():
            self.counts[index] = self.counts.get(index, 0) + n
        self.min_us = other.min_us if self.count == 0 else min(self.min_us, other.min_us)
        self.max_us = max(self.max_us, other.max_us)
        self.count += other.count
        self.total_us += other.total_us

    def percentile(self, q: float) -> float:
        """The ``q``-quantile (0..1) in seconds: the highest value of the bucket holding the
        ``ceil(q * count)``-th smallest value; 0 when empty."""
        if self.count == 0:
            return 0.0
        rank = max(1, min(self.count, -int(-q * self.count // 1)))
        seen = 0
        for index in sorted(self.counts):
            seen += self.counts[index]
            if seen >= rank:
                return min(bucket_bounds(index)[1], self.max_us) / 1e6
        return self.max_us / 1e6  # pragma: no cover - the counts add up to count

    @property
    def mean(self) -> float:
        return self.total_us / self.count / 1e6 if self.count else 0.0

    def buckets(self) -> Iterator[tuple[float, float, int]]:
        """(low, high, count) in seconds for every non-empty bucket, lowest first."""
        for index in sorted(self.counts):
            low, high = bucket_bounds(index)
            yield low / 1e6, high / 1e6, self.counts[index]

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": {str(k): v for k, v in sorted(self.counts.items())},
            "count": self.count,
            "total_us": self.total_us,
            "min_us": self.min_us,
            "max_us": self.max_us,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Histogram:
        h = cls()
        h.counts = {int(k): int(v) for k, v in data["counts"].items()}
        h.count = int(data["count"])
        h.total_us = int(data["total_us"])
        h.min_us = int(data["min_us"])
        h.max_us = int(data["max_us"])
        return h
