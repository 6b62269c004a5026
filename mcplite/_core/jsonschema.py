"""A small JSON Schema validator for the subset tool schemas use (layer 1, pure).

The client checks a tool's ``structuredContent`` against its ``outputSchema``
(2025-11-25 server/tools.mdx "Output Schema": clients SHOULD validate).  mcplite's only
runtime dependency is msgspec, so this covers the keywords tool schemas actually use:
``type`` ``properties`` ``required`` ``additionalProperties`` ``patternProperties``
``items`` ``prefixItems`` ``enum`` ``const`` ``anyOf`` ``oneOf`` ``allOf`` ``not``
``$ref`` (same-document only: ``#``, ``#/$defs/...``, ``#/definitions/...``), numeric and
length bounds, ``pattern``, ``multipleOf``, ``uniqueItems``.  Unknown keywords are ignored
(annotations, ``format``), as the standard allows.  A ``$ref`` to another document is never
fetched (SEP-2106: no automatic network dereferencing); it accepts anything.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from .._errors import RemoteProtocolError

MAX_DEPTH: Final = 64  # nesting of schemas/instances followed before giving up ($ref loops)

_TYPES: Final[dict[str, Callable[[Any], bool]]] = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
}


def _path(path: str) -> str:
    return path or "$"


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{_path(path)}[{key}]"
    if key.isidentifier():
        return f"{_path(path)}.{key}"
    return f"{_path(path)}[{key!r}]"


def _equal(a: Any, b: Any) -> bool:
    """JSON equality: 1 == 1.0, but True != 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return (type(a) is type(b) and a == b) or (_number(a) and _number(b) and a == b)


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class _Validator:
    def __init__(self, root: Any) -> None:
        self.root = root

    def resolve(self, ref: str) -> Any:
        if ref == "#":
            return self.root
        if not ref.startswith("#/"):
            return True  # another document: never fetched (SEP-2106)
        node: Any = self.root
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
        return node

    def error(self, schema: Any, value: Any, path: str, depth: int) -> str | None:
        """The first mismatch as "at `path`: what was expected", or None."""
        if schema is True or schema == {}:
            return None
        if schema is False:
            return f"at `{_path(path)}`: no value is allowed here"
        if not isinstance(schema, Mapping):
            return None  # not a schema: nothing to check
        if depth > MAX_DEPTH:
            return f"at `{_path(path)}`: schema nesting exceeds {MAX_DEPTH} levels"
        for check in (self._ref, self._type, self._const_enum, self._combinators):
            err = check(schema, value, path, depth)
            if err:
                return err
        if isinstance(value, dict):
            return self._object(schema, value, path, depth)
        if isinstance(value, list):
            return self._array(schema, value, path, depth)
        if isinstance(value, str):
            return self._string(schema, value, path)
        if _number(value):
            return self._numeric(schema, value, path)
        return None

    def _ref(self, schema: Mapping[str, Any], value: Any, path: str, depth: int) -> str | None:
        ref = schema.get("$ref")
        if not isinstance(ref, str):
            return None
        target = self.resolve(ref)
        if target is None:
            return f"at `{_path(path)}`: unresolvable $ref {ref!r}"
        return self.error(target, value, path, depth + 1)

    def _type(self, schema: Mapping[str, Any], value: Any, path: str, depth: int) -> str | None:
        wanted = schema.get("type")
        if wanted is None:
            return None
        names = wanted if isinstance(wanted, list) else [wanted]
        for name in names:
            test = _TYPES.get(name) if isinstance(name, str) else None
            if test is None or test(value):
                return None
        got = next((n for n, test in _TYPES.items() if n != "integer" and test(value)), "?")
        return f"at `{_path(path)}`: expected {' or '.join(map(str, names))}, got {got}"

    def _const_enum(
        self, schema: Mapping[str, Any], value: Any, path: str, depth: int
    ) -> str | None:
        if "const" in schema and not _equal(schema["const"], value):
            return f"at `{_path(path)}`: expected {schema['const']!r}, got {value!r}"
        enum = schema.get("enum")
        if isinstance(enum, list) and not any(_equal(e, value) for e in enum):
            return f"at `{_path(path)}`: expected one of {enum!r}, got {value!r}"
        return None

    def _combinators(
        self, schema: Mapping[str, Any], value: Any, path: str, depth: int
    ) -> str | None:
        for sub in schema.get("allOf") or ():
            err = self.error(sub, value, path, depth + 1)
            if err:
                return err
        any_of = schema.get("anyOf")
        if isinstance(any_of, list) and any_of:
            errors = [self.error(sub, value, path, depth + 1) for sub in any_of]
            if all(errors):
                return f"at `{_path(path)}`: matches none of anyOf ({errors[0]})"
        one_of = schema.get("oneOf")
        if isinstance(one_of, list) and one_of:
            ok = sum(1 for sub in one_of if not self.error(sub, value, path, depth + 1))
            if ok != 1:
                return f"at `{_path(path)}`: must match exactly one of oneOf, matches {ok}"
        if "not" in schema and not self.error(schema["not"], value, path, depth + 1):
            return f"at `{_path(path)}`: must not match the `not` schema"
        return None

    def _object(
        self, schema: Mapping[str, Any], value: dict[str, Any], path: str, depth: int
    ) -> str | None:
        for key in schema.get("required") or ():
            if key not in value:
                return f"at `{_path(path)}`: missing required property {key!r}"
        props = schema.get("properties")
        props = props if isinstance(props, Mapping) else {}
        patterns = schema.get("patternProperties")
        patterns = patterns if isinstance(patterns, Mapping) else {}
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            sub_path = _child(path, key)
            matched = key in props
            if matched:
                err = self.error(props[key], item, sub_path, depth + 1)
                if err:
                    return err
            for pattern, sub in patterns.items():
                if _search(pattern, key):
                    matched = True
                    err = self.error(sub, item, sub_path, depth + 1)
                    if err:
                        return err
            if not matched:
                if extra is False:
                    return f"at `{_path(path)}`: unexpected property {key!r}"
                err = self.error(extra, item, sub_path, depth + 1)
                if err:
                    return err
        return _bounds(path, len(value), schema, "minProperties", "maxProperties", "properties")

    def _array(
        self, schema: Mapping[str, Any], value: list[Any], path: str, depth: int
    ) -> str | None:
        prefix = schema.get("prefixItems")
        prefix = prefix if isinstance(prefix, list) else []
        items = schema.get("items", True)
        for i, item in enumerate(value):
            sub = prefix[i] if i < len(prefix) else items
            if isinstance(sub, list):  # draft-07 tuple form
                sub = sub[i] if i < len(sub) else schema.get("additionalItems", True)
            err = self.error(sub, item, _child(path, i), depth + 1)
            if err:
                return err
        if schema.get("uniqueItems") is True:
            for i, a in enumerate(value):
                if any(_equal(a, b) for b in value[i + 1 :]):
                    return f"at `{_child(path, i)}`: items must be unique"
        return _bounds(path, len(value), schema, "minItems", "maxItems", "items")

    def _string(self, schema: Mapping[str, Any], value: str, path: str) -> str | None:
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and not _search(pattern, value):
            return f"at `{_path(path)}`: {value!r} does not match pattern {pattern!r}"
        return _bounds(path, len(value), schema, "minLength", "maxLength", "characters")

    def _numeric(self, schema: Mapping[str, Any], value: float, path: str) -> str | None:
        where = f"at `{_path(path)}`"
        low: Any = schema.get("minimum")
        high: Any = schema.get("maximum")
        if _number(low) and value < low:
            return f"{where}: expected >= {low}, got {value}"
        if _number(high) and value > high:
            return f"{where}: expected <= {high}, got {value}"
        low, high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        if _number(low) and value <= low:
            return f"{where}: expected > {low}, got {value}"
        if _number(high) and value >= high:
            return f"{where}: expected < {high}, got {value}"
        step: Any = schema.get("multipleOf")
        if _number(step) and step > 0:
            q = value / step
            if math.isfinite(q) and not math.isclose(q, round(q), rel_tol=0, abs_tol=1e-9):
                return f"{where}: expected a multiple of {step}, got {value}"
        return None


def _bounds(
    path: str, size: int, schema: Mapping[str, Any], lo: str, hi: str, unit: str
) -> str | None:
    low, high = schema.get(lo), schema.get(hi)
    if isinstance(low, int) and size < low:
        return f"at `{_path(path)}`: expected at least {low} {unit}, got {size}"
    if isinstance(high, int) and size > high:
        return f"at `{_path(path)}`: expected at most {high} {unit}, got {size}"
    return None


def _search(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return True  # a pattern Python cannot compile (ECMA-262 dialect): do not judge


def first_error(instance: Any, schema: Any) -> str | None:
    """Why ``instance`` does not match ``schema`` (naming the path), or None if it does."""
    return _Validator(schema).error(schema, instance, "", 0)


def validate(instance: Any, schema: Any, what: str = "value") -> None:
    """Raise ``RemoteProtocolError`` naming the path if ``instance`` does not match."""
    err = first_error(instance, schema)
    if err is not None:
        raise RemoteProtocolError(f"{what} does not match its schema: {err}")
