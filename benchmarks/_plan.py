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


@dataclass(frozen=True)
class Target:
    """A row's ratio to the floor (times worse, same run, median of repetitions) must be at
    most ``limit``; ``issue`` is where the target was set."""

    cell: str
    impl: str
    limit: float
    issue: int


TARGETS: tuple[Target, ...] = (
    # Issue 15 (performance wave 2): mcplite with its own client / the asyncio floor.
    Target("stdio-seq", "mcplite", 1.2, 15),
    Target("stdio-16", "mcplite", 1.3, 15),
    Target("stdio-seq-64k", "mcplite", 1.2, 15),
    Target("http-json-seq", "mcplite", 1.5, 15),
    Target("http-json-16", "mcplite", 2.0, 15),
    Target("http-sse-seq", "mcplite", 1.6, 15),
    Target("http-sse-16", "mcplite", 2.2, 15),
    Target("cold-start", "mcplite", 1.3, 15),
    Target("rss-1000", "mcplite", 1.15, 15),
    Target("http-sessions", "mcplite", 1.1, 15),  # memory per idle session, 100 sessions
    Target("http-sessions-1000", "mcplite", 1.1, 15),  # and at 1,000
    # Issue 21 (eager dispatch, lean stdio): mcplite's server driven by the floor's client,
    # and mcplite on both ends, against the asyncio floor.
    Target("stdio-seq", "mcplite-server", 0.75, 21),
    Target("stdio-seq-64k", "mcplite-server", 0.9, 21),
    Target("stdio-16", "mcplite-server", 1.0, 21),
    Target("stdio-seq", "mcplite", 1.0, 21),
)


def targets(cell_id: str, impl_name: str) -> list[Target]:
    """The targets of a row; the same hold on every loop, against that loop's floor."""
    base = impl_name.partition("+")[0]
    return [t for t in TARGETS if t.cell == cell_id and t.impl == base]
