"""_wire/paramheaders: SEP-2243 Mcp-Param-* headers (pure): the server side
(check_params), the headers a tool schema declares, and the Mcp-Method / Mcp-Name
headers of a request."""

from __future__ import annotations

import base64

import pytest

from mcplite._wire.paramheaders import (
    InvalidToolHeaders,
    check_params,
    param_headers,
    request_headers,
)

SCHEMA = {
    "type": "object",
    "properties": {
        "region": {"type": "string", "x-mcp-header": "Region"},
        "level": {"type": "integer", "x-mcp-header": "Level"},
        "loud": {"type": "boolean", "x-mcp-header": "Loud"},
        "note": {"type": "string"},
    },
}
WANTED = param_headers(SCHEMA)


def getter(headers: dict[str, str]) -> object:
    return lambda name: headers.get(name)


def test_matching_headers_pass() -> None:
    headers = {"mcp-param-region": "us-west1", "mcp-param-level": "3", "mcp-param-loud": "true"}
    args = {"region": "us-west1", "level": 3, "loud": True, "note": "x"}
    assert check_params(getter(headers), WANTED, args) is None
    b64 = base64.b64encode("Zürich".encode()).decode()
    assert (
        check_params(
            getter({"mcp-param-region": f"=?base64?{b64}?="}), WANTED, {"region": "Zürich"}
        )
        is None
    )
    # literal when the sentinel is incomplete
    assert (
        check_params(
            getter({"mcp-param-region": f"=?base64?{b64}"}), WANTED, {"region": f"=?base64?{b64}"}
        )
        is None
    )
    assert check_params(getter({}), WANTED, {"note": "only unannotated"}) is None
    assert check_params(getter({}), WANTED, None) is None


def test_mismatches_are_explained() -> None:
    missing = check_params(getter({}), WANTED, {"region": "eu"})
    assert missing is not None and "Mcp-Param-Region header is missing" in missing
    wrong = check_params(getter({"mcp-param-region": "us"}), WANTED, {"region": "eu"})
    assert wrong is not None and "does not match body value 'eu'" in wrong
    extra = check_params(getter({"mcp-param-level": "1"}), WANTED, {})
    assert extra is not None and "does not match" in extra
    bad = check_params(
        getter({"mcp-param-region": "=?base64?SGVsbG8?="}), WANTED, {"region": "Hello"}
    )
    assert bad is not None and "malformed base64" in bad


def test_param_headers_duplicate_exact_name() -> None:
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "string", "x-mcp-header": "Region"},
            "b": {
                "type": "object",
                "properties": {"c": {"type": "string", "x-mcp-header": "Region"}},
            },
        },
    }
    with pytest.raises(InvalidToolHeaders, match=r"'Region' is not unique$"):
        param_headers(schema)


def test_request_headers_name_methods() -> None:
    # prompts/get mirrors the name but never adds Mcp-Param-* headers
    headers = request_headers("prompts/get", {"name": "greet"}, {"greet": {"X": ("a",)}})
    assert headers == [("Mcp-Method", "prompts/get"), ("Mcp-Name", "greet")]
    # a tools/call for a tool without annotations carries only the name
    headers = request_headers("tools/call", {"name": "t", "arguments": {}}, {})
    assert headers == [("Mcp-Method", "tools/call"), ("Mcp-Name", "t")]
    headers = request_headers("resources/read", {"uri": 5}, {})
    assert headers == [("Mcp-Method", "resources/read")]


def test_request_headers_of_tasks_methods_name_the_task() -> None:
    # SEP-2663 "Streamable HTTP: Routing Headers": Mcp-Name = params.taskId on every tasks/*.
    for method in ("tasks/get", "tasks/update", "tasks/cancel"):
        headers = request_headers(method, {"taskId": "t-1", "inputResponses": {}}, {})
        assert headers == [("Mcp-Method", method), ("Mcp-Name", "t-1")]
    # A task id that is not plain ASCII goes base64, as any Mcp-Name (SEP-2243).
    assert request_headers("tasks/get", {"taskId": "tâche"}, {})[1] == (
        "Mcp-Name",
        "=?base64?" + base64.b64encode("tâche".encode()).decode() + "?=",
    )
