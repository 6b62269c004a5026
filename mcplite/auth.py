"""Server-side auth (layer 4, public): the OAuth 2.1 resource-server half of MCP
authorization (2025-11-25 basic/authorization.mdx).

``RequireBearerToken`` (the Go SDK's name) is the HTTP middleware that checks
``Authorization: Bearer`` and answers 401/403 with ``WWW-Authenticate`` (RFC 6750 §3);
``ProtectedResourceMetadata`` is served at ``WELL_KNOWN_PATH`` (RFC 9728).  A verifier turns a
token into a ``TokenInfo``: ``StaticTokenVerifier`` (a fixed table, for tests and internal
services), ``JWTVerifier`` (RFC 9068 JWTs against the issuer's JWK Set) and
``IntrospectionTokenVerifier`` (RFC 7662), or your own ``TokenVerifier``.  Inside a handler,
``current_auth()`` (or ``ctx.auth``) is the verified token.  docs/auth-and-security.md.
"""

from ._auth.bearer import DEFAULT_LEEWAY_SECONDS, DEFAULT_MAX_TOKEN_BYTES, TokenInfo
from ._server.bearer import (
    WELL_KNOWN_PATH,
    InvalidTokenError,
    ProtectedResourceMetadata,
    RequireBearerToken,
    StaticTokenVerifier,
    TokenVerifier,
    current_auth,
)
from ._server.verifiers import IntrospectionTokenVerifier, JWTVerifier

__all__ = [
    "DEFAULT_LEEWAY_SECONDS",
    "DEFAULT_MAX_TOKEN_BYTES",
    "WELL_KNOWN_PATH",
    "IntrospectionTokenVerifier",
    "InvalidTokenError",
    "JWTVerifier",
    "ProtectedResourceMetadata",
    "RequireBearerToken",
    "StaticTokenVerifier",
    "TokenInfo",
    "TokenVerifier",
    "current_auth",
]
