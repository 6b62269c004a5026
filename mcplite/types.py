"""The MCP wire catalogue: one msgspec Struct set covering every protocol revision.

Revisions covered: 2024-11-05, 2025-03-26, 2025-06-18, 2025-11-25 and 2026-07-28
(``schema.ts`` of each is the authority). The five schemas are merged into ONE catalogue:

- a field is required (no default) only if every revision that has the type requires it;
  anything added later, dropped later, or required only in some era defaults to ``UNSET``
  (``UNSET`` is "absent on the wire"; ``None`` is JSON ``null``);
- request envelopes (``FooRequest``) are not modelled (``_jsonrpc`` owns envelopes): their
  params are ``FooParams``; notification params are ``FooNotificationParams``; results keep
  their schema names;
- open objects (JSON Schema, ``_meta``, capability settings) are ``dict[str, Any]``.

Content unions are tagged on ``type``. A newer peer may send a tag we do not know; the typed
decoder then fails, so protocol code decodes content-bearing messages with
:func:`decode_lenient`, which turns such items into :class:`UnknownContent` (kept verbatim and
re-encoded unchanged by :func:`encode`).

Resource contents (``TextResourceContents`` / ``BlobResourceContents``) are untagged in the
schema, and msgspec cannot tell two untagged Structs apart, so fields that carry them are typed
:class:`ResourceContents` (``text`` and ``blob`` both optional) and decode into it; the two
schema names are subclasses with the discriminating field required, for building values.
"""

from __future__ import annotations

import functools
from typing import Any, Literal, TypeAlias, TypeVar

import msgspec
import msgspec.inspect as _mi
from msgspec import UNSET, UnsetType

__all__ = [
    "LATEST_HANDSHAKE_VERSION",
    "LATEST_PROTOCOL_VERSION",
    "META_CLIENT_CAPABILITIES",
    "META_CLIENT_INFO",
    "META_LOG_LEVEL",
    "META_PROTOCOL_VERSION",
    "META_SERVER_INFO",
    "META_SUBSCRIPTION_ID",
    "SUPPORTED_PROTOCOL_VERSIONS",
    "TRANSPORT_NAMES",
    "UNSET",
    "Annotations",
    "AudioContent",
    "BlobResourceContents",
    "BooleanSchema",
    "CallToolParams",
    "CallToolResult",
    "CancelTaskParams",
    "CancelTaskResult",
    "CancelledNotificationParams",
    "ClientCapabilities",
    "CompleteArgument",
    "CompleteContext",
    "CompleteParams",
    "CompleteResult",
    "Completion",
    "ContentBlock",
    "CreateMessageParams",
    "CreateMessageResult",
    "CreateTaskResult",
    "DiscoverParams",
    "DiscoverResult",
    "ElicitParams",
    "ElicitResult",
    "ElicitationCapability",
    "ElicitationCompleteNotificationParams",
    "EmbeddedResource",
    "EmptyNotificationParams",
    "EmptyResult",
    "EnumOption",
    "GetPromptParams",
    "GetPromptResult",
    "GetTaskParams",
    "GetTaskPayloadParams",
    "GetTaskResult",
    "Icon",
    "ImageContent",
    "Implementation",
    "InitializeParams",
    "InitializeResult",
    "InputRequest",
    "InputRequiredResult",
    "LegacyTitledEnumSchema",
    "ListPromptsParams",
    "ListPromptsResult",
    "ListResourceTemplatesParams",
    "ListResourceTemplatesResult",
    "ListResourcesParams",
    "ListResourcesResult",
    "ListRootsParams",
    "ListRootsResult",
    "ListTasksParams",
    "ListTasksResult",
    "ListToolsParams",
    "ListToolsResult",
    "LoggingLevel",
    "LoggingMessageNotificationParams",
    "MissingRequiredClientCapabilityErrorData",
    "ModelHint",
    "ModelPreferences",
    "NumberSchema",
    "PingParams",
    "ProgressNotificationParams",
    "ProgressToken",
    "Prompt",
    "PromptArgument",
    "PromptMessage",
    "PromptReference",
    "PromptsCapability",
    "ReadResourceParams",
    "ReadResourceResult",
    "Reference",
    "RelatedTaskMetadata",
    "RequestId",
    "Resource",
    "ResourceContents",
    "ResourceLink",
    "ResourceReference",
    "ResourceTemplate",
    "ResourceTemplateReference",
    "ResourceUpdatedNotificationParams",
    "ResourcesCapability",
    "Role",
    "Root",
    "RootsCapability",
    "SamplingCapability",
    "SamplingContent",
    "SamplingMessage",
    "ServerCapabilities",
    "SetLevelParams",
    "StringSchema",
    "SubscribeParams",
    "SubscriptionFilter",
    "SubscriptionsAcknowledgedNotificationParams",
    "SubscriptionsListenParams",
    "SubscriptionsListenResult",
    "Task",
    "TaskMetadata",
    "TaskStatus",
    "TaskStatusNotificationParams",
    "TasksCapability",
    "TextContent",
    "TextResourceContents",
    "TitledEnumItems",
    "TitledMultiSelectEnumSchema",
    "TitledSingleSelectEnumSchema",
    "Tool",
    "ToolAnnotations",
    "ToolChoice",
    "ToolExecution",
    "ToolResultContent",
    "ToolUseContent",
    "ToolsCapability",
    "TransportName",
    "URLElicitationRequiredErrorData",
    "UnknownContent",
    "UnsetType",
    "UnsubscribeParams",
    "UnsupportedProtocolVersionErrorData",
    "UntitledEnumItems",
    "UntitledMultiSelectEnumSchema",
    "UntitledSingleSelectEnumSchema",
    "decode_lenient",
    "decode_result",
    "decoder",
    "enc_hook",
    "encode",
]

