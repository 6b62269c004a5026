"""``Context``: what a handler can do besides returning a result (layer 3).

Injected into tools, prompts and resource handlers by annotation.  One API for both eras:
in the handshake era ``elicit``/``sample``/``list_roots`` are requests to the client; in
2026-07-28 they become multi-round-trip ``input_required`` results (``_server/input.py``).
What the request *is* (id, method, client, ``_meta``...) is its base ``RequestScope``; the
verbs are implemented in ``_server/input.py`` and ``_server/tasks.py``, which see only that
base, so they import nothing of this module.
"""

from __future__ import annotations

import logging
from typing import Any

from msgspec import UNSET

from .. import types as t
from .._core.meta import LOG_LEVELS, LOG_RANK
from .._server.input import (
    elicit,
    elicit_url,
    get_state,
    list_roots,
    request_many,
    sample,
    set_state,
)
from .._server.request_scope import RequestScope
from .._server.tasks import current_run, start_task, task_progress

log = logging.getLogger(__name__)


class Context(RequestScope):
    """The request being handled, and the ways to talk back to its client."""

    # The last progress value sent; unset until the first one.  No __init__ of its own: a
    # Context is built for every request, and it costs what its RequestScope does.
    __slots__ = ("_last_progress",)
    _last_progress: float | None

    # --------------------------------------------------------------- notifications

    def _in_progress(self) -> bool:
        handling = getattr(self.session, "handling", None)
        return handling is None or bool(handling(self._event.id))

    async def progress(
        self, progress: float, total: float | None = None, message: str | None = None
    ) -> None:
        """Send notifications/progress if the request asked for it (it carried a token).

        ``progress`` must grow with each call (ValueError otherwise: 2025-11-25
        basic/utilities/progress.mdx, "The progress value MUST increase with each
        notification").  Once the request is answered or cancelled nothing is sent ("MUST
        only reference tokens ... associated with an in-progress operation")."""
        text = f"{progress:g}" + ("" if total is None else f"/{total:g}")
        if await task_progress(self, text + ("" if message is None else f": {message}")):
            return  # inside a task: its statusMessage (SEP-2663 sends no progress)
        token = self.progress_token
        if token is None:
            return
        last: float | None = getattr(self, "_last_progress", None)
        if last is not None and not progress > last:
            raise ValueError(
                f"progress must increase with each notification (2025-11-25 "
                f"basic/utilities/progress): got {progress} after {last}"
            )
        if not self._in_progress():
            log.debug("progress %s for request %r dropped: it has ended", progress, self.request_id)
            return
        self._last_progress = progress
        params = t.ProgressNotificationParams(
            progress_token=token,
            progress=progress,
            total=UNSET if total is None else total,
            message=UNSET if message is None else message,
        )
        await self.session.notify("notifications/progress", params, related=self.request_id)

    async def log(self, level: str, data: Any, *, logger: str | None = None) -> None:
        """Send notifications/message if ``level`` passes the client's threshold.

        Handshake era: the threshold is set by logging/setLevel (everything passes until
        then).  2026-07-28: it travels in each request's ``_meta`` logLevel, and with no
        level the client asked for no log messages at all.
        """
        if level not in LOG_RANK:
            raise ValueError(f"log level must be one of {', '.join(LOG_LEVELS)}, got {level!r}")
        run = current_run(self)
        if run is not None and run.is_task:
            return  # SEP-2663: no notifications/message for tasks
        if self.server.capabilities().logging is UNSET:
            # 2025-11-25 server/utilities/logging.mdx: "Servers that emit log message
            # notifications MUST declare the logging capability" (Server(logging=False)).
            log.debug("ctx.log dropped: the server does not declare the logging capability")
            return
        client = self._event.client
        if client is not None and client.stateless:
            threshold = client.log_level
            if threshold is None:
                return
        else:
            threshold = self.session.state.get("log_level")
        if threshold is not None and LOG_RANK[level] < LOG_RANK.get(threshold, 0):
            return
        params = t.LoggingMessageNotificationParams(
            level=level,  # type: ignore[arg-type]
            data=data,
            logger=UNSET if logger is None else logger,
        )
        await self.session.notify("notifications/message", params, related=self.request_id)

    # --------------------------------------------------------------- tasks

    async def start_task(self) -> bool:
        """In a ``defer_task=True`` tool: answer the call with a ``CreateTaskResult`` now
        and go on in the background (input requests then park the task).  False when this
        call cannot be a task (the client did not negotiate the tasks extension)."""
        return await start_task(self)

    # --------------------------------------------------------------- client requests

    async def elicit(
        self, message: str, schema: Any = None, *, key: str | None = None
    ) -> t.ElicitResult:
        """Ask the user for input (form mode).  ``schema``: a JSON Schema dict or a type."""
        return await elicit(self, message, schema, key=key)

    async def elicit_url(
        self, message: str, url: str, elicitation_id: str, *, key: str | None = None
    ) -> t.ElicitResult:
        """Ask the user to visit ``url`` (URL mode, 2025-11-25+)."""
        return await elicit_url(self, message, url, elicitation_id, key=key)

    async def sample(
        self,
        messages: str | list[t.SamplingMessage],
        *,
        max_tokens: int = 1000,
        key: str | None = None,
        **options: Any,
    ) -> t.CreateMessageResult:
        """Ask the client's model for a completion (sampling/createMessage)."""
        return await sample(self, messages, max_tokens=max_tokens, key=key, **options)

    async def list_roots(self, *, key: str | None = None) -> t.ListRootsResult:
        """Ask the client for its roots (roots/list)."""
        return await list_roots(self, key=key)

    async def request_inputs(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """Ask for several inputs at once: ``{key: ElicitParams | CreateMessageParams |
        ListRootsParams}`` -> ``{key: ElicitResult | CreateMessageResult |
        ListRootsResult}``.  Handshake era: concurrent requests to the client; 2026-07-28:
        one ``input_required`` round listing every missing key."""
        return await request_many(self, inputs)

    @property
    def request_state(self) -> Any:
        """A JSON-encodable value carried (sealed) across 2026-07-28 input rounds."""
        return get_state(self)

    @request_state.setter
    def request_state(self, value: Any) -> None:
        set_state(self, value)
