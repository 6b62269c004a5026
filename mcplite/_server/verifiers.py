"""Token verifiers that ask the authorization server (layer 3).

- ``IntrospectionTokenVerifier``: RFC 7662 token introspection (POST, client credentials).
- ``JWTVerifier``: RFC 9068 JWT access tokens checked locally against the issuer's JWK Set,
  found through RFC 8414 / OpenID Connect discovery, cached with a TTL and refetched
  (rate-limited) when a token names an unknown ``kid`` (key rotation).  One fetch at a time
  serves every waiting request (single flight, bounded by ``timeout``); a failed fetch is not
  retried before a backoff (1 s doubling to 60 s) and the keys already known stay in use
  meanwhile.  Verified tokens are remembered by their SHA-256 until ``exp`` (at most for the
  keys' TTL), so a valid token is not checked in pure Python on every request.

Both check the audience (RFC 8707 resource; MCP basic/authorization "Token Audience
Binding and Validation"): a token issued for another resource is refused.  HTTP goes through
``_httpclient.HTTPClient``; pass ``http=`` to share a keep-alive pool, otherwise each fetch
uses a short-lived client.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from typing import Any, Final
from urllib.parse import quote as urlquote, urlencode, urlsplit, urlunsplit

import msgspec

from .._auth.bearer import DEFAULT_LEEWAY_SECONDS, TokenInfo
from .._auth.jwt import (
    ASYMMETRIC_ALGORITHMS,
    JWTError,
    Key,
    decode_jwt,
    keys_from_jwks,
    parse_jws,
    token_info_from_claims,
)
from .._core import peerjson
from .._errors import HTTPStatusError, MCPError, RemoteProtocolError
from .._io.httpclient import HTTPClient
from .._server.bearer import InvalidTokenError

__all__ = [
    "DEFAULT_HTTP_TIMEOUT_SECONDS",
    "DEFAULT_JWKS_MAX_RETRY_SECONDS",
    "DEFAULT_JWKS_MIN_REFETCH_SECONDS",
    "DEFAULT_JWKS_RETRY_SECONDS",
    "DEFAULT_JWKS_TTL_SECONDS",
    "DEFAULT_MAX_METADATA_BYTES",
    "IntrospectionTokenVerifier",
    "JWTVerifier",
]

log = logging.getLogger(__name__)

DEFAULT_HTTP_TIMEOUT_SECONDS: Final = 10.0  # one introspection / metadata / JWKS fetch
DEFAULT_MAX_METADATA_BYTES: Final = 1024 * 1024  # metadata, JWKS, introspection answers
DEFAULT_JWKS_TTL_SECONDS: Final = 300.0  # keys are refetched this long after a fetch
DEFAULT_JWKS_MIN_REFETCH_SECONDS: Final = 30.0  # unknown-kid refetches at most this often
# After a failed JWKS fetch nobody tries again for this long, doubling per failure up to the
# maximum: an issuer outage costs one fetch per backoff, not one per request.
DEFAULT_JWKS_RETRY_SECONDS: Final = 1.0
DEFAULT_JWKS_MAX_RETRY_SECONDS: Final = 60.0
DEFAULT_VERIFIED_TOKEN_CACHE_ENTRIES: Final = 10_000  # tokens remembered as verified
DEFAULT_INTROSPECTION_CACHE_SECONDS: Final = 0.0  # 0: ask every time (revocation is instant)
DEFAULT_INTROSPECTION_CACHE_ENTRIES: Final = 10_000


async def _fetch(
    http: HTTPClient | None,
    method: str,
    url: str,
    headers: list[tuple[str, str]],
    body: bytes | None,
    timeout: float,
    max_bytes: int,
) -> tuple[int, Any]:
    """``(status, decoded JSON or None)``; transport failures raise ``TransportError``."""
    own = http is None
    client = HTTPClient(connect_timeout=timeout, read_timeout=timeout) if own else http
    assert client is not None
    try:
        async with asyncio.timeout(timeout):
            resp = await client.request(method, url, headers, body)
            try:
                data = await resp.read(max_bytes)
            finally:
                await resp.aclose()
    finally:
        if own:
            await client.aclose()
    return resp.status, peer_json(data)


def peer_json(data: bytes) -> Any:
    """A JWKS, metadata or introspection document, or None when it is not JSON (invalid
    UTF-8 and nesting past the limit included: _core/peerjson)."""
    try:
        peerjson.check(data)
        return msgspec.json.decode(data)
    except (peerjson.InvalidJSON, msgspec.DecodeError):
        return None


def _audience_ok(aud: Any, wanted: Collection[str]) -> bool:
    auds = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    norm = {w.rstrip("/") for w in wanted}
    return any(isinstance(a, str) and a.rstrip("/") in norm for a in auds)


class IntrospectionTokenVerifier:
    """RFC 7662: ask the authorization server whether a token is active.

    The client authenticates with HTTP Basic (RFC 6749 §2.3.1, form-encoded id and
    secret).  ``audience``: the resource identifier(s) the token must name in ``aud``
    (``require_audience=False`` accepts answers without ``aud``).  ``cache_seconds`` > 0
    remembers active answers (never beyond the token's ``exp``).
    """

    def __init__(
        self,
        endpoint: str,
        client_id: str | None = None,
        client_secret: str | None = None,
        *,
        audience: str | Sequence[str] | None = None,
        require_audience: bool = True,
        issuer: str | None = None,
        http: HTTPClient | None = None,
        timeout: float = DEFAULT_HTTP_TIMEOUT_SECONDS,
        max_response_bytes: int = DEFAULT_MAX_METADATA_BYTES,
        cache_seconds: float = DEFAULT_INTROSPECTION_CACHE_SECONDS,
        max_cache_entries: int = DEFAULT_INTROSPECTION_CACHE_ENTRIES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.endpoint = endpoint
        self.client_id = client_id
        self.client_secret = client_secret
        self.audience = (audience,) if isinstance(audience, str) else audience
        self.require_audience = require_audience
        self.issuer = issuer
        self.http = http
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.cache_seconds = cache_seconds
        self.max_cache_entries = max_cache_entries
        self.clock = clock
        self._cache: OrderedDict[str, tuple[float, TokenInfo]] = OrderedDict()

    def _headers(self) -> list[tuple[str, str]]:
        headers = [
            ("content-type", "application/x-www-form-urlencoded"),
            ("accept", "application/json"),
        ]
        if self.client_id is not None:
            user = (
                urlquote(self.client_id, safe="")
                + ":"
                + urlquote(self.client_secret or "", safe="")
            )
            headers.append(("authorization", "Basic " + base64.b64encode(user.encode()).decode()))
        return headers

    async def verify(self, token: str) -> TokenInfo | None:
        """Ask the introspection endpoint (RFC 7662) about ``token``; cached when configured."""
        now = self.clock()
        hit = self._cache.get(token)
        if hit is not None:
            if hit[0] > now:
                return hit[1]
            del self._cache[token]
        body = urlencode({"token": token, "token_type_hint": "access_token"}).encode()
        status, doc = await _fetch(
            self.http,
            "POST",
            self.endpoint,
            self._headers(),
            body,
            self.timeout,
            self.max_response_bytes,
        )
        if status != 200 or not isinstance(doc, dict):
            raise HTTPStatusError(status, "token introspection failed: expected 200 with JSON")
        if doc.get("active") is not True:  # RFC 7662 §2.2: "active" is REQUIRED, boolean
            return None
        if self.issuer is not None and doc.get("iss", self.issuer) != self.issuer:
            raise InvalidTokenError(f"the token was issued by {doc.get('iss')!r}")
        if self.audience is not None:
            if "aud" in doc:
                if not _audience_ok(doc["aud"], self.audience):
                    raise InvalidTokenError("the token was not issued for this resource")
            elif self.require_audience:
                raise InvalidTokenError("the introspection answer names no audience")
        info = token_info_from_claims(doc)
        if self.cache_seconds > 0:
            until = now + self.cache_seconds
            if info.expires_at is not None:
                until = min(until, info.expires_at)
            self._cache[token] = (until, info)
            while len(self._cache) > self.max_cache_entries:
                self._cache.popitem(last=False)
        return info


def metadata_urls(issuer: str) -> list[str]:
    """Where an issuer's metadata may live: RFC 8414 §3.1 (well-known segment inserted
    before the path), then OpenID Connect Discovery 1.0 §4 (appended to the path)."""
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")

    def at(p: str) -> str:
        return urlunsplit((parts.scheme, parts.netloc, p, "", ""))

    return [
        at("/.well-known/oauth-authorization-server" + path),
        at("/.well-known/openid-configuration" + path),
        at(path + "/.well-known/openid-configuration"),
    ]


class JWTVerifier:
    """RFC 9068 JWT access tokens, checked against the issuer's keys.

    Keys come from ``jwks`` (a JWK Set dict, fixed), or ``jwks_uri``, or the ``jwks_uri`` of
    the issuer's metadata.  ``audience`` is this server's resource identifier (RFC 8707).
    ``typ="at+jwt"`` enforces RFC 9068 §4's header type (off by default: many issuers
    still send ``JWT``).
    """

    def __init__(
        self,
        issuer: str,
        audience: str | Sequence[str],
        *,
        jwks_uri: str | None = None,
        jwks: dict[str, Any] | None = None,
        algorithms: Collection[str] = ASYMMETRIC_ALGORITHMS,
        leeway: float = DEFAULT_LEEWAY_SECONDS,
        typ: str | None = None,
        required_claims: Sequence[str] = ("exp",),
        http: HTTPClient | None = None,
        timeout: float = DEFAULT_HTTP_TIMEOUT_SECONDS,
        max_response_bytes: int = DEFAULT_MAX_METADATA_BYTES,
        jwks_ttl: float = DEFAULT_JWKS_TTL_SECONDS,
        min_refetch_interval: float = DEFAULT_JWKS_MIN_REFETCH_SECONDS,
        retry_delay: float = DEFAULT_JWKS_RETRY_SECONDS,
        max_retry_delay: float = DEFAULT_JWKS_MAX_RETRY_SECONDS,
        max_cached_tokens: int = DEFAULT_VERIFIED_TOKEN_CACHE_ENTRIES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if any(a.lower() == "none" for a in algorithms):
            raise ValueError("alg 'none' cannot be allowed: it means no signature")
        self.issuer = issuer
        self.audience = audience
        self.jwks_uri = jwks_uri
        self.algorithms = frozenset(algorithms)
        self.leeway = leeway
        self.typ = typ
        self.required_claims = tuple(required_claims)
        self.http = http
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.jwks_ttl = jwks_ttl
        self.min_refetch_interval = min_refetch_interval
        self.clock = clock
        self._static = jwks is not None
        self._keys: list[Key] = keys_from_jwks(jwks) if jwks is not None else []
        self._fetched_at: float | None = None
        self.retry_delay = retry_delay
        self.max_retry_delay = max_retry_delay
        self.max_cached_tokens = max_cached_tokens
        self._inflight: asyncio.Future[None] | None = None  # the one fetch under way
        self._failures = 0
        self._retry_at = 0.0
        self._last_error: BaseException | None = None
        # SHA-256 of a verified token -> (valid until, its info), least recently used first.
        self._verified: OrderedDict[bytes, tuple[float, TokenInfo]] = OrderedDict()

    async def _get_json(self, url: str) -> Any:
        status, doc = await _fetch(
            self.http,
            "GET",
            url,
            [("accept", "application/json")],
            None,
            self.timeout,
            self.max_response_bytes,
        )
        if status != 200 or not isinstance(doc, dict):
            raise HTTPStatusError(status, f"GET {url}: expected 200 with a JSON object")
        return doc

    async def _discover(self) -> str:
        last: Exception | None = None
        for url in metadata_urls(self.issuer):
            try:
                doc = await self._get_json(url)
            except HTTPStatusError as exc:
                last = exc
                continue
            if doc.get("issuer") != self.issuer:  # RFC 8414 §3.3: must match exactly
                raise RemoteProtocolError(
                    f"metadata at {url} names issuer {doc.get('issuer')!r}, expected "
                    f"{self.issuer!r}"
                )
            uri = doc.get("jwks_uri")
            if not isinstance(uri, str):
                raise RemoteProtocolError(f"metadata at {url} has no jwks_uri")
            return uri
        raise RemoteProtocolError(f"no authorization server metadata for {self.issuer!r}: {last}")

    async def _refresh(self, *, force: bool) -> None:
        if self._static:
            return
        now = self.clock()
        fetched = self._fetched_at
        if fetched is not None:
            if force and now - fetched < self.min_refetch_interval:
                return
            if not force and now - fetched < self.jwks_ttl:
                return
        if now < self._retry_at:  # the last fetch failed: back off
            if self._keys:
                return  # the keys we had stay in use while the issuer is unreachable
            raise RemoteProtocolError(
                f"the issuer's keys could not be fetched ({self._last_error}); next try in "
                f"{self._retry_at - now:.1f} s"
            )
        fut = self._inflight
        if fut is None:  # single flight: every concurrent verification awaits this one
            fut = self._inflight = asyncio.ensure_future(self._fetch_keys())
            fut.add_done_callback(self._fetch_done)
        try:
            await asyncio.shield(fut)
        except (MCPError, OSError) as exc:
            if not self._keys:
                raise
            log.debug("JWKS refresh failed, keeping the keys we have: %r", exc)

    def _fetch_done(self, fut: asyncio.Future[None]) -> None:
        self._inflight = None
        if not fut.cancelled():
            fut.exception()  # retrieved here; each waiter re-raises it through the shield

    async def _fetch_keys(self) -> None:
        try:
            async with asyncio.timeout(self.timeout):
                if self.jwks_uri is None:
                    self.jwks_uri = await self._discover()
                keys = keys_from_jwks(await self._get_json(self.jwks_uri))
        except Exception as exc:
            if isinstance(exc, TimeoutError):
                exc = RemoteProtocolError(
                    f"fetching the issuer's keys took longer than {self.timeout} s (timeout)"
                )
            self._failures += 1
            delay = min(self.retry_delay * 2 ** (self._failures - 1), self.max_retry_delay)
            self._retry_at = self.clock() + delay
            self._last_error = exc
            raise exc from None
        if {k.kid for k in keys} != {k.kid for k in self._keys}:
            self._verified.clear()  # a key was removed or added: verify again
        self._keys = keys
        self._fetched_at = self.clock()
        self._failures = 0
        self._retry_at = 0.0

    async def verify(self, token: str) -> TokenInfo | None:
        """Check ``token`` as an RFC 9068 JWT access token: signature, issuer, audience, times."""
        digest = hashlib.sha256(token.encode()).digest()
        hit = self._verified.get(digest)
        if hit is not None:
            if hit[0] > self.clock():
                self._verified.move_to_end(digest)
                return hit[1]
            del self._verified[digest]
        try:
            kid = parse_jws(token).header.get("kid")
        except JWTError as exc:
            raise InvalidTokenError(str(exc)) from None
        await self._refresh(force=False)
        if kid is not None and not any(k.kid == kid for k in self._keys):
            await self._refresh(force=True)  # key rotation: the issuer has a new key
        try:
            jws = decode_jwt(
                token,
                self._keys,
                algorithms=self.algorithms,
                now=self.clock(),
                leeway=self.leeway,
                issuer=self.issuer,
                audience=self.audience,
                required=self.required_claims,
                typ=self.typ,
            )
        except JWTError as exc:
            raise InvalidTokenError(str(exc)) from None
        info = token_info_from_claims(jws.claims)
        if info.expires_at is not None and self.max_cached_tokens > 0:
            until = float(info.expires_at)
            if not self._static and self._fetched_at is not None:
                until = min(until, self._fetched_at + self.jwks_ttl)  # bound to these keys
            self._verified[digest] = (until, info)
            while len(self._verified) > self.max_cached_tokens:
                self._verified.popitem(last=False)
        return info