T = TypeVar("T")

# --------------------------------------------------------------------------- constants

LATEST_PROTOCOL_VERSION = "2026-07-28"
# The newest revision that still negotiates with `initialize` (the stateful era).
LATEST_HANDSHAKE_VERSION = "2025-11-25"
SUPPORTED_PROTOCOL_VERSIONS = (
    "2026-07-28",
    "2025-11-25",
    "2025-06-18",
    "2025-03-26",
    "2024-11-05",
)

# Reserved `_meta` keys of 2026-07-28 (RequestMetaObject, NotificationMetaObject,
# ResultMetaObject, SubscriptionsListenResultMetaObject).
META_PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion"
META_CLIENT_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities"
META_CLIENT_INFO = "io.modelcontextprotocol/clientInfo"
META_LOG_LEVEL = "io.modelcontextprotocol/logLevel"
META_SERVER_INFO = "io.modelcontextprotocol/serverInfo"
META_SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId"

# The names of the transports, one vocabulary for ``Server.run``, ``connect`` and the CLI's
# ``--transport`` (the spec's names: basic/transports.mdx "stdio", "Streamable HTTP", and
# 2024-11-05's "HTTP with SSE").
TransportName: TypeAlias = Literal["stdio", "streamable-http", "sse"]
TRANSPORT_NAMES: tuple[TransportName, ...] = ("stdio", "streamable-http", "sse")

LoggingLevel: TypeAlias = Literal[
    "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"
]
Role: TypeAlias = Literal["user", "assistant"]
ProgressToken: TypeAlias = str | int
RequestId: TypeAlias = str | int
TaskStatus: TypeAlias = Literal["working", "input_required", "completed", "failed", "cancelled"]


# --------------------------------------------------------------------------- bases


class _Base(msgspec.Struct, rename="camel", omit_defaults=True, kw_only=True):
    """The one base of every wire Struct (DESIGN.md §6)."""


class _WithMeta(_Base, kw_only=True):
    meta: dict[str, Any] | UnsetType = msgspec.field(default=UNSET, name="_meta")


class _Result(_WithMeta, kw_only=True):
    # 2026-07-28 Result.resultType: required in that era, absent before ("complete").
    result_type: str | UnsetType = UNSET


class _CacheableResult(_Result, kw_only=True):
    # 2026-07-28 CacheableResult (SEP-2549): TTL hint in milliseconds and cache scope.
    ttl_ms: int | UnsetType = UNSET
    cache_scope: Literal["public", "private"] | UnsetType = UNSET


class _PaginatedResult(_CacheableResult, kw_only=True):
    next_cursor: str | UnsetType = UNSET


class _PaginatedParams(_WithMeta, kw_only=True):
    cursor: str | UnsetType = UNSET


# --------------------------------------------------------------------------- common


class Icon(_Base, kw_only=True):
    """An optionally-sized icon (2025-11-25+)."""

    src: str
    mime_type: str | UnsetType = UNSET
    sizes: list[str] | UnsetType = UNSET
    theme: Literal["light", "dark"] | UnsetType = UNSET


class Implementation(_Base, kw_only=True):
    """Name and version of an MCP implementation (clientInfo / serverInfo)."""

    name: str
    version: str
    title: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    website_url: str | UnsetType = UNSET
    icons: list[Icon] | UnsetType = UNSET


class Annotations(_Base, kw_only=True):
    """Hints for the client on how to use or display an object (2024-11-05 `Annotated`)."""

    audience: list[Role] | UnsetType = UNSET
    priority: float | UnsetType = UNSET
    last_modified: str | UnsetType = UNSET


# --------------------------------------------------------------------------- content


class ResourceContents(_WithMeta, kw_only=True):
    """Contents of a resource as decoded: exactly one of ``text`` / ``blob`` (base64) is set.

    Fields typed with this class accept both schema shapes; check ``text``/``blob`` to tell
    them apart (msgspec cannot discriminate untagged Structs).
    """

    uri: str
    mime_type: str | UnsetType = UNSET
    text: str | UnsetType = UNSET
    blob: str | UnsetType = UNSET


class TextResourceContents(ResourceContents, kw_only=True):
    """Text resource contents (``text`` required)."""

    text: str


class BlobResourceContents(ResourceContents, kw_only=True):
    """Binary resource contents (``blob`` is base64, required)."""

    blob: str


class TextContent(_WithMeta, tag_field="type", tag="text", kw_only=True):
    """Text provided to or from an LLM."""

    text: str
    annotations: Annotations | UnsetType = UNSET


