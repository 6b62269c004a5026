"""Bearer auth on the streamable HTTP server, and the verifiers against a fake authorization
server (our own HTTPServer on loopback)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import parse_qs

import pytest

from mcplite._auth.bearer import TokenInfo, parse_www_authenticate
from mcplite._core import peerjson
from mcplite._errors import ConnectionClosed, HTTPStatusError, RemoteProtocolError
from mcplite._io.httpclient import HTTPClient
from mcplite._io.httpserver import HTTPServer, Responder
from mcplite._server.bearer import (
    InvalidTokenError,
    ProtectedResourceMetadata,
    RequireBearerToken,
    StaticTokenVerifier,
    current_auth,
)
from mcplite._server.context import Context
from mcplite._server.server import Server
from mcplite._server.streamable_run import StreamableHTTPServer
from mcplite._server.verifiers import IntrospectionTokenVerifier, JWTVerifier, metadata_urls
from mcplite._wire import streamable
from mcplite._wire.http11 import Request

NOW = 1_700_000_000.0
RESOURCE = "https://mcp.example/mcp"
PRM_URL = "https://mcp.example/.well-known/oauth-protected-resource/mcp"
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    },
}
TOKENS = {
    "alice": TokenInfo(
        subject="alice", scopes=frozenset({"mcp", "tools:call"}), expires_at=NOW + 60
    ),
    "alice-ro": TokenInfo(subject="alice", scopes=frozenset({"mcp"}), expires_at=NOW + 60),
    "bob": TokenInfo(subject="bob", scopes=frozenset({"mcp", "tools:call"})),
    "stale": TokenInfo(subject="alice", scopes=frozenset({"mcp"}), expires_at=NOW - 61),
    "skewed": TokenInfo(subject="alice", scopes=frozenset({"mcp"}), expires_at=NOW - 59),
}


def make_server() -> Server:
    server = Server("t", "1.0")

    @server.tool()
    async def whoami(ctx: Context) -> str:
        info = ctx.auth
        assert info is not None
        return f"{info.subject}:{' '.join(sorted(info.scopes))}"

    return server


def make_auth(verifier: Any = None, **kw: Any) -> RequireBearerToken:
    meta = ProtectedResourceMetadata(
        resource=RESOURCE, authorization_servers=["https://as.example"], scopes_supported=["mcp"]
    )
    return RequireBearerToken(
        verifier or StaticTokenVerifier(TOKENS),
        metadata=meta,
        required_scopes=["mcp"],
        scopes_by_method={"tools/call": ["tools:call"]},
        clock=lambda: NOW,
        **kw,
    )


class MCP:
    """A tiny JSON-mode MCP-over-HTTP client on our HTTPClient."""

    def __init__(self, http: HTTPClient, url: str, token: str | None) -> None:
        self.http = http
        self.url = url
        self.token = token
        self.sid: str | None = None

    async def post(
        self, body: Any, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        h = {"content-type": "application/json", "accept": "application/json, text/event-stream"}
        if self.token is not None:
            h["authorization"] = f"Bearer {self.token}"
        if self.sid is not None:
            h["mcp-session-id"] = self.sid
            h["mcp-protocol-version"] = "2025-11-25"
        h.update(headers or {})
        resp = await self.http.request("POST", self.url, h, json.dumps(body).encode())
        data = await resp.read()
        return resp.status, {k.decode(): v.decode() for k, v in resp.headers}, data

    async def init(self) -> None:
        status, h, data = await self.post(INIT)
        assert status == 200, data
        self.sid = h["mcp-session-id"]
        note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        assert (await self.post(note))[0] == 202

    async def whoami(self, id: int = 2) -> tuple[int, dict[str, str], Any]:
        call = {
            "jsonrpc": "2.0",
            "id": id,
            "method": "tools/call",
            "params": {"name": "whoami", "arguments": {}},
        }
        status, h, data = await self.post(call)
        return status, h, json.loads(data) if data else None


def serve(auth: RequireBearerToken, **kw: Any) -> StreamableHTTPServer:
    return StreamableHTTPServer(make_server(), json_response=True, auth=auth, **kw)


def challenge(h: dict[str, str]) -> dict[str, str]:
    (c,) = parse_www_authenticate(h["www-authenticate"])
    assert c.scheme == "bearer"
    return c.params


async def test_no_token_gets_401_with_resource_metadata() -> None:
    async with serve(make_auth()) as srv, HTTPClient() as http:
        status, h, data = await MCP(http, srv.url, None).post(INIT)
        assert status == 401
        assert h["www-authenticate"] == f'Bearer resource_metadata="{PRM_URL}", scope="mcp"'
        assert json.loads(data)["error"] == "invalid_token"


async def test_bad_and_malformed_tokens() -> None:
    async with serve(make_auth()) as srv, HTTPClient() as http:
        status, h, _ = await MCP(http, srv.url, "nope").post(INIT)
        assert status == 401
        assert challenge(h)["error"] == "invalid_token"
        status, h, _ = await MCP(http, srv.url, "two words").post(INIT)
        assert status == 400 and challenge(h)["error"] == "invalid_request"
        status, h, _ = await MCP(http, srv.url, None).post(
            INIT, {"authorization": "Basic dXNlcjpwdw=="}
        )
        assert status == 401 and "error" not in challenge(h)


async def test_expiry_with_leeway() -> None:
    async with serve(make_auth()) as srv, HTTPClient() as http:
        status, h, _ = await MCP(http, srv.url, "stale").post(INIT)
        assert status == 401
        assert challenge(h)["error_description"] == "the access token expired"
        assert (await MCP(http, srv.url, "skewed").post(INIT))[0] == 200


async def test_scope_per_method_and_ctx_auth() -> None:
    async with serve(make_auth()) as srv, HTTPClient() as http:
        ro = MCP(http, srv.url, "alice-ro")
        await ro.init()  # initialize needs only "mcp"
        status, h, _ = await ro.whoami()
        assert status == 403
        params = challenge(h)
        assert params["error"] == "insufficient_scope"
        assert params["scope"] == "mcp tools:call"
        assert params["resource_metadata"] == PRM_URL
        # The same user with a wider token continues the session (step-up).
        ro.token = "alice"
        status, _, msg = await ro.whoami()
        assert status == 200, msg
        assert msg["result"]["content"][0]["text"] == "alice:mcp tools:call"


async def test_session_bound_to_its_user() -> None:
    async with serve(make_auth()) as srv, HTTPClient() as http:
        alice = MCP(http, srv.url, "alice")
        await alice.init()
        mallory = MCP(http, srv.url, "bob")
        mallory.sid = alice.sid
        status, _, msg = await mallory.whoami()
        assert status == 404 and msg["error"]["code"] == -32001
        status, _, msg = await alice.whoami(3)
        assert status == 200 and msg["result"]["content"][0]["text"].startswith("alice:")


async def test_stateless_request_sees_ctx_auth() -> None:
    meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    call = {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "tools/call",
        "params": {"name": "whoami", "arguments": {}, "_meta": meta},
    }
    headers = {
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "tools/call",
        "mcp-name": "whoami",
    }
    async with serve(make_auth(), stateless=True) as srv, HTTPClient() as http:
        status, _, data = await MCP(http, srv.url, "bob").post(call, headers)
        assert status == 200, data
        assert json.loads(data)["result"]["content"][0]["text"] == "bob:mcp tools:call"
        status, h, _ = await MCP(http, srv.url, "alice-ro").post(call, headers)
        assert status == 403 and challenge(h)["scope"] == "mcp tools:call"


class _Counting:
    """A decoder standing in for a cached one, counting its decodes."""

    def __init__(self, real: Any, calls: list[str], name: str) -> None:
        self.real, self.calls, self.name = real, calls, name

    def decode(self, data: Any) -> Any:
        self.calls.append(self.name)
        return self.real.decode(data)


async def test_an_authenticated_post_is_peeked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 12: the bearer middleware's per-method scopes and the app's routing used to decode
    # the body separately (two UTF-8/depth scans and two peeks of every authenticated POST),
    # and a 2026-07-28 request's params were peeked up to three times.  Now one BodyPeek
    # serves both and the params peek is made once; the protocol core's own decode remains.
    calls: list[str] = []
    real_check = peerjson.check
    peek_decoder, params_decoder = streamable._peek_decoder(), streamable._params_decoder()

    def check(data: Any, *args: Any) -> None:
        calls.append("check")
        real_check(data, *args)

    async with serve(make_auth()) as srv, HTTPClient() as http:
        alice = MCP(http, srv.url, "alice")
        await alice.init()
        monkeypatch.setattr(peerjson, "check", check)
        monkeypatch.setattr(
            streamable, "_peek_decoder", lambda: _Counting(peek_decoder, calls, "peek")
        )
        monkeypatch.setattr(
            streamable, "_params_decoder", lambda: _Counting(params_decoder, calls, "params")
        )
        # Handshake era: no Mcp-Method header, so the scopes need the body's method.
        status, _, msg = await alice.whoami()
        assert status == 200 and msg["result"]["content"][0]["text"].startswith("alice:")
        # one check + peek for the middleware and routing, one check for the core's decode
        assert calls == ["check", "peek", "check"]
    calls.clear()
    meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    call = {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "tools/call",
        "params": {"name": "whoami", "arguments": {}, "_meta": meta},
    }
    headers = {
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "tools/call",
        "mcp-name": "whoami",
    }
    async with serve(make_auth(), stateless=True) as srv, HTTPClient() as http:
        status, _, data = await MCP(http, srv.url, "bob").post(call, headers)
        assert status == 200, data
        # 2026-07-28: the params peek (_meta for the version check, name for Mcp-Name) once
        assert calls == ["check", "peek", "params", "check"]


async def test_metadata_document_and_cors() -> None:
    async with serve(make_auth()) as srv, HTTPClient() as http:
        base = srv.http.url
        for path in (
            "/.well-known/oauth-protected-resource",
            "/.well-known/oauth-protected-resource/mcp",
        ):
            resp = await http.request("GET", base + path)
            doc = json.loads(await resp.read())
            assert resp.status == 200 and resp.header("access-control-allow-origin") == "*"
            assert doc == {
                "resource": RESOURCE,
                "authorization_servers": ["https://as.example"],
                "scopes_supported": ["mcp"],
                "bearer_methods_supported": ["header"],
            }
        resp = await http.request("OPTIONS", base + "/.well-known/oauth-protected-resource")
        await resp.read()
        assert resp.status == 204
        assert resp.header("access-control-allow-methods") == "GET, OPTIONS"
        resp = await http.request("POST", base + "/.well-known/oauth-protected-resource", body=b"")
        await resp.read()
        assert resp.status == 405 and resp.header("allow") == "GET, OPTIONS"


class Boom:
    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    async def verify(self, token: str) -> TokenInfo | None:
        raise self.exc


async def test_verifier_failures() -> None:
    async with serve(make_auth(Boom(RuntimeError("db down")))) as srv, HTTPClient() as http:
        status, _, data = await MCP(http, srv.url, "x").post(INIT)
        assert status == 500 and json.loads(data)["error"] == "server_error"
    async with serve(make_auth(Boom(InvalidTokenError("revoked")))) as srv, HTTPClient() as http:
        status, h, _ = await MCP(http, srv.url, "x").post(INIT)
        assert status == 401 and challenge(h)["error_description"] == "revoked"


async def test_wrap_any_app_and_options_passthrough() -> None:
    seen: list[TokenInfo | None] = []

    def app(request: Request, body: bytes, responder: Responder) -> None:
        seen.append(current_auth())
        responder.respond(200, [], b"ok")

    auth = RequireBearerToken(
        StaticTokenVerifier(TOKENS), resource_metadata_url=PRM_URL, clock=lambda: NOW
    )
    async with HTTPServer(auth.wrap(app)) as srv, HTTPClient() as http:
        resp = await http.request("GET", srv.url + "/x", {"authorization": "bearer bob"})
        assert (resp.status, await resp.read()) == (200, b"ok")
        resp = await http.request("OPTIONS", srv.url + "/x")
        assert (resp.status, await resp.read()) == (200, b"ok")
        resp = await http.request("GET", srv.url + "/x")
        await resp.read()
        assert resp.status == 401
        # No metadata document configured: the well-known path is the app's business.
        resp = await http.request(
            "GET",
            srv.url + "/.well-known/oauth-protected-resource",
            {"authorization": "Bearer bob"},
        )
        assert (resp.status, await resp.read()) == (200, b"ok")
    assert seen[0] == TOKENS["bob"] and seen[1] is None
    assert current_auth() is None


# ---------------------------------------------------------------------------- fake AS


class FakeAS:
    """Authorization server metadata, JWKS and introspection on loopback."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.jwks: dict[str, Any] = {"keys": []}
        self.active: dict[str, dict[str, Any]] = {}
        self.issuer = ""
        self.metadata_path = "/.well-known/oauth-authorization-server"
        self.jwks_delay = 0.0  # seconds the JWKS answer takes (a slow issuer)
        self.jwks_status = 200
        self.srv = HTTPServer(self.app)

    def app(self, request: Request, body: bytes, responder: Responder) -> Any:
        path = request.target
        self.hits[path] = self.hits.get(path, 0) + 1
        ct = [(b"content-type", b"application/json")]
        if path == "/jwks" and (self.jwks_delay or self.jwks_status != 200):

            async def slow() -> None:
                await asyncio.sleep(self.jwks_delay)
                responder.respond(self.jwks_status, ct, json.dumps(self.jwks).encode())

            return slow()
        if path == self.metadata_path:
            doc = {"issuer": self.issuer, "jwks_uri": self.srv.url + "/jwks"}
            responder.respond(200, ct, json.dumps(doc).encode())
        elif path == "/jwks":
            responder.respond(200, ct, json.dumps(self.jwks).encode())
        elif path == "/introspect":
            basic = base64.b64encode(b"rs:s%3Acret").decode()
            if request.headers.get(b"authorization") != f"Basic {basic}".encode():
                responder.respond(401, ct, b'{"error":"invalid_client"}')
                return
            form = parse_qs(body.decode())
            assert form["token_type_hint"] == ["access_token"]
            doc = self.active.get(form["token"][0], {"active": False})
            responder.respond(200, ct, json.dumps(doc).encode())
        else:
            responder.respond(404, ct, b"{}")

    async def __aenter__(self) -> FakeAS:
        await self.srv.start()
        self.issuer = self.srv.url
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.srv.aclose()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256(key: bytes, claims: dict[str, Any], kid: str = "k1") -> str:
    head = b64(json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": kid}).encode())
    body = b64(json.dumps(claims).encode())
    sig = hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


KEY1, KEY2 = b"1" * 32, b"2" * 32


def oct_jwk(key: bytes, kid: str) -> dict[str, str]:
    return {"kty": "oct", "kid": kid, "k": b64(key)}


async def test_introspection_verifier() -> None:
    async with FakeAS() as fake:
        fake.active["good"] = {
            "active": True,
            "sub": "carol",
            "scope": "mcp x",
            "exp": NOW + 10,
            "aud": [RESOURCE + "/"],
            "client_id": "app",
        }
        fake.active["elsewhere"] = {"active": True, "sub": "carol", "aud": "https://other"}
        fake.active["no-aud"] = {"active": True, "sub": "carol"}
        now = [NOW]
        v = IntrospectionTokenVerifier(
            fake.srv.url + "/introspect",
            "rs",
            "s:cret",
            audience=RESOURCE,
            cache_seconds=5,
            clock=lambda: now[0],
        )
        info = await v.verify("good")
        assert info is not None and info.subject == "carol" and info.client_id == "app"
        assert info.scopes == {"mcp", "x"} and info.expires_at == NOW + 10
        await v.verify("good")
        assert fake.hits["/introspect"] == 1  # cached
        now[0] += 6
        await v.verify("good")
        assert fake.hits["/introspect"] == 2  # cache entry expired
        assert await v.verify("unknown") is None
        with pytest.raises(InvalidTokenError, match="not issued for this resource"):
            await v.verify("elsewhere")
        with pytest.raises(InvalidTokenError, match="no audience"):
            await v.verify("no-aud")
        lax = IntrospectionTokenVerifier(
            fake.srv.url + "/introspect",
            "rs",
            "s:cret",
            audience=RESOURCE,
            require_audience=False,
            issuer="https://as",
        )
        assert (await lax.verify("no-aud")) is not None
        fake.active["foreign"] = {"active": True, "iss": "https://evil"}
        with pytest.raises(InvalidTokenError, match="issued by"):
            await lax.verify("foreign")
        wrong = IntrospectionTokenVerifier(fake.srv.url + "/introspect", "rs", "bad")
        with pytest.raises(HTTPStatusError):
            await wrong.verify("good")


async def test_introspection_cache_is_bounded() -> None:
    async with FakeAS() as fake, HTTPClient() as http:
        for t in ("a", "b", "c"):
            fake.active[t] = {"active": True, "sub": t}
        v = IntrospectionTokenVerifier(
            fake.srv.url + "/introspect",
            "rs",
            "s:cret",
            http=http,
            cache_seconds=60,
            max_cache_entries=2,
        )
        for t in ("a", "b", "c", "a"):
            await v.verify(t)
        assert fake.hits["/introspect"] == 4  # "a" was evicted by "c"


async def test_jwt_verifier_discovery_rotation_and_rate_limit() -> None:
    async with FakeAS() as fake:
        fake.jwks = {"keys": [oct_jwk(KEY1, "k1")]}
        now = [NOW]
        v = JWTVerifier(
            fake.issuer,
            RESOURCE,
            algorithms=["HS256"],
            typ="at+jwt",
            clock=lambda: now[0],
            jwks_ttl=100,
            min_refetch_interval=10,
        )
        claims = {
            "iss": fake.issuer,
            "aud": RESOURCE,
            "sub": "dave",
            "exp": NOW + 500,
            "scope": "mcp",
        }
        info = await v.verify(hs256(KEY1, claims))
        assert info is not None and info.subject == "dave" and info.scopes == {"mcp"}
        assert fake.hits == {"/.well-known/oauth-authorization-server": 1, "/jwks": 1}
        # Rotation: an unknown kid triggers one refetch...
        fake.jwks = {"keys": [oct_jwk(KEY1, "k1"), oct_jwk(KEY2, "k2")]}
        now[0] += 11
        assert await v.verify(hs256(KEY2, claims, "k2")) is not None
        assert fake.hits["/jwks"] == 2
        # ...but not more often than min_refetch_interval.
        with pytest.raises(InvalidTokenError, match="no key fits"):
            await v.verify(hs256(KEY2, claims, "k3"))
        assert fake.hits["/jwks"] == 2
        # TTL expiry refetches.
        now[0] += 101
        await v.verify(hs256(KEY1, claims))
        assert fake.hits["/jwks"] == 3
        with pytest.raises(InvalidTokenError, match="audience"):
            await v.verify(hs256(KEY1, {**claims, "aud": "https://other"}))
        with pytest.raises(InvalidTokenError, match="3 parts"):
            await v.verify("garbage")


async def test_jwt_verifier_oidc_fallback_and_issuer_mismatch() -> None:
    async with FakeAS() as fake:
        fake.metadata_path = "/.well-known/openid-configuration"
        fake.jwks = {"keys": [oct_jwk(KEY1, "k1")]}
        v = JWTVerifier(fake.issuer, RESOURCE, algorithms=["HS256"], clock=lambda: NOW)
        claims = {"iss": fake.issuer, "aud": RESOURCE, "exp": NOW + 500, "client_id": "c"}
        info = await v.verify(hs256(KEY1, claims))
        assert info is not None and info.client_id == "c"
        bad = JWTVerifier(fake.issuer + "/", RESOURCE, algorithms=["HS256"])
        with pytest.raises(RemoteProtocolError, match="names issuer"):
            await bad.verify(hs256(KEY1, claims))
        fake.metadata_path = "/nowhere"
        lost = JWTVerifier(fake.issuer, RESOURCE, algorithms=["HS256"])
        with pytest.raises(RemoteProtocolError, match="no authorization server metadata"):
            await lost.verify(hs256(KEY1, claims))


async def test_jwt_verifier_static_jwks_and_bearer_auth() -> None:
    v = JWTVerifier(
        "https://as",
        RESOURCE,
        jwks={"keys": [oct_jwk(KEY1, "k1")]},
        algorithms=["HS256"],
        clock=lambda: NOW,
    )
    claims = {
        "iss": "https://as",
        "aud": RESOURCE,
        "sub": "erin",
        "exp": NOW + 5,
        "scope": "mcp tools:call",
    }
    async with serve(make_auth(v)) as srv, HTTPClient() as http:
        c = MCP(http, srv.url, hs256(KEY1, claims))
        await c.init()
        status, _, msg = await c.whoami()
        assert status == 200 and msg["result"]["content"][0]["text"] == "erin:mcp tools:call"
        c.token = hs256(KEY2, claims)
        status, h, _ = await c.whoami(3)
        assert status == 401 and "signature" in challenge(h)["error_description"]
    with pytest.raises(ValueError, match="none"):
        JWTVerifier("https://as", RESOURCE, algorithms=["none"])


def test_metadata_urls() -> None:
    assert metadata_urls("https://as.example/tenant/") == [
        "https://as.example/.well-known/oauth-authorization-server/tenant",
        "https://as.example/.well-known/openid-configuration/tenant",
        "https://as.example/tenant/.well-known/openid-configuration",
    ]
    meta = ProtectedResourceMetadata(resource="https://h")
    assert meta.well_known_url() == "https://h/.well-known/oauth-protected-resource"


async def test_middleware_edges() -> None:
    from mcplite._server.bearer import _owner

    assert _owner(TokenInfo(client_id="c")) == ("client_id", "c")
    assert _owner(TokenInfo()) is None
    auth = make_auth()
    state: dict[str, Any] = {}

    class Sess:
        pass

    sess = Sess()
    sess.state = state  # type: ignore[attr-defined]
    auth.bind_session(sess)  # outside a request: nothing to bind
    assert state == {}

    def raw(method: str, body: bytes, hdrs: list[tuple[bytes, bytes]]) -> Request:
        from mcplite._wire.http11 import Headers

        return Request(method, "/mcp", Headers(hdrs))

    # A malformed body needs only the base scopes (the MCP app answers the parse error).
    assert auth.scopes_for(raw("POST", b"{", []), b"{") == ("mcp",)
    assert auth.scopes_for(raw("POST", b"", [(b"mcp-method", b"tools/call")]), b"") == (
        "mcp",
        "tools:call",
    )
    batch = b'[{"method":"tools/call"},{"method":"ping"},{"id":1}]'
    assert auth.scopes_for(raw("POST", batch, []), batch) == ("mcp", "tools:call")

    def failing(request: Request, body: bytes, responder: Responder) -> None:
        raise RuntimeError("handler bug")

    async def failing_late(request: Request, body: bytes, responder: Responder) -> None:
        responder.start_stream(200, [(b"content-type", b"text/event-stream")]).write(b"x")
        raise RuntimeError("handler bug")

    wrapper = RequireBearerToken(StaticTokenVerifier(TOKENS))
    bearer = {"authorization": "Bearer bob"}
    async with HTTPServer(wrapper.wrap(failing)) as srv, HTTPClient() as http:
        resp = await http.request("GET", srv.url + "/", bearer)
        assert (resp.status, await resp.read()) == (500, b"internal error\n")
    async with HTTPServer(wrapper.wrap(failing_late)) as srv, HTTPClient() as http:
        resp = await http.request("GET", srv.url + "/", bearer)
        assert resp.status == 200
        with pytest.raises((ConnectionClosed, RemoteProtocolError)):
            await resp.read()

    def answered_then_failed(request: Request, body: bytes, responder: Responder) -> None:
        responder.respond(204, [])
        raise RuntimeError("bug after answering")

    async with HTTPServer(wrapper.wrap(answered_then_failed)) as srv, HTTPClient() as http:
        resp = await http.request("GET", srv.url + "/", bearer)
        assert (resp.status, await resp.read()) == (204, b"")


async def test_verifier_http_errors() -> None:
    async with FakeAS() as fake:
        v = IntrospectionTokenVerifier(fake.srv.url + "/nowhere")  # 404, no client auth
        with pytest.raises(HTTPStatusError):
            await v.verify("t")
        fake.metadata_path = "/.well-known/oauth-authorization-server"
        fake.issuer = fake.issuer  # metadata without jwks_uri:
        orig = fake.app

        def no_jwks(request: Request, body: bytes, responder: Responder) -> None:
            if request.target == fake.metadata_path:
                responder.respond(200, [], json.dumps({"issuer": fake.issuer}).encode())
            elif request.target == "/text":
                responder.respond(200, [], b"not json")
            else:
                orig(request, body, responder)

        fake.srv.app = no_jwks
        j = JWTVerifier(fake.issuer, RESOURCE, algorithms=["HS256"], clock=lambda: NOW)
        with pytest.raises(RemoteProtocolError, match="no jwks_uri"):
            await j.verify(hs256(KEY1, {}))
        t = JWTVerifier(
            fake.issuer, RESOURCE, jwks_uri=fake.srv.url + "/text", algorithms=["HS256"]
        )
        with pytest.raises(HTTPStatusError):
            await t.verify(hs256(KEY1, {}))


def jwt_claims(fake: FakeAS, **extra: Any) -> dict[str, Any]:
    return {"iss": fake.issuer, "aud": RESOURCE, "sub": "erin", "exp": NOW + 500, **extra}


async def test_jwks_fetch_is_single_flight_and_bounded_by_the_timeout() -> None:
    # A slow JWKS endpoint used to serialise every request behind one fetch each
    # (5 concurrent requests answered after 10/20/30/40/50 s).
    async with FakeAS() as fake:
        fake.jwks = {"keys": [oct_jwk(KEY1, "k1")]}
        fake.jwks_delay = 0.2
        v = JWTVerifier(fake.issuer, RESOURCE, algorithms=["HS256"], clock=lambda: NOW)
        loop = asyncio.get_running_loop()
        started = loop.time()
        tokens = [hs256(KEY1, jwt_claims(fake, n=i)) for i in range(5)]
        infos = await asyncio.gather(*(v.verify(tok) for tok in tokens))
        assert all(i is not None and i.subject == "erin" for i in infos)
        assert fake.hits["/jwks"] == 1 and loop.time() - started < 0.4
        fake.jwks_delay = 30.0
        slow = JWTVerifier(
            fake.issuer, RESOURCE, algorithms=["HS256"], clock=lambda: NOW, timeout=0.1
        )
        started = loop.time()
        results = await asyncio.gather(*(slow.verify(t) for t in tokens), return_exceptions=True)
        assert all(isinstance(r, RemoteProtocolError) for r in results)
        assert "longer than 0.1 s (timeout)" in str(results[0])
        assert fake.hits["/jwks"] == 2 and loop.time() - started < 1.0


async def test_a_failed_jwks_fetch_backs_off_and_known_keys_stay_in_use() -> None:
    async with FakeAS() as fake:
        fake.jwks = {"keys": [oct_jwk(KEY1, "k1")]}
        fake.jwks_status = 503
        now = [NOW]
        v = JWTVerifier(
            fake.issuer, RESOURCE, algorithms=["HS256"], clock=lambda: now[0], jwks_ttl=100
        )
        token = hs256(KEY1, jwt_claims(fake))
        with pytest.raises(HTTPStatusError):
            await v.verify(token)
        for _ in range(5):  # during the backoff nobody asks the issuer again
            with pytest.raises(RemoteProtocolError, match=r"next try in 1\.0 s"):
                await v.verify(token)
        assert fake.hits["/jwks"] == 1
        now[0] += 1.5
        with pytest.raises(HTTPStatusError):
            await v.verify(token)
        assert fake.hits["/jwks"] == 2
        with pytest.raises(RemoteProtocolError, match=r"next try in 2\.0 s"):  # doubled
            await v.verify(token)
        now[0] += 2.5
        fake.jwks_status = 200
        assert await v.verify(token) is not None
        # The issuer goes down after the TTL: the keys we had are still used.
        fake.jwks_status = 500
        now[0] += 101
        assert await v.verify(hs256(KEY1, jwt_claims(fake, n=2))) is not None
        assert fake.hits["/jwks"] == 4


async def test_verified_tokens_are_cached_by_hash_until_exp_and_bounded() -> None:
    now = [NOW]
    v = JWTVerifier(
        "https://as.example",
        RESOURCE,
        jwks={"keys": [oct_jwk(KEY1, "k1")]},
        algorithms=["HS256"],
        clock=lambda: now[0],
        max_cached_tokens=2,
    )
    claims = {"iss": "https://as.example", "aud": RESOURCE, "sub": "f", "exp": NOW + 10}
    token = hs256(KEY1, claims)
    first = await v.verify(token)
    assert await v.verify(token) is first  # not verified again
    assert list(v._verified) == [hashlib.sha256(token.encode()).digest()]
    for n in range(3):
        await v.verify(hs256(KEY1, {**claims, "n": n}))
    assert len(v._verified) == 2
    now[0] += 11 + 60  # past exp and the leeway: verified afresh, and refused
    with pytest.raises(InvalidTokenError, match="expired"):
        await v.verify(hs256(KEY1, {**claims, "n": 2}))
