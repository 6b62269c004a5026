"""OAuth requests on the wire: metadata GETs, registration, token requests, DPoP (layer 3).

Used by ``OAuthClient`` (``_oauth.py``); every request goes through the project's
``HTTPClient`` with a bounded body.  Client authentication at the token endpoint follows
RFC 6749 §2.3.1 (``client_secret_basic``/``client_secret_post``), OAuth 2.1 ``none``, and
RFC 7523 §2.2 (``private_key_jwt``); DPoP proofs follow RFC 9449 §4.2, with the nonce
retry of §8.
"""

from __future__ import annotations

import base64
import logging
import secrets
import time
from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import msgspec

from .._auth.jose import (
    PURE_SIGNING_NOTICE,
    ECPrivateKey,
    PrivateKey,
    jwk_thumbprint,
    s256,
    sign_jwt,
    signing_backend,
)
from .._auth.oauth_metadata import (
    AuthorizationServerMetadata,
    ClientInformation,
    OAuthError,
    TokenResponse,
    decode_json,
    error_message,
)
from .._errors import MCPError
from .._io.httpclient import HTTPClient

DEFAULT_MAX_OAUTH_BODY_BYTES: Final = 1024 * 1024  # a metadata or token document
DEFAULT_ASSERTION_LIFETIME_SECONDS: Final = 300  # private_key_jwt client assertions
JWT_BEARER_ASSERTION_TYPE: Final = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
FORM: Final = ("Content-Type", "application/x-www-form-urlencoded")
ACCEPT_JSON: Final = ("Accept", "application/json")


log = logging.getLogger(__name__)
_announced = False


def announce_signing_backend() -> None:
    """Say once per process, at INFO, when private-key signing falls back to pure Python."""
    global _announced
    if not _announced:
        _announced = True
        if signing_backend() == "pure-python":
            log.info(PURE_SIGNING_NOTICE)


class DPoPKey:
    """A DPoP proof key (RFC 9449): a fresh P-256 key unless one is given."""

    def __init__(self, key: ECPrivateKey | None = None) -> None:
        announce_signing_backend()
        self.key = key or ECPrivateKey.from_bytes(secrets.token_bytes(40))
        self.jwk = self.key.public_jwk()
        self.thumbprint = jwk_thumbprint(self.jwk)

    def proof(
        self, method: str, url: str, *, access_token: str | None = None, nonce: str | None = None
    ) -> str:
        """A proof JWT for one request (RFC 9449 §4.2): fresh ``jti``, ``htu`` sans query."""
        parts = urlsplit(url)
        claims: dict[str, Any] = {
            "jti": secrets.token_urlsafe(16),
            "htm": method.upper(),
            "htu": urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
            "iat": int(time.time()),
        }
        if access_token is not None:
            claims["ath"] = s256(access_token)  # §4.2: hash of the token it accompanies
        if nonce is not None:
            claims["nonce"] = nonce
        return sign_jwt(self.key, claims, {"typ": "dpop+jwt", "jwk": self.jwk})


class OAuthHTTP:
    """Bounded JSON GETs and form POSTs for the OAuth client."""

    def __init__(self, http: HTTPClient, max_body_bytes: int = DEFAULT_MAX_OAUTH_BODY_BYTES):
        self.http = http
        self.max_body_bytes = max_body_bytes

    async def get(self, url: str) -> tuple[int, bytes]:
        """(status, body) or (0, b"") when the server cannot be reached."""
        try:
            resp = await self.http.request("GET", url, [ACCEPT_JSON])
            try:
                return resp.status, await resp.read(self.max_body_bytes)
            finally:
                await resp.aclose()
        except (MCPError, OSError, ValueError):
            return 0, b""

    async def post(
        self, url: str, headers: Sequence[tuple[str, str]], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        try:
            resp = await self.http.request("POST", url, [ACCEPT_JSON, *headers], body)
            try:
                data = await resp.read(self.max_body_bytes)
            finally:
                await resp.aclose()
        except (MCPError, OSError, ValueError) as exc:
            raise OAuthError(f"POST {url}: {exc}") from exc
        fields = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in resp.headers}
        return resp.status, fields, data

    async def register(self, endpoint: str, metadata: dict[str, Any]) -> ClientInformation:
        """Dynamic client registration (RFC 7591 §3.1)."""
        status, _, body = await self.post(
            endpoint, [("Content-Type", "application/json")], msgspec.json.encode(metadata)
        )
        if status not in (200, 201):
            raise error_message("client registration", status, body)
        info: ClientInformation = decode_json(body, ClientInformation, "client registration")
        return info


def client_assertion(key: PrivateKey, client_id: str, audience: str) -> str:
    """A ``private_key_jwt`` assertion (RFC 7523 §3; audience = the issuer, RFC 7523bis)."""
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "jti": secrets.token_urlsafe(16),
        "iat": now,
        "exp": now + DEFAULT_ASSERTION_LIFETIME_SECONDS,
    }
    return sign_jwt(key, claims)


def apply_client_auth(
    method: str,
    info: ClientInformation,
    asm: AuthorizationServerMetadata,
    form: list[tuple[str, str]],
    private_key: PrivateKey | None,
) -> list[tuple[str, str]]:
    """Add client authentication to ``form``; returns the extra headers."""
    if method == "client_secret_basic" and info.client_secret is not None:
        # RFC 6749 §2.3.1: both parts form-urlencoded before base64.
        pair = f"{quote(info.client_id, safe='')}:{quote(info.client_secret, safe='')}"
        return [("Authorization", "Basic " + base64.b64encode(pair.encode()).decode())]
    if method == "client_secret_post" and info.client_secret is not None:
        form += [("client_id", info.client_id), ("client_secret", info.client_secret)]
        return []
    if method == "private_key_jwt" and private_key is not None:
        form += [
            ("client_id", info.client_id),
            ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
            ("client_assertion", client_assertion(private_key, info.client_id, asm.issuer)),
        ]
        return []
    form.append(("client_id", info.client_id))
    return []


async def token_request(
    web: OAuthHTTP,
    endpoint: str,
    form: list[tuple[str, str]],
    headers: list[tuple[str, str]],
    *,
    dpop: DPoPKey | None = None,
    nonce: list[str | None] | None = None,
    what: str = "token request",
) -> TokenResponse:
    """POST ``form`` to a token endpoint; with DPoP, retry once on ``use_dpop_nonce``.

    ``nonce`` is a one-item cell holding the authorization server's latest DPoP nonce.
    """
    cell: list[str | None] = nonce if nonce is not None else [None]
    for _ in range(2):
        extra = list(headers)
        if dpop is not None:
            extra.append(("DPoP", dpop.proof("POST", endpoint, nonce=cell[0])))
        status, fields, body = await web.post(endpoint, [FORM, *extra], urlencode(form).encode())
        if "dpop-nonce" in fields:
            cell[0] = fields["dpop-nonce"]
        if status == 200:
            tokens: TokenResponse = decode_json(body, TokenResponse, what)
            if tokens.expires_in is not None:
                tokens.expires_at = time.time() + tokens.expires_in
            return tokens
        err = error_message(what, status, body)
        if not (dpop is not None and err.error == "use_dpop_nonce" and "dpop-nonce" in fields):
            raise err
    raise err