class ImageContent(_WithMeta, tag_field="type", tag="image", kw_only=True):
    """An image provided to or from an LLM."""

    data: str  # base64
    mime_type: str
    annotations: Annotations | UnsetType = UNSET


class AudioContent(_WithMeta, tag_field="type", tag="audio", kw_only=True):
    """Audio provided to or from an LLM."""

    data: str  # base64
    mime_type: str
    annotations: Annotations | UnsetType = UNSET


class Resource(_WithMeta, kw_only=True):
    """A known resource that the server is capable of reading."""

    uri: str
    name: str
    title: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    mime_type: str | UnsetType = UNSET
    annotations: Annotations | UnsetType = UNSET
    size: int | UnsetType = UNSET
    icons: list[Icon] | UnsetType = UNSET


class ResourceLink(Resource, tag_field="type", tag="resource_link", kw_only=True):
    """A resource the server can read, included in a prompt or tool result (2025-06-18+)."""


class EmbeddedResource(_WithMeta, tag_field="type", tag="resource", kw_only=True):
    """The contents of a resource, embedded into a prompt or tool call result."""

    resource: ResourceContents
    annotations: Annotations | UnsetType = UNSET


ContentBlock: TypeAlias = (
    TextContent | ImageContent | AudioContent | ResourceLink | EmbeddedResource
)


class ToolUseContent(_WithMeta, tag_field="type", tag="tool_use", kw_only=True):
    """A tool call requested by the model during sampling (2025-11-25+)."""

    id: str
    name: str
    input: dict[str, Any]


class ToolResultContent(_WithMeta, tag_field="type", tag="tool_result", kw_only=True):
    """The result of a tool call, passed back to the model in sampling (2025-11-25+)."""

    tool_use_id: str
    content: list[ContentBlock]
    structured_content: Any = UNSET
    is_error: bool | UnsetType = UNSET


SamplingContent: TypeAlias = (
    TextContent | ImageContent | AudioContent | ToolUseContent | ToolResultContent
)


class UnknownContent:
    """A content item whose ``type`` tag this library does not know (from a newer peer).

    Not a Struct on purpose: msgspec would encode a Struct field by field, while this must
    re-encode as the original object, which :func:`enc_hook` does.
    """

    __slots__ = ("data", "type")

    def __init__(self, *, type: str, data: dict[str, Any]) -> None:
        self.type = type
        self.data = data

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, UnknownContent):
            return NotImplemented
        return self.type == other.type and self.data == other.data

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"UnknownContent(type={self.type!r}, data={self.data!r})"


# --------------------------------------------------------------------------- capabilities


class RootsCapability(_Base, kw_only=True):
    """The client can list its roots (`ClientCapabilities.roots`)."""

    list_changed: bool | UnsetType = UNSET


class SamplingCapability(_Base, kw_only=True):
    """The client can sample an LLM for the server (`ClientCapabilities.sampling`)."""

    context: dict[str, Any] | UnsetType = UNSET
    tools: dict[str, Any] | UnsetType = UNSET


class ElicitationCapability(_Base, kw_only=True):
    # 2025-11-25: an empty object means form mode only.
    """The client can ask its user for input (`ClientCapabilities.elicitation`)."""

    form: dict[str, Any] | UnsetType = UNSET
    url: dict[str, Any] | UnsetType = UNSET


class TasksCapability(_Base, kw_only=True):
    """2025-11-25 (experimental) tasks capability, client or server side."""

    list_: dict[str, Any] | UnsetType = msgspec.field(default=UNSET, name="list")
    cancel: dict[str, Any] | UnsetType = UNSET
    requests: dict[str, Any] | UnsetType = UNSET


class ClientCapabilities(_Base, kw_only=True):
    """Capabilities a client may support."""

    experimental: dict[str, dict[str, Any]] | UnsetType = UNSET
    roots: RootsCapability | UnsetType = UNSET
    sampling: SamplingCapability | UnsetType = UNSET
    elicitation: ElicitationCapability | UnsetType = UNSET
    tasks: TasksCapability | UnsetType = UNSET
    extensions: dict[str, dict[str, Any]] | UnsetType = UNSET


class PromptsCapability(_Base, kw_only=True):
    """The server offers prompt templates (`ServerCapabilities.prompts`)."""

    list_changed: bool | UnsetType = UNSET


class ResourcesCapability(_Base, kw_only=True):
    """The server offers resources to read (`ServerCapabilities.resources`)."""

    subscribe: bool | UnsetType = UNSET
    list_changed: bool | UnsetType = UNSET


class ToolsCapability(_Base, kw_only=True):
    """The server offers tools to call (`ServerCapabilities.tools`)."""

    list_changed: bool | UnsetType = UNSET


class ServerCapabilities(_Base, kw_only=True):
    """Capabilities that a server may support."""

    experimental: dict[str, dict[str, Any]] | UnsetType = UNSET
    logging: dict[str, Any] | UnsetType = UNSET
    completions: dict[str, Any] | UnsetType = UNSET
    prompts: PromptsCapability | UnsetType = UNSET
    resources: ResourcesCapability | UnsetType = UNSET
    tools: ToolsCapability | UnsetType = UNSET
    tasks: TasksCapability | UnsetType = UNSET
    extensions: dict[str, dict[str, Any]] | UnsetType = UNSET


