"""The inspector's backend state: one client connection, its wire log, dialogs (layer 4).

``mcplite dev`` (``_cli/dev.py``) serves a page; this module holds what the page drives:
the ``Client`` to the target, a tap on its transport (every JSON-RPC message both ways, for
the wire panel), the target's stderr, calls in flight (cancellable), and the sampling and
elicitation requests the server sent that wait for the user's answer.  Events go to every
open page as JSON over SSE; the last ``DEFAULT_DEV_HISTORY_EVENTS`` are kept so a page that
reloads sees what happened.  Everything is bounded: history by count, a wire event by
``DEFAULT_DEV_WIRE_PREVIEW_BYTES`` (the size is reported), stderr by
``DEFAULT_DEV_STDERR_BYTES``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, Final

import msgspec

from .. import types as t
from .._client.client import Client
from .._client.connect import connect
from .._errors import MCPError, RPCError
from .._io.transport import Transport, watch_push

__all__ = [
    "DEFAULT_DEV_HISTORY_EVENTS",
    "DEFAULT_DEV_MAX_MESSAGE_BYTES",
    "DEFAULT_DEV_STDERR_BYTES",
    "DEFAULT_DEV_WIRE_PREVIEW_BYTES",
    "DevHub",
]

DEFAULT_DEV_HISTORY_EVENTS: Final = 2000
# An inspector is where people look at their server's huge results: accept messages well
# beyond a client's default (4 MiB) and let the page truncate what it shows.
DEFAULT_DEV_MAX_MESSAGE_BYTES: Final = 64 * 1024 * 1024
DEFAULT_DEV_WIRE_PREVIEW_BYTES: Final = 64 * 1024
DEFAULT_DEV_STDERR_BYTES: Final = 64 * 1024

_encode = msgspec.json.encode


class _Tap:
    """A transport that reports every message to ``record`` and forwards the rest."""

    def __init__(self, inner: Transport, record: Callable[[str, bytes], None]) -> None:
        object.__setattr__(self, "_inner", inner)
        object.__setattr__(self, "_record", record)

    async def receive(self) -> bytes:
        data: bytes = await self._inner.receive()
        self._record("in", data)
        return data

    async def send(self, data: bytes, related: Any = None) -> None:
        self._record("out", data)
        await self._inner.send(data, related)

    async def aclose(self) -> None:
        await self._inner.aclose()

    # The client probes optional hooks (``on_request_error``, ``set_protocol_version``)
    # with hasattr/setattr: they must reach the real transport.
    def __getattr__(self, name: str) -> Any:
        if name == "push_to":  # the lean stdio path, recorded too
            return watch_push(self._inner, lambda data: self._record("in", data))
        return getattr(self._inner, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._inner, name, value)


class DevHub:
    """The target, the client connected to it, and the pages watching."""

    def __init__(
        self,
        target: Sequence[str] | str,
        *,
        protocol_version: str | None = None,
        history: int = DEFAULT_DEV_HISTORY_EVENTS,
        wire_preview_bytes: int = DEFAULT_DEV_WIRE_PREVIEW_BYTES,
        stderr_bytes: int = DEFAULT_DEV_STDERR_BYTES,
        max_message_bytes: int = DEFAULT_DEV_MAX_MESSAGE_BYTES,
    ) -> None:
        self.max_message_bytes = max_message_bytes
        self.target = target
        self.is_command = not isinstance(target, str)
        self.protocol_version = protocol_version
        self.client: Client | None = None
        self.error: str | None = None
        self.stderr = bytearray()
        self.roots: list[t.Root] = []
        self.calls: dict[str, asyncio.Task[Any]] = {}
        self.dialogs: dict[str, tuple[dict[str, Any], asyncio.Future[Any]]] = {}
        self.history: deque[bytes] = deque(maxlen=history)
        self.watchers: set[Callable[[bytes], None]] = set()
        self.wire_preview_bytes = wire_preview_bytes
        self.stderr_bytes = stderr_bytes
        self._ids = itertools.count(1)
        # Bumped on every (re)connect: the page drops a snapshot older than one it has seen
        # (an /api/state answer can be read after the /events state that superseded it).
        self.revision = 0
        self._lock = asyncio.Lock()
        self._stderr_fd: int | None = None

    # ------------------------------------------------------------------ events

    def publish(self, kind: str, **fields: Any) -> None:
        frame = _encode({"type": kind, "t": time.time(), **fields})
        self.history.append(frame)
        for watch in list(self.watchers):
            watch(frame)

    def _wire(self, direction: str, data: bytes) -> None:
        cap = self.wire_preview_bytes
        text = data[:cap].decode("utf-8", "replace")
        self.publish("wire", dir=direction, size=len(data), truncated=len(data) > cap, text=text)

    def state(self) -> dict[str, Any]:
        client = self.client
        info: dict[str, Any] = {
            "target": self.target if isinstance(self.target, str) else list(self.target),
            "restartable": self.is_command,
            "revision": self.revision,
            "connected": client is not None,
            "error": self.error,
            "stderr": self.stderr.decode("utf-8", "replace"),
            "requestedVersion": self.protocol_version,
            "supportedVersions": list(t.SUPPORTED_PROTOCOL_VERSIONS),
            "roots": msgspec.to_builtins(self.roots),
            "dialogs": [d for d, _ in self.dialogs.values()],
        }
        if client is not None:
            info.update(
                serverInfo=msgspec.to_builtins(client.server_info),
                protocolVersion=client.protocol_version,
                capabilities=msgspec.to_builtins(client.server_capabilities),
                instructions=client.instructions,
                stateless=client.stateless,
            )
        return info

    # ------------------------------------------------------------------ connection

    async def connect(self, protocol_version: str | None | bool = False) -> dict[str, Any]:
        """(Re)connect; for a command target this starts a fresh server process.
        ``protocol_version``: a revision to pin, ``None`` for auto, ``False`` to keep."""
        async with self._lock:
            if protocol_version is not False:
                self.protocol_version = protocol_version or None  # type: ignore[assignment]
            await self._close()
            self.error = None
            self.stderr.clear()
            options: dict[str, Any] = {
                "name": "mcplite-dev",
                "protocol_version": self.protocol_version,
                "elicitation": self._elicit,
                "elicitation_modes": ("form", "url"),
                "sampling": self._sample,
                "roots": self._list_roots,
                "on_notification": self._notified,
                # Typed callbacks: in 2026-07-28 the client listens only for what has one.
                "on_tools_list_changed": self._changed("tools"),
                "on_prompts_list_changed": self._changed("prompts"),
                "on_resources_list_changed": self._changed("resources"),
                "on_resource_updated": self._typed("notifications/resources/updated"),
                "on_logging_message": self._typed("notifications/message"),
                "log_level": "debug",
                "request_timeout": None,
            }
            write_fd = None
            if self.is_command:
                read_fd, write_fd = os.pipe()
                self._watch_stderr(read_fd)
                options["stderr"] = write_fd
                options["max_line_bytes"] = self.max_message_bytes
            else:
                options["http_options"] = {"max_message_bytes": self.max_message_bytes}
            client = connect(self.target, **options)
            inner = client._transport_factory
            assert not isinstance(inner, Transport)

            async def tapped() -> Transport:
                return _Tap(await inner(), self._wire)

            client._transport_factory = tapped
            try:
                await client.start()
            except (TimeoutError, MCPError, OSError) as exc:
                self.error = f"{type(exc).__name__}: {exc}"
            finally:
                if write_fd is not None:
                    os.close(write_fd)  # the child holds its own copy
            if self.error is None:
                self.client = client
            self.revision += 1
            self.publish("state", state=self.state())
            return self.state()

    async def _close(self) -> None:
        for task in list(self.calls.values()):
            task.cancel()
        for _, future in list(self.dialogs.values()):
            future.cancel()
        self.dialogs.clear()
        client, self.client = self.client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.aclose()

    async def aclose(self) -> None:
        async with self._lock:
            await self._close()
        self._unwatch_stderr()

    def _watch_stderr(self, fd: int) -> None:
        self._unwatch_stderr()
        os.set_blocking(fd, False)
        self._stderr_fd = fd
        asyncio.get_running_loop().add_reader(fd, self._stderr_readable, fd)

    def _unwatch_stderr(self) -> None:
        fd, self._stderr_fd = self._stderr_fd, None
        if fd is not None:
            asyncio.get_running_loop().remove_reader(fd)
            os.close(fd)

    def _stderr_readable(self, fd: int) -> None:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:  # the server (every holder of the pipe) exited
            if fd == self._stderr_fd:
                self._unwatch_stderr()
            return
        self.stderr += chunk
        if len(self.stderr) > self.stderr_bytes:
            del self.stderr[: len(self.stderr) - self.stderr_bytes]
        self.publish("stderr", text=chunk.decode("utf-8", "replace"))

    # ------------------------------------------------------------------ client callbacks

    async def _notified(self, method: str, params: Any) -> None:
        self.publish("notification", method=method, params=msgspec.to_builtins(params))

    def _changed(self, kind: str) -> Callable[[], None]:
        method = f"notifications/{kind}/list_changed"
        return lambda: self.publish("notification", method=method, params={})

    def _typed(self, method: str) -> Callable[[Any], None]:
        return lambda params: self.publish(
            "notification", method=method, params=msgspec.to_builtins(params)
        )

    def _list_roots(self) -> list[t.Root]:
        return list(self.roots)

    async def _dialog(self, kind: str, params: Any) -> Any:
        ident = str(next(self._ids))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        dialog = {"id": ident, "kind": kind, "params": msgspec.to_builtins(params)}
        self.dialogs[ident] = (dialog, future)
        self.publish("dialog", dialog=dialog)
        try:
            return await future
        finally:
            self.dialogs.pop(ident, None)
            self.publish("dialog-closed", id=ident)

    async def _elicit(self, params: t.ElicitParams) -> t.ElicitResult:
        answer = await self._dialog("elicitation", params)
        action = answer.get("action")
        if action not in ("accept", "decline", "cancel"):
            action = "cancel"
        content = answer.get("content")
        if action == "accept" and isinstance(content, dict):
            return t.ElicitResult(action="accept", content=content)
        return t.ElicitResult(action=action)

    async def _sample(self, params: t.CreateMessageParams) -> t.CreateMessageResult:
        answer = await self._dialog("sampling", params)
        if answer.get("action") != "accept":
            raise RPCError(-1, "the user declined the sampling request")
        return t.CreateMessageResult(
            role="assistant",
            content=t.TextContent(text=str(answer.get("text", ""))),
            model=str(answer.get("model") or "mcplite-dev (a human)"),
            stop_reason="endTurn",
        )

    def answer(self, ident: str, answer: dict[str, Any]) -> bool:
        entry = self.dialogs.get(ident)
        if entry is None or entry[1].done():
            return False
        entry[1].set_result(answer)
        return True

    # ------------------------------------------------------------------ operations

    def _client(self) -> Client:
        if self.client is None:
            raise RuntimeError(self.error or "not connected to the server")
        return self.client

    async def list_all(self) -> dict[str, Any]:
        client = self._client()
        caps = client.server_capabilities
        out: dict[str, Any] = {"tools": [], "resources": [], "templates": [], "prompts": []}
        if caps.tools is not t.UNSET and caps.tools is not None:
            out["tools"] = await client.list_all_tools()
        if caps.resources is not t.UNSET and caps.resources is not None:
            out["resources"] = await client.list_all_resources()
            out["templates"] = await client.list_all_resource_templates()
        if caps.prompts is not t.UNSET and caps.prompts is not None:
            out["prompts"] = await client.list_all_prompts()
        return out

    async def call(self, call_id: str, name: str, arguments: dict[str, Any]) -> Any:
        client = self._client()

        def progress(done: float, total: float | None, message: str | None) -> None:
            self.publish("progress", call=call_id, progress=done, total=total, message=message)

        task = asyncio.ensure_future(
            client.call_tool(name, arguments, on_progress=progress, timeout=None)
        )
        self.calls[call_id] = task
        try:
            return await task
        finally:
            self.calls.pop(call_id, None)

    def cancel(self, call_id: str) -> bool:
        task = self.calls.get(call_id)
        if task is None:
            return False
        task.cancel()  # the client sends notifications/cancelled (or closes the stream)
        return True

    async def set_roots(self, roots: list[dict[str, Any]]) -> None:
        self.roots = msgspec.convert(roots, list[t.Root])
        if self.client is not None:
            await self.client.set_roots(self._list_roots)
