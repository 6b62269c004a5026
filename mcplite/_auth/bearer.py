"""Bearer-token authorization, the pure part (layer 1).

- ``extract_bearer``: the ``Authorization: Bearer <b64token>`` header (RFC 6750 §2.1).
- ``authorize``: the decision once a verifier has looked at the token: expiry with clock-skew
  tolerance, required scopes (RFC 6750 §3.1; MCP 2025-11-25 / 2026-07-28
  basic/authorization "Error Handling" and "Scope Challenge Handling").
- ``Denial``: a refusal, rendered as status + ``WWW-Authenticate`` challenge + JSON body,
  with ``resource_metadata`` pointing at the RFC 9728 document.
- ``parse_www_authenticate`` / ``format_challenge``: RFC 9110 §11.6.1 challenges, both ways.

Values in, values out: the clock is a parameter (``now``, seconds since the epoch).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, Final

import msgspec

from .._errors import RemoteProtocolError

__all__ = [
    "DEFAULT_LEEWAY_SECONDS",
    "DEFAULT_MAX_TOKEN_BYTES",
    "Challenge",
    "Denial",
    "TokenInfo",
    "authorize",
    "extract_bearer",
    "format_challenge",
    "format_scope",
    "missing_scopes",
    "parse_scope",
    "parse_www_authenticate",
    "quote",
]

DEFAULT_LEEWAY_SECONDS: Final = 60.0  # clock skew tolerated between us and the token issuer
DEFAULT_MAX_TOKEN_BYTES: Final = 16 * 1024  # a bearer token longer than this is refused (401)
MAX_CHALLENGE_CHARS: Final = 16 * 1024  # WWW-Authenticate values we are willing to parse

# RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
_B64TOKEN: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/")
# RFC 9110 §5.6.2: tchar
_TCHAR: Final = frozenset(
    "!#$%&'*+-.^_`|~ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)
# RFC 6749 §3.3 scope-token and RFC 6750 §3 error_description: %x20-21 / %x23-5B / %x5D-7E
# (no DQUOTE, no backslash); scope-token additionally excludes SP.
_NQCHAR: Final = frozenset(chr(c) for c in range(0x20, 0x7F) if chr(c) not in '"\\')
_SCOPE_CHAR: Final = _NQCHAR - {" "}


class TokenInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What a verifier learned about a valid access token.

    ``subject`` identifies the user (JWT ``sub``, introspection ``sub``/``username``); it binds
    an HTTP session to its user.  ``expires_at`` is seconds since the epoch (None: the
    verifier knows no expiry).  ``claims`` holds everything else the verifier saw.
    """

    subject: str | None = None
    client_id: str | None = None
    scopes: frozenset[str] = frozenset()
    expires_at: float | None = None
    audience: tuple[str, ...] = ()
    issuer: str | None = None
    claims: dict[str, Any] = msgspec.field(default_factory=dict)

    @property
    def user_id(self) -> str | None:
        """Alias of ``subject`` (the Go SDK's name)."""
        return self.subject


