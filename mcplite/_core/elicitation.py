"""Form-mode elicitation schemas and answers (layer 1, pure).

2025-11-25 client/elicitation.mdx "Supported Schema Types": ``requestedSchema`` is a flat
object whose properties are primitives only (string, number/integer, boolean, and the
single- or multi-select enums); no nested objects, no arrays of objects, no references.
"Servers SHOULD validate received data matches the requested schema": an ``accept`` whose
content breaks the schema is the client's error, never data for the handler.
"""

from __future__ import annotations

from typing import Any, Final

from .._core.jsonschema import first_error

RULE: Final = "2025-11-25 client/elicitation, Supported Schema Types"
_TOP_KEYS: Final = frozenset({"$schema", "type", "properties", "required", "title", "description"})
_PRIMITIVES: Final = frozenset({"string", "number", "integer", "boolean"})


def flatten(schema: dict[str, Any]) -> dict[str, Any]:
    """Bring a schema generated from a Python type into the flat form: inline ``$ref`` to
    ``$defs``, ``X | None`` becomes an optional ``X``, enums get ``"type": "string"``."""
    defs = schema.get("$defs") or {}
    props: dict[str, Any] = {}
    required = list(schema.get("required") or [])
    for name, prop in (schema.get("properties") or {}).items():
        props[name] = _flat_property(prop, defs, name, required)
    out = {k: v for k, v in schema.items() if k not in ("$defs", "title", "properties")}
    out["properties"] = props
    if "required" in out:
        out["required"] = required
    return out


def _inline(prop: Any, defs: dict[str, Any]) -> Any:
    if isinstance(prop, dict) and isinstance(prop.get("$ref"), str):
        name = prop["$ref"].rpartition("/")[2]
        target = defs.get(name)
        if isinstance(target, dict):
            merged = {k: v for k, v in target.items() if k != "title"}
            merged.update({k: v for k, v in prop.items() if k != "$ref"})
            return merged
    return prop


def _flat_property(prop: Any, defs: dict[str, Any], name: str, required: list[str]) -> Any:
    prop = _inline(prop, defs)
    if not isinstance(prop, dict):
        return prop
    options = prop.get("anyOf")
    if isinstance(options, list):
        rest = [_inline(o, defs) for o in options if o != {"type": "null"}]
        if len(rest) == 1 and isinstance(rest[0], dict) and len(rest) < len(options):
            merged = dict(rest[0])
            merged.update({k: v for k, v in prop.items() if k != "anyOf"})
            if merged.get("default", 0) is None:
                del merged["default"]
            prop = merged
            if name in required:
                required.remove(name)
    if "enum" in prop and "type" not in prop and all(isinstance(v, str) for v in prop["enum"]):
        prop = {"type": "string", **prop}
    items = prop.get("items")
    if prop.get("type") == "array" and isinstance(items, dict):
        items = _inline(items, defs)
        if "enum" in items and "type" not in items:
            items = {"type": "string", **items}
        prop = {**prop, "items": items}
    return prop


def flat_problem(schema: Any) -> str | None:
    """Why ``schema`` is not the spec's flat primitive form, or None."""
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return 'requestedSchema must be {"type": "object", "properties": {...}}'
    extra = sorted(set(schema) - _TOP_KEYS)
    if extra:
        return f"requestedSchema may not use {', '.join(extra)} (flat objects only)"
    props = schema.get("properties")
    if not isinstance(props, dict):
        return "requestedSchema.properties must be an object"
    for name, prop in props.items():
        problem = _primitive_problem(prop)
        if problem is not None:
            return f"property {name!r} {problem}"
    required = schema.get("required", [])
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        return "requestedSchema.required must be a list of property names"
    return None


def _primitive_problem(prop: Any) -> str | None:
    if not isinstance(prop, dict):
        return "must be a schema object"
    kind = prop.get("type")
    if kind in _PRIMITIVES:
        for key in ("properties", "items", "$ref", "allOf", "anyOf", "not"):
            if key in prop:
                return f"uses {key}: only primitive properties are allowed"
        if "oneOf" in prop and not _const_options(prop["oneOf"]):
            return "uses oneOf other than a list of {const, title} options"
        return None
    if kind == "array":
        items = prop.get("items")
        if isinstance(items, dict) and (
            isinstance(items.get("enum"), list) or _const_options(items.get("anyOf"))
        ):
            return None
        return "is an array of something other than enum values (multi-select enums only)"
    if kind == "object" or "properties" in prop:
        return "is a nested object: only string, number, integer, boolean and enum are allowed"
    if "$ref" in prop:
        return "uses $ref: inline the property (flat schemas only)"
    return f"has type {kind!r}: only string, number, integer, boolean and enum are allowed"


def _const_options(options: Any) -> bool:
    return isinstance(options, list) and all(
        isinstance(o, dict) and "const" in o and set(o) <= {"const", "title"} for o in options
    )


def answer_problem(content: Any, schema: Any) -> str | None:
    """Why an ``accept`` answer's ``content`` does not match ``schema``, or None."""
    if not isinstance(content, dict):
        return f"content must be an object, got {type(content).__name__}"
    error = first_error(content, schema)
    if error is not None:
        return error
    return None
