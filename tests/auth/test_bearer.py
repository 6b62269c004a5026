"""Bearer header parsing, challenges both ways, and the pure authorization decision."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, strategies as st

from mcplite._auth.bearer import (
    Challenge,
    Denial,
    TokenInfo,
    authorize,
    extract_bearer,
    find_challenge,
    format_challenge,
    format_scope,
    missing_scopes,
    parse_scope,
    parse_www_authenticate,
    quote,
)
from mcplite._errors import RemoteProtocolError

PRM = "https://mcp.example/.well-known/oauth-protected-resource"


def test_extract_bearer() -> None:
    assert extract_bearer([b"Bearer abc.DEF-_~+/=="]) == "abc.DEF-_~+/=="
    assert extract_bearer(["bEaReR   tok  "]) == "tok"  # scheme is case-insensitive
    cases: list[tuple[list[bytes | str], int, str | None]] = [
        ([], 401, None),
        ([b"Basic dXNlcjpwdw=="], 401, None),
        ([b"Bearer a", b"Bearer b"], 400, "invalid_request"),
        ([b"Bearer"], 400, "invalid_request"),
        ([b"Bearer   "], 400, "invalid_request"),
        ([b"Bearer a b"], 400, "invalid_request"),
        ([b"Bearer ==="], 400, "invalid_request"),
        ([b"Bearer a=b"], 400, "invalid_request"),
        ([b"Bearer \xff"], 400, "invalid_request"),
    ]
    for values, status, error in cases:
        d = extract_bearer(values)
        assert isinstance(d, Denial) and (d.status, d.error) == (status, error), values
    d = extract_bearer([b"Bearer " + b"a" * 11], max_token_bytes=10)
    assert isinstance(d, Denial) and (d.status, d.error) == (401, "invalid_token")


def test_authorize() -> None:
    info = TokenInfo(subject="u", scopes=frozenset({"a", "b"}), expires_at=1000.0)
    assert authorize(info, ["a"], now=1000.0) is info
    assert authorize(info, (), now=1059.0, leeway=60) is info  # within the skew
    d = authorize(info, ["a"], now=1061.0, leeway=60)
    assert isinstance(d, Denial) and (d.status, d.error, d.description) == (
        401,
        "invalid_token",
        "the access token expired",
    )
    d = authorize(info, ["a", "c", "d"], now=0)
    assert isinstance(d, Denial) and (d.status, d.error) == (403, "insufficient_scope")
    assert d.scope == ("a", "c", "d")  # every scope the operation needs, not just the missing
    assert d.description == "the access token lacks the scope(s): c d"
    d = authorize(None, ["a"], now=0, invalid_description="revoked")
    assert isinstance(d, Denial) and (d.status, d.description, d.scope) == (401, "revoked", ("a",))
    forever = TokenInfo(subject="u")
    assert authorize(forever, now=1e12) is forever
    d = authorize(forever, now=0, require_expiry=True)
    assert isinstance(d, Denial) and d.description == "the access token has no expiry"
    assert forever.user_id == "u" and forever.claims == {}


def test_denial_challenge_and_response() -> None:
    d = Denial(403, "insufficient_scope", 'need "files:write" \\ now\n', ("files:write",))
    assert d.challenge(PRM) == (
        f'Bearer resource_metadata="{PRM}", scope="files:write", error="insufficient_scope", '
        "error_description=\"need 'files:write' ? now?\""
    )
    status, headers, body = d.response(PRM, realm="mcp")
    assert status == 403
    assert dict(headers)[b"www-authenticate"].startswith(b'Bearer realm="mcp", resource_metadata')
    assert dict(headers)[b"cache-control"] == b"no-store"
    assert json.loads(body) == {
        "error": "insufficient_scope",
        "error_description": 'need "files:write" \\ now\n',
    }
    # No credentials: no error code in the challenge (RFC 6750 §3.1).
    bare = Denial(401, None, "no bearer token")
    assert bare.challenge() == "Bearer"
    assert bare.challenge(PRM) == f'Bearer resource_metadata="{PRM}"'
    assert json.loads(bare.response()[2])["error"] == "invalid_token"
    assert Denial(401, "invalid_token").challenge() == 'Bearer error="invalid_token"'
    assert json.loads(Denial(401, "invalid_token").response()[2]) == {"error": "invalid_token"}
    # Round trip through the parser.
    (c,) = parse_www_authenticate(d.challenge(PRM))
    assert c.params["scope"] == "files:write" and c.params["resource_metadata"] == PRM


def test_scopes() -> None:
    assert parse_scope("a  b a") == {"a", "b"}
    assert parse_scope(None) == frozenset() and parse_scope("") == frozenset()
    assert format_scope(["b", "a", "b"]) == "b a"
    for bad in ["", "a b", 'a"', "a\\", "é", "\x01"]:
        with pytest.raises(ValueError, match="scope token"):
            format_scope([bad])
    assert missing_scopes({"a"}, ["a", "b", "c"]) == ["b", "c"]


def test_quote_and_format() -> None:
    assert quote('a"b\\c\td') == '"a\\"b\\\\c\td"'
    for bad in ["a\r\nSet-Cookie: x", "\x7f", "\x00"]:
        with pytest.raises(ValueError, match="control"):
            quote(bad)
    assert format_challenge("Negotiate", token68="abc==") == "Negotiate abc=="
    assert format_challenge("Basic", {"realm": "x"}) == 'Basic realm="x"'
    with pytest.raises(ValueError, match="auth-scheme"):
        format_challenge("Bad Scheme")
    with pytest.raises(ValueError, match="auth-param"):
        format_challenge("Bearer", {"bad name": "x"})
    with pytest.raises(ValueError, match="auth-param"):
        format_challenge("Bearer", {"": "x"})


def test_parse_www_authenticate() -> None:
    value = (
        'Bearer realm="x", error="invalid_token", error_description="a \\"q\\" , b",'
        ' Basic realm=y, Negotiate abc==, NTLM,, Digest  nonce = "n" , qop="auth"'
    )
    got = parse_www_authenticate(value.encode())
    assert got == [
        Challenge(
            "bearer", {"realm": "x", "error": "invalid_token", "error_description": 'a "q" , b'}
        ),
        Challenge("basic", {"realm": "y"}),
        Challenge("negotiate", {}, "abc=="),
        Challenge("ntlm"),
        Challenge("digest", {"nonce": "n", "qop": "auth"}),
    ]
    assert find_challenge(got, "Basic") == Challenge("basic", {"realm": "y"})
    assert find_challenge(got, "hoba") is None
    assert find_challenge(parse_www_authenticate('BEARER Scope="a"')) == Challenge(
        "bearer", {"scope": "a"}
    )
    assert parse_www_authenticate("") == [] and parse_www_authenticate(" , ") == []
    assert parse_www_authenticate("Bearer ") == [Challenge("bearer")]
    assert parse_www_authenticate("Bearer , Basic") == [Challenge("bearer"), Challenge("basic")]


@pytest.mark.parametrize(
    ("value", "msg"),
    [
        ('Bearer a="b", c="d" garbage', "',' or the end"),
        ("Bearer=", "',' or the end"),
        ('Bearer a="b', "closing quote"),
        ('Bearer a="b\\', "closing quote"),
        ('Bearer a="b\x01"', "quoted-string character"),
        ('Bearer x="1", a=,', "token or quoted-string"),
        ('Bearer a="1", A="2"', "only once"),
        ("=x", "auth-scheme"),
        ("Basic foo bar", "',' or the end"),
        ("x" * 20000, "longer"),
    ],
)
def test_parse_www_authenticate_errors(value: str, msg: str) -> None:
    with pytest.raises(RemoteProtocolError, match=msg):
        parse_www_authenticate(value)


@given(st.binary(max_size=200))
def test_fuzz_challenges_raise_only_remote_protocol_error(data: bytes) -> None:
    try:
        parse_www_authenticate(data)
    except RemoteProtocolError:
        pass


@given(
    st.dictionaries(
        st.sampled_from(["realm", "scope", "error", "resource_metadata", "x-y"]),
        st.text(
            st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"),
            max_size=30,
        ),
    )
)
def test_format_parse_round_trip(params: dict[str, str]) -> None:
    assert parse_www_authenticate(format_challenge("Bearer", params)) == [
        Challenge("bearer", params)
    ]