# --------------------------------------------------------------------------- tasks (2025-11-25)


class TaskMetadata(_Base, kw_only=True):
    """Requests task-augmented execution (``params.task``)."""

    ttl: int | UnsetType = UNSET


class RelatedTaskMetadata(_Base, kw_only=True):
    """Metadata for associating messages with a task."""

    task_id: str


class Task(_WithMeta, kw_only=True):
    """Data associated with a task."""

    task_id: str
    status: TaskStatus
    created_at: str
    last_updated_at: str
    ttl: int | None  # required and nullable: null means unlimited
    status_message: str | UnsetType = UNSET
    poll_interval: int | UnsetType = UNSET


class CreateTaskResult(_WithMeta, kw_only=True):
    """A response to a task-augmented request."""

    task: Task


class GetTaskParams(_WithMeta, kw_only=True):
    """Parameters for a `tasks/get` request."""

    task_id: str


class GetTaskPayloadParams(_WithMeta, kw_only=True):
    """Parameters for a `tasks/result` request."""

    task_id: str


class CancelTaskParams(_WithMeta, kw_only=True):
    """Parameters for a `tasks/cancel` request."""

    task_id: str


class GetTaskResult(Task, kw_only=True):
    """``Result & Task``."""


class CancelTaskResult(Task, kw_only=True):
    """``Result & Task``."""


class TaskStatusNotificationParams(Task, kw_only=True):
    """``NotificationParams & Task``."""


class ListTasksParams(_PaginatedParams, kw_only=True):
    """Parameters for a `tasks/list` request."""

    pass


class ListTasksResult(_WithMeta, kw_only=True):
    """The response to a tasks/list request."""

    tasks: list[Task]
    next_cursor: str | UnsetType = UNSET


# --------------------------------------------------------------------------- MRTR (2026-07-28)


class InputRequest(_Base, kw_only=True):
    """A server-initiated request embedded in an InputRequiredResult (SEP-2322).

    ``params`` stays an open object: decode it with the type the method calls for
    (``elicitation/create`` → ElicitParams, ``sampling/createMessage`` → CreateMessageParams,
    ``roots/list`` → ListRootsParams).
    """

    method: str
    params: dict[str, Any] | UnsetType = UNSET


class _MRTRParams(_WithMeta, kw_only=True):
    input_responses: dict[str, Any] | UnsetType = UNSET
    request_state: str | UnsetType = UNSET


class InputRequiredResult(_Result, kw_only=True):
    """The server needs client input before it can complete the request (2026-07-28).

    ``result_type`` defaults to ``"input_required"`` so it is always encoded.
    """

    input_requests: dict[str, InputRequest] | UnsetType = UNSET
    request_state: str | UnsetType = UNSET

    def __post_init__(self) -> None:
        if self.result_type is UNSET:
            self.result_type = "input_required"


# --------------------------------------------------------------------------- lifecycle


class InitializeParams(_WithMeta, kw_only=True):
    """Parameters for an `initialize` request."""

    protocol_version: str
    capabilities: ClientCapabilities
    client_info: Implementation


class InitializeResult(_WithMeta, kw_only=True):
    """After receiving an initialize request from the client, the server sends this response."""

    protocol_version: str
    capabilities: ServerCapabilities
    server_info: Implementation
    instructions: str | UnsetType = UNSET


class PingParams(_WithMeta, kw_only=True):
    """Parameters for a `ping` request."""

    pass


class DiscoverParams(_WithMeta, kw_only=True):
    """``server/discover`` params (2026-07-28): only ``_meta``."""


class DiscoverResult(_CacheableResult, kw_only=True):
    """The result returned by the server for a `server/discover` request."""

    supported_versions: list[str]
    capabilities: ServerCapabilities
    instructions: str | UnsetType = UNSET


class EmptyResult(_Result, kw_only=True):
    """A result that indicates success but carries no data."""

    pass


class EmptyNotificationParams(_WithMeta, kw_only=True):
    """Params of notifications/initialized and the list_changed notifications."""


class CancelledNotificationParams(_WithMeta, kw_only=True):
    """Parameters for a `notifications/cancelled` notification."""

    request_id: RequestId
    reason: str | UnsetType = UNSET


class ProgressNotificationParams(_WithMeta, kw_only=True):
    """Parameters for a `notifications/progress` notification."""

    progress_token: ProgressToken
    progress: float
    total: float | UnsetType = UNSET
    message: str | UnsetType = UNSET


# --------------------------------------------------------------------------- tools


class ToolAnnotations(_Base, kw_only=True):
    """Additional properties describing a `Tool` to clients."""

    title: str | UnsetType = UNSET
    read_only_hint: bool | UnsetType = UNSET
    destructive_hint: bool | UnsetType = UNSET
    idempotent_hint: bool | UnsetType = UNSET
    open_world_hint: bool | UnsetType = UNSET


class ToolExecution(_Base, kw_only=True):
    """Execution-related properties for a tool."""

    task_support: Literal["forbidden", "optional", "required"] | UnsetType = UNSET


