"""The ``auth/*`` conformance scenarios: ``everything_client.py`` hands them to
``run_auth_scenario``.

One flow for the authorization-code scenarios (as the Go SDK's everything-client does): a
Client ID Metadata Document URL, dynamic registration with a loopback redirect URI, and the
pre-registered credentials the context may carry.  The browser step is simulated: the
authorization URL is fetched and the redirect's ``Location`` read.  The extension scenarios
pick their grant from the context the suite supplies.  Then list tools and call
``test-tool``.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qs, urlsplit

import mcplite
from mcplite._auth.oauth_metadata import OAuthError
from mcplite._client.oauth import (
    AuthorizationCode,
    AuthorizationResponse,
    ClientCredentials,
    EnterpriseManaged,
    Grant,
    JWTBearer,
    OAuthClient,
)
from mcplite._client.streamable_http import StreamableHTTPTransport
from mcplite._io.httpclient import HTTPClient

CIMD_URL = "https://conformance-test.local/client-metadata.json"
REDIRECT_URI = "http://localhost:3000/callback"


async def _follow(url: str) -> AuthorizationResponse:
    """Play the browser: the authorization endpoint answers with a redirect to us."""
    async with HTTPClient() as http:
        resp = await http.request("GET", url)
        await resp.aclose()
    location = resp.header("location")
    if resp.status not in (301, 302, 303, 307) or not location:
        raise OAuthError(f"authorization endpoint: expected a redirect, got HTTP {resp.status}")
    query = parse_qs(urlsplit(location).query)
    if "code" not in query:
        raise OAuthError(f"authorization endpoint redirected without a code: {location}")

    def one(name: str) -> str | None:
        values = query.get(name)
        return values[0] if values else None

    return AuthorizationResponse(query["code"][0], one("state"), one("iss"))


def build_auth(scenario: str, server_url: str, context: dict[str, Any]) -> OAuthClient:
    name = scenario.removeprefix("auth/")
    grant: Grant = AuthorizationCode(_follow, REDIRECT_URI)
    options: dict[str, Any] = {}
    if name.startswith("client-credentials"):
        grant = ClientCredentials()
        options = {
            "client_secret": context.get("client_secret"),
            "private_key": context.get("private_key_pem"),
        }
    elif name == "enterprise-managed-authorization":
        grant = EnterpriseManaged(
            idp_token_endpoint=context["idp_token_endpoint"],
            id_token=context["idp_id_token"],
            idp_client_id=context.get("idp_client_id"),
        )
        options = {"client_secret": context.get("client_secret")}
    elif name == "wif-jwt-bearer":
        grant = JWTBearer(context["valid_jwt"])
    else:
        options = {
            "client_secret": context.get("client_secret"),
            "client_issuer": context.get("issuer"),
            "client_metadata_url": CIMD_URL,
        }
    return OAuthClient(server_url, grant, client_id=context.get("client_id"), **options)


async def run_auth_scenario(scenario: str, server_url: str, context: dict[str, Any]) -> None:
    auth = build_auth(scenario, server_url, context)
    transport = StreamableHTTPTransport(server_url, auth=auth)
    try:
        async with mcplite.connect(
            transport, name="test-client", version="1.0.0", request_timeout=30.0
        ) as client:
            await client.list_all_tools()
            await client.call_tool("test-tool", {})
    finally:
        await auth.aclose()


if __name__ == "__main__":  # pragma: no cover - handy when debugging one scenario by hand
    import asyncio
    import json
    import sys

    asyncio.run(
        run_auth_scenario(
            os.environ.get("MCP_CONFORMANCE_SCENARIO", ""),
            sys.argv[-1],
            json.loads(os.environ.get("MCP_CONFORMANCE_CONTEXT") or "{}"),
        )
    )
