"""OAuth client decisions that need no I/O: challenges, discovery URLs, checks (pure).

Everything here takes values and returns values: the ``WWW-Authenticate`` parser (RFC 9110
§11.6.1), the protected-resource-metadata candidates (RFC 9728 §3.1, MCP 2025-11-25
basic/authorization "Protected Resource Metadata Discovery Requirements"), the
authorization-server-metadata candidates (RFC 8414 §3.1 and OpenID Connect Discovery, in the
order 2025-11-25 gives), the 2025-03-26 default endpoints, resource matching (RFC 9728 §3.3,
RFC 8707), scope selection (2025-11-25 "Scope Selection Strategy", SEP-2207, SEP-2350) and
the RFC 9207 ``iss`` comparison (2026-07-28 basic/authorization "Authorization Response
Issuer Validation").
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from typing import Any, Final
from urllib.parse import urlencode, urlsplit, urlunsplit

import msgspec

from .._core import peerjson
from .._errors import AuthError

PRM_WELL_KNOWN: Final = "/.well-known/oauth-protected-resource"
OAUTH_AS_WELL_KNOWN: Final = "/.well-known/oauth-authorization-server"
OIDC_WELL_KNOWN: Final = "/.well-known/openid-configuration"
OFFLINE_ACCESS: Final = "offline_access"
# The endpoints 2025-03-26 basic/authorization "Fallbacks for Servers without Metadata
# Discovery" assumes on the authorization base URL.
LEGACY_DEFAULT_ENDPOINTS: Final = ("/authorize", "/token", "/register")
DEFAULT_MAX_CHALLENGE_BYTES: Final = 8 * 1024  # longest WWW-Authenticate we bother parsing


class OAuthError(AuthError):
    """An OAuth step failed; ``error`` is the RFC 6749 §5.2 code when the server sent one.

    An ``AuthError`` (status 401 unless given) so the request that triggered the flow
    fails with it.
    """

    def __init__(self, message: str, error: str | None = None, status: int = 401) -> None:
        super().__init__(status, message)
        self.error = error


class Challenge(msgspec.Struct, frozen=True):
    """One auth-scheme and its parameters (names lower-cased, values unquoted)."""

    scheme: str
    params: dict[str, str]


_TOKEN: Final = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_PARAM_RE: Final = re.compile(rf'\s*({_TOKEN})\s*=\s*(?:"((?:[^"\\]|\\.)*)"|({_TOKEN}))\s*(?:,|$)')
_SCHEME_RE: Final = re.compile(rf"\s*({_TOKEN})(?=[\s,]|$)\s*")
_TOKEN68_RE: Final = re.compile(r"\s*[A-Za-z0-9\-._~+/]+=*\s*(?:,|$)")


def parse_www_authenticate(value: str) -> list[Challenge]:
    """The challenges of a ``WWW-Authenticate`` value; a malformed tail is dropped."""
    text = value[:DEFAULT_MAX_CHALLENGE_BYTES]
    out: list[Challenge] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos] in ", \t":
            pos += 1
        scheme = _SCHEME_RE.match(text, pos)
        if scheme is None:
            return out
        pos = scheme.end()
        params: dict[str, str] = {}
        token68 = _TOKEN68_RE.match(text, pos)
        if _PARAM_RE.match(text, pos) is None and token68 is not None:
            pos = token68.end()  # a token68 credential-like value (RFC 9110 §11.2)
        while (param := _PARAM_RE.match(text, pos)) is not None:
            quoted, bare = param.group(2), param.group(3)
            raw = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare
            params.setdefault(param.group(1).lower(), raw)
            pos = param.end()
        out.append(Challenge(scheme.group(1).lower(), params))


def challenge_param(challenges: Sequence[Challenge], name: str) -> str | None:
    """``name`` from the first Bearer/DPoP challenge carrying it (else from any challenge)."""
    preferred = [c for c in challenges if c.scheme in ("bearer", "dpop")]
    for challenge in [*preferred, *challenges]:
        if name in challenge.params:
            return challenge.params[name]
    return None


# ---------------------------------------------------------------- metadata documents


class ProtectedResourceMetadata(msgspec.Struct, kw_only=True):
    """RFC 9728 §2 (the fields a client uses; others are ignored)."""

    resource: str
    authorization_servers: list[str] = []
    scopes_supported: list[str] | None = None
    bearer_methods_supported: list[str] | None = None
    dpop_signing_alg_values_supported: list[str] | None = None


class AuthorizationServerMetadata(msgspec.Struct, kw_only=True):
    """RFC 8414 §2 / OpenID Connect Discovery §3 (the fields a client uses)."""

    issuer: str
    authorization_endpoint: str | None = None
    token_endpoint: str | None = None
    registration_endpoint: str | None = None
    scopes_supported: list[str] | None = None
    response_types_supported: list[str] | None = None
    grant_types_supported: list[str] | None = None
    token_endpoint_auth_methods_supported: list[str] | None = None
    token_endpoint_auth_signing_alg_values_supported: list[str] | None = None
    code_challenge_methods_supported: list[str] | None = None
    authorization_response_iss_parameter_supported: bool = False
    client_id_metadata_document_supported: bool = False
    dpop_signing_alg_values_supported: list[str] | None = None


class TokenResponse(msgspec.Struct, kw_only=True):
    """RFC 6749 §5.1; ``expires_at`` is filled in by the client (seconds, its clock)."""

    access_token: str
    token_type: str = "Bearer"
    expires_in: float | None = None
    refresh_token: str | None = None
    scope: str | None = None
    expires_at: float | None = None
    issued_token_type: str | None = None


class ClientInformation(msgspec.Struct, kw_only=True):
    """RFC 7591 §3.2.1 (or pre-registered credentials, or a CIMD URL as ``client_id``)."""

    client_id: str
    client_secret: str | None = None
    token_endpoint_auth_method: str | None = None
    client_secret_expires_at: int | None = None


class ErrorResponse(msgspec.Struct):
    error: str = "unknown_error"
    error_description: str | None = None


def decode_json(data: bytes, kind: type[Any], what: str) -> Any:
    try:
        peerjson.check(data)
        return msgspec.json.decode(data, type=kind)
    except peerjson.InvalidJSON as exc:
        raise OAuthError(
            f"{what}: expected a JSON {kind.__name__}, got an invalid body: {exc.message}"
        ) from None
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise OAuthError(
            f"{what}: expected a JSON {kind.__name__}, got an invalid body: {exc}"
        ) from None


def error_message(what: str, status: int, body: bytes) -> OAuthError:
    try:
        peerjson.check(body)
        err = msgspec.json.decode(body, type=ErrorResponse)
    except (peerjson.InvalidJSON, msgspec.DecodeError, msgspec.ValidationError):
        text = body[:200].decode("utf-8", "replace")
        return OAuthError(f"{what}: HTTP {status}: {text}")
    detail = f" ({err.error_description})" if err.error_description else ""
    return OAuthError(f"{what}: HTTP {status}: {err.error}{detail}", err.error)


# ---------------------------------------------------------------- discovery URLs


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def _path(url: str) -> str:
    return urlsplit(url).path.rstrip("/")


def prm_candidates(server_url: str, resource_metadata: str | None) -> list[str]:
    """Where to look for protected resource metadata, in order (RFC 9728 §3.1, §5.1)."""
    out = [resource_metadata] if resource_metadata else []
    path = _path(server_url)
    if path:
        out.append(_origin(server_url) + PRM_WELL_KNOWN + path)
    out.append(_origin(server_url) + PRM_WELL_KNOWN)
    return list(dict.fromkeys(out))


def as_metadata_candidates(issuer: str) -> list[str]:
    """Authorization server metadata URLs for ``issuer`` (2025-11-25 order)."""
    origin, path = _origin(issuer), _path(issuer)
    if path:
        return [
            origin + OAUTH_AS_WELL_KNOWN + path,
            origin + OIDC_WELL_KNOWN + path,
            origin + path + OIDC_WELL_KNOWN,
        ]
    return [origin + OAUTH_AS_WELL_KNOWN, origin + OIDC_WELL_KNOWN]


def legacy_metadata(server_url: str) -> AuthorizationServerMetadata:
    """2025-03-26: no metadata anywhere, so the server's origin serves the default paths."""
    origin = _origin(server_url)
    authorize, token, register = (origin + p for p in LEGACY_DEFAULT_ENDPOINTS)
    return AuthorizationServerMetadata(
        issuer=origin,
        authorization_endpoint=authorize,
        token_endpoint=token,
        registration_endpoint=register,
    )


