"""pydantic v2 models as tool/prompt parameters and return types (issue 17, item 1).

pydantic comes from the ``test`` extra; the test at the end runs a subprocess in which pydantic
cannot be imported, and checks that ``import mcplite`` never imports it either way.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Annotated, Any

import pydantic
import pytest
from pydantic import BaseModel, Field, PositiveInt

import mcplite
from mcplite import types as t


class Location(BaseModel):
    """A place on Earth."""

    lat: float = Field(ge=-90, le=90, description="Latitude in degrees")
    lon: float = Field(ge=-180, le=180, description="Longitude in degrees")
    name: str = "somewhere"


class Forecast(BaseModel):
    temperature_c: float
    where: Location
    tags: list[str] = []


@pydantic.dataclasses.dataclass
class Point:
    x: int = Field(ge=0)


class Opaque:
    pass


class Holder(BaseModel):
    model_config = pydantic.ConfigDict(arbitrary_types_allowed=True)
    thing: Opaque


def _server() -> mcplite.Server:
    server = mcplite.Server("pydantic")

    @server.tool()
    def forecast(
        location: Location,
        days: PositiveInt = 1,
        unit: Annotated[str, Field(pattern="^[CF]$", description="C or F")] = "C",
        hours: int = Field(default=24, le=48, description="Hours ahead"),
    ) -> Forecast:
        """Forecast the weather."""
        return Forecast(temperature_c=20.0 + days, where=location, tags=[unit, str(hours)])

    @server.tool()
    def echo_many(places: list[Location]) -> list[Location]:
        return places

    @server.tool()
    def as_dict(location: Location) -> Forecast:
        # A dict for a model annotation is validated into the model, as FastMCP does.
        return {"temperature_c": 1, "where": location.model_dump()}  # type: ignore[return-value]

    @server.tool()
    def wrong(location: Location) -> Forecast:
        return {"temperature_c": "hot"}  # type: ignore[return-value]

    @server.tool()
    def unannotated(location: Location):  # type: ignore[no-untyped-def]
        return location

    @server.prompt()
    def plan(location: Location, days: PositiveInt = 2) -> str:
        return f"Plan {days} days at {location.lat},{location.lon}"

    return server


async def test_schemas_keep_constraints_and_descriptions() -> None:
    async with mcplite.connect(_server()) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    schema = tools["forecast"].input_schema
    assert schema["required"] == ["location"]
    loc = schema["properties"]["location"]
    assert loc["description"] == "A place on Earth."
    assert loc["properties"]["lat"] == {
        "description": "Latitude in degrees",
        "maximum": 90,
        "minimum": -90,
        "title": "Lat",
        "type": "number",
    }
    assert loc["required"] == ["lat", "lon"]
    assert schema["properties"]["days"] == {"exclusiveMinimum": 0, "type": "integer", "default": 1}
    assert schema["properties"]["unit"] == {
        "description": "C or F",
        "pattern": "^[CF]$",
        "type": "string",
        "default": "C",
    }
    assert schema["properties"]["hours"] == {
        "default": 24,
        "description": "Hours ahead",
        "maximum": 48,
        "type": "integer",
    }
    out = tools["forecast"].output_schema
    assert out is not t.UNSET
    assert out["type"] == "object" and out["required"] == ["temperature_c", "where"]
    assert out["properties"]["where"] == {"$ref": "#/$defs/Location"}
    assert out["$defs"]["Location"]["properties"]["lat"]["maximum"] == 90
    many = tools["echo_many"]
    assert many.input_schema["properties"]["places"]["items"] == {"$ref": "#/$defs/Location"}
    assert "Location" in many.input_schema["$defs"]
    # A list is not an object: wrapped as {"result": ...} like every other non-object type.
    assert many.output_schema["required"] == ["result"]  # type: ignore[index]
    assert tools["unannotated"].output_schema is t.UNSET


async def test_arguments_validated_by_the_model_with_paths() -> None:
    async with mcplite.connect(_server()) as client:
        ok = await client.call_tool("forecast", {"location": {"lat": 51.5, "lon": -0.1}})
        assert not ok.is_error
        assert ok.structured_content == {
            "temperature_c": 21.0,
            "where": {"lat": 51.5, "lon": -0.1, "name": "somewhere"},
            "tags": ["C", "24"],
        }
        assert json.loads(ok.content[0].text) == ok.structured_content  # type: ignore[union-attr]

        bad = await client.call_tool(
            "forecast", {"location": {"lat": 100, "lon": 0}, "days": 0, "unit": "K"}
        )
        assert bad.is_error
        text = bad.content[0].text  # type: ignore[union-attr]
        assert text == (
            "Invalid arguments: Input should be less than or equal to 90 (got 100)"
            " - at `$.location.lat`; Input should be greater than 0 (got 0) - at `$.days`;"
            " String should match pattern '^[CF]$' (got 'K') - at `$.unit`"
        )
        missing = await client.call_tool("forecast", {"location": {"lat": 1}})
        assert missing.content[0].text == (  # type: ignore[union-attr]
            "Invalid arguments: Field required - at `$.location.lon`"
        )
        absent = await client.call_tool("forecast", {})
        assert absent.content[0].text == (  # type: ignore[union-attr]
            "Invalid arguments: Object missing required field `location`"
        )
        listed = await client.call_tool("echo_many", {"places": [{"lat": 1, "lon": 2}, {}]})
        assert "at `$.places[1].lat`" in listed.content[0].text  # type: ignore[union-attr]

        again = await client.call_tool("echo_many", {"places": [{"lat": 1, "lon": 2}]})
        assert again.structured_content == {
            "result": [{"lat": 1.0, "lon": 2.0, "name": "somewhere"}]
        }


async def test_returns_serialised_by_the_model() -> None:
    async with mcplite.connect(_server()) as client:
        loc = {"lat": 1, "lon": 2}
        converted = await client.call_tool("as_dict", {"location": loc})
        assert converted.structured_content == {
            "temperature_c": 1.0,
            "where": {"lat": 1.0, "lon": 2.0, "name": "somewhere"},
            "tags": [],
        }
        wrong = await client.call_tool("wrong", {"location": loc})
        assert wrong.is_error
        assert "does not match its return annotation" in wrong.content[0].text  # type: ignore[union-attr]
        plain = await client.call_tool("unannotated", {"location": loc})
        assert json.loads(plain.content[0].text) == {  # type: ignore[union-attr]
            "lat": 1.0,
            "lon": 2.0,
            "name": "somewhere",
        }


async def test_prompt_arguments_arrive_as_strings() -> None:
    async with mcplite.connect(_server()) as client:
        listed = (await client.list_prompts()).prompts[0]
        assert [(a.name, a.required) for a in listed.arguments] == [  # type: ignore[union-attr]
            ("location", True),
            ("days", False),
        ]
        result = await client.get_prompt("plan", {"location": '{"lat": 1, "lon": 2}', "days": "3"})
        assert result.messages[0].content.text == "Plan 3 days at 1.0,2.0"  # type: ignore[union-attr]
        with pytest.raises(mcplite.RPCError, match=r"greater than 0 \(got '0'\) - at `\$.days`"):
            await client.get_prompt("plan", {"location": '{"lat": 1, "lon": 2}', "days": "0"})


def test_pydantic_dataclass_and_optional_model() -> None:
    def fn(p: Point, maybe: Location | None = None) -> dict[str, Any]:
        return {"x": p.x, "maybe": maybe}

    from mcplite._core.schema import ArgumentError, build_signature

    sig = build_signature(fn)
    assert sig.input_schema["properties"]["p"]["properties"]["x"]["minimum"] == 0
    kwargs = sig.validate({"p": {"x": 3}})
    assert isinstance(kwargs["p"], Point) and kwargs["p"].x == 3
    assert kwargs["maybe"] is None
    assert isinstance(
        sig.validate({"p": {"x": 3}, "maybe": {"lat": 0, "lon": 0}})["maybe"], Location
    )
    with pytest.raises(ArgumentError, match=r"- at `\$.p.x`"):
        sig.validate({"p": {"x": -1}})


def test_a_model_without_a_json_schema_is_a_registration_error() -> None:
    server = mcplite.Server("bad")
    with pytest.raises(TypeError, match=r"parameter 'h' of .*\(field Holder\.thing\)"):

        @server.tool()
        def use(h: Holder) -> None: ...


def test_mutable_model_default_is_not_shared() -> None:
    from mcplite._core.schema import build_signature

    default = Forecast(temperature_c=0, where=Location(lat=0, lon=0))

    def fn(f: Forecast = default) -> None: ...

    sig = build_signature(fn)
    assert sig.input_schema["properties"]["f"]["default"]["temperature_c"] == 0.0
    first = sig.validate({})["f"]
    first.tags.append("x")
    assert sig.validate({})["f"].tags == [] and default.tags == []


_WITHOUT_PYDANTIC = textwrap.dedent(
    """
    import asyncio, sys
    if sys.argv[1] == "blocked":
        sys.modules["pydantic"] = None  # ImportError on any import of it
    import mcplite
    assert "pydantic" not in sys.modules or sys.modules["pydantic"] is None, "imported"

    server = mcplite.Server("plain")

    @server.tool()
    def add(a: int, b: int = 2) -> int:
        return a + b

    async def main():
        async with mcplite.connect(server) as client:
            result = await client.call_tool("add", {"a": 1})
            assert result.structured_content == {"result": 3}, result
    asyncio.run(main())
    assert "pydantic" not in sys.modules or sys.modules["pydantic"] is None, "imported late"
    print("ok")
    """
)


@pytest.mark.parametrize("mode", ["blocked", "installed"])
def test_mcplite_never_imports_pydantic_on_its_own(mode: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error", "-c", _WITHOUT_PYDANTIC, mode],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


class Contact(BaseModel):
    name: str = Field(description="Your name")
    age: PositiveInt


async def test_a_model_as_the_elicitation_schema() -> None:
    server = mcplite.Server("ask")
    asked: list[dict[str, Any]] = []

    @server.tool()
    async def ask(ctx: mcplite.Context) -> str:
        answer = await ctx.elicit("Who are you?", Contact)
        contact = Contact.model_validate(answer.content)
        return f"{contact.name} is {contact.age}"

    async def reply(params: t.ElicitParams) -> t.ElicitResult:
        assert isinstance(params.requested_schema, dict)
        asked.append(params.requested_schema)
        return t.ElicitResult(action="accept", content={"name": "Ada", "age": 36})

    async with mcplite.connect(server, elicitation=reply) as client:
        result = await client.call_tool("ask")
    assert result.text == "Ada is 36"
    schema = asked[0]
    assert schema["required"] == ["name", "age"]
    assert schema["properties"]["name"]["description"] == "Your name"
    assert schema["properties"]["age"]["exclusiveMinimum"] == 0
