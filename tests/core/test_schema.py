"""Tests for mcplite._core.schema: schemas from signatures, argument validation, tool names."""

from __future__ import annotations

import dataclasses
import enum
import functools
from typing import Annotated, Any, Literal, Optional, TypedDict

import jsonschema
import msgspec
import pytest

from mcplite._core.schema import (
    MAX_TOOL_NAME_CHARS,
    ArgumentError,
    Parameter,
    ToolSignature,
    _fast_schema,
    _input_schema,
    _type_hints,
    build_signature,
    prompt_arguments,
    serialize_output,
    validate_tool_name,
)

# -- fixtures: types used in signatures ---------------------------------------------------


class Context:
    """Stands in for the server's injected Context."""


def is_context(annotation: Any) -> bool:
    return annotation is Context


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Point(msgspec.Struct):
    """A point."""

    x: int
    y: int = 0


class Node(msgspec.Struct):
    value: int
    children: list[Node] = []


@dataclasses.dataclass
class Box:
    width: float
    label: str = "box"


class Movie(TypedDict):
    title: str
    year: int


class Weather(msgspec.Struct):
    temperature: float
    conditions: str


class Image(msgspec.Struct):
    """Stands in for an mcplite content Struct."""

    data: str


def is_image(annotation: Any) -> bool:
    return annotation is Image


def check_schema(schema: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)


# -- input schemas --------------------------------------------------------------------------


def test_ints_with_defaults() -> None:
    def add(a: int, b: int = 2) -> int:
        """Add two numbers."""
        return a + b

    sig = build_signature(add)
    assert sig.description == "Add two numbers."
    assert sig.input_schema == {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer", "default": 2}},
        "required": ["a"],
    }
    assert sig.output_schema == {
        "type": "object",
        "properties": {"result": {"type": "integer"}},
        "required": ["result"],
    }
    assert sig.wrap_output is True
    assert sig.injected == {}
    assert [p.name for p in sig.parameters] == ["a", "b"]
    assert sig.parameters[0].required
    assert not sig.parameters[1].required
    check_schema(sig.input_schema)
    check_schema(sig.output_schema)


def test_many_types_snapshot() -> None:
    def tool(  # type: ignore[no-untyped-def]
        ctx: Context,
        name: Annotated[str, msgspec.Meta(description="Who to greet", min_length=1)],
        count: Annotated[int, msgspec.Meta(ge=0, le=10)] = 1,
        nickname: Optional[str] = None,  # noqa: UP045 - the spelling under test
        mode: Literal["fast", "slow"] = "fast",
        color: Color = Color.RED,
        point: Point | None = None,
        box: Box | None = None,
        movie: Movie | None = None,
        tags: list[str] = [],  # noqa: B006 - msgspec copies empty defaults
        anything=3,  # unannotated: Any
    ) -> None:
        pass

    sig = build_signature(tool, skip=is_context)
    assert sig.injected == {"ctx": Context}
    assert sig.output_schema is None
    assert sig.wrap_output is False
    assert sig.description is None
    assert sig.input_schema == {
        "type": "object",
        "properties": {
            "name": {"description": "Who to greet", "type": "string", "minLength": 1},
            "count": {"type": "integer", "minimum": 0, "maximum": 10, "default": 1},
            "nickname": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
            "mode": {"enum": ["fast", "slow"], "default": "fast"},
            "color": {"$ref": "#/$defs/Color", "default": "red"},
            "point": {"anyOf": [{"$ref": "#/$defs/Point"}, {"type": "null"}], "default": None},
            "box": {"anyOf": [{"$ref": "#/$defs/Box"}, {"type": "null"}], "default": None},
            "movie": {"anyOf": [{"$ref": "#/$defs/Movie"}, {"type": "null"}], "default": None},
            "tags": {"type": "array", "items": {"type": "string"}, "default": []},
            "anything": {"default": 3},
        },
        "required": ["name"],
        "$defs": {
            "Color": {"title": "Color", "enum": ["blue", "red"]},
            "Point": {
                "title": "Point",
                "description": "A point.",
                "type": "object",
                "properties": {"x": {"type": "integer"}, "y": {"type": "integer", "default": 0}},
                "required": ["x"],
            },
            "Box": {
                "title": "Box",
                "type": "object",
                "properties": {
                    "width": {"type": "number"},
                    "label": {"type": "string", "default": "box"},
                },
                "required": ["width"],
            },
            "Movie": {
                "title": "Movie",
                "type": "object",
                "properties": {"title": {"type": "string"}, "year": {"type": "integer"}},
                "required": ["title", "year"],
            },
        },
    }
    check_schema(sig.input_schema)
    kwargs = sig.validate(
        {
            "name": "Ann",
            "color": "blue",
            "point": {"x": 1},
            "box": {"width": 2},
            "movie": {"title": "M", "year": 1999},
            "tags": ["a"],
        }
    )
    assert kwargs == {
        "name": "Ann",
        "count": 1,
        "nickname": None,
        "mode": "fast",
        "color": Color.BLUE,
        "point": Point(1, 0),
        "box": Box(2.0),
        "movie": {"title": "M", "year": 1999},
        "tags": ["a"],
        "anything": 3,
    }
    jsonschema.validate({"name": "Ann", "point": {"x": 1}}, sig.input_schema)


