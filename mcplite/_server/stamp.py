"""2026-07-28 result stamping: ``resultType``, server identity in ``_meta`` and cache hints
on every result a server sends in that era (layer 3).

2026-07-28 schema.ts ``Result``: servers MUST include ``resultType``; server identity rides
in ``_meta`` (``io.modelcontextprotocol/serverInfo``).  SEP-2549 ``CacheableResult``:
``ttlMs`` and ``cacheScope`` are required on the results of ``tools/list``,
``prompts/list``, ``resources/list``, ``resources/templates/list`` and ``resources/read``.
Whatever produced the result (a spec route, a custom method, a middleware) it is stamped
the same way: a Struct with the fields in place, anything else as a JSON object.
"""

from __future__ import annotations

from typing import Any, Final, Literal

import msgspec
from msgspec import UNSET

from .. import types as t

# Default cache hint: immediately stale, never shared across authorization contexts.
DEFAULT_TTL_MS: Final = 0
DEFAULT_CACHE_SCOPE: Final = "private"
CACHEABLE_METHODS: Final = frozenset(
    {"tools/list", "prompts/list", "resources/list", "resources/templates/list", "resources/read"}
)
CacheScope = Literal["public", "private"]


class CacheHint(msgspec.Struct, frozen=True):
    """``ttlMs`` and ``cacheScope`` for one cacheable method's results."""

    ttl_ms: int = DEFAULT_TTL_MS
    scope: CacheScope = DEFAULT_CACHE_SCOPE


def stamp(result: Any, info: t.Implementation, method: str, hint: CacheHint | None) -> Any:
    """``result`` stamped for a 2026-07-28 response (a Struct in place; other values as a
    dict: ``None`` becomes ``{}``, a Struct without the fields its builtins)."""
    cacheable = method in CACHEABLE_METHODS
    if hasattr(result, "result_type"):
        if result.result_type is UNSET:
            result.result_type = "complete"
        if cacheable and getattr(result, "ttl_ms", None) is UNSET:
            hint = hint or CacheHint()
            result.ttl_ms = hint.ttl_ms
        if cacheable and getattr(result, "cache_scope", None) is UNSET:
            result.cache_scope = (hint or CacheHint()).scope
        meta = getattr(result, "meta", None)
        if meta is UNSET:
            result.meta = {t.META_SERVER_INFO: info}
        elif isinstance(meta, dict) and t.META_SERVER_INFO not in meta:
            meta[t.META_SERVER_INFO] = info
        return result
    # A custom method's or a middleware's own value: a JSON object in the end.
    out = {} if result is None else result
    if not isinstance(out, dict):
        out = msgspec.to_builtins(out)
        if not isinstance(out, dict):
            return result  # not an object: nothing to stamp it on (JSON-RPC allows it)
    else:
        out = dict(out)
    out.setdefault("resultType", "complete")
    if cacheable:
        hint = hint or CacheHint()
        out.setdefault("ttlMs", hint.ttl_ms)
        out.setdefault("cacheScope", hint.scope)
    meta = out.get("_meta")
    if not isinstance(meta, dict):
        out["_meta"] = {t.META_SERVER_INFO: info}
    elif t.META_SERVER_INFO not in meta:
        out["_meta"] = {**meta, t.META_SERVER_INFO: info}
    return out