class Tool(_WithMeta, kw_only=True):
    """Definition for a tool the client can call."""

    name: str
    input_schema: dict[str, Any]  # JSON Schema, verbatim
    title: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    output_schema: dict[str, Any] | UnsetType = UNSET
    annotations: ToolAnnotations | UnsetType = UNSET
    execution: ToolExecution | UnsetType = UNSET
    icons: list[Icon] | UnsetType = UNSET


class ListToolsParams(_PaginatedParams, kw_only=True):
    """Parameters for a `tools/list` request."""

    pass


class ListToolsResult(_PaginatedResult, kw_only=True):
    """The result returned by the server for a `tools/list` request."""

    tools: list[Tool]


class CallToolParams(_MRTRParams, kw_only=True):
    """Parameters for a `tools/call` request."""

    name: str
    arguments: dict[str, Any] | UnsetType = UNSET
    task: TaskMetadata | UnsetType = UNSET


class CallToolResult(_Result, kw_only=True):
    """The result returned by the server for a `tools/call` request."""

    content: list[ContentBlock]
    structured_content: Any = UNSET
    is_error: bool | UnsetType = UNSET
    input_requests: dict[str, InputRequest] | UnsetType = UNSET
    request_state: str | UnsetType = UNSET

    @property
    def text(self) -> str:
        """The text blocks of ``content``, joined (convenience; not a wire field)."""
        return "".join(c.text for c in self.content if isinstance(c, TextContent))


# --------------------------------------------------------------------------- resources


class ResourceTemplate(_WithMeta, kw_only=True):
    """A template description for resources available on the server."""

    uri_template: str
    name: str
    title: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    mime_type: str | UnsetType = UNSET
    annotations: Annotations | UnsetType = UNSET
    icons: list[Icon] | UnsetType = UNSET


class ListResourcesParams(_PaginatedParams, kw_only=True):
    """Parameters for a `resources/list` request."""

    pass


class ListResourcesResult(_PaginatedResult, kw_only=True):
    """The result returned by the server for a `resources/list` request."""

    resources: list[Resource]


class ListResourceTemplatesParams(_PaginatedParams, kw_only=True):
    """Parameters for a `resources/templates/list` request."""

    pass


class ListResourceTemplatesResult(_PaginatedResult, kw_only=True):
    """The result returned by the server for a `resources/templates/list` request."""

    resource_templates: list[ResourceTemplate]


class ReadResourceParams(_MRTRParams, kw_only=True):
    """Parameters for a `resources/read` request."""

    uri: str


class ReadResourceResult(_CacheableResult, kw_only=True):
    """The result returned by the server for a `resources/read` request."""

    contents: list[ResourceContents]
    input_requests: dict[str, InputRequest] | UnsetType = UNSET
    request_state: str | UnsetType = UNSET


class SubscribeParams(_WithMeta, kw_only=True):
    """Parameters for a `resources/subscribe` request."""

    uri: str


class UnsubscribeParams(_WithMeta, kw_only=True):
    """Parameters for a `resources/unsubscribe` request."""

    uri: str


class ResourceUpdatedNotificationParams(_WithMeta, kw_only=True):
    """Parameters for a `notifications/resources/updated` notification."""

    uri: str


# --------------------------------------------------------------------------- subscriptions


class SubscriptionFilter(_Base, kw_only=True):
    """The set of notification types a client may opt in to on a `subscriptions/listen` request."""

    tools_list_changed: bool | UnsetType = UNSET
    prompts_list_changed: bool | UnsetType = UNSET
    resources_list_changed: bool | UnsetType = UNSET
    resource_subscriptions: list[str] | UnsetType = UNSET
    # Added by the io.modelcontextprotocol/tasks extension (SEP-2663 "Task Status
    # Notifications"): notifications/tasks for these task ids.
    task_ids: list[str] | UnsetType = UNSET


class SubscriptionsListenParams(_WithMeta, kw_only=True):
    """Parameters for a `subscriptions/listen` request."""

    notifications: SubscriptionFilter


class SubscriptionsListenResult(_Result, kw_only=True):
    # 2026-07-28: _meta is required here (carries META_SUBSCRIPTION_ID).
    """The response to a `subscriptions/listen` request, signalling that the subscription has ended
    gracefully (for example, during server shutdown).
    """

    meta: dict[str, Any] = msgspec.field(name="_meta")


class SubscriptionsAcknowledgedNotificationParams(_WithMeta, kw_only=True):
    """Parameters for a `notifications/subscriptions/acknowledged` notification."""

    notifications: SubscriptionFilter


# --------------------------------------------------------------------------- prompts


class PromptArgument(_Base, kw_only=True):
    """Describes an argument that a prompt can accept."""

    name: str
    title: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    required: bool | UnsetType = UNSET


class Prompt(_WithMeta, kw_only=True):
    """A prompt or prompt template that the server offers."""

    name: str
    title: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    arguments: list[PromptArgument] | UnsetType = UNSET
    icons: list[Icon] | UnsetType = UNSET


class PromptMessage(_Base, kw_only=True):
    """Describes a message returned as part of a prompt."""

    role: Role
    content: ContentBlock


class ListPromptsParams(_PaginatedParams, kw_only=True):
    """Parameters for a `prompts/list` request."""

    pass


class ListPromptsResult(_PaginatedResult, kw_only=True):
    """The result returned by the server for a `prompts/list` request."""

    prompts: list[Prompt]


