"""Benchmarks for mcplite: micro-benchmarks of the hot path and end-to-end runs against a floor.

Run ``python -m benchmarks --help`` from the repository root. Nothing here is imported by the
library or by the test suite; every module is stdlib-only except where it drives a peer SDK.
"""
