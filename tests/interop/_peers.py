"""Finding, installing and running the interop peers (software mcplite did not write).

Pinned peers: the official Python SDK (`mcp`, the `interop` extra of setup.cfg), servers from
PyPI (in a venv of their own, as they pin their own `mcp`) and, from npm,
the TypeScript SDK, its everything server and the reference servers (installed on first use into
$MCPLITE_INTEROP_CACHE, default ~/.cache/mcplite-interop). A test skips, naming the reason,
only when a peer cannot be installed; .ci/run installs them so that CI runs every test.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PEERS = HERE / "peers"
ROOT = HERE.parent.parent
EVERYTHING_SERVER = ROOT / "tests" / "conformance" / "everything_server.py"

# Keep in step with setup.cfg's `interop` extra and .ci/run.
PYTHON_SDK = "mcp==2.3.0"
NPM_PACKAGES = (
    "@modelcontextprotocol/sdk@1.32.2",
    "@modelcontextprotocol/server-everything@2026.8.31",
    "@modelcontextprotocol/server-filesystem@2026.8.31",
    "@modelcontextprotocol/server-memory@2026.8.31",
)
# Servers from PyPI that pin their own `mcp`: a virtual environment of their own in the cache.
PYPI_SERVERS = ("mcp-server-time==2026.10.19", "mcp-server-fetch==2026.10.24")
NPM_INSTALL_TIMEOUT_SECONDS = 180.0
PIP_INSTALL_TIMEOUT_SECONDS = 300.0
STARTUP_TIMEOUT_SECONDS = 15.0
PEER_TIMEOUT_SECONDS = 30.0


def require_python_sdk() -> None:
    """Skip unless the official Python SDK is importable in this interpreter."""
    if importlib.util.find_spec("mcp") is None:
        pytest.skip(
            f"the official Python SDK is not installed ({PYTHON_SDK}): "
            "pip install -e '.[interop]' (.ci/run does)"
        )


def interop_cache() -> Path:
    explicit = os.environ.get("MCPLITE_INTEROP_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mcplite-interop"


_npm_state: dict[str, str] = {}


def install_npm_peers(packages: tuple[str, ...] = NPM_PACKAGES, where: str = "") -> Path:
    """Install npm peers once (idempotent) into the cache (or its sub-directory ``where``);
    their node_modules, or RuntimeError saying why."""
    cache = interop_cache() / where
    modules = cache / "node_modules"
    stamp = cache / "installed.txt"
    wanted = "\n".join(packages)
    if stamp.is_file() and stamp.read_text() == wanted:
        return modules
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        raise RuntimeError("the npm peers need node and npm, which are not on PATH")
    cache.mkdir(parents=True, exist_ok=True)
    package_json = cache / "package.json"
    if not package_json.exists():
        package_json.write_text('{"name": "mcplite-interop", "private": true}\n')
    what = f"npm install {' '.join(packages)}"
    try:
        proc = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--no-save", *packages],
            cwd=cache,
            capture_output=True,
            text=True,
            timeout=NPM_INSTALL_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{what} took over {NPM_INSTALL_TIMEOUT_SECONDS:.0f} s") from None
    if proc.returncode != 0:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"{what} failed: {tail}")
    stamp.write_text(wanted)
    return modules


def node_modules() -> Path:
    """The npm peers' node_modules, installed on first use; skip when that is impossible."""
    if "failed" not in _npm_state:
        try:
            return install_npm_peers()
        except RuntimeError as exc:
            _npm_state["failed"] = str(exc)
    pytest.skip(_npm_state["failed"])


def install_pypi_servers() -> Path:
    """Install the PyPI servers once (idempotent) into their own venv; its bin directory."""
    venv = interop_cache() / "pypi-servers"
    bindir = venv / "bin"
    stamp = venv / "installed.txt"
    wanted = "\n".join(PYPI_SERVERS)
    if stamp.is_file() and stamp.read_text() == wanted:
        return bindir
    what = f"pip install {' '.join(PYPI_SERVERS)}"
    try:
        subprocess.run(
            [sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=60
        )
        proc = subprocess.run(
            [str(bindir / "python"), "-m", "pip", "install", "-q", *PYPI_SERVERS],
            capture_output=True,
            text=True,
            timeout=PIP_INSTALL_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{what} took over {PIP_INSTALL_TIMEOUT_SECONDS:.0f} s") from None
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"python -m venv failed: {exc.stderr!r}") from None
    if proc.returncode != 0:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"{what} failed: {tail}")
    stamp.write_text(wanted)
    return bindir


_pypi_state: dict[str, str] = {}


def pypi_server(name: str) -> str:
    """The console script of one PyPI server, installed on first use; skip when impossible."""
    if "failed" not in _pypi_state:
        try:
            return str(install_pypi_servers() / name)
        except RuntimeError as exc:
            _pypi_state["failed"] = str(exc)
    pytest.skip(_pypi_state["failed"])


# The MCP Inspector (its --cli mode), in a directory of its own: it brings some 120 packages
# the SDK peers do not need.  Keep in step with .ci/run.
INSPECTOR = "@modelcontextprotocol/inspector@2.12.0"


def install_inspector() -> Path:
    """Install the MCP Inspector once; its launcher script, or RuntimeError saying why."""
    modules = install_npm_peers((INSPECTOR,), "inspector")
    launcher = modules / "@modelcontextprotocol" / "inspector" / "clients" / "launcher"
    entry = launcher / "build" / "index.js"
    if not entry.is_file():
        raise RuntimeError(f"{INSPECTOR} is installed but has no {entry.relative_to(modules)}")
    return entry


def inspector() -> list[str]:
    """The command that runs the Inspector's CLI, installed on first use; skip when that is
    impossible."""
    if "inspector failed" not in _npm_state:
        try:
            entry = install_inspector()
        except RuntimeError as exc:
            _npm_state["inspector failed"] = str(exc)
        else:
            node = shutil.which("node")
            assert node is not None  # install_npm_peers refused otherwise
            return [node, str(entry), "--cli"]
    pytest.skip(_npm_state["inspector failed"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_listening(proc: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the peer exited with status {proc.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.02)
    raise AssertionError(f"nothing listened on 127.0.0.1:{port} within {STARTUP_TIMEOUT_SECONDS} s")


@contextlib.contextmanager
def http_server(argv: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run a server process until the block ends; yields its /mcp URL."""
    proc = subprocess.Popen(
        argv,
        env=None if env is None else {**os.environ, **env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_listening(proc, port)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.kill()
        _, err = proc.communicate(timeout=10)
        if os.environ.get("MCPLITE_INTEROP_VERBOSE"):
            sys.stderr.write(err.decode(errors="replace"))


def run_peer(argv: list[str], env: dict[str, str] | None = None) -> str:
    """Run a peer client to completion; its stdout (a JSON report) or a failure naming stderr."""
    proc = subprocess.run(
        argv,
        env=None if env is None else {**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=PEER_TIMEOUT_SECONDS,
    )
    if proc.returncode != 0:
        raise AssertionError(f"{argv[:2]} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return proc.stdout.strip().splitlines()[-1]