class GetPromptParams(_MRTRParams, kw_only=True):
    """Parameters for a `prompts/get` request."""

    name: str
    arguments: dict[str, str] | UnsetType = UNSET


class GetPromptResult(_Result, kw_only=True):
    """The result returned by the server for a `prompts/get` request."""

    messages: list[PromptMessage]
    description: str | UnsetType = UNSET
    input_requests: dict[str, InputRequest] | UnsetType = UNSET
    request_state: str | UnsetType = UNSET


# --------------------------------------------------------------------------- logging


class SetLevelParams(_WithMeta, kw_only=True):
    """Parameters for a `logging/setLevel` request."""

    level: LoggingLevel


class LoggingMessageNotificationParams(_WithMeta, kw_only=True):
    """Parameters for a `notifications/message` notification."""

    level: LoggingLevel
    data: Any
    logger: str | UnsetType = UNSET


# --------------------------------------------------------------------------- completion


class PromptReference(_Base, tag_field="type", tag="ref/prompt", kw_only=True):
    """Identifies a prompt."""

    name: str
    title: str | UnsetType = UNSET


class ResourceTemplateReference(_Base, tag_field="type", tag="ref/resource", kw_only=True):
    """A reference to a resource or resource template definition."""

    uri: str


# 2024-11-05 / 2025-03-26 name of the same "ref/resource" shape.
ResourceReference = ResourceTemplateReference
Reference: TypeAlias = PromptReference | ResourceTemplateReference


class CompleteArgument(_Base, kw_only=True):
    """The argument being completed: its name and the value typed so far."""

    name: str
    value: str


class CompleteContext(_Base, kw_only=True):
    """Additional context for completion: already-resolved argument values."""

    arguments: dict[str, str] | UnsetType = UNSET


class CompleteParams(_WithMeta, kw_only=True):
    """Parameters for a `completion/complete` request."""

    ref: Reference
    argument: CompleteArgument
    context: CompleteContext | UnsetType = UNSET


class Completion(_Base, kw_only=True):
    """The completion values of a `completion/complete` result."""

    values: list[str]
    total: int | UnsetType = UNSET
    has_more: bool | UnsetType = UNSET


class CompleteResult(_Result, kw_only=True):
    """The result returned by the server for a `completion/complete` request."""

    completion: Completion


# --------------------------------------------------------------------------- sampling


class ModelHint(_Base, kw_only=True):
    """Hints to use for model selection."""

    name: str | UnsetType = UNSET


class ModelPreferences(_Base, kw_only=True):
    """The server's preferences for model selection, requested of the client during sampling."""

    hints: list[ModelHint] | UnsetType = UNSET
    cost_priority: float | UnsetType = UNSET
    speed_priority: float | UnsetType = UNSET
    intelligence_priority: float | UnsetType = UNSET


class ToolChoice(_Base, kw_only=True):
    """Controls tool selection behavior for sampling requests."""

    mode: Literal["auto", "required", "none"] | UnsetType = UNSET


class SamplingMessage(_WithMeta, kw_only=True):
    """Describes a message issued to or received from an LLM API."""

    role: Role
    # 2025-11-25+: a single block or a list of blocks.
    content: SamplingContent | list[SamplingContent]


class CreateMessageParams(_WithMeta, kw_only=True):
    """Parameters for a `sampling/createMessage` request."""

    messages: list[SamplingMessage]
    max_tokens: int
    model_preferences: ModelPreferences | UnsetType = UNSET
    system_prompt: str | UnsetType = UNSET
    include_context: Literal["none", "thisServer", "allServers"] | UnsetType = UNSET
    temperature: float | UnsetType = UNSET
    stop_sequences: list[str] | UnsetType = UNSET
    metadata: dict[str, Any] | UnsetType = UNSET
    tools: list[Tool] | UnsetType = UNSET
    tool_choice: ToolChoice | UnsetType = UNSET
    task: TaskMetadata | UnsetType = UNSET


class CreateMessageResult(_WithMeta, kw_only=True):
    """The result returned by the client for a `sampling/createMessage` request."""

    role: Role
    content: SamplingContent | list[SamplingContent]
    model: str
    stop_reason: str | UnsetType = UNSET


# --------------------------------------------------------------------------- roots


class Root(_WithMeta, kw_only=True):
    """Represents a root directory or file that the server can operate on."""

    uri: str
    name: str | UnsetType = UNSET


class ListRootsParams(_WithMeta, kw_only=True):
    """Parameters for a `roots/list` request."""

    pass


class ListRootsResult(_WithMeta, kw_only=True):
    """The result returned by the client for a `roots/list` request."""

    roots: list[Root]


# --------------------------------------------------------------------------- elicitation


class StringSchema(_Base, tag_field="type", tag="string", kw_only=True):
    """An elicitation form field holding a string."""

    title: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    min_length: int | UnsetType = UNSET
    max_length: int | UnsetType = UNSET
    format: Literal["email", "uri", "date", "date-time"] | UnsetType = UNSET
    default: str | UnsetType = UNSET


class NumberSchema(_Base, kw_only=True):
    """An elicitation form field holding a number or an integer."""

    type: Literal["number", "integer"]
    title: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    minimum: float | UnsetType = UNSET
    maximum: float | UnsetType = UNSET
    default: float | UnsetType = UNSET