def test_no_parameters() -> None:
    def ping() -> None:
        pass

    sig = build_signature(ping)
    assert sig.input_schema == {"type": "object", "properties": {}}
    assert sig.validate(None) == {}
    assert sig.validate({"extra": 1}) == {}
    assert sig.decode_json(b"{}") == {}
    assert sig.output_schema is None


def test_docstring_args_section() -> None:
    def tool(a: int, b: Annotated[int, msgspec.Meta(description="from meta")], c: str = "") -> None:
        """Summary line.

        More detail.

        Args:
            a: The first
                number, continued.
            b: ignored, Meta wins.
            c (str): A string.
              not an arg line, continues c
            d: not a parameter.

        Returns:
            Nothing.
        """

    sig = build_signature(tool)
    assert sig.description == "Summary line.\n\nMore detail.\n\nReturns:\n    Nothing."
    props = sig.input_schema["properties"]
    assert props["a"] == {"description": "The first number, continued.", "type": "integer"}
    assert props["b"] == {"description": "from meta", "type": "integer"}
    assert props["c"] == {
        "description": "A string. not an arg line, continues c",
        "type": "string",
        "default": "",
    }
    assert [p.description for p in sig.parameters] == [
        "The first number, continued.",
        "ignored, Meta wins.",
        "A string. not an arg line, continues c",
    ]


def test_docstring_odd_shapes() -> None:
    def only_args(a: int) -> None:
        """
        Args:
            orphan continuation line

            a: first.
        """

    sig = build_signature(only_args)
    assert sig.description is None
    assert sig.input_schema["properties"]["a"]["description"] == "first."

    def unindented_end(a: int) -> None:
        """Do it.

        Parameters:
            a: x.
        Raises:
            ValueError: never.
        """

    sig = build_signature(unindented_end)
    assert sig.description == "Do it.\n\nRaises:\n    ValueError: never."
    assert sig.input_schema["properties"]["a"]["description"] == "x."


def test_mutable_default_is_copied_and_shown() -> None:
    def tool(
        tags: list[str] = ["a", "b"],  # noqa: B006 - the behaviour under test
        weird: list[Any] = [object()],  # noqa: B006, B008
    ) -> None:
        pass

    sig = build_signature(tool)
    props = sig.input_schema["properties"]
    assert props["tags"] == {"type": "array", "items": {"type": "string"}, "default": ["a", "b"]}
    assert "default" not in props["weird"]  # not representable in JSON
    first = sig.validate({})
    first["tags"].append("c")
    assert sig.validate({})["tags"] == ["a", "b"]


# -- registration errors ------------------------------------------------------------------


