"""Echo server for the floor: ``python -m benchmarks.servers.floor_echo stdio|http ...``.

The server itself lives in ``benchmarks.floor``; this keeps one entry per implementation here.
"""

from ..floor import main

if __name__ == "__main__":
    main()
