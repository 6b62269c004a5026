"""``server.mount(other, namespace=...)``: one server's features inside another (layer 3).

Names.  A mounted tool or prompt ``forecast`` appears as ``weather_forecast``; a resource
URI or URI template gets the namespace as a scheme prefix: ``notes://today`` appears as
``weather+notes://today`` (RFC 3986 section 3.1: ``+`` is a scheme character, so the result
is still a URI), and the rewrite is undone by removing ``weather+``.  Requests whose name or
URI carries a mount's prefix (and is not one of the server's own) are dispatched to the
mounted server in this process, with the same session and request, so ``Context``
features (progress, logging, elicitation, sampling, MRTR) work through the mount in both
eras.  Listings merge the server's own items with every mount's.

Changes propagate: the mounted server's list changes and resource updates are published
on the outer server (URIs rewritten).  A remote server, or a live ``Client``, is mounted
through ``mcplite.proxy(...)`` (a ``Server``).
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any, Final, Protocol

import msgspec
from msgspec import UNSET

from .. import types as t
from .._core import namespace as ns
from .._core.events import RequestReceived
from .._core.pagination import paginate
from .._errors import INTERNAL_ERROR, INVALID_PARAMS, RPCError
from .._server.subscriptions import _SUBSCRIBED_KEY, ChangeEvent

if TYPE_CHECKING:
    from .._server.context import Context


class Server(Protocol):
    """What mounting needs of a ``Server`` (declared here: importing ``Server`` would make
    an import cycle, DESIGN.md section 3)."""

    info: t.Implementation
    page_size: int
    tools: Any
    prompts: Any
    resources: Any
    subscriptions: Any
    _mounted_in: Any
    _routes: dict[str, Any]

    def capabilities(self) -> t.ServerCapabilities: ...

    async def handle_request(self, session: Any, event: RequestReceived) -> Any: ...

    def resource_updated(self, uri: str) -> None: ...

    def notify_list_changed(self, kind: str) -> None: ...

    async def watch(self, wanted: t.SubscriptionFilter) -> None: ...

    def input_schema_of(self, tool: str) -> Any: ...

    async def _on_notification(self, session: Any, event: Any) -> None: ...


NAMESPACE_PATTERN: Final = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
LIST_METHODS: Final = {
    "tools/list": ("tools", t.ListToolsParams, t.ListToolsResult),
    "prompts/list": ("prompts", t.ListPromptsParams, t.ListPromptsResult),
    "resources/list": ("resources", t.ListResourcesParams, t.ListResourcesResult),
    "resources/templates/list": (
        "resource_templates",
        t.ListResourceTemplatesParams,
        t.ListResourceTemplatesResult,
    ),
}
NAMED_METHODS: Final = frozenset({"tools/call", "prompts/get"})
URI_METHODS: Final = frozenset({"resources/read", "resources/subscribe", "resources/unsubscribe"})
METHODS: Final = frozenset(
    {*LIST_METHODS, *NAMED_METHODS, *URI_METHODS, "completion/complete", "logging/setLevel"}
)


@functools.cache
def _fields() -> msgspec.json.Decoder[dict[str, msgspec.Raw]]:
    # Built on first use, not at import (DESIGN.md §6: nothing built at import).
    return msgspec.json.Decoder(dict[str, msgspec.Raw])


class Mount:
    """One mounted server and its namespace."""

    __slots__ = ("namespace", "server", "unsubscribe")

    def __init__(self, server: Server, namespace: str) -> None:
        self.server = server
        self.namespace = namespace
        self.unsubscribe: Any = None

    def name(self, inner: str) -> str:
        return ns.name(self.namespace, inner)

    def uri(self, inner: str) -> str:
        return ns.uri(self.namespace, inner)

    def inner_name(self, outer: str) -> str | None:
        return ns.inner_name(self.namespace, outer)

    def inner_uri(self, outer: str) -> str | None:
        return ns.inner_uri(self.namespace, outer)


class Mounts:
    """The servers mounted in one server, and the dispatch of requests to them."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.by_namespace: dict[str, Mount] = {}
        # What the server this one is mounted in wants to hear of (its listens).
        self.watched = t.SubscriptionFilter()
        server.subscriptions.on_listens = self.refresh

    def add(self, other: Server, namespace: str) -> None:
        outer = self.server
        if not NAMESPACE_PATTERN.fullmatch(namespace):
            raise ValueError(
                f"mount: namespace must be letters, digits and '-' starting with a letter, "
                f"got {namespace!r}"
            )
        if other is outer:
            raise ValueError("mount: a server cannot be mounted in itself")
        if other._mounted_in is not None:
            parent, ns = other._mounted_in
            raise ValueError(
                f"mount: {other.info.name!r} is already mounted in {parent.info.name!r} as {ns!r}"
            )
        for ns, mount in self.by_namespace.items():
            if ns == namespace or ns.startswith(namespace + "_") or namespace.startswith(ns + "_"):
                raise ValueError(
                    f"mount: namespace {namespace!r} for {other.info.name!r} collides with "
                    f"namespace {ns!r} of {mount.server.info.name!r}"
                )
        mount = Mount(other, namespace)
        self._check_names(mount)
        self.by_namespace[namespace] = mount
        other._mounted_in = (outer, namespace)
        mount.unsubscribe = other.subscriptions.bus.subscribe(
            lambda event: self._changed(mount, event)
        )

    def _check_names(self, mount: Mount) -> None:
        """Names the mount produces must not be the outer server's own (or its mounts')."""
        outer = self.server
        inner = mount.server
        clashes: list[str] = []
        for kind, own, theirs in (
            ("tool", outer.tools.entries, inner.tools.entries),
            ("prompt", outer.prompts.entries, inner.prompts.entries),
        ):
            for name in theirs:
                if mount.name(name) in own:
                    clashes.append(
                        f"{kind} {mount.name(name)!r} of {inner.info.name!r} (its {name!r}) "
                        f"and {outer.info.name!r}'s own {kind} {mount.name(name)!r}"
                    )
        own_uris = [*outer.resources.resources, *outer.resources.templates]
        for uri in own_uris:
            if mount.inner_uri(uri) is not None:
                clashes.append(
                    f"resources of {inner.info.name!r} (prefix {mount.uri('')!r}) and "
                    f"{outer.info.name!r}'s own resource {uri!r}"
                )
        if clashes:
            raise ValueError("mount: name collision: " + "; ".join(clashes))

    async def refresh(self) -> None:
        """Tell every mount what the 2026-07-28 listens of this server (and of the servers
        it is mounted in) want of it: a mounted proxy watches its backend for that (a
        mounted ``Server`` publishes every change anyway)."""
        wanted = self.server.subscriptions.wanted()
        for kind in ("tools", "prompts", "resources"):
            field = f"{kind}_list_changed"
            if getattr(self.watched, field) is True:
                setattr(wanted, field, True)
        uris = [
            *(wanted.resource_subscriptions or ()),
            *(self.watched.resource_subscriptions or ()),
        ]
        for mount in list(self.by_namespace.values()):
            theirs = msgspec.structs.replace(wanted, resource_subscriptions=UNSET)
            inner = [u for u in map(mount.inner_uri, uris) if u is not None]
            if inner:
                theirs.resource_subscriptions = list(dict.fromkeys(inner))
            await mount.server.watch(theirs)

    def _changed(self, mount: Mount, event: ChangeEvent) -> None:
        outer = self.server
        if event.kind == "updated" and event.uri is not None:
            outer.resource_updated(mount.uri(event.uri))
        elif event.kind in ("tools", "prompts", "resources"):
            outer.notify_list_changed(event.kind)

    def input_schema_of(self, tool: str) -> Any:
        """The ``inputSchema`` of the mounted tool offered as ``tool``, or None."""
        for mount in self.by_namespace.values():
            inner = mount.inner_name(tool)
            schema = mount.server.input_schema_of(inner) if inner is not None else None
            if schema is not None:
                return schema
        return None

    def capabilities(self, caps: t.ServerCapabilities) -> t.ServerCapabilities:
        merged = msgspec.structs.replace(caps)
        for mount in self.by_namespace.values():
            theirs = mount.server.capabilities()
            for field in ("tools", "prompts", "resources", "completions", "logging"):
                if getattr(merged, field) is UNSET and getattr(theirs, field) is not UNSET:
                    setattr(merged, field, getattr(theirs, field))
        return merged

    # ------------------------------------------------------------------ dispatch

    def plan(self, event: RequestReceived) -> Any:
        """How to serve ``event``: "list", "level", (mount, rewritten params), or None (the
        server's own)."""
        method = event.method
        if method in LIST_METHODS:
            return "list"
        if method == "logging/setLevel":
            return "level"
        if event.params is None:
            return None
        fields = _fields().decode(event.params)
        outer = self.server
        if method in NAMED_METHODS:
            name = _str(fields.get("name"))
            own = outer.tools.entries if method == "tools/call" else outer.prompts.entries
            if name is None or name in own:
                return None
            for mount in self.by_namespace.values():
                inner = mount.inner_name(name)
                if inner is not None:
                    fields["name"] = _raw(inner)
                    return mount, fields
            return None
        if method in URI_METHODS:
            uri = _str(fields.get("uri"))
            if uri is None or outer.resources.knows(uri):
                return None
            for mount in self.by_namespace.values():
                inner = mount.inner_uri(uri)
                if inner is not None:
                    fields["uri"] = _raw(inner)
                    return mount, fields
            return None
        if method == "completion/complete":
            ref = fields.get("ref")
            if ref is None:
                return None
            ref_fields = _fields().decode(ref)
            for key, undo in (("name", Mount.inner_name), ("uri", Mount.inner_uri)):
                value = _str(ref_fields.get(key))
                if value is None:
                    continue
                for mount in self.by_namespace.values():
                    inner = undo(mount, value)
                    if inner is not None:
                        ref_fields[key] = _raw(inner)
                        fields["ref"] = _raw(ref_fields)
                        return mount, fields
        return None

    async def dispatch(self, ctx: Context, event: RequestReceived, plan: Any) -> Any:
        if plan == "list":
            return await self._list(ctx, event)
        if plan == "level":
            return await self._set_level(ctx, event)
        mount, fields = plan
        inner = RequestReceived(
            event.id,
            event.method,
            msgspec.Raw(msgspec.json.encode(fields)),
            event.client,
        )
        result = await mount.server.handle_request(ctx.session, inner)
        if event.method == "resources/read":
            return _read_result(mount, result)
        if event.method in ("resources/subscribe", "resources/unsubscribe"):
            subs = ctx.session.state.setdefault(_SUBSCRIBED_KEY, set())
            uri = mount.uri(msgspec.json.decode(fields["uri"]))
            if event.method == "resources/subscribe":
                subs.add(uri)
            else:
                subs.discard(uri)
        return result

    async def _set_level(self, ctx: Context, event: RequestReceived) -> Any:
        route = self.server._routes["logging/setLevel"]
        try:
            params = msgspec.json.decode(event.params or b"{}", type=route.params_type)
        except msgspec.ValidationError as exc:
            raise RPCError(INVALID_PARAMS, f"Invalid params: {exc}") from None
        result = await route.handler(ctx, params)
        for mount in self.by_namespace.values():
            await mount.server.handle_request(ctx.session, event)
        return result

    async def _list(self, ctx: Context, event: RequestReceived) -> Any:
        outer = self.server
        field, params_type, result_type = LIST_METHODS[event.method]
        try:
            params = msgspec.json.decode(event.params or b"{}", type=params_type)
        except msgspec.ValidationError as exc:
            raise RPCError(INVALID_PARAMS, f"Invalid params: {exc}") from None
        items: list[Any] = list(_own(outer, event.method))
        for mount in self.by_namespace.values():
            for item in await self._all(ctx, event, mount, field, result_type):
                items.append(ns.renamed(mount.namespace, item))
        cursor = None if params.cursor is UNSET else params.cursor
        page, nxt = paginate(items, cursor, outer.page_size)
        return result_type(**{field: page}, next_cursor=UNSET if nxt is None else nxt)

    async def _all(
        self, ctx: Context, event: RequestReceived, mount: Mount, field: str, result_type: Any
    ) -> list[Any]:
        out: list[Any] = []
        cursor: Any = UNSET
        seen: set[str] = set()
        for _ in range(10_000):  # a bound on the pages of one mount
            body: dict[str, Any] = {} if cursor is UNSET else {"cursor": cursor}
            inner = RequestReceived(
                event.id, event.method, msgspec.Raw(msgspec.json.encode(body)), event.client
            )
            page = _as(result_type, await mount.server.handle_request(ctx.session, inner))
            out.extend(getattr(page, field))
            cursor = page.next_cursor
            if not isinstance(cursor, str):  # "" is a cursor (2026-07-28 pagination.mdx)
                break
            if cursor in seen:
                raise RPCError(
                    INTERNAL_ERROR,
                    f"the server mounted as {mount.namespace!r} repeated the cursor {cursor!r} "
                    f"in {event.method}",
                )
            seen.add(cursor)
        return out