def test_var_args_rejected() -> None:
    def star(*args: int) -> None:
        pass

    def kw(**kwargs: int) -> None:
        pass

    with pytest.raises(TypeError, match=r"\*args/\*\*kwargs parameter 'args' is not supported"):
        build_signature(star)
    with pytest.raises(TypeError, match="parameter 'kwargs'"):
        build_signature(kw)


def test_positional_only_rejected() -> None:
    def pos(a: int, /) -> None:
        pass

    with pytest.raises(TypeError, match="positional-only parameter 'a'"):
        build_signature(pos)


def test_unresolvable_hints() -> None:
    def bad(a: DoesNotExist) -> None:  # type: ignore[name-defined]  # noqa: F821
        pass

    with pytest.raises(TypeError, match=r"cannot resolve the type hints of .*DoesNotExist"):
        build_signature(bad)


class Foo:
    """Not a type msgspec knows."""


def test_unsupported_types() -> None:
    def param(a: Foo) -> None:
        pass

    def result() -> Foo:
        return Foo()

    def default(a: int = Foo()) -> None:  # type: ignore[assignment]
        pass

    with pytest.raises(TypeError, match=r"cannot build a JSON Schema for .*param"):
        build_signature(param)
    with pytest.raises(TypeError, match="cannot build a JSON Schema for the result of"):
        build_signature(result)
    with pytest.raises(TypeError, match="cannot build a JSON Schema"):
        build_signature(default)


def test_bad_field_name_and_no_signature() -> None:
    def reserved(__weakref__: int) -> None:
        pass

    with pytest.raises(TypeError, match="cannot build the arguments of"):
        build_signature(reserved)
    with pytest.raises(TypeError, match="cannot read the signature of"):
        build_signature(1)  # type: ignore[arg-type]


# -- other callables ----------------------------------------------------------------------


def test_partial_method_and_callable_instance() -> None:
    def base(a: int, b: str) -> str:
        """Base doc."""
        return b * a

    part = build_signature(functools.partial(base, b="x"))
    assert part.description == "Base doc."
    assert part.input_schema["properties"]["b"] == {"type": "string", "default": "x"}

    class Tools:
        def method(self, n: int) -> int:
            """Method doc."""
            return n

    bound = build_signature(Tools().method)
    assert bound.description == "Method doc."
    assert bound.input_schema["required"] == ["n"]

    class Callable_:
        """Instance doc."""

        def __call__(self, q: float) -> float:
            return q

    inst = build_signature(Callable_())
    assert inst.description == "Instance doc."
    assert inst.input_schema["properties"] == {"q": {"type": "number"}}
    assert repr(inst).startswith("<ToolSignature ")
    assert repr(inst).endswith("('q',)>")
    assert repr(bound) == f"<ToolSignature {Tools.method.__qualname__!r} ('n',)>"


# -- validation ---------------------------------------------------------------------------


def _sig() -> ToolSignature:
    def tool(
        ctx: Context,
        a: int,
        b: int = 0,
        f: float = 0.0,
        point: Point | None = None,
        tags: list[str] = [],  # noqa: B006
    ) -> None:
        pass

    return build_signature(tool, skip=is_context)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"a": 1, "b": "2"}, "Invalid arguments: Expected `int`, got `str` - at `$.b`"),
        ({}, "Invalid arguments: Object missing required field `a`"),
        (None, "Invalid arguments: Object missing required field `a`"),
        ({"a": 1.5}, "Invalid arguments: Expected `int`, got `float` - at `$.a`"),
        ({"a": True}, "Invalid arguments: Expected `int`, got `bool` - at `$.a`"),
        (
            {"a": 1, "point": {"x": "s"}},
            "Invalid arguments: Expected `int`, got `str` - at `$.point.x`",
        ),
        (
            {"a": 1, "tags": ["x", 2]},
            "Invalid arguments: Expected `str`, got `int` - at `$.tags[1]`",
        ),
        ([1, 2], "Invalid arguments: Expected `object`, got `array`"),
    ],
)
def test_validate_errors(arguments: Any, message: str) -> None:
    sig = _sig()
    with pytest.raises(ArgumentError) as info:
        sig.validate(arguments)
    assert str(info.value) == message
    assert info.value.detail == message.removeprefix("Invalid arguments: ")
    assert isinstance(info.value, ValueError)


