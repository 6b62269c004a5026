"""The pluggable parts of ``OAuthClient``: grants, token storage, redirect results (layer 3).

Grants: ``AuthorizationCode`` (OAuth 2.1 §4.1 with PKCE), ``ClientCredentials`` (SEP-1046),
``JWTBearer`` (RFC 7523 §2.1; workload identity, SEP-1933) and ``EnterpriseManaged``
(SEP-990).  Storage is keyed by authorization server issuer: credentials from one issuer
are never offered to another (2026-07-28 basic/authorization, SEP-2352).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from .._auth.oauth_metadata import ClientInformation, TokenResponse


class AuthorizationResponse(NamedTuple):
    """What the redirect brought back (OAuth 2.1 §4.1.2, RFC 9207 ``iss``)."""

    code: str
    state: str | None
    iss: str | None = None


AuthorizeCallback = Callable[[str], Awaitable[AuthorizationResponse]]
AssertionSource = str | Callable[[], Awaitable[str]]


class TokenStorage(Protocol):
    """Where tokens and client registrations live, keyed by authorization server issuer."""

    async def get_tokens(self, issuer: str) -> TokenResponse | None:
        """The tokens stored for ``issuer``, or None."""
        ...

    async def set_tokens(self, issuer: str, tokens: TokenResponse | None) -> None:
        """Store (or, with None, forget) the tokens for ``issuer``."""
        ...

    async def get_client(self, issuer: str) -> ClientInformation | None:
        """The client registration stored for ``issuer``, or None."""
        ...

    async def set_client(self, issuer: str, client: ClientInformation | None) -> None:
        """Store (or, with None, forget) the client registration for ``issuer``."""
        ...


class InMemoryTokenStorage:
    """The default ``TokenStorage``: a dict per kind, gone with the process."""

    def __init__(self) -> None:
        self.tokens: dict[str, TokenResponse] = {}
        self.clients: dict[str, ClientInformation] = {}

    async def get_tokens(self, issuer: str) -> TokenResponse | None:
        """The tokens stored for ``issuer``, or None."""
        return self.tokens.get(issuer)

    async def set_tokens(self, issuer: str, tokens: TokenResponse | None) -> None:
        """Store (or, with None, forget) the tokens for ``issuer``."""
        if tokens is None:
            self.tokens.pop(issuer, None)
        else:
            self.tokens[issuer] = tokens

    async def get_client(self, issuer: str) -> ClientInformation | None:
        """The client registration stored for ``issuer``, or None."""
        return self.clients.get(issuer)

    async def set_client(self, issuer: str, client: ClientInformation | None) -> None:
        """Store (or, with None, forget) the client registration for ``issuer``."""
        if client is None:
            self.clients.pop(issuer, None)
        else:
            self.clients[issuer] = client


# ---------------------------------------------------------------- grants


@dataclass
class AuthorizationCode:
    """Authorization code + PKCE; ``authorize`` sends the user to the URL and returns
    what the redirect to ``redirect_uri`` carried."""

    authorize: AuthorizeCallback
    redirect_uri: str


@dataclass
class ClientCredentials:
    """The client credentials grant (SEP-1046); needs a client secret or private key."""


@dataclass
class JWTBearer:
    """RFC 7523 §2.1 with an assertion from elsewhere (workload identity, SEP-1933)."""

    assertion: AssertionSource


@dataclass
class EnterpriseManaged:
    """SEP-990: the IdP's ID token -> ID-JAG (RFC 8693) -> access token (RFC 7523)."""

    idp_token_endpoint: str
    id_token: AssertionSource
    idp_client_id: str | None = None
    idp_client_secret: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


Grant = AuthorizationCode | ClientCredentials | JWTBearer | EnterpriseManaged


async def resolve_assertion(source: AssertionSource) -> str:
    return source if isinstance(source, str) else await source()
