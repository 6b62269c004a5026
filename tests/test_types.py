"""mcplite.types: round-trips, omission rules, schema.json validation per revision, the
2026-07-28 spec examples, and lenient decoding of unknown content tags."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import msgspec
import pytest

from mcplite import types as t

SCHEMAS = Path(__file__).parent / "schemas"
REVS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28")
NEW = "2026-07-28"

# 2026-07-28 RequestParams._meta is required and must carry these two keys.
REQ_META: dict[str, Any] = {
    t.META_PROTOCOL_VERSION: NEW,
    t.META_CLIENT_CAPABILITIES: {},
    t.META_CLIENT_INFO: {"name": "c", "version": "1"},
    "progressToken": 7,
}
CACHE: dict[str, Any] = {"ttl_ms": 1000, "cache_scope": "public", "result_type": "complete"}

ANN = t.Annotations(audience=["user"], priority=0.5, last_modified="2025-01-01T00:00:00Z")
ICON = t.Icon(src="https://x/i.png", mime_type="image/png", sizes=["48x48"], theme="dark")
IMPL = t.Implementation(
    name="n", version="1", title="N", description="d", website_url="https://x", icons=[ICON]
)
TEXT = t.TextContent(text="hi", annotations=ANN, meta={"k": 1})
IMAGE = t.ImageContent(data="aGk=", mime_type="image/png", annotations=ANN)
AUDIO = t.AudioContent(data="aGk=", mime_type="audio/wav", meta={})
TEXT_RC = t.ResourceContents(uri="file:///a", mime_type="text/plain", text="x", meta={})
BLOB_RC = t.ResourceContents(uri="file:///b", blob="aGk=")
EMBEDDED = t.EmbeddedResource(resource=TEXT_RC, annotations=ANN)
RESOURCE = t.Resource(
    uri="file:///a",
    name="a",
    title="A",
    description="d",
    mime_type="text/plain",
    annotations=ANN,
    size=3,
    icons=[ICON],
    meta={},
)
LINK = t.ResourceLink(uri="file:///a", name="a", size=3)
TOOL_USE = t.ToolUseContent(id="u1", name="add", input={"a": 1})
TOOL_RESULT = t.ToolResultContent(
    tool_use_id="u1", content=[TEXT], structured_content={"r": 2}, is_error=False
)
TOOL = t.Tool(
    name="add",
    title="Add",
    description="adds",
    input_schema={"type": "object", "properties": {"a": {"type": "integer"}}},
    output_schema={"type": "object"},
    annotations=t.ToolAnnotations(
        title="Add",
        read_only_hint=True,
        destructive_hint=False,
        idempotent_hint=True,
        open_world_hint=False,
    ),
    execution=t.ToolExecution(task_support="optional"),
    icons=[ICON],
    meta={"m": 1},
)
CLIENT_CAPS = t.ClientCapabilities(
    experimental={"x": {}},
    roots=t.RootsCapability(list_changed=True),
    sampling=t.SamplingCapability(context={}, tools={}),
    elicitation=t.ElicitationCapability(form={}, url={}),
    tasks=t.TasksCapability(list_={}, cancel={}, requests={"sampling": {"createMessage": {}}}),
    extensions={"io.modelcontextprotocol/ui": {}},
)
SERVER_CAPS = t.ServerCapabilities(
    experimental={"x": {}},
    logging={},
    completions={},
    prompts=t.PromptsCapability(list_changed=True),
    resources=t.ResourcesCapability(subscribe=True, list_changed=True),
    tools=t.ToolsCapability(list_changed=False),
    tasks=t.TasksCapability(list_={}, requests={"tools": {"call": {}}}),
    extensions={"com.example/x": {"a": 1}},
)
TASK_FIELDS: dict[str, Any] = {
    "task_id": "t1",
    "status": "working",
    "created_at": "2025-01-01T00:00:00Z",
    "last_updated_at": "2025-01-01T00:00:01Z",
    "ttl": None,
    "status_message": "busy",
    "poll_interval": 500,
}
TASK = t.Task(**TASK_FIELDS)
MESSAGE = t.SamplingMessage(role="user", content=TEXT, meta={})
PROMPT = t.Prompt(
    name="greet",
    title="Greet",
    description="d",
    arguments=[t.PromptArgument(name="who", title="Who", description="d", required=True)],
    icons=[ICON],
    meta={},
)
TEMPLATE = t.ResourceTemplate(
    uri_template="file:///{p}",
    name="f",
    title="F",
    description="d",
    mime_type="text/plain",
    annotations=ANN,
    icons=[ICON],
)
FILTER = t.SubscriptionFilter(
    tools_list_changed=True,
    prompts_list_changed=False,
    resources_list_changed=True,
    resource_subscriptions=["file:///a"],
)
FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"name": {"type": "string"}},
    "required": ["name"],
}
INPUT_REQ = t.InputRequest(method="roots/list", params={})
ELICIT_FORM = t.ElicitParams(
    message="name?", mode="form", requested_schema=FORM_SCHEMA, task=t.TaskMetadata(ttl=1000)
)
ELICIT_URL = t.ElicitParams(
    message="go", mode="url", url="https://x/y", elicitation_id="e1", meta=REQ_META
)


class Case:
    """One sample value, the schema definition that describes it, and how to wrap it."""

    def __init__(
        self,
        value: Any,
        definition: str | None = None,
        *,
        method: str | None = None,
        notification: bool = False,
        error_code: int | None = None,
        since: str = REVS[0],
    ) -> None:
        self.value = value
        self.definition = definition
        self.method = method
        self.notification = notification
        self.error_code = error_code
        self.since = since

    def wire(self) -> Any:
        """The encoded value, wrapped in the envelope its schema definition describes."""
        obj = msgspec.json.decode(t.encode(self.value))
        if self.error_code is not None:
            error = {"code": self.error_code, "message": "m", "data": obj}
            return {"jsonrpc": "2.0", "id": 1, "error": error}
        if self.method is None:
            return obj
        env: dict[str, Any] = {"jsonrpc": "2.0", "method": self.method, "params": obj}
        if not self.notification:
            env["id"] = 1
        return env

    def __repr__(self) -> str:
        return f"{type(self.value).__name__}->{self.definition}"


def _req(value: Any, definition: str, method: str, since: str = REVS[0]) -> Case:
    return Case(value, definition, method=method, since=since)


def _note(value: Any, definition: str, method: str, since: str = REVS[0]) -> Case:
    return Case(value, definition, method=method, notification=True, since=since)


CASES = [
    # common / content
    Case(ICON, "Icon"),
    Case(IMPL, "Implementation"),
    Case(ANN, "Annotations"),
    Case(TEXT, "TextContent"),
    Case(IMAGE, "ImageContent"),
    Case(AUDIO, "AudioContent"),
    Case(TEXT_RC, "TextResourceContents"),
    Case(BLOB_RC, "BlobResourceContents"),
    Case(t.TextResourceContents(uri="file:///a", text="x"), "TextResourceContents"),
    Case(t.BlobResourceContents(uri="file:///a", blob="aGk=", mime_type="x/y"), "ResourceContents"),
    Case(EMBEDDED, "EmbeddedResource"),
    Case(t.EmbeddedResource(resource=BLOB_RC), "EmbeddedResource"),
    Case(RESOURCE, "Resource"),
    Case(LINK, "ResourceLink"),
    Case(TOOL_USE, "ToolUseContent"),
    Case(TOOL_RESULT, "ToolResultContent"),
    # capabilities
    Case(CLIENT_CAPS, "ClientCapabilities"),
    Case(SERVER_CAPS, "ServerCapabilities"),
    Case(t.RootsCapability(list_changed=True)),
    Case(t.SamplingCapability(context={})),
    Case(t.ElicitationCapability(url={})),
    Case(t.TasksCapability(cancel={})),
    Case(t.PromptsCapability(list_changed=True)),
    Case(t.ResourcesCapability(subscribe=False)),
    Case(t.ToolsCapability(list_changed=True)),
    # lifecycle
    _req(
        t.InitializeParams(
            protocol_version="2025-11-25", capabilities=CLIENT_CAPS, client_info=IMPL, meta={}
        ),
        "InitializeRequest",
        "initialize",
    ),
    Case(
        t.InitializeResult(
            protocol_version="2025-11-25",
            capabilities=SERVER_CAPS,
            server_info=IMPL,
            instructions="use it",
            meta={},
        ),
        "InitializeResult",
    ),
    _req(t.PingParams(meta={}), "PingRequest", "ping"),
    _req(t.DiscoverParams(meta=REQ_META), "DiscoverRequest", "server/discover"),
    Case(
        t.DiscoverResult(
            supported_versions=list(t.SUPPORTED_PROTOCOL_VERSIONS),
            capabilities=SERVER_CAPS,
            instructions="i",
            meta={t.META_SERVER_INFO: {"name": "s", "version": "1"}},
            **CACHE,
        ),
        "DiscoverResult",
    ),
    Case(t.EmptyResult(result_type="complete", meta={}), "EmptyResult"),
    _note(
        t.EmptyNotificationParams(meta={}), "InitializedNotification", "notifications/initialized"
    ),
    _note(
        t.EmptyNotificationParams(),
        "ToolListChangedNotification",
        "notifications/tools/list_changed",
    ),
    _note(
        t.CancelledNotificationParams(request_id=3, reason="late", meta={}),
        "CancelledNotification",
        "notifications/cancelled",
    ),
    _note(
        t.ProgressNotificationParams(progress_token="p", progress=1, total=2.5, message="m"),
        "ProgressNotification",
        "notifications/progress",
    ),
    # tools
    Case(TOOL, "Tool"),
    Case(t.ToolAnnotations(read_only_hint=True), "ToolAnnotations"),
    Case(t.ToolExecution(task_support="required"), "ToolExecution"),
    _req(t.ListToolsParams(cursor="c", meta=REQ_META), "ListToolsRequest", "tools/list"),
    Case(t.ListToolsResult(tools=[TOOL], next_cursor="n", **CACHE), "ListToolsResult"),
    _req(
        t.CallToolParams(
            name="add",
            arguments={"a": 1},
            task=t.TaskMetadata(ttl=5),
            input_responses={"k": {"action": "accept"}},
            request_state="s",
            meta=REQ_META,
        ),
        "CallToolRequest",
        "tools/call",
    ),
    Case(
        t.CallToolResult(
            content=[TEXT], structured_content={"r": 1}, is_error=False, result_type="complete"
        ),
        "CallToolResult",
    ),
    Case(
        t.CallToolResult(content=[TEXT, IMAGE, AUDIO, LINK, EMBEDDED], result_type="complete"),
        "CallToolResult",
        since="2025-06-18",
    ),
    # resources
    Case(TEMPLATE, "ResourceTemplate"),
    _req(t.ListResourcesParams(meta=REQ_META), "ListResourcesRequest", "resources/list"),
    Case(t.ListResourcesResult(resources=[RESOURCE], **CACHE), "ListResourcesResult"),
    _req(
        t.ListResourceTemplatesParams(cursor="c", meta=REQ_META),
        "ListResourceTemplatesRequest",
        "resources/templates/list",
    ),
    Case(
        t.ListResourceTemplatesResult(resource_templates=[TEMPLATE], **CACHE),
        "ListResourceTemplatesResult",
    ),
    _req(
        t.ReadResourceParams(uri="file:///a", request_state="s", meta=REQ_META),
        "ReadResourceRequest",
        "resources/read",
    ),
    Case(t.ReadResourceResult(contents=[TEXT_RC, BLOB_RC], meta={}, **CACHE), "ReadResourceResult"),
    _req(t.SubscribeParams(uri="file:///a", meta={}), "SubscribeRequest", "resources/subscribe"),
    _req(t.UnsubscribeParams(uri="file:///a"), "UnsubscribeRequest", "resources/unsubscribe"),
    _note(
        t.ResourceUpdatedNotificationParams(uri="file:///a", meta={}),
        "ResourceUpdatedNotification",
        "notifications/resources/updated",
    ),
    # subscriptions (2026-07-28)
    Case(FILTER, "SubscriptionFilter"),
    _req(
        t.SubscriptionsListenParams(notifications=FILTER, meta=REQ_META),
        "SubscriptionsListenRequest",
        "subscriptions/listen",
    ),
    Case(
        t.SubscriptionsListenResult(meta={t.META_SUBSCRIPTION_ID: 1}, result_type="complete"),
        "SubscriptionsListenResult",
    ),
    _note(
        t.SubscriptionsAcknowledgedNotificationParams(
            notifications=FILTER, meta={t.META_SUBSCRIPTION_ID: "s"}
        ),
        "SubscriptionsAcknowledgedNotification",
        "notifications/subscriptions/acknowledged",
    ),
    # prompts
    Case(PROMPT, "Prompt"),
    Case(t.PromptArgument(name="a"), "PromptArgument"),
    Case(t.PromptMessage(role="assistant", content=TEXT), "PromptMessage"),
    _req(t.ListPromptsParams(meta=REQ_META), "ListPromptsRequest", "prompts/list"),
    Case(t.ListPromptsResult(prompts=[PROMPT], **CACHE), "ListPromptsResult"),
    _req(
        t.GetPromptParams(name="greet", arguments={"who": "w"}, input_responses={}, meta=REQ_META),
        "GetPromptRequest",
        "prompts/get",
    ),
    Case(
        t.GetPromptResult(
            description="d",
            messages=[t.PromptMessage(role="user", content=TEXT)],
            result_type="complete",
        ),
        "GetPromptResult",
    ),
    # logging
    _req(t.SetLevelParams(level="warning", meta={}), "SetLevelRequest", "logging/setLevel"),
    _note(
        t.LoggingMessageNotificationParams(level="error", data={"x": [1]}, logger="l"),
        "LoggingMessageNotification",
        "notifications/message",
    ),
    _note(
        t.LoggingMessageNotificationParams(level="info", data=None),
        "LoggingMessageNotification",
        "notifications/message",
    ),
    # completion
    Case(t.PromptReference(name="greet", title="G"), "PromptReference"),
    Case(t.ResourceTemplateReference(uri="file:///{p}"), "ResourceTemplateReference"),
    Case(t.ResourceReference(uri="file:///{p}"), "ResourceReference"),
    _req(
        t.CompleteParams(
            ref=t.PromptReference(name="greet"),
            argument=t.CompleteArgument(name="who", value="w"),
            context=t.CompleteContext(arguments={"a": "b"}),
            meta=REQ_META,
        ),
        "CompleteRequest",
        "completion/complete",
    ),
    Case(
        t.CompleteResult(
            completion=t.Completion(values=["a"], total=9, has_more=True), result_type="complete"
        ),
        "CompleteResult",
    ),
    # sampling
    Case(t.ModelHint(name="claude"), "ModelHint"),
    Case(
        t.ModelPreferences(
            hints=[t.ModelHint(name="c")],
            cost_priority=0.1,
            speed_priority=0.2,
            intelligence_priority=1,
        ),
        "ModelPreferences",
    ),
    Case(t.ToolChoice(mode="auto"), "ToolChoice"),
    Case(MESSAGE, "SamplingMessage"),
    Case(
        t.SamplingMessage(role="assistant", content=[TEXT, AUDIO, TOOL_USE, TOOL_RESULT]),
        "SamplingMessage",
        since="2025-11-25",
    ),
    _req(
        t.CreateMessageParams(
            messages=[MESSAGE],
            max_tokens=100,
            model_preferences=t.ModelPreferences(cost_priority=0.5),
            system_prompt="s",
            include_context="thisServer",
            temperature=0.7,
            stop_sequences=["x"],
            metadata={"a": 1},
            tools=[TOOL],
            tool_choice=t.ToolChoice(mode="required"),
            task=t.TaskMetadata(),
            meta={},
        ),
        "CreateMessageRequest",
        "sampling/createMessage",
    ),
    Case(
        t.CreateMessageResult(
            role="assistant", content=TEXT, model="m", stop_reason="endTurn", meta={}
        ),
        "CreateMessageResult",
    ),
    Case(
        t.CreateMessageResult(role="assistant", content=[TOOL_USE], model="m"),
        "CreateMessageResult",
        since="2025-11-25",
    ),
    # roots
    Case(t.Root(uri="file:///r", name="r", meta={}), "Root"),
    _req(t.ListRootsParams(meta={}), "ListRootsRequest", "roots/list"),
    Case(t.ListRootsResult(roots=[t.Root(uri="file:///r")]), "ListRootsResult"),
    _note(
        t.EmptyNotificationParams(),
        "RootsListChangedNotification",
        "notifications/roots/list_changed",
    ),
    # elicitation
    _req(ELICIT_FORM, "ElicitRequest", "elicitation/create", since="2025-06-18"),
    _req(ELICIT_URL, "ElicitRequest", "elicitation/create", since="2025-11-25"),
    Case(t.ElicitResult(action="accept", content={"n": "x", "i": 3, "b": True}), "ElicitResult"),
    _note(
        t.ElicitationCompleteNotificationParams(elicitation_id="e1"),
        "ElicitationCompleteNotification",
        "notifications/elicitation/complete",
    ),
    Case(
        t.StringSchema(
            title="t", description="d", min_length=1, max_length=9, format="email", default="a"
        ),
        "StringSchema",
    ),
    Case(t.NumberSchema(type="integer", minimum=0, maximum=9.5, default=1), "NumberSchema"),
    Case(t.BooleanSchema(title="b", default=True), "BooleanSchema"),
    Case(
        t.UntitledSingleSelectEnumSchema(enum=["a"], default="a"), "UntitledSingleSelectEnumSchema"
    ),
    Case(
        t.TitledSingleSelectEnumSchema(one_of=[t.EnumOption(const="a", title="A")], title="x"),
        "TitledSingleSelectEnumSchema",
    ),
    Case(t.LegacyTitledEnumSchema(enum=["a"], enum_names=["A"]), "LegacyTitledEnumSchema"),
    Case(
        t.UntitledMultiSelectEnumSchema(
            items=t.UntitledEnumItems(enum=["a", "b"]), min_items=1, max_items=2, default=["a"]
        ),
        "UntitledMultiSelectEnumSchema",
    ),
    Case(
        t.TitledMultiSelectEnumSchema(
            items=t.TitledEnumItems(any_of=[t.EnumOption(const="a", title="A")])
        ),
        "TitledMultiSelectEnumSchema",
    ),
    # MRTR (2026-07-28)
    Case(INPUT_REQ, "InputRequest"),
    Case(
        t.InputRequiredResult(
            input_requests={
                "r": INPUT_REQ,
                "e": t.InputRequest(
                    method="elicitation/create",
                    params={"message": "m", "requestedSchema": FORM_SCHEMA},
                ),
            },
            request_state="opaque",
        ),
        "InputRequiredResult",
    ),
    # tasks (2025-11-25, experimental)
    Case(TASK, "Task"),
    Case(t.TaskMetadata(ttl=1), "TaskMetadata"),
    Case(t.RelatedTaskMetadata(task_id="t1"), "RelatedTaskMetadata"),
    Case(t.CreateTaskResult(task=TASK, meta={}), "CreateTaskResult"),
    _req(t.GetTaskParams(task_id="t1"), "GetTaskRequest", "tasks/get"),
    _req(t.GetTaskPayloadParams(task_id="t1"), "GetTaskPayloadRequest", "tasks/result"),
    _req(t.CancelTaskParams(task_id="t1"), "CancelTaskRequest", "tasks/cancel"),
    Case(t.GetTaskResult(**TASK_FIELDS), "GetTaskResult"),
    Case(
        t.CancelTaskResult(**{**TASK_FIELDS, "status": "cancelled", "ttl": 60}), "CancelTaskResult"
    ),
    _req(t.ListTasksParams(cursor="c"), "ListTasksRequest", "tasks/list"),
    Case(t.ListTasksResult(tasks=[TASK], next_cursor="n"), "ListTasksResult"),
    _note(
        t.TaskStatusNotificationParams(**TASK_FIELDS),
        "TaskStatusNotification",
        "notifications/tasks/status",
    ),
    # error data
    Case(
        t.UnsupportedProtocolVersionErrorData(supported=["2026-07-28"], requested="1999-01-01"),
        "UnsupportedProtocolVersionError",
        error_code=-32022,
    ),
    Case(
        t.MissingRequiredClientCapabilityErrorData(
            required_capabilities=t.ClientCapabilities(elicitation=t.ElicitationCapability())
        ),
        "MissingRequiredClientCapabilityError",
        error_code=-32021,
    ),
    Case(
        t.URLElicitationRequiredErrorData(elicitations=[ELICIT_URL]),
        "URLElicitationRequiredError",
        error_code=-32042,
    ),
    # small helpers with no schema definition of their own
    Case(t.CompleteArgument(name="a", value="b")),
    Case(t.CompleteContext()),
    Case(t.Completion(values=[])),
    Case(t.EnumOption(const="a", title="A")),
    Case(t.UntitledEnumItems(enum=[])),
    Case(t.TitledEnumItems(any_of=[])),
]


def _public_structs() -> set[type]:
    out = set()
    for name in t.__all__:
        obj = getattr(t, name)
        if isinstance(obj, type) and issubclass(obj, msgspec.Struct):
            out.add(obj)
    return out


def test_every_public_struct_has_a_case() -> None:
    covered = {type(case.value) for case in CASES}
    assert _public_structs() - covered == set()


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_round_trip(case: Case) -> None:
    value = case.value
    decoded = t.decoder(type(value)).decode(t.encode(value))
    assert decoded == value
    assert t.decode_lenient(t.encode(value), type(value)) == value


@functools.cache
def _schema(rev: str) -> dict[str, Any]:
    with (SCHEMAS / f"{rev}.json").open() as f:
        doc: dict[str, Any] = json.load(f)
    return doc


@functools.cache
def _validator(rev: str, definition: str) -> jsonschema.protocols.Validator | None:
    doc = _schema(rev)
    key = "$defs" if "$defs" in doc else "definitions"
    if definition not in doc[key]:
        return None
    cls = jsonschema.validators.validator_for(doc)
    validator: jsonschema.protocols.Validator = cls({**doc, "$ref": f"#/{key}/{definition}"})
    return validator


VALIDATED = [
    pytest.param(case, rev, id=f"{case!r}@{rev}")
    for case in CASES
    if case.definition is not None
    for rev in REVS
    if rev >= case.since
]


@pytest.mark.parametrize(("case", "rev"), VALIDATED)
def test_validates_against_schema(case: Case, rev: str) -> None:
    validator = _validator(rev, case.definition or "")
    if validator is None:
        return  # the type does not exist in this revision
    validator.validate(case.wire())


def test_every_definition_case_validates_somewhere() -> None:
    for case in CASES:
        if case.definition is not None:
            assert any(_validator(rev, case.definition) for rev in REVS), case


def test_schema_check_is_not_vacuous() -> None:
    validator = _validator(NEW, "CallToolResult")
    assert validator is not None
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({"content": "nope", "resultType": "complete"})
    old = _validator("2024-11-05", "Tool")
    assert old is not None
    with pytest.raises(jsonschema.ValidationError):
        old.validate({"name": "x"})


# --------------------------------------------------------------------------- encoding rules


def test_required_fields_encoded_even_when_empty() -> None:
    assert t.encode(t.ListToolsResult(tools=[])) == b'{"tools":[]}'
    assert t.encode(t.CallToolResult(content=[])) == b'{"content":[]}'
    assert t.encode(t.ListRootsResult(roots=[])) == b'{"roots":[]}'
    assert t.encode(t.Completion(values=[])) == b'{"values":[]}'
    log = t.LoggingMessageNotificationParams(level="info", data=None)
    assert t.encode(log) == b'{"level":"info","data":null}'
    task = msgspec.json.decode(t.encode(TASK))
    assert task["ttl"] is None


def test_unset_fields_omitted_and_names_are_camel() -> None:
    assert t.encode(t.Tool(name="x", input_schema={"type": "object"})) == (
        b'{"name":"x","inputSchema":{"type":"object"}}'
    )
    assert t.encode(t.EmptyResult()) == b"{}"
    assert t.encode(t.ServerCapabilities()) == b"{}"
    assert t.encode(t.ClientCapabilities(roots=t.RootsCapability())) == b'{"roots":{}}'
    wire = msgspec.json.decode(t.encode(t.CallToolParams(name="x", meta={"a": 1})))
    assert wire == {"name": "x", "_meta": {"a": 1}}
    assert t.encode(t.TasksCapability(list_={})) == b'{"list":{}}'
    assert t.encode(t.Implementation(name="n", version="1", website_url="u")) == (
        b'{"name":"n","version":"1","websiteUrl":"u"}'
    )


def test_content_tags() -> None:
    tags: list[tuple[Any, str]] = [
        (t.TextContent(text=""), "text"),
        (t.ImageContent(data="", mime_type="m"), "image"),
        (t.AudioContent(data="", mime_type="m"), "audio"),
        (t.ResourceLink(uri="u", name="n"), "resource_link"),
        (t.EmbeddedResource(resource=TEXT_RC), "resource"),
        (TOOL_USE, "tool_use"),
        (TOOL_RESULT, "tool_result"),
    ]
    block: Any = t.ContentBlock | t.SamplingContent
    for value, tag in tags:
        assert msgspec.json.decode(t.encode(value))["type"] == tag
        assert type(t.decoder(block).decode(t.encode(value))) is type(value)


def test_input_required_result_always_carries_its_type() -> None:
    assert t.encode(t.InputRequiredResult(request_state="s")) == (
        b'{"resultType":"input_required","requestState":"s"}'
    )
    assert t.decoder(t.InputRequiredResult).decode(b"{}").result_type == "input_required"


def test_resource_contents_decode_both_shapes() -> None:
    text = t.decoder(t.EmbeddedResource).decode(
        b'{"type":"resource","resource":{"uri":"a","text":"x"}}'
    )
    blob = t.decoder(t.EmbeddedResource).decode(
        b'{"type":"resource","resource":{"uri":"a","blob":"aGk="}}'
    )
    assert (text.resource.text, text.resource.blob) == ("x", t.UNSET)
    assert (blob.resource.text, blob.resource.blob) == (t.UNSET, "aGk=")
    built = t.EmbeddedResource(resource=t.BlobResourceContents(uri="a", blob="aGk="))
    assert t.encode(built) == t.encode(blob)
    with pytest.raises(msgspec.ValidationError):
        t.decoder(t.TextResourceContents).decode(b'{"uri":"a","blob":"x"}')


def test_constants() -> None:
    assert t.LATEST_PROTOCOL_VERSION == t.SUPPORTED_PROTOCOL_VERSIONS[0] == NEW
    assert t.LATEST_HANDSHAKE_VERSION == "2025-11-25"
    assert tuple(reversed(REVS)) == t.SUPPORTED_PROTOCOL_VERSIONS
    assert t.META_LOG_LEVEL == "io.modelcontextprotocol/logLevel"
    assert t.decoder(t.SetLevelParams).decode(b'{"level":"emergency"}').level == "emergency"
    with pytest.raises(msgspec.ValidationError):
        t.decoder(t.SetLevelParams).decode(b'{"level":"loud"}')
    assert t.decoder(t.CallToolParams) is t.decoder(t.CallToolParams)


def test_decode_result_switches_on_result_type() -> None:
    done = t.decode_result(b'{"resultType":"complete","content":[]}', t.CallToolResult)
    assert done == t.CallToolResult(content=[], result_type="complete")
    old = t.decode_result(b'{"messages":[]}', t.GetPromptResult)
    assert old == t.GetPromptResult(messages=[])
    more = t.decode_result(
        msgspec.Raw(b'{"resultType":"input_required","requestState":"s"}'), t.CallToolResult
    )
    assert more == t.InputRequiredResult(request_state="s")


# --------------------------------------------------------------------------- unknown content


UNKNOWN = {"type": "video", "url": "https://x/v.mp4", "extra": {"nested": [1, 2]}}


def test_unknown_tag_in_tool_result_round_trips() -> None:
    wire = {"content": [{"type": "text", "text": "a"}, UNKNOWN], "isError": False}
    raw = json.dumps(wire).encode()
    with pytest.raises(msgspec.ValidationError):
        t.decoder(t.CallToolResult).decode(raw)
    result = t.decode_lenient(raw, t.CallToolResult)
    assert result.content[0] == t.TextContent(text="a")
    assert result.content[1] == t.UnknownContent(type="video", data=UNKNOWN)
    assert result.is_error is False
    assert json.loads(t.encode(result)) == wire


def test_unknown_tags_nested_and_in_every_input_form() -> None:
    wire = {
        "role": "user",
        "content": [
            UNKNOWN,
            {"type": "tool_result", "toolUseId": "1", "content": [dict(UNKNOWN, type="hologram")]},
        ],
    }
    raw = json.dumps(wire).encode()
    for data in (raw, msgspec.Raw(raw), json.loads(raw)):
        message = t.decode_lenient(data, t.SamplingMessage)
        assert isinstance(message.content, list)
        assert message.content[0] == t.UnknownContent(type="video", data=UNKNOWN)
        inner = message.content[1]
        assert isinstance(inner, t.ToolResultContent)
        assert isinstance(inner.content[0], t.UnknownContent)
        assert inner.content[0].type == "hologram"
        assert json.loads(t.encode(message)) == wire
    assert data == json.loads(raw)  # the caller's objects were not modified


def test_unknown_tag_single_content_and_dict_values() -> None:
    prompt = t.decode_lenient(
        {"messages": [{"role": "user", "content": UNKNOWN}]}, t.GetPromptResult
    )
    assert prompt.messages[0].content == t.UnknownContent(type="video", data=UNKNOWN)
    sampled = t.decode_lenient(
        {"role": "assistant", "content": UNKNOWN, "model": "m"}, t.CreateMessageResult
    )
    assert isinstance(sampled.content, t.UnknownContent)
    block: Any = t.ContentBlock
    whole = t.decode_lenient(json.dumps(UNKNOWN).encode(), block)
    assert whole == t.UnknownContent(type="video", data=UNKNOWN)
    msgs = t.decode_lenient(
        {"a": {"role": "user", "content": UNKNOWN}, "b": {"role": "user", "content": []}},
        dict[str, t.SamplingMessage],
    )
    assert isinstance(msgs["a"].content, t.UnknownContent)
    assert msgs["b"].content == []


def test_lenient_decode_still_rejects_real_errors() -> None:
    with pytest.raises(msgspec.ValidationError):  # missing required field, no unknown tag
        t.decode_lenient(b'{"content":[{"type":"text"}]}', t.CallToolResult)
    with pytest.raises(msgspec.ValidationError):  # unknown tag AND another error
        t.decode_lenient({"content": [UNKNOWN], "isError": "no"}, t.CallToolResult)
    with pytest.raises(msgspec.ValidationError):  # a tag that is not a string
        t.decode_lenient({"content": [{"type": 5}]}, t.CallToolResult)
    with pytest.raises(msgspec.ValidationError):  # unknown tag outside a content union
        t.decode_lenient(
            {"ref": {"type": "ref/other"}, "argument": {"name": "a", "value": "b"}},
            t.CompleteParams,
        )
    with pytest.raises(msgspec.ValidationError):  # wrong shapes are left for msgspec to report
        t.decode_lenient({"content": "x", "structuredContent": [UNKNOWN]}, t.CallToolResult)
    with pytest.raises(msgspec.ValidationError):
        t.decode_lenient({"role": "user", "content": 3}, t.SamplingMessage)
    with pytest.raises(msgspec.ValidationError):  # a list where no list is allowed
        t.decode_lenient({"requestId": [UNKNOWN]}, t.CancelledNotificationParams)
    with pytest.raises(msgspec.ValidationError):  # an object where no object is allowed
        t.decode_lenient({"requestId": UNKNOWN}, t.CancelledNotificationParams)
    with pytest.raises(msgspec.DecodeError):
        t.decode_lenient(b"{", t.CallToolResult)


def test_enc_hook_rejects_foreign_objects() -> None:
    with pytest.raises(TypeError, match="expected an MCP type"):
        t.encode(object())
    unknown = t.UnknownContent(type="x", data={"type": "x"})
    assert unknown != "x"
    assert "UnknownContent(type='x'" in repr(unknown)
    assert t.enc_hook(unknown) == {"type": "x"}


# --------------------------------------------------------------------------- 2026-07-28 examples


def _example_target(name: str, doc: Any) -> tuple[Any, Any] | None:
    """(type, part of the example our type models) for an example directory name."""
    if name in ("InputRequests",):
        return dict[str, t.InputRequest], doc
    if name in ("InputResponses",):
        return dict[str, Any], doc
    if name.startswith("ElicitRequest") and name.endswith("Params"):
        return t.ElicitParams, doc
    if name == "PaginatedRequestParams":
        return t.ListToolsParams, doc
    if name.endswith("ResultResponse"):
        return getattr(t, name[: -len("Response")]), doc["result"]
    if name.endswith("RequestParams"):
        return getattr(t, name[: -len("RequestParams")] + "Params"), doc
    if name.endswith("Request"):
        return getattr(t, name[: -len("Request")] + "Params"), doc.get("params", {})
    if name.endswith("Notification"):
        params = getattr(t, name + "Params", t.EmptyNotificationParams)
        return params, doc.get("params", {})
    if name.endswith("Error"):
        data_type = getattr(t, name + "Data", None)
        return None if data_type is None else (data_type, doc["error"]["data"])
    return getattr(t, name), doc


EXAMPLES = sorted((SCHEMAS / "2026-07-28-examples").glob("*/*.json"))


def test_examples_present() -> None:
    assert len(EXAMPLES) > 100


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_2026_example_round_trips(path: Path) -> None:
    doc = json.loads(path.read_text())
    target = _example_target(path.parent.name, doc)
    if target is None:
        # JSON-RPC error objects without a data shape of their own belong to _jsonrpc.
        assert isinstance(doc.get("error", doc)["code"], int)
        return
    type_, part = target
    if type_ in (t.CallToolResult, t.GetPromptResult, t.ReadResourceResult):
        value: Any = t.decode_result(json.dumps(part).encode(), type_)
    else:
        value = t.decode_lenient(part, type_)
    assert json.loads(t.encode(value)) == part


def test_decode_result_fast_path_and_input_required() -> None:
    ok = t.decode_result(
        b'{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}', t.CallToolResult
    )
    assert isinstance(ok, t.CallToolResult) and ok.text == "ab"
    # valid as the complete type, but the server says input_required: trust resultType
    raw = b'{"resultType":"input_required","content":[],"inputRequests":{},"requestState":"s"}'
    needed = t.decode_result(raw, t.CallToolResult)
    assert isinstance(needed, t.InputRequiredResult) and needed.request_state == "s"
    bare = t.decode_result(b'{"resultType":"input_required","requestState":"t"}', t.CallToolResult)
    assert isinstance(bare, t.InputRequiredResult) and bare.request_state == "t"
    newer = t.decode_result(b'{"content":[{"type":"hologram","x":1}]}', t.CallToolResult)
    assert isinstance(newer, t.CallToolResult)
    assert isinstance(newer.content[0], t.UnknownContent)


def test_decode_result_runs_the_typed_decoder_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # types.decode_result used to try the typed decoder, then call decode_lenient, which tried
    # it again before the unknown-content walk: a newer peer's result was decoded twice.
    calls: list[Any] = []
    real = t.decoder

    def counting(type_: Any) -> Any:
        calls.append(type_)
        return real(type_)

    monkeypatch.setattr(t, "decoder", counting)
    newer = t.decode_result(b'{"content":[{"type":"hologram","x":1}]}', t.CallToolResult)
    assert isinstance(newer, t.CallToolResult) and isinstance(newer.content[0], t.UnknownContent)
    # once as the result type, once as the resultType probe
    assert calls == [t.CallToolResult, t._ResultTypeProbe]
    calls.clear()
    assert isinstance(t.decode_result(b'{"content":[]}', t.CallToolResult), t.CallToolResult)
    assert calls == [t.CallToolResult]
