"""Client-side OAuth (layer 4, public): the OAuth 2.1 client half of MCP authorization
(2025-11-25 basic/authorization.mdx).

``OAuthClient`` finds the authorization server from the resource's metadata (RFC 9728,
RFC 8414), registers when it must (RFC 7591, or a Client ID Metadata Document), runs a grant
and keeps the token fresh; pass it as ``connect(url, auth=...)``.  Grants:
``AuthorizationCode`` (PKCE, with ``LoopbackRedirect`` for a browser on this machine),
``ClientCredentials``, ``JWTBearer`` (RFC 7523) and ``EnterpriseManaged`` (token exchange for
an ID-JAG).  Tokens live in a ``TokenStorage`` (``InMemoryTokenStorage`` by default);
``DPoPKey`` binds them to a key (RFC 9449).  ``HTTPAuth`` is the hook ``OAuthClient``
implements: write one to bring other credentials.
docs/auth-and-security.md.
"""

from ._client.httpauth import HTTPAuth
from ._client.oauth import DPoPKey, OAuthClient, OAuthError
from ._client.oauth_grants import (
    AuthorizationCode,
    AuthorizationResponse,
    AuthorizeCallback,
    ClientCredentials,
    EnterpriseManaged,
    Grant,
    InMemoryTokenStorage,
    JWTBearer,
    TokenStorage,
)
from ._client.oauth_loopback import LoopbackRedirect

__all__ = [
    "AuthorizationCode",
    "AuthorizationResponse",
    "AuthorizeCallback",
    "ClientCredentials",
    "DPoPKey",
    "EnterpriseManaged",
    "Grant",
    "HTTPAuth",
    "InMemoryTokenStorage",
    "JWTBearer",
    "LoopbackRedirect",
    "OAuthClient",
    "OAuthError",
    "TokenStorage",
]