def outer_uri(server: Server, uri: str) -> str:
    """``uri`` of ``server`` as the clients of the servers it is mounted in know it."""
    while server._mounted_in is not None:
        server, namespace = server._mounted_in
        uri = ns.uri(namespace, uri)
    return uri


def deliver_watched(server: Server, event: ChangeEvent) -> None:
    """A change a mounted proxy's watch saw at its backend, to the listens of every server
    it is mounted in (URIs rewritten at each level)."""
    while server._mounted_in is not None:
        outer, namespace = server._mounted_in
        if event.uri is not None:
            event = ChangeEvent(event.kind, ns.uri(namespace, event.uri))
        outer.subscriptions.deliver(event, listens_only=True)
        server = outer


def _raw(value: Any) -> msgspec.Raw:
    return msgspec.Raw(msgspec.json.encode(value))


def _str(raw: msgspec.Raw | None) -> str | None:
    if raw is None:
        return None
    value = msgspec.json.decode(raw)
    return value if isinstance(value, str) else None


def _own(server: Server, method: str) -> list[Any]:
    if method == "tools/list":
        return list(server.tools.listing())
    if method == "prompts/list":
        return list(server.prompts.listing())
    if method == "resources/list":
        return list(server.resources.listing())
    return list(server.resources.template_listing())


def _as(type_: Any, value: Any) -> Any:
    """A mounted server's result as ``type_``: a struct, raw bytes (a proxy's pass-through),
    or a dict whose values may be ``msgspec.Raw`` (a proxy's bridged result, stamped for
    2026-07-28) -- ``msgspec.convert`` cannot read ``Raw`` values, so that goes via JSON."""
    if isinstance(value, type_):
        return value
    if not isinstance(value, msgspec.Raw):
        value = msgspec.json.encode(value)
    try:
        return msgspec.json.decode(value, type=type_)
    except msgspec.ValidationError as exc:
        raise RPCError(
            INTERNAL_ERROR, f"mounted server's result is not a {type_.__name__}: {exc}"
        ) from None


def _read_result(mount: Mount, result: Any) -> Any:
    data = msgspec.json.encode(result) if not isinstance(result, msgspec.Raw) else result
    if b'"input_required"' in bytes(data):
        return result  # an MRTR round: the contents come later
    read = _as(t.ReadResourceResult, result)
    read.contents = [ns.renamed(mount.namespace, c) for c in read.contents]
    return read
