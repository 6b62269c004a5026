"""Resources and resource templates: registration, listing, reading (layer 3).

2025-11-25 server/resources.mdx: ``resources/list``, ``resources/templates/list`` (RFC 6570
templates), ``resources/read``; an unknown URI is -32002 with ``data: {uri}``.  2026-07-28
(SEP-2164) standardises on -32602 with the same data.  Reads look up the exact URI first,
then the templates in registration order; a URI that matches nothing gets the same error as
a missing one, so the configuration is not exposed.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from typing import Any

import msgspec
from msgspec import UNSET

from .. import types as t
from .._core.schema import ArgumentError, ToolSignature, build_signature
from .._errors import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    RESOURCE_NOT_FOUND,
    ResourceNotFound,
    RPCError,
    ToolError,
)
from .._server.context import Context
from .._server.options import ResourceOptions, opt as _opt
from .._server.tools import invoke, is_context

log = logging.getLogger(__name__)

DEFAULT_TEXT_MIME_TYPE = "text/plain"
DEFAULT_BINARY_MIME_TYPE = "application/octet-stream"


class ResourceEntry:
    __slots__ = ("fn", "resource", "sig", "value")

    def __init__(
        self,
        resource: t.Resource,
        fn: Callable[..., Any] | None,
        value: Any = None,
    ) -> None:
        self.resource = resource
        self.fn = fn
        self.value = value
        self.sig: ToolSignature | None = (
            build_signature(fn, skip=is_context, strict=False) if fn is not None else None
        )
        if self.sig is not None and self.sig.parameters:
            names = ", ".join(p.name for p in self.sig.parameters)
            raise TypeError(
                f"static resource {resource.uri!r}: its function takes ({names}) but a "
                "static URI has no variables; use a template such as 'scheme://{name}'"
            )


class TemplateEntry:
    __slots__ = ("fn", "sig", "template", "uri_template")

    def __init__(self, template: t.ResourceTemplate, fn: Callable[..., Any]) -> None:
        # lazy: RFC 6570 templates (compiled regexes) only once a template is registered
        from .._core.uritemplate import URITemplate

        self.template = template
        self.uri_template = URITemplate(template.uri_template, matchable=True)
        self.fn = fn
        self.sig = build_signature(fn, skip=is_context, strict=False)
        variables = set(self.uri_template.variables)
        for p in self.sig.parameters:
            if p.name not in variables and p.required:
                raise TypeError(
                    f"resource template {template.uri_template!r}: parameter {p.name!r} is "
                    f"not a template variable (expected one of {sorted(variables)})"
                )


class ResourceRegistry:
    def __init__(self) -> None:
        self.resources: dict[str, ResourceEntry] = {}
        self.templates: dict[str, TemplateEntry] = {}

    def __bool__(self) -> bool:
        return bool(self.resources or self.templates)

    # ------------------------------------------------------------------ registration

    def add(
        self, uri: str, fn: Callable[..., Any] | None, value: Any, options: ResourceOptions
    ) -> str:
        """Register a static resource or (when ``uri`` has ``{vars}``) a template.

        Returns "resource" or "template".
        """
        doc = _doc(fn)
        description = options.get("description")
        desc = description if description is not None else doc
        name, title, mime_type = options.get("name"), options.get("title"), options.get("mime_type")
        annotations, icons, meta = (
            options.get("annotations"),
            options.get("icons"),
            options.get("meta"),
        )
        size = options.get("size")
        if "{" in uri:
            if fn is None:
                raise TypeError(f"resource template {uri!r} needs a function to read it")
            tmpl = t.ResourceTemplate(
                uri_template=uri,
                name=name or str(getattr(fn, "__name__", uri)),
                title=_opt(title),
                description=_opt(desc),
                mime_type=_opt(mime_type),
                annotations=_opt(annotations),
                icons=_opt(icons),
                meta=_opt(meta),
            )
            self.templates[uri] = TemplateEntry(tmpl, fn)
            return "template"
        if fn is None and value is None:
            raise TypeError(f"resource {uri!r} needs a function or a value")
        if mime_type is None and fn is None:
            binary = isinstance(value, (bytes, bytearray))
            mime_type = DEFAULT_BINARY_MIME_TYPE if binary else DEFAULT_TEXT_MIME_TYPE
        res = t.Resource(
            uri=uri,
            name=name or (getattr(fn, "__name__", None) if fn is not None else None) or uri,
            title=_opt(title),
            description=_opt(desc),
            mime_type=_opt(mime_type),
            annotations=_opt(annotations),
            icons=_opt(icons),
            size=_opt(size),
            meta=_opt(meta),
        )
        self.resources[uri] = ResourceEntry(res, fn, value)
        return "resource"

    def remove(self, uri: str) -> bool:
        return (
            self.resources.pop(uri, None) is not None or self.templates.pop(uri, None) is not None
        )

    def listing(self) -> list[t.Resource]:
        return [e.resource for e in self.resources.values()]

    def template_listing(self) -> list[t.ResourceTemplate]:
        return [e.template for e in self.templates.values()]

    def knows(self, uri: str) -> bool:
        """True when ``uri`` is a static resource or matches a template."""
        if uri in self.resources:
            return True
        return any(e.uri_template.match(uri) is not None for e in self.templates.values())

    # ------------------------------------------------------------------ reading

    async def read(self, ctx: Context, uri: str) -> t.ReadResourceResult:
        """Read ``uri``: -32002/-32602 when nothing serves it or the handler raises
        ``ResourceNotFound``; a handler's ``ToolError`` becomes -32603 with its message."""
        try:
            return await self._read(ctx, uri)
        except ResourceNotFound as exc:
            raise not_found(ctx, exc.uri) from None
        except ToolError as exc:
            raise RPCError(INTERNAL_ERROR, str(exc), {"uri": uri}) from None

    async def _read(self, ctx: Context, uri: str) -> t.ReadResourceResult:
        entry = self.resources.get(uri)
        if entry is not None:
            mime = entry.resource.mime_type
            if entry.fn is None:
                return _to_result(uri, mime, entry.value)
            assert entry.sig is not None
            kwargs = {name: ctx for name in entry.sig.injected}
            return _to_result(uri, mime, await invoke(entry.fn, kwargs))
        for tentry in self.templates.values():
            variables = tentry.uri_template.match(uri)
            if variables is None:
                continue
            try:
                kwargs = tentry.sig.validate(variables)
            except ArgumentError as exc:
                raise RPCError(
                    INVALID_PARAMS,
                    f"Invalid params: URI {uri!r} matches template "
                    f"{tentry.template.uri_template!r} but its variables are invalid: "
                    f"{exc.detail}",
                    {"uri": uri},
                ) from None
            for pname in tentry.sig.injected:
                kwargs[pname] = ctx
            value = await invoke(tentry.fn, kwargs)
            return _to_result(uri, tentry.template.mime_type, value)
        raise not_found(ctx, uri)


