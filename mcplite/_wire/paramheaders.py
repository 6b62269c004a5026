"""Request metadata headers of streamable HTTP 2026-07-28 (SEP-2243), both sides (pure).

``Mcp-Method`` / ``Mcp-Name`` mirror the JSON-RPC method and ``params.name``/``params.uri``;
``Mcp-Param-{Name}`` mirrors tool arguments whose schema carries ``x-mcp-header``
(2026-07-28 basic/transports/streamable-http.mdx "Request Metadata").  Values that are not
plain header-safe ASCII travel as ``=?base64?...?=``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any, Final

from .._wire.streamable import decode_header_value

HEADER_EXTENSION: Final = "x-mcp-header"
_MAX_SAFE_INTEGER: Final = 2**53 - 1  # JavaScript's safe range (spec "Schema Extension")
_TOKEN: Final = re.compile(r"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
_SAFE: Final = re.compile(r"[\x20-\x7e]*")
_NAME_METHODS: Final = {
    "tools/call": "name",
    "prompts/get": "name",
    "resources/read": "uri",
    # SEP-2663 "Streamable HTTP: Routing Headers": Mcp-Name = params.taskId.
    "tasks/get": "taskId",
    "tasks/update": "taskId",
    "tasks/cancel": "taskId",
}
_PRIMITIVES: Final = ("string", "integer", "boolean")

ParamHeaders = dict[str, tuple[str, ...]]  # header name part -> property path


class InvalidToolHeaders(ValueError):
    """A tool's ``x-mcp-header`` annotations break the spec's constraints."""


def encode_value(value: str) -> str:
    """Plain if header-safe, else the Base64 sentinel form (spec "Value Encoding")."""
    if (
        _SAFE.fullmatch(value)
        and value == value.strip(" ")
        and not (value.startswith("=?base64?") and value.endswith("?="))
    ):
        return value
    return "=?base64?" + base64.b64encode(value.encode("utf-8")).decode("ascii") + "?="


def param_headers(input_schema: Any) -> ParamHeaders:
    """The ``x-mcp-header`` map of a tool's ``inputSchema``; raises ``InvalidToolHeaders``."""
    found: ParamHeaders = {}
    _walk(input_schema, (), True, found)
    seen: set[str] = set()
    for name in found:
        if name.lower() in seen:
            raise InvalidToolHeaders(f"x-mcp-header {name!r} is not unique (case-insensitive)")
        seen.add(name.lower())
    return found


def _walk(node: Any, path: tuple[str, ...], static: bool, found: ParamHeaders) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, path, False, found)
        return
    if not isinstance(node, Mapping):
        return
    if HEADER_EXTENSION in node:
        name = node[HEADER_EXTENSION]
        where = "/".join(path) or "(root)"
        if not static or not path:
            raise InvalidToolHeaders(
                f"x-mcp-header at {where} is not reachable through `properties` alone"
            )
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise InvalidToolHeaders(
                f"x-mcp-header at {where} must be a non-empty HTTP token, got {name!r}"
            )
        kind = node.get("type")
        if kind not in _PRIMITIVES:
            raise InvalidToolHeaders(
                f"x-mcp-header {name!r} is on a {kind!r} property; expected string, "
                "integer or boolean"
            )
        if name in found:
            raise InvalidToolHeaders(f"x-mcp-header {name!r} is not unique")
        found[name] = path
    for key, value in node.items():
        if key == "properties" and isinstance(value, Mapping):
            for prop, sub in value.items():
                _walk(sub, (*path, prop), static, found)
        elif key != HEADER_EXTENSION:
            _walk(value, path, False, found)


def header_value(value: Any) -> str | None:
    """The header text for an argument value, or None to omit the header."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return str(value) if abs(value) <= _MAX_SAFE_INTEGER else None
    if isinstance(value, str):
        return encode_value(value)
    return None  # null, absent, or not a primitive: omit (spec table "Client Behavior")


def request_headers(
    method: str, params: Any, tool_headers: Mapping[str, ParamHeaders]
) -> list[tuple[str, str]]:
    """``Mcp-Method``, ``Mcp-Name`` and ``Mcp-Param-*`` for one request."""
    out = [("Mcp-Method", method)]
    key = _NAME_METHODS.get(method)
    if key is not None and isinstance(params, Mapping):
        name = params.get(key)
        if isinstance(name, str):
            out.append(("Mcp-Name", encode_value(name)))
            if method == "tools/call" and name in tool_headers:
                out += _params(tool_headers[name], params.get("arguments"))
    return out


def _params(headers: ParamHeaders, arguments: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, path in headers.items():
        value: Any = arguments
        for part in path:
            value = value.get(part) if isinstance(value, Mapping) else None
        text = header_value(value)
        if text is not None:
            out.append((f"Mcp-Param-{name}", text))
    return out


def check_params(get_header: Any, headers: ParamHeaders, arguments: Any) -> str | None:
    """Server side: why the ``Mcp-Param-*`` headers disagree with ``arguments``, or None.

    ``get_header(lowercase_name) -> str | None``.  A header must be present exactly when the
    argument is, and carry the same value (``=?base64?...?=`` decoded; anything else is a
    literal) -- 2026-07-28 streamable-http.mdx "Server Behavior", SEP-2243 test cases.
    """
    for name, path in headers.items():
        value: Any = arguments
        for part in path:
            value = value.get(part) if isinstance(value, Mapping) else None
        expected = value if isinstance(value, str) else header_value(value)
        raw = get_header(f"mcp-param-{name.lower()}")
        if raw is None:
            if expected is not None:
                return f"the Mcp-Param-{name} header is missing; the body has {name} = {value!r}"
            continue
        got = decode_header_value(raw)
        if got is None:
            return f"the Mcp-Param-{name} header has a malformed base64 value {raw!r}"
        if got != expected:
            return f"Mcp-Param-{name} header value {got!r} does not match body value {value!r}"
    return None
