"""OAuthClient against a fake MCP server + authorization server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from mcplite._auth.jose import ECPrivateKey, jwk_thumbprint, parse_jws, s256
from mcplite._client.httpauth import request_with_auth
from mcplite._client.oauth import (
    AuthorizationCode,
    AuthorizationResponse,
    ClientCredentials,
    EnterpriseManaged,
    InMemoryTokenStorage,
    JWTBearer,
    OAuthClient,
    OAuthError,
)
from mcplite._client.oauth_loopback import LoopbackRedirect
from mcplite._io.httpclient import HTTPClient
from mcplite._wire import http11 as h11

from .._loopback import tcp_server
from ..auth._verify_jwt import verify_jwt

Reply = tuple[int, dict[str, str], bytes]


class World:
    """One loopback server playing MCP server, authorization server and IdP."""

    def __init__(self) -> None:
        self.base = ""
        self.log: list[tuple[str, str, dict[str, str], dict[str, list[str]], bytes]] = []
        self.asm_extra: dict[str, Any] = {}
        self.scope_needed = "read"
        self.valid: dict[str, set[str]] = {}  # token -> scopes
        self.iss_mode = "correct"
        self.counter = 0
        self.dpop_nonce: str | None = None
        self.register_status = 201
        self.last_scope = "read"
        self.denied: set[str] = set()  # scopes the AS never grants

    def reply(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        path, query = urlsplit(target).path, parse_qs(urlsplit(target).query)
        self.log.append((method, path, headers, query, body))
        base, asb = self.base, self.base + "/as"
        if path == "/mcp":
            auth = headers.get("authorization", "")
            scopes = self.valid.get(auth.split(" ", 1)[-1])
            challenge = (
                f'Bearer resource_metadata="{base}/.well-known/oauth-protected-resource/mcp", '
                f'scope="{self.scope_needed}"'
            )
            if scopes is None:
                return 401, {"WWW-Authenticate": challenge}, b"{}"
            if self.scope_needed not in scopes:
                return 403, {"WWW-Authenticate": challenge + ', error="insufficient_scope"'}, b""
            return 200, {"Content-Type": "application/json"}, b'{"ok": true}'
        if path == "/.well-known/oauth-protected-resource/mcp":
            prm = {"resource": base + "/mcp", "authorization_servers": [asb]}
            return 200, {}, json.dumps(prm).encode()
        if path == "/.well-known/oauth-authorization-server/as":
            doc: dict[str, Any] = {
                "issuer": asb,
                "authorization_endpoint": asb + "/authorize",
                "token_endpoint": asb + "/token",
                "registration_endpoint": asb + "/register",
                "code_challenge_methods_supported": ["S256"],
                "authorization_response_iss_parameter_supported": True,
                "scopes_supported": ["read", "write", "offline_access"],
                **self.asm_extra,
            }
            return 200, {}, json.dumps(doc).encode()
        if path == "/as/register":
            doc = {"client_id": "dyn-client", "client_secret": "dyn-secret"}
            return self.register_status, {}, json.dumps(doc).encode()
        if path == "/as/authorize":
            redirect = query["redirect_uri"][0]
            self.last_scope = query.get("scope", ["read"])[0]
            iss = {"correct": asb, "wrong": "https://evil.example", "none": None}[self.iss_mode]
            params = {"code": "the-code", "state": query["state"][0]}
            if iss is not None:
                params["iss"] = iss
            return 302, {"Location": redirect + "?" + urlencode(params)}, b""
        if path in ("/as/token", "/idp/token"):
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            if self.dpop_nonce is not None and "dpop" in headers:
                _, claims, _, _ = parse_jws(headers["dpop"])
                if claims.get("nonce") != self.dpop_nonce:
                    err = {"error": "use_dpop_nonce"}
                    return 400, {"DPoP-Nonce": self.dpop_nonce}, json.dumps(err).encode()
            if path == "/idp/token":
                doc = {
                    "access_token": "id-jag",
                    "issued_token_type": "urn:ietf:params:oauth:token-type:id-jag",
                    "token_type": "N_A",
                }
                return 200, {}, json.dumps(doc).encode()
            self.counter += 1
            token = f"tok-{self.counter}"
            scope = form.get("scope", self.last_scope)
            self.valid[token] = set(scope.split()) - self.denied
            token_doc: dict[str, Any] = {
                "access_token": token,
                "token_type": "DPoP" if "dpop" in headers else "Bearer",
                "expires_in": 3600,
                "refresh_token": f"ref-{self.counter}",
                "scope": scope,
            }
            return 200, {}, json.dumps(token_doc).encode()
        return 404, {}, b"not found"

    def requests(self, path: str) -> list[tuple[dict[str, str], dict[str, list[str]], bytes]]:
        return [(h, q, b) for _, p, h, q, b in self.log if p == path]


@asynccontextmanager
async def serve(world: World) -> AsyncIterator[World]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        parser = h11.RequestParser()
        done: list[tuple[h11.Request, bytes]] = []
        while not done:
            data = await reader.read(65536)
            if not data:
                writer.close()
                return
            done = parser.feed_requests(data)
        request, body = done[0]
        fields = {k.decode().lower(): v.decode() for k, v in request.headers}
        status, headers, payload = world.reply(request.method, request.target, fields, body)
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        writer.write(
            f"HTTP/1.1 {status} X\r\n{head}Content-Length: {len(payload)}\r\n"
            "Connection: close\r\n\r\n".encode()
            + payload
        )
        await writer.drain()
        writer.close()

    async with tcp_server(handle) as port:
        world.base = f"http://127.0.0.1:{port}"
        yield world


def browser(http: HTTPClient) -> Callable[[str], Any]:
    async def follow(url: str) -> AuthorizationResponse:
        resp = await http.request("GET", url)
        await resp.aclose()
        query = parse_qs(urlsplit(resp.header("location") or "").query)
        return AuthorizationResponse(
            query["code"][0], query["state"][0], (query.get("iss") or [""])[0] or None
        )

    return follow


async def call_mcp(http: HTTPClient, auth: OAuthClient, url: str) -> int:
    resp = await request_with_auth(http, auth, "POST", url, [], b"{}")
    await resp.read()
    return resp.status


async def test_authorization_code_flow_end_to_end() -> None:
    async with serve(World()) as world, HTTPClient() as http:
        url = world.base + "/mcp"
        redirect = "http://127.0.0.1:1/cb"
        auth = OAuthClient(url, AuthorizationCode(browser(http), redirect), http=http)
        assert await call_mcp(http, auth, url) == 200
        [(_, _, reg)] = world.requests("/as/register")
        meta = json.loads(reg)
        assert meta["application_type"] == "native" and meta["redirect_uris"] == [redirect]
        assert "refresh_token" in meta["grant_types"]
        [(_, query, _)] = world.requests("/as/authorize")
        assert query["code_challenge_method"] == ["S256"]
        assert query["resource"] == [url]
        assert query["scope"] == ["read offline_access"]  # challenge scope + SEP-2207
        [(headers, _, body)] = world.requests("/as/token")
        form = parse_qs(body.decode())
        assert s256(form["code_verifier"][0]) == query["code_challenge"][0]
        assert form["resource"] == [url] and form["redirect_uri"] == [redirect]
        basic = base64.b64decode(headers["authorization"].split()[1]).decode()
        assert basic == "dyn-client:dyn-secret"  # client_secret_basic is the RFC 8414 default
        mcp = world.requests("/mcp")
        assert "authorization" not in mcp[0][0]
        assert mcp[1][0]["authorization"] == "Bearer tok-1"
        assert auth.tokens is not None and auth.tokens.refresh_token == "ref-1"
        # Expired: the next request refreshes first.
        auth.tokens.expires_at = 0.0
        assert await call_mcp(http, auth, url) == 200
        refresh = parse_qs(world.requests("/as/token")[1][2].decode())
        assert refresh["grant_type"] == ["refresh_token"] and refresh["refresh_token"] == ["ref-1"]
        assert world.requests("/mcp")[-1][0]["authorization"] == "Bearer tok-2"
        await auth.aclose()


async def test_step_up_requests_the_union_of_scopes() -> None:
    async with serve(World()) as world, HTTPClient() as http:
        url = world.base + "/mcp"
        auth = OAuthClient(
            url,
            AuthorizationCode(browser(http), "http://localhost/cb"),
            http=http,
            offline_access=False,
        )
        assert await call_mcp(http, auth, url) == 200
        world.scope_needed = "write"
        assert await call_mcp(http, auth, url) == 200
        scopes = [q["scope"][0] for _, q, _ in world.requests("/as/authorize")]
        assert scopes == ["read", "read write"]
        # A server that never accepts: retries are bounded.
        world.scope_needed = "admin"
        world.denied = {"admin"}
        before = len(world.requests("/as/authorize"))
        assert await call_mcp(http, auth, url) == 403
        assert len(world.requests("/as/authorize")) - before <= 2


@pytest.mark.parametrize("mode", ["wrong", "none"])
async def test_iss_mismatch_stops_before_the_token_request(mode: str) -> None:
    world = World()
    world.iss_mode = mode
    async with serve(world), HTTPClient() as http:
        url = world.base + "/mcp"
        auth = OAuthClient(url, AuthorizationCode(browser(http), "http://localhost/cb"), http=http)
        with pytest.raises(OAuthError, match="iss"):
            await auth.authorize()
        assert world.requests("/as/token") == []


async def test_pre_registered_client_for_another_issuer_is_not_used() -> None:
    async with serve(World()) as world, HTTPClient() as http:
        storage = InMemoryTokenStorage()
        auth = OAuthClient(
            world.base + "/mcp",
            AuthorizationCode(browser(http), "http://localhost/cb"),
            client_id="pre",
            client_secret="s",
            client_issuer="https://other.example",
            http=http,
            storage=storage,
        )
        await auth.authorize()
        assert storage.clients[world.base + "/as"].client_id == "dyn-client"
        assert storage.tokens[world.base + "/as"].access_token == "tok-1"


async def test_registration_failure_and_missing_everything() -> None:
    world = World()
    world.register_status = 400
    async with serve(world), HTTPClient() as http:
        auth = OAuthClient(world.base + "/mcp", ClientCredentials(), http=http)
        with pytest.raises(OAuthError, match="client registration"):
            await auth.authorize()
        world.asm_extra = {"issuer": "https://attacker.example"}
        with pytest.raises(OAuthError, match="expected issuer"):
            await auth.authorize()


async def test_client_credentials_with_private_key_jwt() -> None:
    world = World()
    world.asm_extra = {"token_endpoint_auth_methods_supported": ["private_key_jwt"]}
    key = ECPrivateKey(12345)
    async with serve(world), HTTPClient() as http:
        auth = OAuthClient(
            world.base + "/mcp", ClientCredentials(), client_id="svc", private_key=key, http=http
        )
        await auth.authorize()
        form = {k: v[0] for k, v in parse_qs(world.requests("/as/token")[0][2].decode()).items()}
        assert form["grant_type"] == "client_credentials"
        claims = verify_jwt(form["client_assertion"], key.public_jwk())
        assert claims["iss"] == claims["sub"] == "svc"
        assert claims["aud"] == world.base + "/as"


async def test_enterprise_managed_and_jwt_bearer() -> None:
    async with serve(World()) as world, HTTPClient() as http:
        grant = EnterpriseManaged(world.base + "/idp/token", "id-token", idp_client_id="idp-c")
        auth = OAuthClient(world.base + "/mcp", grant, client_id="c", client_secret="s", http=http)
        await auth.authorize()
        idp = parse_qs(world.requests("/idp/token")[0][2].decode())
        assert idp["subject_token"] == ["id-token"] and idp["audience"] == [world.base + "/as"]
        assert idp["requested_token_type"] == ["urn:ietf:params:oauth:token-type:id-jag"]
        bearer = parse_qs(world.requests("/as/token")[0][2].decode())
        assert bearer["assertion"] == ["id-jag"]
        assert bearer["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]

        async def workload() -> str:
            return "workload-jwt"

        wif = OAuthClient(world.base + "/mcp", JWTBearer(workload), client_id="w", http=http)
        await wif.authorize()
        assert parse_qs(world.requests("/as/token")[1][2].decode())["assertion"] == ["workload-jwt"]


async def test_dpop_token_request_with_nonce_and_proofs() -> None:
    world = World()
    world.asm_extra = {"dpop_signing_alg_values_supported": ["ES256"]}
    world.dpop_nonce = "n-1"
    async with serve(world), HTTPClient() as http:
        url = world.base + "/mcp"
        auth = OAuthClient(url, AuthorizationCode(browser(http), "http://localhost/cb"), http=http)
        await auth.authorize()
        first, second = world.requests("/as/token")
        assert "nonce" not in parse_jws(first[0]["dpop"])[1]
        header, claims, _, _ = parse_jws(second[0]["dpop"])
        assert claims["nonce"] == "n-1" and header["typ"] == "dpop+jwt"
        assert claims["htm"] == "POST" and claims["htu"] == world.base + "/as/token"
        headers = dict(await auth.headers("POST", url + "?q=1"))
        assert headers["Authorization"] == "DPoP tok-1"
        proof_header, proof, _, _ = parse_jws(headers["DPoP"])
        assert proof["ath"] == s256("tok-1") and proof["htu"] == url
        assert verify_jwt(headers["DPoP"], proof_header["jwk"])["htm"] == "POST"
        assert jwk_thumbprint(proof_header["jwk"]) == auth.dpop_key.thumbprint  # type: ignore[union-attr]
        # A resource server nonce challenge is taken and the request retried.
        retry = await auth.on_response(
            "POST",
            url,
            401,
            {"www-authenticate": 'DPoP error="use_dpop_nonce"', "dpop-nonce": "rs-1"},
        )
        assert retry
        again = dict(await auth.headers("POST", url))
        assert parse_jws(again["DPoP"])[1]["nonce"] == "rs-1"
        assert not await auth.on_response("POST", url, 403, {"www-authenticate": "Bearer"})


async def test_loopback_redirect_captures_the_code() -> None:
    async with LoopbackRedirect(timeout=5) as redirect, HTTPClient() as http:
        assert redirect.redirect_uri.startswith("http://127.0.0.1:")
        hits: list[int] = []

        def open_browser(url: str) -> None:
            async def visit() -> None:
                miss = await http.request("GET", redirect.redirect_uri.replace("/callback", "/x"))
                hits.append(miss.status)
                await miss.read()
                resp = await http.request("GET", f"{redirect.redirect_uri}?code=c1&state=s1&iss=i")
                hits.append(resp.status)
                await resp.read()

            asyncio.get_running_loop().create_task(visit())

        redirect.open_browser = open_browser
        got = await redirect.authorize("https://as.example/authorize")
        assert got == AuthorizationResponse("c1", "s1", "i")
        await asyncio.sleep(0.01)
        assert hits == [404, 200]


async def test_loopback_redirect_error_and_timeout() -> None:
    async with LoopbackRedirect(timeout=0.05, open_browser=lambda url: None) as redirect:
        with pytest.raises(OAuthError, match="no authorization redirect"):
            await redirect.authorize("https://as.example/authorize")

        async with HTTPClient() as http:

            def refuse(url: str) -> None:
                async def visit() -> None:
                    resp = await http.request(
                        "GET", redirect.redirect_uri + "?error=access_denied&error_description=no"
                    )
                    await resp.read()

                asyncio.get_running_loop().create_task(visit())

            redirect.open_browser = refuse
            redirect.timeout = 5
            with pytest.raises(OAuthError, match="access_denied") as info:
                await redirect.authorize("https://as.example/authorize")
            assert info.value.error == "access_denied"