class BooleanSchema(_Base, tag_field="type", tag="boolean", kw_only=True):
    """An elicitation form field holding a boolean."""

    title: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    default: bool | UnsetType = UNSET


class EnumOption(_Base, kw_only=True):
    """One option of a titled enumeration: its value (`const`) and display title."""

    const: str
    title: str


class UntitledSingleSelectEnumSchema(_Base, tag_field="type", tag="string", kw_only=True):
    """Schema for single-selection enumeration without display titles for options."""

    enum: list[str]
    title: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    default: str | UnsetType = UNSET


class TitledSingleSelectEnumSchema(_Base, tag_field="type", tag="string", kw_only=True):
    """Schema for single-selection enumeration with display titles for each option."""

    one_of: list[EnumOption]
    title: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    default: str | UnsetType = UNSET


class LegacyTitledEnumSchema(_Base, tag_field="type", tag="string", kw_only=True):
    """Deprecated: use `TitledSingleSelectEnumSchema` instead."""

    enum: list[str]
    enum_names: list[str] | UnsetType = UNSET
    title: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    default: str | UnsetType = UNSET


class UntitledEnumItems(_Base, tag_field="type", tag="string", kw_only=True):
    """The `items` of an untitled multi-select enumeration."""

    enum: list[str]


class TitledEnumItems(_Base, kw_only=True):
    """The `items` of a titled multi-select enumeration."""

    any_of: list[EnumOption]


class UntitledMultiSelectEnumSchema(_Base, tag_field="type", tag="array", kw_only=True):
    """Schema for multiple-selection enumeration without display titles for options."""

    items: UntitledEnumItems
    title: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    min_items: int | UnsetType = UNSET
    max_items: int | UnsetType = UNSET
    default: list[str] | UnsetType = UNSET


class TitledMultiSelectEnumSchema(_Base, tag_field="type", tag="array", kw_only=True):
    """Schema for multiple-selection enumeration with display titles for each option."""

    items: TitledEnumItems
    title: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    min_items: int | UnsetType = UNSET
    max_items: int | UnsetType = UNSET
    default: list[str] | UnsetType = UNSET


class ElicitParams(_WithMeta, kw_only=True):
    """``elicitation/create`` params, form mode and URL mode (2025-11-25) in one type.

    Form mode: ``message`` + ``requested_schema`` (a restricted JSON Schema kept verbatim; the
    ``*Schema`` Structs above help build its properties). URL mode: ``mode="url"``,
    ``message``, ``url`` and, before 2026-07-28, ``elicitation_id``.
    """

    message: str
    mode: Literal["form", "url"] | UnsetType = UNSET
    requested_schema: dict[str, Any] | UnsetType = UNSET
    url: str | UnsetType = UNSET
    elicitation_id: str | UnsetType = UNSET
    task: TaskMetadata | UnsetType = UNSET


class ElicitResult(_WithMeta, kw_only=True):
    """The result returned by the client for an `elicitation/create` request."""

    action: Literal["accept", "decline", "cancel"]
    content: dict[str, Any] | UnsetType = UNSET


class ElicitationCompleteNotificationParams(_WithMeta, kw_only=True):
    """Parameters for a `notifications/elicitation/complete` notification."""

    elicitation_id: str


# --------------------------------------------------------------------------- error data


class UnsupportedProtocolVersionErrorData(_Base, kw_only=True):
    """``error.data`` of UNSUPPORTED_PROTOCOL_VERSION (2026-07-28)."""

    supported: list[str]
    requested: str


class MissingRequiredClientCapabilityErrorData(_Base, kw_only=True):
    """``error.data`` of MISSING_REQUIRED_CLIENT_CAPABILITY (2026-07-28)."""

    required_capabilities: ClientCapabilities


class URLElicitationRequiredErrorData(_Base, kw_only=True):
    """``error.data`` of URL_ELICITATION_REQUIRED (2025-11-25)."""

    elicitations: list[ElicitParams]


# --------------------------------------------------------------------------- codec


def enc_hook(obj: Any) -> Any:
    """msgspec ``enc_hook``: encodes :class:`UnknownContent` as the object it was read from."""
    if isinstance(obj, UnknownContent):
        return obj.data
    raise TypeError(f"cannot encode {type(obj).__name__}: expected an MCP type")


@functools.cache
def _encoder() -> msgspec.json.Encoder:
    return msgspec.json.Encoder(enc_hook=enc_hook)


def encode(obj: Any) -> bytes:
    """Encode any catalogue value (including UnknownContent) to JSON bytes."""
    return _encoder().encode(obj)


@functools.cache
def _decoder(type_: Any) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(type_)


def decoder(type_: type[T]) -> msgspec.json.Decoder[T]:
    """The JSON decoder for ``type_``, built on first use and cached."""
    key: Any = type_
    return _decoder(key)


_CONTENT_CLASSES: frozenset[type] = frozenset(
    {
        TextContent,
        ImageContent,
        AudioContent,
        ResourceLink,
        EmbeddedResource,
        ToolUseContent,
        ToolResultContent,
    }
)
# A valid stand-in for an unknown item while the rest of the message is converted.
_PLACEHOLDER: dict[str, Any] = {"type": "text", "text": ""}

