"""Server->client input for both eras: elicitation, sampling, roots (layer 3).

Handshake era (<= 2025-11-25): real JSON-RPC requests to the client on the same session.
2026-07-28 (2026-07-28/basic/patterns/mrtr.mdx, seps/2322): servers may not send requests;
a handler that needs input ends with an ``input_required`` result listing
``inputRequests``, the client retries the original request with ``inputResponses`` and the
handler runs again from the top.  mcplite keeps handlers sequential: each ``ctx.elicit``
call has a key (given, or ``input_N`` in call order); answers from earlier rounds ride
along in ``requestState``, sealed with HMAC-SHA256 so a client cannot forge or alter them
(and a key shared by every worker lets any worker continue the exchange).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Final

import msgspec
from msgspec import UNSET

from .. import types as t
from .._core.capabilities import SUB_CAPABILITIES_SINCE, elicitation_modes, missing_message
from .._core.elicitation import RULE as ELICITATION_RULE, answer_problem, flat_problem, flatten
from .._core.methods import has_capability, lookup
from .._core.pydantic_support import PydanticType, uses_pydantic
from .._core.request_state import (
    DEFAULT_MAX_REQUEST_STATE_BYTES as DEFAULT_MAX_REQUEST_STATE_BYTES,
    DEFAULT_REQUEST_STATE_TTL_SECONDS as DEFAULT_REQUEST_STATE_TTL_SECONDS,
    SealedState,
    seal as seal_state,
    unseal as unseal_state,
)
from .._core.schema import _output_schema, _pydantic_output_schema
from .._errors import (
    INVALID_PARAMS,
    INVALID_REQUEST,
    MISSING_REQUIRED_CLIENT_CAPABILITY,
    URL_ELICITATION_REQUIRED,
    ClientCapabilityError,
    LocalProtocolError,
    RemoteProtocolError,
    RPCError,
)
from .._server.request_scope import RequestScope
from .._server.tasks import ask

_process_key: bytes | None = None


class InputRequired(Exception):
    """Raised inside a handler (2026-07-28) to end this round with ``input_required``."""

    def __init__(self, result: t.InputRequiredResult) -> None:
        super().__init__("input required")
        self.result = result


def _key(ctx: RequestScope) -> bytes:
    global _process_key
    key = ctx.server.state_key
    if key is not None:
        return key.encode() if isinstance(key, str) else key
    if _process_key is None:
        import secrets  # lazy: requestState is 2026-07-28 MRTR only, off the cold path

        # No configured key: one per process.  Several workers must share a key
        # (Server(state_key=...)) or a retry landing on another worker is refused.
        _process_key = secrets.token_bytes(32)
    return _process_key


def seal(ctx: RequestScope, responses: dict[str, Any], user: Any) -> str:
    """The requestState of this round (the pure sealing is _core/request_state's)."""
    ttl = ctx.server.request_state_ttl
    return seal_state(_key(ctx), ctx.method, responses, user, now=time.time(), ttl=ttl)


def unseal(ctx: RequestScope, state: str) -> SealedState:
    """Verify and open a requestState; -32602 when it is forged, altered or expired."""
    limit = ctx.server.max_request_state_bytes
    return unseal_state(_key(ctx), state, method=ctx.method, now=time.time(), max_bytes=limit)


class _Round:
    """Per-request MRTR bookkeeping, kept on the Context."""

    __slots__ = ("counter", "responses", "user")

    def __init__(self, responses: dict[str, Any], user: Any) -> None:
        self.responses = responses
        self.user = user
        self.counter = 0


def _round(ctx: RequestScope) -> _Round:
    store = ctx.state_store
    if store is None:
        store = ctx.state_store = {}
    rnd = store.get("mrtr")
    if rnd is None:
        rnd = store["mrtr"] = _Round({}, None)
    return rnd


def restore(ctx: RequestScope) -> None:
    """Open the requestState and merge this round's inputResponses (called at dispatch)."""
    params = ctx.params
    responses: dict[str, Any] = {}
    user = None
    state = getattr(params, "request_state", UNSET)  # tasks/update has inputResponses only
    if state is not UNSET and state:
        if not ctx.stateless:
            # Handshake-era requests never get a requestState from us.
            raise RPCError(INVALID_PARAMS, "Invalid params: invalid requestState")
        sealed = unseal(ctx, state)
        responses.update(sealed.responses)
        user = sealed.user
    if params.input_responses is not UNSET:
        responses.update(params.input_responses)
    ctx.state_store = {"mrtr": _Round(responses, user)}


def get_state(ctx: RequestScope) -> Any:
    return _round(ctx).user


def set_state(ctx: RequestScope, value: Any) -> None:
    _round(ctx).user = value


def _refuse(
    ctx: RequestScope, path: tuple[str, ...], why: str | None = None
) -> ClientCapabilityError:
    """The error a handler gets when its client cannot take this input request."""
    version = ctx.protocol_version or ""
    message = why or missing_message(path, version)
    if ctx.stateless:
        # 2026-07-28 MissingRequiredClientCapabilityError (-32021): data names what is needed.
        required: dict[str, Any] = {}
        node = required
        for name in path:
            node[name] = {}
            node = node[name]
        return ClientCapabilityError(
            MISSING_REQUIRED_CLIENT_CAPABILITY,
            f"Missing required client capability: {message}",
            {"requiredCapabilities": required},
        )
    # -32021 does not exist before 2026-07-28: a plain Invalid Request that says why.
    return ClientCapabilityError(INVALID_REQUEST, f"Invalid Request: {message}")


def check_client_can(ctx: RequestScope, method: str, params: dict[str, Any]) -> None:
    """Refuse an input request the client did not declare it can take (2025-11-25
    client/elicitation: servers MUST NOT send a mode the client does not support;
    client/sampling: MUST NOT send tools without ``sampling.tools``, SHOULD NOT use
    includeContext without ``sampling.context``)."""
    if ctx.client is None:
        # Stateless HTTP serving a handshake-era client: each POST is its own session, so
        # there is no open stream to send the request on and no handshake to read the
        # capabilities from.
        raise ClientCapabilityError(
            INVALID_REQUEST,
            f"Invalid Request: {method} cannot be sent: this server runs stateless HTTP and "
            "the client speaks a handshake-era revision (no session), so there is no "
            "back-channel for server-to-client requests; use "
            "protocol version 2026-07-28 (input_required results) or a stateful session",
        )
    caps = ctx.client_capabilities
    version = ctx.protocol_version or ""
    capability = _RESULTS[method][0]
    spec = lookup(method)
    if not ctx.stateless and version and spec is not None and not spec.exists_in(version):
        # A client may declare a capability its revision lacks (the Go SDK's client
        # declares elicitation in 2025-03-26): the session's revision decides, and the
        # handler gets the capability refusal naming it, not an internal error.
        raise _refuse(
            ctx,
            (capability,),
            f"{spec.absent_reason(version)}; this session speaks {version}",
        )
    if not has_capability(caps, (capability,)):
        raise _refuse(ctx, (capability,))
    if method == "elicitation/create":
        mode = params.get("mode") or "form"
        if mode == "url" and version < SUB_CAPABILITIES_SINCE:
            raise _refuse(
                ctx,
                ("elicitation", "url"),
                f"URL-mode elicitation does not exist in protocol version {version} (added in "
                f"2025-11-25 client/elicitation)",
            )
        if mode not in elicitation_modes(caps, version):
            raise _refuse(ctx, ("elicitation", mode))
        if mode == "form":
            problem = flat_problem(params.get("requestedSchema"))
            if problem is not None:
                # Refused here, in the handler that asks, instead of sent and failing there.
                raise LocalProtocolError(
                    f"cannot elicit: {problem} ({ELICITATION_RULE})", INVALID_PARAMS
                )
    elif method == "sampling/createMessage":
        if params.get("tools") and not has_capability(caps, ("sampling", "tools")):
            raise _refuse(ctx, ("sampling", "tools"))
        context = params.get("includeContext")
        if (
            context not in (None, "none")
            and version >= SUB_CAPABILITIES_SINCE
            and not has_capability(caps, ("sampling", "context"))
        ):
            raise _refuse(ctx, ("sampling", "context"))


async def request_inputs(
    ctx: RequestScope, requests: dict[str, t.InputRequest], result_types: dict[str, Any]
) -> dict[str, Any]:
    """Get answers for every request in ``requests`` (key -> InputRequest).

    Handshake era: sent to the client concurrently as real requests.  2026-07-28: answers
    already given are returned; otherwise the round ends with all missing ones at once.
    """
    if not ctx.stateless:

        async def one(key: str) -> Any:
            req = requests[key]
            params = msgspec.convert(req.params or {}, _PARAMS[req.method])
            return await ctx.session.request(
                req.method, params, result_types[key], related=ctx.request_id
            )

        keys = list(requests)
        values = await asyncio.gather(*(one(k) for k in keys))
        return _checked(requests, dict(zip(keys, values, strict=True)))
    parked = await ask(ctx, requests, result_types)
    if parked is not None:  # inside a task: parked in input_required (SEP-2663)
        return _checked(requests, parked)
    rnd = _round(ctx)
    missing = {k: v for k, v in requests.items() if k not in rnd.responses}
    if missing:
        raise InputRequired(
            t.InputRequiredResult(
                input_requests=missing,
                request_state=seal(ctx, rnd.responses, rnd.user),
            )
        )
    out: dict[str, Any] = {}
    for key in requests:
        try:
            out[key] = msgspec.convert(rnd.responses[key], result_types[key])
        except msgspec.ValidationError as exc:
            raise RPCError(
                INVALID_PARAMS, f"Invalid params: inputResponses[{key!r}]: {exc}"
            ) from None
    return _checked(requests, out)


def _checked(requests: dict[str, t.InputRequest], answers: dict[str, Any]) -> dict[str, Any]:
    """An accepted form elicitation must match the schema we sent; anything else is the
    client's error, not data for the handler (2025-11-25 client/elicitation.mdx: servers
    SHOULD validate received data against the requested schema)."""
    for key, answer in answers.items():
        req = requests[key]
        if req.method != "elicitation/create" or not isinstance(answer, t.ElicitResult):
            continue
        schema = (req.params or {}).get("requestedSchema")
        if answer.action != "accept" or not isinstance(schema, dict):
            continue
        content = {} if answer.content is UNSET else answer.content
        problem = answer_problem(content, schema)
        if problem is not None:
            raise RemoteProtocolError(
                f"Invalid params: the client's answer to elicitation {key!r} does not match "
                f"the requested schema: {problem} ({ELICITATION_RULE})",
                INVALID_PARAMS,
            )
    return answers


_PARAMS: Final = {
    "elicitation/create": t.ElicitParams,
    "sampling/createMessage": t.CreateMessageParams,
    "roots/list": t.ListRootsParams,
}


_RESULTS: Final = {
    "elicitation/create": ("elicitation", t.ElicitResult),
    "sampling/createMessage": ("sampling", t.CreateMessageResult),
    "roots/list": ("roots", t.ListRootsResult),
}


async def request_many(ctx: RequestScope, items: dict[str, Any]) -> dict[str, Any]:
    """Ask for several inputs in one round: key -> ElicitParams / CreateMessageParams /
    ListRootsParams / InputRequest; returns key -> ElicitResult / CreateMessageResult /
    ListRootsResult.  2026-07-28: one input_required result lists every missing key."""
    requests: dict[str, t.InputRequest] = {}
    result_types: dict[str, Any] = {}
    for key, item in items.items():
        if isinstance(item, t.InputRequest):
            method = item.method
            req = item
        else:
            method = _METHOD_OF.get(type(item), "")
            if isinstance(item, t.ElicitParams) and item.mode is UNSET:
                item.mode = "url" if item.url is not UNSET else "form"
            req = t.InputRequest(method=method, params=msgspec.to_builtins(item))
        if method not in _RESULTS:
            raise TypeError(
                f"input {key!r}: expected ElicitParams, CreateMessageParams, ListRootsParams "
                f"or an InputRequest for one of {sorted(_RESULTS)}, got {item!r}"
            )
        _capability, result_type = _RESULTS[method]
        check_client_can(ctx, method, req.params or {})
        requests[key] = req
        result_types[key] = result_type
    return await request_inputs(ctx, requests, result_types)


_METHOD_OF: Final[dict[type, str]] = {
    t.ElicitParams: "elicitation/create",
    t.CreateMessageParams: "sampling/createMessage",
    t.ListRootsParams: "roots/list",
}


def _next_key(ctx: RequestScope, key: str | None) -> str:
    rnd = _round(ctx)
    rnd.counter += 1
    return key if key is not None else f"input_{rnd.counter}"


def _schema_of(schema: Any) -> dict[str, Any]:
    if schema is None:
        return {"type": "object", "properties": {}}
    if isinstance(schema, dict):
        return schema
    if uses_pydantic(schema):  # FastMCP's ctx.elicit(message, response_type=Model)
        what = "the elicitation schema"
        built, wrapped = _pydantic_output_schema(PydanticType(schema, what), what)
    else:
        built, wrapped = _output_schema(schema, "the elicitation schema")
    if wrapped:
        raise TypeError(f"an elicitation schema must describe an object, got {schema!r}")
    return flatten(built)


async def _one(
    ctx: RequestScope, key: str | None, method: str, params: Any, result_type: Any
) -> Any:
    k = _next_key(ctx, key)
    req = t.InputRequest(method=method, params=msgspec.to_builtins(params))
    check_client_can(ctx, method, req.params or {})
    return (await request_inputs(ctx, {k: req}, {k: result_type}))[k]


async def elicit(
    ctx: RequestScope, message: str, schema: Any, *, key: str | None
) -> t.ElicitResult:
    params = t.ElicitParams(mode="form", message=message, requested_schema=_schema_of(schema))
    if not ctx.stateless and (ctx.protocol_version or "") < "2025-11-25":
        params.mode = UNSET  # mode arrived with URL elicitation in 2025-11-25
    result: t.ElicitResult = await _one(ctx, key, "elicitation/create", params, t.ElicitResult)
    return result


async def elicit_url(
    ctx: RequestScope, message: str, url: str, elicitation_id: str, *, key: str | None
) -> t.ElicitResult:
    params = t.ElicitParams(mode="url", message=message, url=url, elicitation_id=elicitation_id)
    result: t.ElicitResult = await _one(ctx, key, "elicitation/create", params, t.ElicitResult)
    return result


async def sample(
    ctx: RequestScope,
    messages: str | list[t.SamplingMessage],
    *,
    max_tokens: int,
    key: str | None,
    **options: Any,
) -> t.CreateMessageResult:
    if isinstance(messages, str):
        messages = [t.SamplingMessage(role="user", content=t.TextContent(text=messages))]
    params = t.CreateMessageParams(messages=messages, max_tokens=max_tokens, **options)
    result: t.CreateMessageResult = await _one(
        ctx, key, "sampling/createMessage", params, t.CreateMessageResult
    )
    return result


async def list_roots(ctx: RequestScope, *, key: str | None) -> t.ListRootsResult:
    result: t.ListRootsResult = await _one(
        ctx, key, "roots/list", t.ListRootsParams(), t.ListRootsResult
    )
    return result


def url_elicitation_required(
    elicitations: list[t.ElicitParams], message: str | None = None
) -> RPCError:
    """The error to raise when the user must finish URL-mode elicitations first (-32042)."""
    data = {"elicitations": [msgspec.to_builtins(e) for e in elicitations]}
    return RPCError(URL_ELICITATION_REQUIRED, message or "URL elicitation required", data)
