"""The small JSON Schema validator used for outputSchema checks (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from mcplite import RemoteProtocolError
from mcplite._core.jsonschema import first_error, validate

SCHEMA: dict[str, Any] = {
    "type": "object",
    "$defs": {"pos": {"type": "integer", "minimum": 0}},
    "properties": {
        "n": {"$ref": "#/$defs/pos"},
        "tags": {
            "type": "array",
            "items": {"type": "string"},
            "uniqueItems": True,
            "minItems": 1,
            "maxItems": 3,
        },
        "kind": {"enum": ["a", "b"]},
        "fixed": {"const": 1},
        "name": {"type": "string", "minLength": 1, "maxLength": 3, "pattern": "^[a-z]+$"},
        "either": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "one": {"oneOf": [{"type": "integer"}, {"type": "number", "multipleOf": 0.5}]},
        "both": {"allOf": [{"type": "number"}, {"exclusiveMaximum": 10}]},
        "nope": {"not": {"type": "string"}},
        "x": {"type": ["number", "boolean"], "exclusiveMinimum": 0, "maximum": 5},
    },
    "required": ["n"],
    "additionalProperties": False,
}


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ({"n": 1}, None),
        (
            {
                "n": 1.0,
                "tags": ["a"],
                "kind": "a",
                "fixed": 1.0,
                "name": "ab",
                "either": None,
                "one": 1.5,
                "both": 9,
                "nope": 1,
                "x": True,
            },
            None,
        ),
        ({}, "missing required property 'n'"),
        ({"n": -1}, "$.n`: expected >= 0"),
        ({"n": True}, "expected integer, got boolean"),
        ({"n": 1, "tags": []}, "at least 1 items"),
        ({"n": 1, "tags": ["a", "b", "c", "d"]}, "at most 3 items"),
        ({"n": 1, "tags": ["a", "a"]}, "$.tags[0]`: items must be unique"),
        ({"n": 1, "tags": [1]}, "$.tags[0]`: expected string"),
        ({"n": 1, "kind": "c"}, "one of ['a', 'b']"),
        ({"n": 1, "fixed": True}, "expected 1"),
        ({"n": 1, "name": ""}, "does not match pattern"),
        ({"n": 1, "name": "abcd"}, "at most 3 characters"),
        ({"n": 1, "name": "A"}, "does not match pattern"),
        ({"n": 1, "either": 1}, "matches none of anyOf"),
        ({"n": 1, "one": 1.25}, "exactly one of oneOf, matches 0"),
        ({"n": 1, "both": 10}, "expected < 10"),
        ({"n": 1, "nope": "s"}, "must not match"),
        ({"n": 1, "x": 0}, "expected > 0"),
        ({"n": 1, "x": 6}, "expected <= 5"),
        ({"n": 1, "extra": 1}, "unexpected property 'extra'"),
        ([], "expected object, got array"),
    ],
)
def test_cases(value: Any, fragment: str | None) -> None:
    err = first_error(value, SCHEMA)
    if fragment is None:
        assert err is None
    else:
        assert err is not None and fragment in err


def test_misc_keywords() -> None:
    assert first_error(1, True) is None and first_error(1, {}) is None
    assert "no value is allowed" in (first_error(1, False) or "")
    assert first_error(1, "not a schema") is None
    assert first_error(1, {"$ref": "https://example.com/s.json"}) is None  # never fetched
    assert "unresolvable" in (first_error(1, {"$ref": "#/$defs/missing"}) or "")
    loop: dict[str, Any] = {"$ref": "#"}
    assert "nesting" in (first_error(1, loop) or "")
    assert first_error({"a": 1}, {"additionalProperties": {"type": "string"}}) is not None
    pp = {"patternProperties": {"^x": {"type": "integer"}}, "additionalProperties": False}
    assert first_error({"x1": 1}, pp) is None
    assert first_error({"x1": "s"}, pp) is not None
    assert first_error({"k": 1}, {"patternProperties": {"(": {}}}) is None  # bad regex
    assert first_error({"a": 1}, {"maxProperties": 0}) is not None
    assert first_error({}, {"minProperties": 1}) is not None
    assert (
        first_error([1, "a"], {"prefixItems": [{"type": "integer"}], "items": {"type": "string"}})
        is None
    )
    assert (
        first_error([1, 2], {"items": [{"type": "integer"}], "additionalItems": False}) is not None
    )
    assert first_error("a", {"type": "nonsense"}) is None
    assert first_error(3, {"minimum": 4}) is not None
    assert first_error(5, {"maximum": 4}) is not None
    assert first_error(4, {"exclusiveMinimum": 4}) is not None
    assert first_error({"a b": 1}, {"properties": {"a b": {"type": "string"}}}) is not None
    assert (
        first_error(
            {"a": [{"b": {}}]},
            {
                "$ref": "#/definitions/x",
                "definitions": {
                    "x": {
                        "properties": {
                            "a": {"items": {"$ref": "#/definitions/x/properties/a/items/0"}}
                        }
                    }
                },
            },
        )
        is not None
    )
    assert first_error([[1]], {"items": {"$ref": "#/items"}, "x": [{"type": "string"}]}) is not None
    assert first_error({"a": 1}, {"$ref": "#/x~1y", "x/y": {"required": ["b"]}}) is not None
    assert first_error(1, {"$ref": "#/arr/5", "arr": []}) is not None
    assert first_error(1, {"$ref": "#/arr/0", "arr": [{"type": "string"}]}) is not None
    assert first_error([{"a": 1}, {"a": 1.0}], {"uniqueItems": True}) is not None
    assert first_error([[1], [True]], {"uniqueItems": True}) is None
    assert first_error(0.3, {"multipleOf": 0.1}) is None
    assert "at least 1 characters" in (first_error("", {"minLength": 1}) or "")


def test_validate_raises() -> None:
    validate({"n": 1}, SCHEMA)
    with pytest.raises(RemoteProtocolError, match=r"result does not match its schema: at `\$`"):
        validate({}, SCHEMA, "result")


def test_pattern_properties_only_matching_patterns_apply() -> None:
    schema = {
        "type": "object",
        "patternProperties": {"^n_": {"type": "integer"}, "^s_": {"type": "string"}},
        "additionalProperties": False,
    }
    assert first_error({"n_a": 1, "s_b": "x"}, schema) is None
    err = first_error({"s_b": 3}, schema)
    assert err is not None and "s_b" in err
    err = first_error({"zz": 1}, schema)
    assert err is not None and "unexpected property 'zz'" in err
