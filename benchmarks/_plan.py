"""What to measure: implementations (client + server pairs), cells, and the targets."""

from __future__ import annotations

from dataclasses import dataclass

# Implementation kinds, for clients and servers alike.
MCPLITE, FLOOR, OFFICIAL_PY, OFFICIAL_TS = "mcplite", "floor", "official-py", "official-ts"
# The second baseline: the floor's server with blocking stdin/stdout and no event loop
# (floor.serve_stdio_blocking), on the sequential stdio cells only.
FLOOR_BLOCKING = "floor-blocking"
BLOCKING_CELLS = ("stdio-seq", "stdio-seq-64k")
PEERS = (OFFICIAL_PY, OFFICIAL_TS)


@dataclass(frozen=True)
class Impl:
    name: str  # row label
    client: str
    server: str
    loop: str = "asyncio"
    peer: bool = False

    @property
    def floor_name(self) -> str:
        """The floor row this row's ratios are taken against (same event loop)."""
        return "floor" if self.loop == "asyncio" else f"floor+{self.loop}"


def impls(peers: bool, loops: list[str]) -> list[Impl]:
    out = [
        Impl("mcplite", MCPLITE, MCPLITE),
        Impl("mcplite-server", FLOOR, MCPLITE),
        Impl("floor", FLOOR, FLOOR),
        Impl(FLOOR_BLOCKING, FLOOR, FLOOR_BLOCKING),
    ]
    for loop in loops:
        if loop != "asyncio":
            out += [
                Impl(f"mcplite+{loop}", MCPLITE, MCPLITE, loop),
                Impl(f"mcplite-server+{loop}", FLOOR, MCPLITE, loop),
                Impl(f"floor+{loop}", FLOOR, FLOOR, loop),
            ]
    if peers:
        out += [
            Impl(OFFICIAL_PY, OFFICIAL_PY, OFFICIAL_PY, peer=True),
            Impl(OFFICIAL_TS, OFFICIAL_TS, OFFICIAL_TS, peer=True),
            Impl(f"{OFFICIAL_PY}-server", FLOOR, OFFICIAL_PY, peer=True),
            Impl(f"{OFFICIAL_TS}-server", FLOOR, OFFICIAL_TS, peer=True),
        ]
    return out


@dataclass(frozen=True)
class Cell:
    id: str
    title: str
    task: str  # throughput | cold | rss | sessions
    transport: str  # memory | stdio | http-json | http-sse
    concurrency: int = 1
    payload_bytes: int = 16

    def applies_to(self, impl: Impl) -> bool:
        if impl.server == FLOOR_BLOCKING:
            return self.id in BLOCKING_CELLS
        if self.transport == "memory":
            # Only the same process on both ends: mcplite's connect(server) and the floor pair.
            return impl.client == impl.server and impl.client in (MCPLITE, FLOOR)
        return True


KIB64 = 64 * 1024

CELLS = [
    Cell("memory-seq", "in-memory, sequential", "throughput", "memory"),
    Cell("memory-16", "in-memory, 16 in flight", "throughput", "memory", 16),
    Cell("memory-seq-64k", "in-memory, sequential, 64 KiB", "throughput", "memory", 1, KIB64),
    Cell("stdio-seq", "stdio, sequential", "throughput", "stdio"),
    Cell("stdio-16", "stdio, 16 in flight", "throughput", "stdio", 16),
    Cell("stdio-seq-64k", "stdio, sequential, 64 KiB", "throughput", "stdio", 1, KIB64),
    Cell("stdio-16-64k", "stdio, 16 in flight, 64 KiB", "throughput", "stdio", 16, KIB64),
    Cell("http-json-seq", "HTTP JSON, sequential", "throughput", "http-json"),
    Cell("http-json-16", "HTTP JSON, 16 in flight", "throughput", "http-json", 16),
    Cell("http-json-seq-64k", "HTTP JSON, sequential, 64 KiB", "throughput", "http-json", 1, KIB64),
    Cell("http-sse-seq", "HTTP SSE, sequential", "throughput", "http-sse"),
    Cell("http-sse-16", "HTTP SSE, 16 in flight", "throughput", "http-sse", 16),
    Cell("http-sse-seq-64k", "HTTP SSE, sequential, 64 KiB", "throughput", "http-sse", 1, KIB64),
    Cell("cold-start", "cold start: spawn -> initialize -> tools/list", "cold", "stdio"),
    Cell("rss-1000", "stdio server RSS after 1,000 calls", "rss", "stdio"),
    Cell("http-sessions", "HTTP server RSS per idle session (1 vs N)", "sessions", "http-json"),
]

QUICK_CELLS = {
    "memory-seq",
    "stdio-seq",
    "stdio-16",
    "stdio-seq-64k",
    "http-json-seq",
    "http-sse-seq",
    "cold-start",
    "rss-1000",
    "http-sessions",
}

# Targets from the issue, as (limit, what is compared). "ratio" is the row's value against
# the floor, turned to read "times worse"; "kib" is an absolute KiB per idle session.
TARGETS: dict[tuple[str, str], tuple[float, str]] = {
    ("stdio-seq", "mcplite"): (1.3, "ratio"),
    ("stdio-16", "mcplite"): (1.5, "ratio"),
    ("stdio-seq-64k", "mcplite"): (1.3, "ratio"),
    ("http-json-seq", "mcplite-server"): (2.0, "ratio"),
    ("http-json-seq", "mcplite"): (2.5, "ratio"),
    ("http-json-16", "mcplite"): (2.5, "ratio"),
    ("http-sse-seq", "mcplite"): (2.5, "ratio"),
    ("http-sse-16", "mcplite"): (2.5, "ratio"),
    ("cold-start", "mcplite"): (1.5, "ratio"),
    ("rss-1000", "mcplite"): (1.3, "ratio"),
    ("http-sessions", "mcplite"): (10.0, "kib"),
    ("http-sessions", "mcplite-server"): (10.0, "kib"),
}


def target(cell_id: str, impl_name: str) -> tuple[float, str] | None:
    base, _, loop = impl_name.partition("+")
    del loop  # the same target holds on every loop, against that loop's floor
    return TARGETS.get((cell_id, base))
