"""The OAuth 2.1 client for streamable HTTP: ``OAuthClient`` (layer 3).

It starts on a 401 (2025-11-25 basic/authorization "Authorization Flow Steps"): protected
resource metadata discovery (``resource_metadata`` from the challenge, then the RFC 9728
well-known URLs), authorization server metadata (RFC 8414 / OpenID discovery, or the
2025-03-26 default endpoints), client identification (pre-registered, a Client ID Metadata
Document URL, or RFC 7591 registration), then a grant: authorization code with PKCE S256
and ``resource`` (default), client credentials (SEP-1046), a JWT bearer assertion
(RFC 7523, workload identity) or enterprise-managed authorization (SEP-990: RFC 8693 token
exchange at the IdP, then the JWT bearer grant).  Tokens and client registrations are kept
per issuer in a pluggable ``TokenStorage`` (2026-07-28: credentials are bound to the
authorization server that issued them, SEP-2352).  A 403 ``insufficient_scope`` steps up
with the union of scopes (SEP-2350).  DPoP (RFC 9449) is used when asked for, or by
default when the authorization server advertises ES256 for it.

Plug it into the transport: ``StreamableHTTPTransport(url, auth=OAuthClient(url, ...))``.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
import time
from collections.abc import Mapping
from typing import Any, Final, NamedTuple
from urllib.parse import urlsplit

from .._auth.jose import PrivateKey, load_private_key, s256
from .._auth.oauth_metadata import (
    AuthorizationServerMetadata,
    ClientInformation,
    OAuthError,
    ProtectedResourceMetadata,
    TokenResponse,
    address_class,
    as_metadata_candidates,
    authorization_url,
    canonical_resource,
    challenge_param,
    check_endpoint,
    check_iss,
    check_metadata_url,
    choose_auth_method,
    decode_json,
    legacy_metadata,
    parse_www_authenticate,
    prm_candidates,
    resource_matches,
    select_scopes,
)
from .._client.oauth_flows import (
    DPoPKey,
    OAuthHTTP,
    announce_signing_backend,
    apply_client_auth,
    token_request,
)
from .._client.oauth_grants import (
    AuthorizationCode,
    AuthorizationResponse,
    AuthorizeCallback,
    ClientCredentials,
    EnterpriseManaged,
    Grant,
    InMemoryTokenStorage,
    JWTBearer,
    TokenStorage,
    resolve_assertion,
)
from .._io.httpclient import HTTPClient

__all__ = [
    "AuthorizationCode",
    "AuthorizationResponse",
    "AuthorizeCallback",
    "ClientCredentials",
    "DPoPKey",
    "EnterpriseManaged",
    "Grant",
    "InMemoryTokenStorage",
    "JWTBearer",
    "OAuthClient",
    "OAuthError",
    "TokenStorage",
]

log = logging.getLogger(__name__)

DEFAULT_REFRESH_MARGIN_SECONDS: Final = 30.0  # refresh this long before expiry
DEFAULT_CLIENT_NAME: Final = "mcplite"
GRANT_JWT_BEARER: Final = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GRANT_TOKEN_EXCHANGE: Final = "urn:ietf:params:oauth:grant-type:token-exchange"
TOKEN_TYPE_ID_TOKEN: Final = "urn:ietf:params:oauth:token-type:id_token"
TOKEN_TYPE_ID_JAG: Final = "urn:ietf:params:oauth:token-type:id-jag"


class _Context(NamedTuple):
    issuer: str
    asm: AuthorizationServerMetadata
    prm: ProtectedResourceMetadata | None
    resource: str


class OAuthClient:
    """An ``HTTPAuth`` that obtains, stores, refreshes and presents OAuth tokens."""

    def __init__(
        self,
        server_url: str,
        grant: Grant,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        client_issuer: str | None = None,
        private_key: PrivateKey | str | bytes | None = None,
        client_metadata_url: str | None = None,
        client_metadata: Mapping[str, Any] | None = None,
        scopes: list[str] | None = None,
        offline_access: bool = True,
        dpop: bool | DPoPKey | None = None,
        storage: TokenStorage | None = None,
        http: HTTPClient | None = None,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN_SECONDS,
        allow_private_metadata: bool = False,
    ) -> None:
        self.server_url = server_url
        # Fetch metadata named by the server from private/link-local/loopback addresses
        # even when the MCP server is not on them (SSRF guard off).
        self.allow_private_metadata = allow_private_metadata
        self.grant = grant
        self.client_id = client_id
        self.client_secret = client_secret
        self.client_issuer = client_issuer
        if isinstance(private_key, (str, bytes)):
            private_key = load_private_key(private_key)
        if private_key is not None:
            announce_signing_backend()
        self.private_key = private_key
        self.client_metadata_url = client_metadata_url
        self.client_metadata = dict(client_metadata or {})
        self.scopes = scopes
        self.offline_access = offline_access
        self.dpop_key = dpop if isinstance(dpop, DPoPKey) else DPoPKey() if dpop else None
        self._dpop_auto = dpop is None
        self.storage: TokenStorage = storage or InMemoryTokenStorage()
        self._own_http = http is None
        self._web = OAuthHTTP(http or HTTPClient())
        self.refresh_margin = refresh_margin
        self._lock = asyncio.Lock()
        self._issuer: str | None = None
        self._ctx: _Context | None = None
        self._tokens: TokenResponse | None = None
        self._requested: list[str] = []
        self._generation = 0
        self._as_nonce: list[str | None] = [None]
        self._rs_nonce: str | None = None

    # ------------------------------------------------------------------ HTTPAuth

    async def headers(self, method: str, url: str) -> list[tuple[str, str]]:
        """The ``Authorization`` (and ``DPoP``) headers for a request, once a token is at hand."""
        tokens = self._tokens
        if (
            tokens is not None
            and tokens.expires_at is not None
            and tokens.refresh_token
            and time.time() >= tokens.expires_at - self.refresh_margin
        ):
            async with self._lock:
                if self._tokens is tokens and self._ctx is not None:
                    await self._refresh(self._ctx, tokens)
            tokens = self._tokens
        if tokens is None:
            return []
        if tokens.token_type.lower() == "dpop" and self.dpop_key is not None:
            proof = self.dpop_key.proof(
                method, url, access_token=tokens.access_token, nonce=self._rs_nonce
            )
            return [("Authorization", f"DPoP {tokens.access_token}"), ("DPoP", proof)]
        return [("Authorization", f"Bearer {tokens.access_token}")]

    async def on_response(
        self, method: str, url: str, status: int, headers: Mapping[str, str]
    ) -> bool:
        """React to a 401/403: authorize, refresh or step up; True to resend the request."""
        challenges = parse_www_authenticate(headers.get("www-authenticate", ""))
        error = challenge_param(challenges, "error")
        if error == "use_dpop_nonce" and "dpop-nonce" in headers:
            self._rs_nonce = headers["dpop-nonce"]  # RFC 9449 §9
            return True
        if status == 403 and error != "insufficient_scope":
            return False  # not something authorization can fix
        seen = self._generation
        async with self._lock:
            if self._generation != seen:
                return True  # another request already re-authorized
            await self.authorize(
                scope=challenge_param(challenges, "scope"),
                resource_metadata=challenge_param(challenges, "resource_metadata"),
                step_up=status == 403,
            )
        return True

    async def aclose(self) -> None:
        """Release the HTTP connections the OAuth flows used."""
        if self._own_http:
            await self._web.http.aclose()

    # ------------------------------------------------------------------ the flow

    @property
    def tokens(self) -> TokenResponse | None:
        """The stored tokens of the current authorization server, if any."""
        return self._tokens

    async def authorize(
        self,
        *,
        scope: str | None = None,
        resource_metadata: str | None = None,
        step_up: bool = False,
    ) -> TokenResponse:
        """Discover, identify the client and run the grant; the new tokens are stored."""
        ctx = await self.discover(resource_metadata)
        algs = ctx.asm.dpop_signing_alg_values_supported or ()
        if self._dpop_auto and self.dpop_key is None and "ES256" in algs:
            self.dpop_key = DPoPKey()  # RFC 9449 §5.1: the server takes ES256 proofs
        stored = await self.storage.get_tokens(ctx.issuer)
        if not step_up and stored is not None and stored.refresh_token:
            try:
                return await self._refresh(ctx, stored)
            except OAuthError as exc:
                log.info("refresh failed, authorizing again: %s", exc)
        previous = self._requested if step_up and self._issuer == ctx.issuer else []
        if self.scopes is not None:
            scopes = list(dict.fromkeys([*previous, *self.scopes]))
        else:
            scopes = select_scopes(
                scope, ctx.prm, ctx.asm, previous=previous, offline_access=self.offline_access
            )
        client = await self._client_for(ctx)
        tokens = await self._run_grant(ctx, client, scopes)
        self._requested = scopes
        return await self._keep(ctx, tokens)

    async def discover(self, resource_metadata: str | None = None) -> _Context:
        """Protected resource then authorization server metadata (fresh on every call)."""
        prm: ProtectedResourceMetadata | None = None
        for url in prm_candidates(self.server_url, resource_metadata):
            status, body = await self._get_metadata(url, "protected resource metadata")
            if status == 200:
                prm = decode_json(body, ProtectedResourceMetadata, "protected resource metadata")
                break
        if prm is not None:
            if not resource_matches(prm.resource, self.server_url):
                raise OAuthError(
                    f"protected resource metadata: expected a resource for {self.server_url!r},"
                    f" got {prm.resource!r} (RFC 9728 §3.3)"
                )
            if not prm.authorization_servers:
                raise OAuthError("protected resource metadata lists no authorization_servers")
            issuer = check_metadata_url(
                prm.authorization_servers[0],
                "authorization server",
                self.server_url,
                allow_private=self.allow_private_metadata,
            )
            resource = prm.resource
        else:  # 2025-03-26: the MCP server's origin is the authorization server
            issuer = legacy_metadata(self.server_url).issuer
            resource = canonical_resource(self.server_url)
        asm = await self._as_metadata(issuer)
        return _Context(issuer, asm, prm, resource)

    async def _as_metadata(self, issuer: str) -> AuthorizationServerMetadata:
        for url in as_metadata_candidates(issuer):
            status, body = await self._get_metadata(url, "authorization server metadata")
            if status != 200:
                continue
            asm: AuthorizationServerMetadata = decode_json(
                body, AuthorizationServerMetadata, "authorization server metadata"
            )
            if asm.issuer != issuer:  # RFC 8414 §3.3: identical, or the document is unusable
                raise OAuthError(
                    f"authorization server metadata at {url}: expected issuer {issuer!r}, "
                    f"got {asm.issuer!r}"
                )
            methods = asm.code_challenge_methods_supported
            if isinstance(self.grant, AuthorizationCode) and methods and "S256" not in methods:
                raise OAuthError(f"authorization server {issuer!r} does not support PKCE S256")
            return asm
        return legacy_metadata(issuer)

    async def _get_metadata(self, url: str, what: str) -> tuple[int, bytes]:
        """GET a metadata document after the transport and address rules."""
        check_metadata_url(url, what, self.server_url, allow_private=self.allow_private_metadata)
        if not self.allow_private_metadata:
            await self._check_resolved(url, what)
        return await self._web.get(url)

    async def _check_resolved(self, url: str, what: str) -> None:
        """The address rule for a host name: where it resolves (a name pointing at, say,
        169.254.169.254 is refused like the address itself)."""
        parts, server = urlsplit(url), urlsplit(self.server_url)
        host = parts.hostname or ""
        if host == server.hostname or address_class(host) is not None:
            return  # the server's own host, or an address already judged
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, parts.port or 443, type=socket.SOCK_STREAM
            )
        except OSError:
            return  # the GET itself fails and says so
        for info in infos:
            address = str(info[4][0])
            literal = f"[{address}]" if ":" in address else address
            try:
                check_metadata_url(
                    f"{parts.scheme}://{literal}/", what, self.server_url, allow_private=False
                )
            except OAuthError:
                raise OAuthError(
                    f"{what} {url[:200]!r} refused: {host} resolves to {address}, a "
                    f"{address_class(address)} address, and the MCP server is not on that "
                    "network; pass allow_private_metadata=True to allow it"
                ) from None

    async def _client_for(self, ctx: _Context) -> ClientInformation:
        stored = await self.storage.get_client(ctx.issuer)
        if stored is not None:
            return stored
        asm = ctx.asm
        if self.client_id is not None and self.client_issuer in (None, ctx.issuer):
            client = ClientInformation(client_id=self.client_id, client_secret=self.client_secret)
        elif self.client_metadata_url is not None and asm.client_id_metadata_document_supported:
            client = ClientInformation(
                client_id=self.client_metadata_url,
                token_endpoint_auth_method="private_key_jwt" if self.private_key else "none",
            )
        elif asm.registration_endpoint is not None:
            client = await self._web.register(
                check_endpoint(asm.registration_endpoint, "registration endpoint"),
                self.registration_metadata(asm),
            )
        else:
            raise OAuthError(
                f"no way to identify this client to {ctx.issuer!r}: no client_id given, no "
                "client ID metadata document support and no registration endpoint"
            )
        await self.storage.set_client(ctx.issuer, client)
        return client

    def registration_metadata(self, asm: AuthorizationServerMetadata) -> dict[str, Any]:
        """RFC 7591 §2 client metadata (``application_type`` per SEP-837)."""
        grant = self.grant
        meta: dict[str, Any] = {"client_name": DEFAULT_CLIENT_NAME}
        if isinstance(grant, AuthorizationCode):
            host = grant.redirect_uri.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]
            loopback = host in ("localhost", "127.0.0.1", "[::1]")
            meta.update(
                redirect_uris=[grant.redirect_uri],
                grant_types=["authorization_code", "refresh_token"],
                response_types=["code"],
                application_type="native" if loopback else "web",
            )
        elif isinstance(grant, ClientCredentials):
            meta.update(grant_types=["client_credentials"], application_type="web")
        else:
            meta.update(grant_types=[GRANT_JWT_BEARER], application_type="web")
        supported = asm.token_endpoint_auth_methods_supported or []
        if self.private_key is not None and "private_key_jwt" in supported:
            meta["token_endpoint_auth_method"] = "private_key_jwt"
            meta["jwks"] = {"keys": [self.private_key.public_jwk()]}
        elif supported and "none" in supported and len(supported) == 1:
            meta["token_endpoint_auth_method"] = "none"
        elif supported:
            for method in ("client_secret_basic", "client_secret_post", "none"):
                if method in supported:
                    meta["token_endpoint_auth_method"] = method
                    break
        meta.update(self.client_metadata)
        return meta

    async def _token(
        self, ctx: _Context, client: ClientInformation, form: list[tuple[str, str]], what: str
    ) -> TokenResponse:
        endpoint = ctx.asm.token_endpoint
        if endpoint is None:
            raise OAuthError(f"authorization server {ctx.issuer!r} has no token_endpoint")
        method = choose_auth_method(ctx.asm, client, self.private_key is not None)
        headers = apply_client_auth(method, client, ctx.asm, form, self.private_key)
        return await token_request(
            self._web,
            check_endpoint(endpoint, "token endpoint"),
            form,
            headers,
            dpop=self.dpop_key,
            nonce=self._as_nonce,
            what=what,
        )

    async def _run_grant(
        self, ctx: _Context, client: ClientInformation, scopes: list[str]
    ) -> TokenResponse:
        grant = self.grant
        scope = [("scope", " ".join(scopes))] if scopes else []
        if isinstance(grant, AuthorizationCode):
            return await self._authorization_code(ctx, client, grant, scopes)
        if isinstance(grant, ClientCredentials):
            form = [("grant_type", "client_credentials"), ("resource", ctx.resource), *scope]
            return await self._token(ctx, client, form, "client credentials grant")
        if isinstance(grant, JWTBearer):
            assertion = await resolve_assertion(grant.assertion)
        else:
            assertion = await self._id_jag(ctx, grant, scopes)
        form = [("grant_type", GRANT_JWT_BEARER), ("assertion", assertion)]
        form += [("resource", ctx.resource), *scope]
        return await self._token(ctx, client, form, "JWT bearer grant")

    async def _authorization_code(
        self,
        ctx: _Context,
        client: ClientInformation,
        grant: AuthorizationCode,
        scopes: list[str],
    ) -> TokenResponse:
        endpoint = ctx.asm.authorization_endpoint
        if endpoint is None:
            raise OAuthError(f"authorization server {ctx.issuer!r} has no authorization_endpoint")
        verifier = secrets.token_urlsafe(48)  # RFC 7636 §4.1: 43-128 unreserved characters
        state = secrets.token_urlsafe(24)
        url = authorization_url(
            check_endpoint(endpoint, "authorization endpoint"),
            client_id=client.client_id,
            redirect_uri=grant.redirect_uri,
            state=state,
            code_challenge=s256(verifier),
            resource=ctx.resource,
            scopes=scopes,
        )
        response = await grant.authorize(url)
        if response.state != state:
            raise OAuthError(
                f"authorization response: expected state {state!r}, got {response.state!r}"
            )
        check_iss(ctx.asm, response.iss)
        form = [
            ("grant_type", "authorization_code"),
            ("code", response.code),
            ("redirect_uri", grant.redirect_uri),
            ("code_verifier", verifier),
            ("resource", ctx.resource),
        ]
        return await self._token(ctx, client, form, "authorization code exchange")

    async def _id_jag(self, ctx: _Context, grant: EnterpriseManaged, scopes: list[str]) -> str:
        """SEP-990 step 1: RFC 8693 token exchange of the ID token for an ID-JAG."""
        form = [
            ("grant_type", GRANT_TOKEN_EXCHANGE),
            ("requested_token_type", TOKEN_TYPE_ID_JAG),
            ("subject_token", await resolve_assertion(grant.id_token)),
            ("subject_token_type", TOKEN_TYPE_ID_TOKEN),
            ("audience", ctx.issuer),
            ("resource", ctx.resource),
        ]
        if scopes:
            form.append(("scope", " ".join(scopes)))
        form += list(grant.extra.items())
        idp = ClientInformation(
            client_id=grant.idp_client_id or "", client_secret=grant.idp_client_secret
        )
        headers: list[tuple[str, str]] = []
        if grant.idp_client_id is not None:
            method = "client_secret_post" if grant.idp_client_secret else "none"
            headers = apply_client_auth(method, idp, ctx.asm, form, None)
        tokens = await token_request(
            self._web,
            check_endpoint(grant.idp_token_endpoint, "IdP token endpoint"),
            form,
            headers,
            what="token exchange at the IdP",
        )
        if tokens.issued_token_type not in (None, TOKEN_TYPE_ID_JAG):
            raise OAuthError(
                f"token exchange: expected an ID-JAG, got {tokens.issued_token_type!r}"
            )
        return tokens.access_token

    async def _refresh(self, ctx: _Context, tokens: TokenResponse) -> TokenResponse:
        assert tokens.refresh_token is not None
        client = await self._client_for(ctx)
        form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens.refresh_token),
            ("resource", ctx.resource),
        ]
        fresh = await self._token(ctx, client, form, "token refresh")
        if fresh.refresh_token is None:
            fresh.refresh_token = tokens.refresh_token  # RFC 6749 §6: the old one stays valid
        return await self._keep(ctx, fresh)

    async def _keep(self, ctx: _Context, tokens: TokenResponse) -> TokenResponse:
        if tokens.token_type.lower() == "dpop" and self.dpop_key is None:
            raise OAuthError("the token endpoint issued a DPoP-bound token without a DPoP proof")
        await self.storage.set_tokens(ctx.issuer, tokens)
        self._ctx, self._issuer, self._tokens = ctx, ctx.issuer, tokens
        self._generation += 1
        return tokens
