"""``mcplite proxy``: serve any server over another transport (layer 4).

    mcplite proxy [--http HOST:PORT] [--auth-token-env VAR] [--stateless] -- COMMAND...
    mcplite proxy --stdio URL

The backend is ``-- COMMAND`` (a stdio server), a URL, or a Python target; the front is
streamable HTTP with ``--http`` (behind a bearer token read from the environment variable
``--auth-token-env`` names, when given), else stdio.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from .._errors import MCPError


class ProxyUsageError(Exception):
    pass


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "proxy",
        help="serve a server (-- COMMAND, a URL, a Python target) over stdio or HTTP",
    )
    p.add_argument("target", nargs="?", help="a URL or Python target (or -- COMMAND...)")
    front = p.add_mutually_exclusive_group()
    front.add_argument("--http", metavar="HOST:PORT", help="serve streamable HTTP")
    front.add_argument("--stdio", action="store_true", help="serve stdin/stdout (default)")
    p.add_argument(
        "--auth-token-env",
        metavar="VAR",
        help="require 'Authorization: Bearer <token>', the token read from $VAR (--http)",
    )
    p.add_argument("--stateless", action="store_true", help="stateless HTTP (--http)")
    p.add_argument("--name", default=None, help="the gateway's server name")
    p.add_argument(
        "--protocol-version", default=None, help="pin the revision spoken to the backend"
    )


def _auth(var: str) -> Any:
    from .._auth.bearer import TokenInfo  # lazy: auth only with a bearer token set
    from .._server import bearer  # lazy: auth only with a bearer token set

    token = os.environ.get(var, "")
    if not token:
        raise ProxyUsageError(f"--auth-token-env {var}: the environment variable is not set")
    verifier = bearer.StaticTokenVerifier({token: TokenInfo(subject="mcplite-proxy")})
    return bearer.RequireBearerToken(verifier)


def run_proxy(args: argparse.Namespace, target: Any) -> int:
    """Run the gateway until the client goes away (stdio) or a signal (HTTP)."""
    from .proxy import proxy  # lazy: the proxy stack only once the arguments are valid

    if not args.http and (args.stateless or args.auth_token_env):
        raise ProxyUsageError("--stateless and --auth-token-env need --http")
    options: dict[str, Any] = {}
    if args.http:
        host, _, port = args.http.rpartition(":")
        if not port.isdigit():
            raise ProxyUsageError(f"--http expects HOST:PORT, got {args.http!r}")
        options = {"host": host or "127.0.0.1", "port": int(port), "stateless": args.stateless}
        if args.auth_token_env:
            options["auth"] = _auth(args.auth_token_env)
    gateway = proxy(target, name=args.name, protocol_version=args.protocol_version)
    try:
        gateway.run("streamable-http" if args.http else "stdio", **options)
    except (MCPError, OSError) as exc:
        print(f"mcplite: cannot serve: {exc}", file=sys.stderr)
        return 3
    return 0