class Denial(msgspec.Struct, frozen=True):
    """A refused request: ``status`` 400/401/403 and the RFC 6750 §3.1 ``error`` code.

    ``error`` is None when the request carried no bearer credentials at all: RFC 6750 §3.1
    says the challenge then SHOULD NOT carry an error code.  ``scope`` lists the scopes the
    operation needs (MCP "Scope Selection Strategy": the challenge's scopes are authoritative).
    """

    status: int
    error: str | None = None
    description: str | None = None
    scope: tuple[str, ...] = ()

    def challenge(self, resource_metadata: str | None = None, realm: str | None = None) -> str:
        """The ``WWW-Authenticate`` value: ``Bearer resource_metadata="…", scope="…", …``."""
        params: dict[str, str] = {}
        if realm is not None:
            params["realm"] = realm
        if resource_metadata is not None:
            params["resource_metadata"] = resource_metadata
        if self.scope:
            params["scope"] = format_scope(self.scope)
        if self.error is not None:
            params["error"] = self.error
            if self.description:
                params["error_description"] = _clean_description(self.description)
        return format_challenge("Bearer", params)

    def response(
        self, resource_metadata: str | None = None, realm: str | None = None
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """``(status, headers, body)``; the body is the OAuth error JSON (RFC 6749 §5.2)."""
        headers = [
            (b"www-authenticate", self.challenge(resource_metadata, realm).encode("latin-1")),
            (b"content-type", b"application/json"),
            (b"cache-control", b"no-store"),
        ]
        doc: dict[str, str] = {"error": self.error or "invalid_token"}
        if self.description:
            doc["error_description"] = self.description
        return self.status, headers, msgspec.json.encode(doc)


# ---------------------------------------------------------------------------- scopes


def parse_scope(value: str | None) -> frozenset[str]:
    """A space-delimited scope string (RFC 6749 §3.3) as a set; None/empty -> empty set."""
    if not value:
        return frozenset()
    return frozenset(s for s in value.split(" ") if s)


def format_scope(scopes: Iterable[str]) -> str:
    """Scopes joined by single spaces, in the given order, duplicates dropped.

    ValueError for a scope that RFC 6749 §3.3 does not allow (empty, SP, DQUOTE, backslash,
    control or non-ASCII characters): such a scope cannot travel in a challenge.
    """
    seen: dict[str, None] = {}
    for s in scopes:
        if not s or not _SCOPE_CHAR.issuperset(s):
            raise ValueError(f"expected a scope token (RFC 6749 §3.3), got {s!r}")
        seen[s] = None
    return " ".join(seen)


def missing_scopes(granted: Collection[str], required: Iterable[str]) -> list[str]:
    """The required scopes not granted, in the order required."""
    return [s for s in required if s not in granted]


# ---------------------------------------------------------------------------- decision


def extract_bearer(
    values: Sequence[bytes | str], *, max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES
) -> str | Denial:
    """The bearer token from the ``Authorization`` field values, or why there is none.

    No field, or another scheme -> 401 without an error code (RFC 6750 §3.1: no
    authentication information).  Repeated fields or a malformed token -> 400
    ``invalid_request``.  The scheme is case-insensitive (RFC 9110 §11.1).
    """
    if not values:
        return Denial(401, None, "no bearer token")
    if len(values) > 1:
        return Denial(400, "invalid_request", "more than one Authorization header")
    raw = values[0]
    value = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    value = value.strip(" \t")
    scheme, _, rest = value.partition(" ")
    if scheme.lower() != "bearer":
        return Denial(401, None, "no bearer token")
    token = rest.strip(" ")
    if not token:
        return Denial(400, "invalid_request", "the Bearer credentials are empty")
    if len(token) > max_token_bytes:
        return Denial(401, "invalid_token", f"the token is longer than {max_token_bytes} bytes")
    body = token.rstrip("=")
    if not body or not _B64TOKEN.issuperset(body):
        return Denial(
            400, "invalid_request", "the Bearer credentials are not a b64token (RFC 6750 §2.1)"
        )
    return token


def authorize(
    info: TokenInfo | None,
    required_scopes: Sequence[str] = (),
    *,
    now: float,
    leeway: float = DEFAULT_LEEWAY_SECONDS,
    require_expiry: bool = False,
    invalid_description: str = "the access token is invalid, expired or revoked",
) -> TokenInfo | Denial:
    """Decide on a verified token: ``info`` is the verifier's answer (None: not valid).

    An expired token (``expires_at + leeway < now``) or one without an expiry when
    ``require_expiry`` is set gets 401 ``invalid_token``; a token lacking a required scope
    gets 403 ``insufficient_scope`` naming *all* the scopes the operation needs (MCP
    "Scope Challenge Handling": every required scope in a single challenge).
    """
    scope = tuple(required_scopes)
    if info is None:
        return Denial(401, "invalid_token", invalid_description, scope)
    if info.expires_at is None:
        if require_expiry:
            return Denial(401, "invalid_token", "the access token has no expiry", scope)
    elif info.expires_at + leeway < now:
        return Denial(401, "invalid_token", "the access token expired", scope)
    missing = missing_scopes(info.scopes, scope)
    if missing:
        return Denial(
            403,
            "insufficient_scope",
            f"the access token lacks the scope(s): {' '.join(missing)}",
            scope,
        )
    return info


# ---------------------------------------------------------------------------- challenges


class Challenge(msgspec.Struct, frozen=True):
    """One RFC 9110 §11.6.1 challenge; ``scheme`` and parameter names are lowercased."""

    scheme: str
    params: dict[str, str] = msgspec.field(default_factory=dict)
    token68: str | None = None


def quote(value: str) -> str:
    """An RFC 9110 §5.6.4 quoted-string; ValueError for control characters (CR/LF would
    split the header: response splitting)."""
    if any((c < " " and c != "\t") or c == "\x7f" for c in value):
        raise ValueError(f"a header parameter cannot carry control characters: {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _clean_description(text: str) -> str:
    # RFC 6750 §3: error_description is limited to %x20-21 / %x23-5B / %x5D-7E.
    return "".join(c if c in _NQCHAR else "'" if c == '"' else "?" for c in text)


def format_challenge(
    scheme: str, params: Mapping[str, str] = {}, token68: str | None = None
) -> str:
    """``Scheme name="value", …``; every value is a quoted-string (RFC 6750 §3 examples)."""
    if not scheme or not _TCHAR.issuperset(scheme):
        raise ValueError(f"expected an auth-scheme token, got {scheme!r}")
    if token68 is not None:
        return f"{scheme} {token68}"
    for name in params:
        if not name or not _TCHAR.issuperset(name):
            raise ValueError(f"expected an auth-param name token, got {name!r}")
    if not params:
        return scheme
    return scheme + " " + ", ".join(f"{k}={quote(v)}" for k, v in params.items())


class _Scanner:
    __slots__ = ("i", "n", "s")

    def __init__(self, s: str) -> None:
        self.s = s
        self.i = 0
        self.n = len(s)

    def fail(self, what: str) -> RemoteProtocolError:
        got = repr(self.s[self.i : self.i + 20]) if self.i < self.n else "the end"
        return RemoteProtocolError(
            f"malformed WWW-Authenticate: expected {what} at offset {self.i}, got {got}"
        )

    def peek(self) -> str:
        return self.s[self.i] if self.i < self.n else ""

    def ows(self) -> None:
        while self.i < self.n and self.s[self.i] in " \t":
            self.i += 1

    def token(self) -> str:
        start = self.i
        while self.i < self.n and self.s[self.i] in _TCHAR:
            self.i += 1
        return self.s[start : self.i]

    def token68(self) -> str | None:
        """A token68 standing alone (followed by the end or a comma), else None."""
        j = self.i
        while j < self.n and self.s[j] in _B64TOKEN:
            j += 1
        if j == self.i:
            return None
        while j < self.n and self.s[j] == "=":
            j += 1
        k = j
        while k < self.n and self.s[k] in " \t":
            k += 1
        if k < self.n and self.s[k] != ",":
            return None
        value = self.s[self.i : j]
        self.i = k
        return value

    def quoted(self) -> str:
        self.i += 1  # the opening DQUOTE
        out: list[str] = []
        while self.i < self.n:
            c = self.s[self.i]
            if c == '"':
                self.i += 1
                return "".join(out)
            if c == "\\":
                self.i += 1
                if self.i >= self.n:
                    break
                c = self.s[self.i]
            if (c < " " and c != "\t") or c == "\x7f":
                raise self.fail("a quoted-string character")
            out.append(c)
            self.i += 1
        raise self.fail("a closing quote")

    def is_param_next(self) -> bool:
        """Whether an auth-param (``token BWS "="``) starts here (else: a new challenge)."""
        j = self.i
        while j < self.n and self.s[j] in _TCHAR:
            j += 1
        while j < self.n and self.s[j] in " \t":
            j += 1
        return j > self.i and j < self.n and self.s[j] == "="


def parse_www_authenticate(value: str | bytes) -> list[Challenge]:
    """Every challenge in a ``WWW-Authenticate`` value (combine repeated fields with ", ").

    Raises ``RemoteProtocolError`` (only) on malformed input or duplicate parameters.
    """
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if len(value) > MAX_CHALLENGE_CHARS:
        raise RemoteProtocolError(
            f"WWW-Authenticate is longer than {MAX_CHALLENGE_CHARS} characters"
        )
    sc = _Scanner(value)
    out: list[Challenge] = []
    while True:
        while sc.peek() in (" ", "\t", ","):  # empty list elements (RFC 9110 §5.6.1)
            sc.i += 1
        if sc.i >= sc.n:
            return out
        scheme = sc.token()
        if not scheme:
            raise sc.fail("an auth-scheme")
        params: dict[str, str] = {}
        token68: str | None = None
        at_next = False  # the commas before the next challenge were consumed
        if sc.peek() in (" ", "\t"):
            sc.ows()
            token68 = sc.token68()
            while token68 is None and sc.is_param_next():
                name = sc.token().lower()
                sc.ows()
                sc.i += 1  # "="
                sc.ows()
                if sc.peek() == '"':
                    val = sc.quoted()
                else:
                    val = sc.token()
                    if not val:
                        raise sc.fail("a token or quoted-string")
                if name in params:
                    raise sc.fail(f"parameter {name!r} only once")
                params[name] = val
                at_next = False
                sc.ows()
                if sc.peek() != ",":
                    break
                while sc.peek() in (" ", "\t", ","):
                    sc.i += 1
                at_next = True
        if sc.i < sc.n and sc.peek() != "," and not at_next:
            raise sc.fail("',' or the end")
        out.append(Challenge(scheme.lower(), params, token68))


def find_challenge(challenges: Iterable[Challenge], scheme: str = "bearer") -> Challenge | None:
    """The first challenge of ``scheme`` (case-insensitive)."""
    scheme = scheme.lower()
    return next((c for c in challenges if c.scheme == scheme), None)
