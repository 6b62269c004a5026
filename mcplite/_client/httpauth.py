"""The HTTP auth hook the client transports call (layer 3).

An ``HTTPAuth`` (``OAuthClient`` is one) adds headers to every request and, on a 401 or
403, may fix things (run an authorization flow, step up scopes, take a DPoP nonce) and ask
for a retry.  ``request_with_auth`` is the loop, bounded so a server that keeps refusing
cannot keep a client authorizing forever (2025-11-25 basic/authorization "Scope Challenge
Handling": clients SHOULD limit retries).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final, Protocol, runtime_checkable

from .._io.httpclient import HTTPClient, HTTPResponse

DEFAULT_MAX_AUTH_RETRIES: Final = 2  # retries of one request after 401/403 answers


@runtime_checkable
class HTTPAuth(Protocol):
    """Adds credentials to HTTP requests and reacts to 401/403 (``OAuthClient`` is one)."""

    async def headers(self, method: str, url: str) -> list[tuple[str, str]]:
        """Headers for a request about to be sent (``Authorization``, ``DPoP``)."""
        ...

    async def on_response(
        self, method: str, url: str, status: int, headers: Mapping[str, str]
    ) -> bool:
        """Called on 401/403 (headers lower-cased); True to resend the request."""
        ...


def header_map(resp: HTTPResponse) -> dict[str, str]:
    """The response's fields by lower-cased name, repeated ones joined with ", "."""
    out: dict[str, str] = {}
    for name, value in resp.headers:
        key, text = name.decode("latin-1").lower(), value.decode("latin-1")
        out[key] = out[key] + ", " + text if key in out else text
    return out


async def request_with_auth(
    http: HTTPClient,
    auth: HTTPAuth | None,
    method: str,
    url: str,
    headers: Sequence[tuple[str, str]],
    body: bytes | None = None,
    *,
    max_retries: int = DEFAULT_MAX_AUTH_RETRIES,
) -> HTTPResponse:
    """``http.request`` with ``auth``'s headers, resent while ``auth`` asks (bounded)."""
    if auth is None:
        return await http.request(method, url, headers, body)
    attempt = 0
    while True:
        extra = await auth.headers(method, url)
        resp = await http.request(method, url, [*headers, *extra], body)
        if resp.status not in (401, 403) or attempt >= max_retries:
            return resp
        retry = await auth.on_response(method, url, resp.status, header_map(resp))
        if not retry:
            return resp
        await resp.aclose()
        attempt += 1