def test_validate_ok_and_json_rules() -> None:
    sig = _sig()
    assert sig.validate({"a": 1, "f": 2, "unknown": "ignored"}) == {
        "a": 1,
        "b": 0,
        "f": 2.0,
        "point": None,
        "tags": [],
    }
    kwargs = sig.validate({"a": 1, "f": 2})
    assert isinstance(kwargs["f"], float)  # int -> float is fine, as in JSON
    assert "ctx" not in kwargs


def test_validate_meta_constraint() -> None:
    def tool(n: Annotated[int, msgspec.Meta(ge=0)]) -> None:
        pass

    with pytest.raises(ArgumentError) as info:
        build_signature(tool).validate({"n": -1})
    assert str(info.value) == "Invalid arguments: Expected `int` >= 0 - at `$.n`"


def test_non_strict_coerces_strings() -> None:
    def prompt(n: int, ok: bool = False) -> str:
        return ""

    sig = build_signature(prompt, strict=False)
    assert sig.validate({"n": "3", "ok": "true"}) == {"n": 3, "ok": True}
    assert sig.decode_json(b'{"n": "4"}') == {"n": 4, "ok": False}
    with pytest.raises(ArgumentError):
        build_signature(prompt).validate({"n": "3"})


def test_decode_json() -> None:
    sig = _sig()
    expected = {"a": 1, "b": 2, "f": 0.0, "point": Point(3, 0), "tags": []}
    raw = b'{"a": 1, "b": 2, "point": {"x": 3}, "zzz": [1, {"q": null}]}'
    assert sig.decode_json(raw) == expected
    assert sig.decode_json(raw.decode()) == expected
    assert sig.decode_json(msgspec.Raw(raw)) == expected
    assert sig.decode_json(memoryview(raw)) == expected
    with pytest.raises(ArgumentError) as info:
        sig.decode_json(b'{"a": "x"}')
    assert str(info.value) == "Invalid arguments: Expected `int`, got `str` - at `$.a`"
    with pytest.raises(ArgumentError) as info:
        sig.decode_json(b'{"a": ')
    assert str(info.value) == "Invalid arguments: Input data was truncated"
    with pytest.raises(ArgumentError) as info:
        sig.decode_json(b"[1]")
    assert str(info.value) == "Invalid arguments: Expected `object`, got `array`"


def test_decode_json_null_means_empty() -> None:
    def tool(a: int = 5) -> None:
        pass

    sig = build_signature(tool)
    assert sig.decode_json(b" null ") == {"a": 5}
    assert sig.decode_json("null") == {"a": 5}
    with pytest.raises(ArgumentError, match="missing required field `a`"):
        _sig().decode_json(b"null")


# -- output schemas -----------------------------------------------------------------------


def test_struct_output_is_inlined_not_wrapped() -> None:
    def get_weather(city: str) -> Weather:
        """Get the weather."""
        return Weather(22.5, "sunny")

    sig = build_signature(get_weather)
    assert sig.output_schema == {
        "title": "Weather",
        "type": "object",
        "properties": {"temperature": {"type": "number"}, "conditions": {"type": "string"}},
        "required": ["temperature", "conditions"],
    }
    assert sig.wrap_output is False
    assert serialize_output(sig, Weather(22.5, "sunny")) == {
        "temperature": 22.5,
        "conditions": "sunny",
    }


