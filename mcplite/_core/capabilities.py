"""Capabilities by revision (layer 1, pure): what each revision's schema defines, and what
a peer declared.

A capability a revision does not define is never advertised in it: a 2025-03-26 client
that says ``elicitation`` invites an ``elicitation/create`` that revision has no method
for.  The table follows each revision's ``schema.ts`` ``ClientCapabilities`` and
``ServerCapabilities``; sub-capabilities (``elicitation.form``/``url``,
``sampling.context``/``tools``) arrived in 2025-11-25, and 2026-07-28 dropped
``roots.listChanged`` (with ``notifications/roots/list_changed``) and ``tasks`` (now an
extension) and added ``extensions``.
"""

from __future__ import annotations

from typing import Final

import msgspec
from msgspec import UNSET

from .. import types as t

FIRST: Final = "2024-11-05"
SUB_CAPABILITIES_SINCE: Final = "2025-11-25"  # elicitation.form/url, sampling.context/tools
ELICITATION_SINCE: Final = "2025-06-18"
STATELESS: Final = "2026-07-28"

# field -> (first revision with it, first revision without it or "").
_CLIENT_FIELDS: Final[dict[str, tuple[str, str]]] = {
    "experimental": (FIRST, ""),
    "roots": (FIRST, ""),
    "sampling": (FIRST, ""),
    "elicitation": (ELICITATION_SINCE, ""),
    "tasks": ("2025-11-25", STATELESS),
    "extensions": (STATELESS, ""),
}
_SERVER_FIELDS: Final[dict[str, tuple[str, str]]] = {
    "experimental": (FIRST, ""),
    "logging": (FIRST, ""),
    "completions": ("2025-03-26", ""),
    "prompts": (FIRST, ""),
    "resources": (FIRST, ""),
    "tools": (FIRST, ""),
    "tasks": ("2025-11-25", STATELESS),
    "extensions": (STATELESS, ""),
}


def _defined(table: dict[str, tuple[str, str]], name: str, version: str) -> bool:
    since, removed = table[name]
    return since <= version and (not removed or version < removed)


def elicitation_modes(caps: t.ClientCapabilities, version: str) -> frozenset[str]:
    """The elicitation modes a client declared (2025-11-25 client/elicitation.mdx
    "Capabilities": an empty ``elicitation`` object means form mode only; before
    2025-11-25 there was only form mode)."""
    el = caps.elicitation
    if el is UNSET or el is None:
        return frozenset()
    if version < SUB_CAPABILITIES_SINCE:
        return frozenset({"form"})
    modes = {m for m in ("form", "url") if getattr(el, m) is not UNSET}
    return frozenset(modes or {"form"})


def for_client(caps: t.ClientCapabilities, version: str) -> t.ClientCapabilities:
    """``caps`` as a client may declare them in ``version`` (fields it lacks dropped)."""
    out = t.ClientCapabilities()
    for name in _CLIENT_FIELDS:
        value = getattr(caps, name)
        if value is not UNSET and _defined(_CLIENT_FIELDS, name, version):
            setattr(out, name, value)
    if out.roots is not UNSET and version >= STATELESS:
        out.roots = t.RootsCapability()  # no listChanged: the notification is gone
    if version < SUB_CAPABILITIES_SINCE:
        if out.sampling is not UNSET:
            out.sampling = t.SamplingCapability()
        if out.elicitation is not UNSET:
            # Before 2025-11-25 elicitation is form mode; a url-only client has none.
            modes = elicitation_modes(caps, SUB_CAPABILITIES_SINCE)
            out.elicitation = t.ElicitationCapability() if "form" in modes else UNSET
    return out


def for_server(caps: t.ServerCapabilities, version: str) -> t.ServerCapabilities:
    """``caps`` as a server may declare them in ``version`` (fields it lacks dropped)."""
    if all(
        getattr(caps, name) is UNSET or _defined(_SERVER_FIELDS, name, version)
        for name in _SERVER_FIELDS
    ):
        return caps  # the common case: nothing to drop, no copy
    return msgspec.structs.replace(
        caps,
        **{name: UNSET for name in _SERVER_FIELDS if not _defined(_SERVER_FIELDS, name, version)},
    )


# The spec page that defines each client capability a server request needs.
_SECTION: Final = {
    "roots": "client/roots",
    "sampling": "client/sampling",
    "elicitation": "client/elicitation",
}


def missing_message(path: tuple[str, ...], version: str) -> str:
    """ "the client did not declare elicitation.url (2025-11-25 client/elicitation)"."""
    section = _SECTION.get(path[0], "basic/lifecycle")
    return f"the client did not declare {'.'.join(path)} ({version} {section})"