def not_found(ctx: Context, uri: str) -> RPCError:
    # -32002 up to 2025-11-25 (server/resources.mdx "Error Handling"); 2026-07-28 (SEP-2164)
    # uses -32602.  Both carry the URI in data.
    code = INVALID_PARAMS if ctx.stateless else RESOURCE_NOT_FOUND
    return RPCError(code, f"Resource not found: {uri}", {"uri": uri})


def _to_result(uri: str, mime: Any, value: Any) -> t.ReadResourceResult:
    if isinstance(value, t.ReadResourceResult):
        return value
    items = value if isinstance(value, list) else [value]
    contents = [_contents(uri, mime, v) for v in items]
    if not contents:
        raise TypeError(f"the handler of resource {uri!r} returned no contents")
    return t.ReadResourceResult(contents=contents)


def _contents(uri: str, mime: Any, value: Any) -> t.ResourceContents:
    if isinstance(value, t.ResourceContents):
        # The spec requires uri on every item; fill what the handler left out.
        if not value.uri:
            value.uri = uri
        if value.mime_type is UNSET and mime is not UNSET:
            value.mime_type = mime
        return value
    if isinstance(value, str):
        return t.TextResourceContents(
            uri=uri, mime_type=DEFAULT_TEXT_MIME_TYPE if mime is UNSET else mime, text=value
        )
    if isinstance(value, (bytes, bytearray, memoryview)):
        return t.BlobResourceContents(
            uri=uri,
            mime_type=DEFAULT_BINARY_MIME_TYPE if mime is UNSET else mime,
            blob=base64.b64encode(bytes(value)).decode("ascii"),
        )
    # Anything else msgspec can encode is served as JSON text.
    return t.TextResourceContents(
        uri=uri,
        mime_type="application/json" if mime is UNSET else mime,
        text=msgspec.json.encode(value).decode(),
    )


def _doc(fn: Callable[..., Any] | None) -> str | None:
    doc = getattr(fn, "__doc__", None) if fn is not None else None
    if not doc:
        return None
    first = doc.strip().split("\n\n", 1)[0]
    return " ".join(first.split()) or None
