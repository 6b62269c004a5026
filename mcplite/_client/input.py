"""``Client``'s requests and the input they may need (layer 3): 2026-07-28 MRTR rounds
(``input_required`` results), 2025-11-25 -32042 URL elicitations, and the handlers that
answer server->client requests (roots, sampling, elicitation) in either era."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from types import EllipsisType
from typing import Any, Final, TypeVar

import msgspec
from msgspec import UNSET

from .. import types as t
from .._client.tasks import TaskCreated, task_of
from .._core.capabilities import elicitation_modes, missing_message
from .._errors import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    METHOD_NOT_FOUND,
    URL_ELICITATION_REQUIRED,
    RemoteProtocolError,
    RPCError,
    SessionExpired,
)
from .._io.session import ProgressCallback, Session
from .api import checked_roots

log = logging.getLogger(__name__)
R = TypeVar("R")
# 2026-07-28 basic/index.mdx: "A resultType of any value unrecognized by the client MUST be
# considered invalid"; absent means complete.  "task" is added by the tasks extension
# (SEP-2663), which this client implements (_client/tasks.py).
RESULT_TYPES: Final = frozenset({"complete", "input_required", "task"})


def _checked(method: str, result: R) -> R:
    kind = getattr(result, "result_type", UNSET)
    if isinstance(kind, str) and kind not in RESULT_TYPES:
        raise RemoteProtocolError(
            f"Invalid result for {method}: resultType {kind!r} is not one this client knows "
            f"({', '.join(sorted(RESULT_TYPES))}; 2026-07-28 basic/index)"
        )
    return result


def _decoded(method: str, raw: msgspec.Raw, result_type: type[R]) -> R | t.InputRequiredResult:
    """The result of ``method`` decoded once: as ``result_type`` (or an input_required
    result); a tools/call result that is a SEP-2663 CreateTaskResult raises ``TaskCreated``.
    A CreateTaskResult either fails the typed decode (it has no ``content``) or decodes with
    ``resultType`` "task", so only then is it probed for a task (a second parse of the
    result, which every call paid before)."""
    try:
        result = t.decode_result(raw, result_type)
    except msgspec.ValidationError as exc:
        if method == "tools/call":
            _raise_if_task(raw)
        raise RemoteProtocolError(
            f"Invalid result for {method}: expected a {result_type.__name__}: {exc}"
        ) from None
    except msgspec.DecodeError as exc:  # pragma: no cover - the session checked JSON
        raise RemoteProtocolError(f"Invalid result for {method}: {exc}") from None
    if method == "tools/call" and getattr(result, "result_type", UNSET) == "task":
        _raise_if_task(raw)
    return result


def _raise_if_task(raw: msgspec.Raw) -> None:
    created = task_of(raw)
    if created is not None:  # SEP-2663 CreateTaskResult
        raise TaskCreated(created)


RootsHandler = Callable[[], Awaitable[list[t.Root]] | list[t.Root]]
SamplingHandler = Callable[[t.CreateMessageParams], Awaitable[t.CreateMessageResult]]
ElicitationHandler = Callable[[t.ElicitParams], Awaitable[t.ElicitResult]]


class InputMixin:
    """Mixin: requests, MRTR and server->client handlers; ``Client`` provides the state."""

    max_input_rounds: int
    url_elicitation_timeout: float
    _roots: Sequence[t.Root] | RootsHandler | None
    _sampling: SamplingHandler | None
    _elicitation: ElicitationHandler | None
    _elicitations: dict[str, asyncio.Event]

    # A re-initialization under way (SessionExpired), and how many the session has had.
    _renewal: asyncio.Future[None] | None
    _session_generation: int

    def _session(self) -> Session:  # pragma: no cover - provided by Client
        raise NotImplementedError

    async def _renew_session(self, generation: int, exc: SessionExpired) -> None:
        raise NotImplementedError  # pragma: no cover - provided by Client

    # ------------------------------------------------------------------ requests

    async def request(
        self,
        method: str,
        params: Any,
        result_type: type[R],
        *,
        timeout: float | None | EllipsisType = ...,
        on_progress: ProgressCallback | None = None,
    ) -> R:
        """Send any request (spec or custom) and decode its result as ``result_type``."""
        session = self._session()
        if self._renewal is not None:  # wait for the new session rather than 404 again
            await asyncio.shield(self._renewal)
        generation = self._session_generation
        try:
            result = await session.request(
                method, params, result_type, timeout=timeout, on_progress=on_progress
            )
        except SessionExpired as exc:
            # Never applied (the server did not know the session): sent again, once.
            await self._renew_session(generation, exc)
            result = await session.request(
                method, params, result_type, timeout=timeout, on_progress=on_progress
            )
        return _checked(method, result)

    async def _request_mrtr(
        self,
        method: str,
        params: Any,
        result_type: type[R],
        *,
        timeout: float | None | EllipsisType = ...,
        on_progress: ProgressCallback | None = None,
    ) -> R:
        """tools/call, prompts/get, resources/read: answer ``input_required`` results
        (2026-07-28 MRTR) and -32042 URL elicitations (2025-11-25) with our handlers.

        One coroutine for every round (each coroutine between a caller and the session's
        future is resumed once more per call)."""
        session = self._session()
        elicited = False  # a -32042 is answered once; the second one stands
        renewed = False  # a SessionExpired is answered once (see request)
        rounds = 0
        if self._renewal is not None:
            await asyncio.shield(self._renewal)
        while True:
            generation = self._session_generation
            try:
                raw = await session.request_raw(
                    method, params, timeout=timeout, on_progress=on_progress
                )
                result = _decoded(method, raw, result_type)
                if not isinstance(result, t.InputRequiredResult):
                    return _checked(method, result)
                if result.input_requests is UNSET and result.request_state is UNSET:
                    # 2026-07-28 basic/patterns/mrtr.mdx: "Servers MUST include at least one
                    # of inputRequests or requestState in every InputRequiredResult".
                    raise RemoteProtocolError(
                        f"Invalid result for {method}: input_required with neither "
                        "inputRequests nor requestState (2026-07-28 basic/patterns/mrtr)"
                    )
                params.input_responses = await self._fulfil(
                    result.input_requests if result.input_requests is not UNSET else {}
                )
                params.request_state = result.request_state
                params.meta = _strip_meta(params.meta)
                rounds += 1
                if rounds > self.max_input_rounds:
                    raise RemoteProtocolError(
                        f"{method}: the server still wanted input after "
                        f"{self.max_input_rounds} rounds"
                    )
            except SessionExpired as exc:
                if renewed:
                    raise
                await self._renew_session(generation, exc)
                renewed = True
            except RPCError as exc:
                if elicited:
                    raise
                if exc.code != URL_ELICITATION_REQUIRED or not self._declared_mode("url"):
                    raise  # -32042 to a client without URL mode: the server's error stands
                await self._url_elicitations(exc)
                elicited = True
                rounds = 0  # the rounds start over once the URL elicitations are done

    async def _url_elicitations(self, exc: RPCError) -> None:
        """-32042: run the handler for each URL elicitation, then wait (bounded) for each
        notifications/elicitation/complete (2025-11-25 client/elicitation.mdx)."""
        try:
            data = msgspec.convert(exc.data, t.URLElicitationRequiredErrorData)
        except msgspec.ValidationError:
            raise exc from None
        waits: list[asyncio.Event] = []
        for params in data.elicitations:
            if params.mode is UNSET:
                params.mode = "url"
            event = None
            if params.elicitation_id is not UNSET:
                event = self._elicitations.setdefault(params.elicitation_id, asyncio.Event())
            answer = await self._answer("elicitation/create", params)
            if answer.action != "accept":
                raise exc
            if event is not None:
                waits.append(event)
        try:
            async with asyncio.timeout(self.url_elicitation_timeout):
                for event in waits:
                    await event.wait()
        except TimeoutError:
            log.info(
                "no notifications/elicitation/complete within %s s; retrying anyway",
                self.url_elicitation_timeout,
            )
        finally:
            for params in data.elicitations:
                if params.elicitation_id is not UNSET:
                    self._elicitations.pop(params.elicitation_id, None)

    async def _fulfil(self, requests: dict[str, t.InputRequest]) -> dict[str, Any]:
        keys = list(requests)
        answers = await asyncio.gather(
            *(self._answer(requests[k].method, requests[k].params or {}) for k in keys)
        )
        return dict(zip(keys, answers, strict=True))

    async def _answer(self, method: str, params: Any) -> Any:
        """Run our handler for a server->client request (either era); returns a Struct."""
        if method == "roots/list" and self._roots is not None:
            roots = self._roots
            value = roots() if callable(roots) else list(roots)
            if not isinstance(value, list):
                value = await value
            try:
                return t.ListRootsResult(roots=checked_roots(value))
            except ValueError as exc:
                raise RPCError(
                    INTERNAL_ERROR, f"Internal error: the client's roots: {exc}"
                ) from None
        if method == "sampling/createMessage" and self._sampling is not None:
            return await self._sampling(_convert(params, t.CreateMessageParams))
        if method == "elicitation/create" and self._elicitation is not None:
            request = _convert(params, t.ElicitParams)
            self._check_mode(request)
            return _with_defaults(await self._elicitation(request), request)
        if method == "ping":
            return t.EmptyResult()
        raise RPCError(METHOD_NOT_FOUND, f"Method not found: {method} (no handler given)")

    def _declared_mode(self, mode: str) -> bool:
        proto = self._session().protocol
        assert proto.client is not None
        version = proto.protocol_version or t.LATEST_HANDSHAKE_VERSION
        return mode in elicitation_modes(proto.client.capabilities, version)

    def _check_mode(self, request: t.ElicitParams) -> None:
        """2025-11-25 client/elicitation.mdx: servers MUST NOT send a mode the client did
        not declare; a request that does gets -32602 naming the mode."""
        version = self._session().protocol.protocol_version or t.LATEST_HANDSHAKE_VERSION
        mode = "form" if request.mode is UNSET else request.mode
        if not self._declared_mode(mode):
            raise RPCError(
                INVALID_PARAMS,
                f"Invalid params: elicitation mode {mode!r}: "
                + missing_message(("elicitation", mode), version),
            )


def _with_defaults(result: t.ElicitResult, request: t.ElicitParams) -> t.ElicitResult:
    """Fill fields the user left out with the schema's defaults (SEP-1034, 2025-11-25
    client/elicitation.mdx: clients SHOULD pre-populate form fields with defaults)."""
    schema = request.requested_schema
    if result.action != "accept" or not isinstance(schema, dict):
        return result
    props = schema.get("properties")
    if not isinstance(props, dict):
        return result
    content = dict(result.content) if isinstance(result.content, dict) else {}
    for name, prop in props.items():
        if name not in content and isinstance(prop, dict) and "default" in prop:
            content[name] = prop["default"]
    result.content = content
    return result


def _strip_meta(meta: Any) -> Any:
    """Drop the per-request _meta the Protocol added, so the retry gets fresh values."""
    if not isinstance(meta, dict):
        return meta
    kept = {k: v for k, v in meta.items() if not k.startswith("io.modelcontextprotocol/")}
    return kept or UNSET


def _convert(params: Any, type_: type[R]) -> R:
    try:
        return msgspec.convert(params, type_)
    except msgspec.ValidationError as exc:
        raise RPCError(INVALID_PARAMS, f"Invalid params: {exc}") from None