def canonical_resource(server_url: str) -> str:
    """The canonical server URI (RFC 8707 §2, 2025-11-25 "Canonical Server URI").

    Lower-case scheme and host, no fragment, no trailing slash on a bare origin.
    """
    parts = urlsplit(server_url)
    path = "" if parts.path == "/" else parts.path
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def resource_matches(resource: str, server_url: str) -> bool:
    """Whether PRM ``resource`` may stand for ``server_url`` (RFC 9728 §3.3).

    The same origin, and the resource's path is the server's path or a parent of it
    (metadata served at the root describes everything below it).
    """
    a, b = urlsplit(canonical_resource(resource)), urlsplit(canonical_resource(server_url))
    if (a.scheme, a.netloc) != (b.scheme, b.netloc) or a.fragment:
        return False
    mine, theirs = a.path.rstrip("/"), b.path.rstrip("/")
    return theirs == mine or theirs.startswith(mine + "/")


_HTTPS_RULE: Final = (
    "OAuth 2.1 §1.5 and MCP basic/authorization 'Communication Security': authorization "
    "server endpoints MUST be served over https; plain http only to a loopback host"
)


def address_class(host: str) -> str | None:
    """ "loopback", "link-local", "private" (or unspecified, multicast, reserved) for a
    host that is such an address (or ``localhost``), else None (a public address or a
    name, which this pure check does not resolve)."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return "loopback"
    try:
        ip = ipaddress.ip_address(name.partition("%")[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_private or ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        return "private"
    return None


def check_endpoint(url: str, what: str) -> str:
    """An endpoint the client will call or open: https, or http to a loopback host."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "https" or (
        scheme == "http" and address_class(parts.hostname or "") == "loopback"
    ):
        return url
    raise OAuthError(f"{what} {url[:200]!r} refused: {_HTTPS_RULE}")