def test_recursive_output_keeps_defs() -> None:
    def tree() -> Node:
        return Node(1)

    sig = build_signature(tree)
    schema = sig.output_schema
    assert schema is not None
    assert schema["type"] == "object"
    assert schema["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    assert "Node" in schema["$defs"]
    check_schema(schema)
    jsonschema.validate(serialize_output(sig, Node(1, [Node(2)])), schema)


def test_object_like_outputs() -> None:
    def dc() -> Box:
        return Box(1.0)

    def td() -> Movie:
        return {"title": "t", "year": 1}

    def mapping() -> dict[str, int]:
        return {"a": 1}

    for fn in (dc, td, mapping):
        sig = build_signature(fn)
        assert sig.output_schema is not None
        assert sig.output_schema["type"] == "object"
        assert sig.wrap_output is False
    assert serialize_output(build_signature(dc), Box(1.0)) == {"width": 1.0, "label": "box"}
    assert build_signature(mapping).output_schema == {
        "type": "object",
        "additionalProperties": {"type": "integer"},
    }


def test_wrapped_outputs() -> None:
    def text() -> str:
        return "hi"

    def points() -> list[Point]:
        return [Point(1)]

    def maybe() -> Point | None:
        return None

    sig = build_signature(text)
    assert sig.output_schema == {
        "type": "object",
        "properties": {"result": {"type": "string"}},
        "required": ["result"],
    }
    assert serialize_output(sig, "hi") == {"result": "hi"}

    sig = build_signature(points)
    assert sig.wrap_output is True
    assert sig.output_schema is not None
    assert sig.output_schema["properties"]["result"] == {
        "type": "array",
        "items": {"$ref": "#/$defs/Point"},
    }
    assert set(sig.output_schema["$defs"]) == {"Point"}
    assert serialize_output(sig, [Point(1)]) == {"result": [{"x": 1, "y": 0}]}
    check_schema(sig.output_schema)

    sig = build_signature(maybe)
    assert sig.wrap_output is True
    assert serialize_output(sig, None) == {"result": None}


def test_no_output_schema() -> None:
    def none() -> None:
        pass

    def bare():  # type: ignore[no-untyped-def]
        pass

    def anything() -> Any:
        pass

    def image() -> Image:
        return Image("x")

    for fn in (none, bare, anything):
        sig = build_signature(fn)
        assert sig.output_schema is None
        assert serialize_output(sig, 1) is None
    sig = build_signature(image, is_content=is_image)
    assert sig.output_schema is None
    assert sig.wrap_output is False
    assert build_signature(image).output_schema is not None


# -- tool names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["getUser", "DATA_EXPORT_v2", "admin.tools.list", "a", "x-y", "A" * 128]
)
def test_valid_tool_names(name: str) -> None:
    validate_tool_name(name)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "tool name must not be empty"),
        ("A" * 129, "tool name must be at most 128 characters, got 129"),
        (
            "get user",
            "tool name 'get user' has invalid character ' ' at position 3; "
            "only A-Z, a-z, 0-9, '_', '-' and '.' are allowed",
        ),
        ("a,b", "invalid character ',' at position 1"),
        ("café", "invalid character 'é' at position 3"),
        ("x/y", "invalid character '/' at position 1"),
    ],
)
def test_invalid_tool_names(name: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        validate_tool_name(name)
    assert message in str(info.value)
    assert MAX_TOOL_NAME_CHARS == 128


# -- prompts ------------------------------------------------------------------------------


def test_prompt_arguments() -> None:
    def greet(
        ctx: Context,
        name: Annotated[str, msgspec.Meta(description="Who")],
        style: str = "warm",
        extra: str | None = None,
    ) -> str:
        """Greet someone.

        Args:
            style: How to greet.
        """
        return ""

    assert prompt_arguments(greet, is_context) == [
        ("name", "Who", True),
        ("style", "How to greet.", False),
        ("extra", None, False),
    ]
    assert prompt_arguments(lambda: "") == []


def test_parameter_dataclass() -> None:
    import inspect

    p = Parameter("a", int, inspect.Parameter.empty, None)
    assert p.required
    assert not Parameter("a", int, 1, "d").required


def test_async_function() -> None:
    async def fetch(url: str, retries: int = 3) -> dict[str, str]:
        """Fetch a page."""
        return {}

    sig = build_signature(fetch)
    assert sig.description == "Fetch a page."
    assert sig.input_schema["required"] == ["url"]
    assert sig.output_schema == {"type": "object", "additionalProperties": {"type": "string"}}
    assert sig.return_annotation == dict[str, str]


# -- the direct schema table (issue 15 "Cold start") -----------------------------------------

TABLE_TYPES: list[Any] = [
    str,
    int,
    float,
    bool,
    type(None),
    Any,
    list,
    dict,
    list[int],
    list[list[str]],
    dict[str, int],
    dict[str, list[float]],
    Optional[int],  # noqa: UP045 - typing.Union, not types.UnionType: both are in the table
    int | None,
    list[str] | None,
    Literal["b", "a", "b"],
    Literal[3, 1],
    Optional[Literal["x", "y"]],  # noqa: UP045
]


@pytest.mark.parametrize("annotation", TABLE_TYPES, ids=str)
def test_table_schema_is_msgspecs(annotation: Any) -> None:
    (root,), components = msgspec.json.schema_components((annotation,))
    fast = _fast_schema(annotation)
    assert components == {}
    # Byte for byte: key order shows on the wire and in snapshots.
    assert msgspec.json.encode(fast) == msgspec.json.encode(root)


@pytest.mark.parametrize(
    "annotation",
    [
        Color,
        Point,
        bytes,
        tuple[int, ...],
        dict[int, str],
        int | str,
        Annotated[int, "x"],
        Literal[1, "a"],
        Optional[int | str],  # noqa: UP045
        set[int],
        Foo,
    ],
    ids=str,
)
def test_types_outside_the_table_go_to_msgspec(annotation: Any) -> None:
    assert _fast_schema(annotation) is None


def _slow_signature(fn: Any) -> ToolSignature:
    """``fn``'s signature with every schema built through msgspec (the path before the table)."""
    sig = build_signature(fn)
    sig._input_schema = None
    sig._output = None if sig.output_schema is not None else (None, False)
    sig._input_schema = _input_schema(sig.args_type, sig.parameters, "fn")
    if sig.output_schema is not None:
        sig._output = _output_schema_via_msgspec(sig.return_annotation)
    return sig


def _output_schema_via_msgspec(annotation: Any) -> tuple[dict[str, Any], bool]:
    (root,), _ = msgspec.json.schema_components((annotation,))
    if root.get("type") == "object":
        return root, False
    return {"type": "object", "properties": {"result": root}, "required": ["result"]}, True


def table_tool(
    text: str,
    count: int = 1,
    ratio: float = 0.5,
    flag: bool = False,
    tags: list[str] = ["a", "b"],  # noqa: B006 - a mutable default, copied per call
    names: dict[str, int] | None = None,
    mode: Literal["fast", "slow"] = "fast",
    anything: Any = None,
) -> dict[str, int]:
    """A tool of table types.

    Args:
        text: what to say
        mode: how
    """
    return {}


def table_tool_wrapped(a: int, b: list[int] | None = None) -> list[int]:
    return []


def table_tool_plain() -> int:
    return 1


@pytest.mark.parametrize("fn", [table_tool, table_tool_wrapped, table_tool_plain])
def test_table_signature_schemas_are_msgspecs(fn: Any) -> None:
    fast = build_signature(fn)
    slow = _slow_signature(fn)
    assert msgspec.json.encode(fast.input_schema) == msgspec.json.encode(slow.input_schema)
    assert msgspec.json.encode(fast.output_schema) == msgspec.json.encode(slow.output_schema)
    assert fast.wrap_output == slow.wrap_output


def _struct_built(sig: ToolSignature) -> bool:
    return sig._args_type is not None


def test_table_signature_builds_its_struct_on_first_call() -> None:
    sig = build_signature(table_tool)
    assert not _struct_built(sig)  # registration did not run msgspec's inspection
    assert sig.decode_json(b'{"text": "hi", "count": 2}')["count"] == 2
    assert _struct_built(sig)
    with pytest.raises(ArgumentError, match=r"Expected `int`, got `str` - at `\$.count`"):
        sig.decode_json(b'{"text": "hi", "count": "2"}')
    kwargs = sig.validate({"text": "x"})
    assert kwargs["tags"] == ["a", "b"]
    assert kwargs["tags"] is not (table_tool.__defaults__ or ())[3]  # a copy per call


def test_other_signatures_are_built_at_registration() -> None:
    def struct_param(p: Point) -> None:
        pass

    def underscore(_hidden: int) -> None:
        pass

    def enum_result() -> Color:
        return Color.RED

    for fn in (struct_param, underscore, enum_result):
        assert _struct_built(build_signature(fn)), fn


def test_registration_errors_stay_registration_errors() -> None:
    # A type msgspec cannot describe nested where the table stops, and a table type with a
    # default msgspec cannot encode: both still fail in build_signature, not at first use.
    def nested(a: list[Foo]) -> None:
        pass

    def bad_default(a: int | None = Foo()) -> None:  # type: ignore[assignment]
        pass

    def bad_result() -> list[Foo]:
        return []

    with pytest.raises(TypeError, match=r"cannot build a JSON Schema for .*nested"):
        build_signature(nested)
    with pytest.raises(TypeError, match="cannot build a JSON Schema"):
        build_signature(bad_default)
    with pytest.raises(TypeError, match="cannot build a JSON Schema for the result of"):
        build_signature(bad_result)


# -- _type_hints: get_type_hints without compiling every annotation string ------------------


class Plain:
    pass


class Colour(enum.Enum):
    RED = "red"


def _hinted_plain(a: str, b: int = 1, c: Plain | None = None) -> None:
    pass


def _hinted_names(a: str, b: float, c: Plain, d: bytes) -> str:
    return a


def _hinted_generic(a: list[int], b: dict[str, Plain], c: Optional[int] = None) -> list[str]:  # noqa: UP045
    return []


def _hinted_meta(a: Colour, b: Annotated[int, "x"], c: Any, d: Literal["x"]) -> Colour:
    return a


def _hinted_none() -> None:
    pass


def _unannotated(a, b=2):  # type: ignore[no-untyped-def]
    pass


@functools.wraps(_hinted_names)
def _wrapped(*args: Any, **kwargs: Any) -> Any:
    return _hinted_names(*args, **kwargs)


# Written without ``from __future__ import annotations``: the annotations are objects.
_NOT_STRINGS: dict[str, Any] = {"Plain": Plain}
exec(
    "def not_strings(a: int, b: Plain, c: list[int]) -> None:\n    pass\n"
    "def not_strings_plain(a: int, b: Plain) -> None:\n    pass\n",
    _NOT_STRINGS,
)


@pytest.mark.parametrize(
    "fn",
    [
        _hinted_plain,
        _hinted_names,
        _hinted_generic,
        _hinted_meta,
        _hinted_none,
        _unannotated,
        _wrapped,
        _NOT_STRINGS["not_strings"],
        _NOT_STRINGS["not_strings_plain"],
        Plain.__init__,
        functools.partial(_hinted_names, "x"),
    ],
)
def test_type_hints_agree_with_get_type_hints(fn: Any) -> None:
    # The fast path (plain classes and their names) and every fallback give exactly what
    # typing.get_type_hints gives, so registration sees no difference.
    import typing

    try:
        expected = typing.get_type_hints(fn, include_extras=True)
    except Exception as exc:
        with pytest.raises(type(exc)):
            _type_hints(fn)
        return
    assert _type_hints(fn) == expected


def test_type_hints_of_an_unknown_name_raise_like_get_type_hints() -> None:
    # A name in neither the function's globals nor builtins is not taken for None: the
    # fallback raises the NameError that registration reports.
    class Local:
        pass

    def uses_local(a: Local) -> None:
        pass

    with pytest.raises(NameError, match="Local"):
        _type_hints(uses_local)
    with pytest.raises(TypeError, match="cannot resolve the type hints"):
        build_signature(uses_local)


def test_type_hints_follow_a_shadowing_global() -> None:
    # The function's own globals come before builtins, as eval would look them up.
    namespace: dict[str, Any] = {"str": Plain}
    exec("def shadowed(a: 'str') -> 'None':\n    pass\n", namespace)
    assert _type_hints(namespace["shadowed"]) == {"a": Plain, "return": type(None)}
