"""A weather server written for FastMCP: the original that examples/weather.py ports.

tests/interop/test_fastmcp.py runs it under FastMCP (stdio and HTTP) and drives it with
mcplite's client, with the same checks as the port; it also checks that the port differs
from this file only in the lines docs/migrating.md lists.
"""

from __future__ import annotations

import contextlib
import struct
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from fastmcp import Context, FastMCP
from fastmcp.utilities.types import Image
from pydantic import BaseModel, Field, PositiveInt


class WeatherAPI:
    """Stands in for an HTTP client to a weather service: opened once, shared by all calls."""

    def __init__(self) -> None:
        self.requests = 0
        self.closed = False

    async def daily(self, latitude: float, longitude: float, days: int) -> list[float]:
        self.requests += 1
        base = 30.0 - abs(latitude) / 3  # warmer near the equator; deterministic, offline
        return [round(base + ((longitude + 7 * d) % 5) - 2, 1) for d in range(days)]

    async def aclose(self) -> None:
        self.closed = True


@dataclass
class AppState:
    api: WeatherAPI


@contextlib.asynccontextmanager
async def lifespan(server: object) -> AsyncIterator[AppState]:
    api = WeatherAPI()
    try:
        yield AppState(api=api)
    finally:
        await api.aclose()


mcp = FastMCP("weather", lifespan=lifespan)


class Location(BaseModel):
    """A point on Earth."""

    latitude: float = Field(ge=-90, le=90, description="Degrees north")
    longitude: float = Field(ge=-180, le=180, description="Degrees east")
    name: str | None = Field(default=None, description="A label for the place")


class Forecast(BaseModel):
    location: Location
    daily_max_c: list[float]
    summary: str
    api_requests: int


def _png(values: list[float]) -> bytes:
    """A tiny grey-scale bar chart as PNG, one column per value (stdlib only)."""
    height, top = 20, max(values) or 1.0
    rows = b"".join(
        b"\x00" + bytes(0 if v / top * height >= height - y else 255 for v in values)
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", len(values), height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@mcp.tool
async def forecast(location: Location, ctx: Context, days: PositiveInt = 3) -> Forecast:
    """Daily maximum temperatures for the next few days.

    Args:
        location: where to forecast
        days: how many days (1 or more)
    """
    state: AppState = ctx.request_context.lifespan_context
    await ctx.info(f"forecast for {location.name or 'a point'}")
    temps = await state.api.daily(location.latitude, location.longitude, days)
    await ctx.report_progress(progress=days, total=days)
    summary = f"{days} day(s), warmest {max(temps)} C"
    return Forecast(
        location=location, daily_max_c=temps, summary=summary, api_requests=state.api.requests
    )


@mcp.tool
async def chart(location: Location, ctx: Context, days: PositiveInt = 5) -> Image:
    """The forecast as a bar chart (PNG)."""
    state: AppState = ctx.request_context.lifespan_context
    temps = await state.api.daily(location.latitude, location.longitude, days)
    return Image(data=_png(temps), format="png")


@mcp.resource("weather://cities")
def cities() -> dict[str, dict[str, float]]:
    """Places the server knows by name."""
    return {
        "london": {"latitude": 51.5, "longitude": -0.1},
        "quito": {"latitude": -0.2, "longitude": -78.5},
    }


@mcp.prompt
def plan_trip(city: str, days: int = 2) -> str:
    """Ask for a packing list based on the forecast."""
    return f"Use the forecast tool for {city} over {days} days, then suggest what to pack."


if __name__ == "__main__":
    mcp.run()