def check_metadata_url(url: str, what: str, server_url: str, *, allow_private: bool) -> str:
    """A metadata document the client will fetch: ``check_endpoint``, and never from a
    link-local, private or loopback address unless the MCP server is itself there (its own
    origin is always allowed) or the user opted in (``allow_private``): a challenge's
    ``resource_metadata`` or a PRM's ``authorization_servers`` is chosen by the server,
    and must not make the client fetch from the network it sits in (SSRF; MCP
    basic/authorization "Security Considerations")."""
    check_endpoint(url, what)
    if allow_private:
        return url
    host = urlsplit(url).hostname or ""
    kind = address_class(host)
    if kind is None or _origin(url) == _origin(server_url):
        return url
    server_kind = address_class(urlsplit(server_url).hostname or "")
    if kind == server_kind or (kind == "private" and server_kind == "loopback"):
        return url  # a local deployment: the MCP server is on that network itself
    raise OAuthError(
        f"{what} {url[:200]!r} refused: it is on a {kind} address and the MCP server is "
        "not; pass allow_private_metadata=True to fetch metadata from a private network"
    )


# ---------------------------------------------------------------- scopes and iss


def select_scopes(
    challenged: str | None,
    prm: ProtectedResourceMetadata | None,
    asm: AuthorizationServerMetadata | None,
    *,
    previous: Iterable[str] = (),
    offline_access: bool = True,
) -> list[str]:
    """The scopes to request, in order (2025-11-25 "Scope Selection Strategy").

    The challenge's ``scope``, else the PRM's ``scopes_supported``, else none; then the
    scopes already requested (SEP-2350: step-up must not lose them) and ``offline_access``
    when the authorization server lists it (SEP-2207).
    """
    if challenged is not None:
        wanted = challenged.split()
    elif prm is not None and prm.scopes_supported:
        wanted = list(prm.scopes_supported)
    else:
        wanted = []
    scopes = list(dict.fromkeys([*previous, *wanted]))
    if (
        scopes
        and offline_access
        and asm is not None
        and OFFLINE_ACCESS in (asm.scopes_supported or ())
        and OFFLINE_ACCESS not in scopes
    ):
        scopes.append(OFFLINE_ACCESS)
    return scopes


def check_iss(asm: AuthorizationServerMetadata, iss: str | None) -> None:
    """Validate the authorization response's ``iss`` (RFC 9207 §2.4, 2026-07-28 table).

    Simple string comparison: no case folding, port elision or trailing-slash removal.
    """
    if iss is None:
        if asm.authorization_response_iss_parameter_supported:
            raise OAuthError(
                "authorization response: the server advertises iss but the response has none",
                "invalid_request",
            )
        return
    if iss != asm.issuer:
        raise OAuthError(
            f"authorization response: expected iss {asm.issuer!r}, got {iss!r}",
            "invalid_request",
        )


def authorization_url(
    endpoint: str,
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    code_challenge: str,
    resource: str,
    scopes: Sequence[str],
) -> str:
    """The authorization request (OAuth 2.1 §4.1.1, PKCE S256, RFC 8707 ``resource``)."""
    query: list[tuple[str, str]] = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("state", state),
        ("code_challenge", code_challenge),
        ("code_challenge_method", "S256"),
        ("resource", resource),
    ]
    if scopes:
        query.append(("scope", " ".join(scopes)))
    parts = urlsplit(endpoint)
    joined = (parts.query + "&" if parts.query else "") + urlencode(query)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, joined, ""))


def choose_auth_method(
    asm: AuthorizationServerMetadata, info: ClientInformation, has_private_key: bool
) -> str:
    """The token endpoint auth method: what registration said, else what both support."""
    if info.token_endpoint_auth_method:
        return info.token_endpoint_auth_method
    supported = asm.token_endpoint_auth_methods_supported
    if supported is None:
        supported = ["client_secret_basic"]  # RFC 8414 §2 default
    if has_private_key and "private_key_jwt" in supported:
        return "private_key_jwt"
    if info.client_secret:
        for method in ("client_secret_basic", "client_secret_post"):
            if method in supported:
                return method
        return "client_secret_basic"
    return "none"
