"""Client runners: one fresh process per measurement, driven by ``benchmarks.__main__``.

Each runner takes one JSON spec argument and prints ``RESULT {json}`` as its last line.
"""