_Path = tuple[str | int, ...]


@functools.cache
def _type_info(type_: Any) -> _mi.Type:
    return _mi.type_info(type_)


def _walk(obj: Any, t: _mi.Type, path: _Path, found: list[tuple[_Path, UnknownContent]]) -> Any:
    """Copy ``obj`` (builtins) guided by ``t``, swapping unknown-tag content for a stand-in."""
    if isinstance(t, _mi.UnionType):
        if isinstance(obj, dict):
            structs = [s for s in t.types if isinstance(s, _mi.StructType)]
            if structs and structs[0].tag_field is not None:
                tag = obj.get(structs[0].tag_field)
                match = next((s for s in structs if s.tag == tag), None)
                if match is not None:
                    return _walk(obj, match, path, found)
                if isinstance(tag, str) and all(s.cls in _CONTENT_CLASSES for s in structs):
                    found.append((path, UnknownContent(type=tag, data=obj)))
                    return _PLACEHOLDER
        elif isinstance(obj, list):
            for member in t.types:
                if isinstance(member, _mi.ListType):
                    return _walk(obj, member, path, found)
        return obj
    if isinstance(t, _mi.StructType) and isinstance(obj, dict):
        out = dict(obj)
        for f in t.fields:
            if f.encode_name in obj:
                out[f.encode_name] = _walk(obj[f.encode_name], f.type, (*path, f.name), found)
        return out
    if isinstance(t, _mi.ListType) and isinstance(obj, list):
        return [_walk(v, t.item_type, (*path, i), found) for i, v in enumerate(obj)]
    if isinstance(t, _mi.DictType) and isinstance(obj, dict):
        return {k: _walk(v, t.value_type, (*path, k), found) for k, v in obj.items()}
    return obj


def _place(root: Any, path: _Path, value: UnknownContent) -> None:
    node: Any = root
    for step in path[:-1]:
        index: Any = step
        node = node[index] if isinstance(node, (list, dict)) else getattr(node, str(index))
    last: Any = path[-1]
    if isinstance(node, (list, dict)):
        node[last] = value
    else:
        setattr(node, str(last), value)


def decode_lenient(data: bytes | msgspec.Raw | Any, type_: type[T]) -> T:
    """Decode ``data`` (JSON bytes, ``msgspec.Raw`` or builtin objects) into ``type_``.

    Fast path: the cached typed decoder. Only if that raises ``msgspec.ValidationError`` are
    content items with an unknown ``type`` tag replaced by :class:`UnknownContent` (DESIGN.md
    §6: a newer peer's content must not fail the whole message). Other errors propagate
    (``msgspec.DecodeError`` for bad JSON, ``msgspec.ValidationError`` for bad shapes).
    """
    if isinstance(data, (bytes, bytearray, memoryview, msgspec.Raw)):
        try:
            return decoder(type_).decode(data)
        except msgspec.ValidationError as exc:
            return _lenient_walk(msgspec.json.decode(data), type_, exc)
    try:
        return msgspec.convert(data, type_)
    except msgspec.ValidationError as exc:
        return _lenient_walk(data, type_, exc)


def _lenient_walk(obj: Any, type_: type[T], error: msgspec.ValidationError) -> T:
    """The slow path of decode_lenient, once the typed decode of ``obj`` raised ``error``."""
    found: list[tuple[_Path, UnknownContent]] = []
    key: Any = type_
    patched = _walk(obj, _type_info(key), (), found)
    if not found:
        raise error
    if found[0][0] == ():  # the whole value is one unknown content item
        return found[0][1]  # type: ignore[return-value]
    result = msgspec.convert(patched, type_)
    for path, unknown in found:
        _place(result, path, unknown)
    return result


class _ResultTypeProbe(_Base, kw_only=True):
    result_type: str | UnsetType = UNSET


def decode_result(data: bytes | msgspec.Raw, type_: type[T]) -> T | InputRequiredResult:
    """Decode a result that may be an InputRequiredResult (2026-07-28 MRTR, SEP-2322).

    ``resultType == "input_required"`` yields :class:`InputRequiredResult` (the complete
    result's required fields are absent then); anything else decodes leniently as ``type_``
    (see :func:`decode_lenient`).  The one result decoder: ``mcplite.protocol.decode_result``
    is this function with the sans-I/O core's errors.  Raises ``msgspec.DecodeError`` for bad
    JSON and ``msgspec.ValidationError`` for a result that is not a ``type_``.
    """
    # Fast path: one typed decode.  An input_required result lacks the complete result's
    # required fields, so it fails here (or says so in resultType) and takes the slow path.
    try:
        result = decoder(type_).decode(data)
    except msgspec.ValidationError as exc:
        error = exc
    else:
        if getattr(result, "result_type", None) != "input_required":
            return result
        return decoder(InputRequiredResult).decode(data)
    if decoder(_ResultTypeProbe).decode(data).result_type == "input_required":
        return decoder(InputRequiredResult).decode(data)
    # The typed decode already failed: only the unknown-content walk is left (decode_lenient
    # would start with a second typed decode).
    return _lenient_walk(msgspec.json.decode(data), type_, error)
