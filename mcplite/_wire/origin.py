"""Host (DNS-rebinding) and Origin checks for HTTP servers (layer 1, pure).

2025-11-25 basic/transports.mdx "Security Warning" and 2026-07-28 streamable-http.mdx
"Security & Endpoint": servers MUST validate ``Origin`` (403 when present and invalid) to
stop DNS-rebinding attacks on local servers.  A rebinding page reaches a loopback server
under a foreign name, so a loopback listener also checks ``Host`` (as the Go SDK does).
Each check returns ``None`` when the request may pass, else a message for the 403 body.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection
from urllib.parse import urlsplit

__all__ = ["check_host", "check_origin", "check_request", "host_name", "is_loopback"]

_LOOPBACK_NAMES = frozenset({"localhost", "localhost."})


def host_name(authority: str) -> str:
    """The host part of a ``Host`` value (``host[:port]`` or ``[v6]:port``), lowercased."""
    authority = authority.strip().lower()
    if authority.startswith("["):
        end = authority.find("]")
        return authority[1:end] if end > 0 else authority
    if authority.count(":") == 1:
        return authority.partition(":")[0]
    return authority  # a bare IPv6 address or a name


def is_loopback(host: str) -> bool:
    """``localhost``, ``*.localhost``, 127.0.0.0/8 or ::1 (RFC 6761 §6.3, RFC 5735)."""
    host = host.lower()
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_host(
    host_header: str | None,
    *,
    local_is_loopback: bool,
    allowed_hosts: Collection[str] | None = None,
) -> str | None:
    """DNS-rebinding protection.  With ``allowed_hosts`` (host names, with or without a
    port, ``"*"`` for any) only those pass; otherwise a loopback listener accepts only
    loopback names and any other listener accepts any host."""
    if allowed_hosts is not None:
        if "*" in allowed_hosts:
            return None
        value = (host_header or "").strip().lower()
        if value and (value in allowed_hosts or host_name(value) in allowed_hosts):
            return None
        return f"invalid Host header {host_header!r}: expected one of {sorted(allowed_hosts)}"
    if not local_is_loopback:
        return None
    if host_header is None:
        return "missing Host header (required on a loopback server: DNS-rebinding protection)"
    if is_loopback(host_name(host_header)):
        return None
    return (
        f"invalid Host header {host_header!r}: this server listens on loopback and accepts "
        "only localhost, 127.0.0.1 or [::1] (DNS-rebinding protection)"
    )


def check_origin(
    origin: str | None,
    *,
    host_header: str | None,
    allowed_origins: Collection[str] | None = None,
) -> str | None:
    """Origin validation.  No ``Origin`` (non-browser clients) passes.  With
    ``allowed_origins`` (``scheme://host[:port]``, ``"*"`` for any) only those pass;
    otherwise a loopback origin or the same origin as ``Host`` passes."""
    if origin is None:
        return None
    value = origin.strip().lower()
    if allowed_origins is not None:
        if "*" in allowed_origins or value in {o.lower() for o in allowed_origins}:
            return None
        return f"Origin {origin!r} is not allowed (allowed: {sorted(allowed_origins)})"
    try:
        parts = urlsplit(value)
        netloc = parts.netloc
    except ValueError:
        netloc = ""
    if netloc and (
        is_loopback(host_name(netloc))
        or (host_header is not None and netloc == host_header.strip().lower())
    ):
        return None
    return f"Origin {origin!r} is not allowed: only loopback or same-origin requests are accepted"


def check_request(
    host: bytes | None,
    origin: bytes | None,
    local_address: object,
    *,
    dns_rebinding_protection: bool,
    allowed_hosts: Collection[str] | None = None,
    allowed_origins: Collection[str] | None = None,
) -> str | None:
    """Both checks for one HTTP request, as every MCP HTTP endpoint applies them: the
    ``Host`` check (when protection is on; ``local_address`` is the listening socket's
    address, loopback or not) and then the ``Origin`` check."""
    host_s = None if host is None else host.decode("latin-1")
    if dns_rebinding_protection:
        local_loop = isinstance(local_address, tuple) and is_loopback(str(local_address[0]))
        problem = check_host(host_s, local_is_loopback=local_loop, allowed_hosts=allowed_hosts)
        if problem is not None:
            return problem
    if origin is None:
        return None
    return check_origin(
        origin.decode("latin-1"), host_header=host_s, allowed_origins=allowed_origins
    )
