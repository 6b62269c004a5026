"""One client process of ``mcplite bench --processes P``: reads ``{"target", "settings"}``
as JSON on stdin, runs the load (the parent has checked the workload), writes the result as
JSON on stdout.

    python -m mcplite._cli.bench_worker
"""

from __future__ import annotations

import asyncio
import sys

import msgspec


def main() -> int:
    from .bench_run import (  # lazy: CLI bench worker process: bench loads on start
        exit_code,
        measure,
    )

    job = msgspec.json.decode(sys.stdin.buffer.read())
    result = asyncio.run(measure(job["target"], job["settings"], checked=True))
    sys.stdout.buffer.write(msgspec.json.encode(result) + b"\n")
    sys.stdout.flush()
    return exit_code(result)


if __name__ == "__main__":
    sys.exit(main())
