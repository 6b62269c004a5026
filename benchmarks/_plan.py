"""What to measure: implementations (client + server pairs), cells, and the targets."""

from __future__ import annotations

from dataclasses import dataclass

# Implementation kinds, for clients and servers alike.
MCPLITE, FLOOR, OFFICIAL_PY, OFFICIAL_TS = "mcplite", "floor", "official-py", "official-ts"
# The second baseline: the floor's server with blocking stdin/stdout and no event loop
# (floor.serve_stdio_blocking), on the sequential stdio cells only (Cell.blocking_floor).
FLOOR_BLOCKING = "floor-blocking"
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


KIB64 = 64 * 1024
MIB = 1024 * 1024
# The implementations' default message limit (DESIGN.md §8: 4 MiB per stdio line / HTTP body);
# a cell whose messages do not fit raises it by option on both ends (Cell.max_message_bytes).
DEFAULT_MESSAGE_LIMIT_BYTES = 4 * MIB
ENVELOPE_BYTES = 64 * 1024  # room for the JSON-RPC and tools/call framing around a payload
IDLE_SESSIONS = 100  # the http-sessions cell (--sessions changes it)


@dataclass(frozen=True)
class Cell:
    id: str
    title: str
    task: str  # throughput | cold | rss | sessions
    transport: str  # memory | stdio | http-json | http-sse
    concurrency: int = 1
    payload_bytes: int = 16
    method: str = (
        "call"  # what a throughput call is: "call" (tools/call echo) | "list" (tools/list)
    )
    tools: int = 1  # tools registered on the server (echo + tools - 1 more)
    sessions: int = 0  # idle HTTP sessions (0: --sessions, default IDLE_SESSIONS)
    # Scale cells (issue 15): mcplite and the floors only; the peers would make a full run
    # too long, and their limits (sessions per peer, message sizes) are not all options.
    scale: bool = False

    @property
    def max_message_bytes(self) -> int:
        """The message limit both ends are given (0: their defaults fit this cell)."""
        if self.payload_bytes + ENVELOPE_BYTES <= DEFAULT_MESSAGE_LIMIT_BYTES:
            return 0
        return 2 * self.payload_bytes + ENVELOPE_BYTES

    @property
    def blocking_floor(self) -> bool:
        """The blocking floor answers one request at a time: sequential stdio calls only."""
        return self.transport == "stdio" and self.task == "throughput" and self.concurrency == 1

    def applies_to(self, impl: Impl) -> bool:
        if impl.server == FLOOR_BLOCKING:
            return self.blocking_floor
        if impl.peer and self.scale:
            return False
        if self.transport == "memory":
            # Only the same process on both ends: mcplite's connect(server) and the floor pair.
            return impl.client == impl.server and impl.client in (MCPLITE, FLOOR)
        return True


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
    # Scale (issue 15): 1, 16, 64, 256 in flight; 16 B to 8 MiB; 1,000 sessions; 1,000 tools.
    Cell("stdio-64", "stdio, 64 in flight", "throughput", "stdio", 64, scale=True),
    Cell("stdio-256", "stdio, 256 in flight", "throughput", "stdio", 256, scale=True),
    Cell("http-json-64", "HTTP JSON, 64 in flight", "throughput", "http-json", 64, scale=True),
    Cell("http-json-256", "HTTP JSON, 256 in flight", "throughput", "http-json", 256, scale=True),
    Cell("stdio-seq-1m", "stdio, sequential, 1 MiB", "throughput", "stdio", 1, MIB, scale=True),
    Cell("stdio-seq-8m", "stdio, sequential, 8 MiB", "throughput", "stdio", 1, 8 * MIB, scale=True),
    Cell(
        "http-json-seq-1m",
        "HTTP JSON, sequential, 1 MiB",
        "throughput",
        "http-json",
        1,
        MIB,
        scale=True,
    ),
    Cell(
        "http-json-seq-8m",
        "HTTP JSON, sequential, 8 MiB",
        "throughput",
        "http-json",
        1,
        8 * MIB,
        scale=True,
    ),
    Cell(
        "http-sessions-1000",
        "HTTP server RSS per idle session (1 vs 1,000)",
        "sessions",
        "http-json",
        sessions=1000,
        scale=True,
    ),
    Cell(
        "tools-list-1000",
        "stdio, tools/list of 1,000 tools, sequential",
        "throughput",
        "stdio",
        method="list",
        tools=1000,
        scale=True,
    ),
    Cell(
        "cold-start-1000",
        "cold start with 1,000 tools: spawn -> initialize -> tools/list",
        "cold",
        "stdio",
        tools=1000,
        scale=True,
    ),
]

# "Throughput does not fall from 64 to 256 in flight" (issue 15): the 256 cell's calls/s must
# be at least this share of the 64 cell's, same row, same run (a margin for run-to-run noise).
SCALE_PAIRS = (("stdio-64", "stdio-256"), ("http-json-64", "http-json-256"))
SCALE_MIN_SHARE = 0.9
SCALE_ROWS = ("mcplite", "mcplite-server")

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
    "cold-start-1000",  # the one scale cell in --quick: lazy tool schemas (issue 15)
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
