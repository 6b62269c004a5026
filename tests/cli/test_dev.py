"""`mcplite dev` over real HTTP (no browser): the token, Host/Origin checks, the API the page
uses, a failing target, and refusing a non-loopback address.  The page itself is driven in
headless Chromium in test_dev_browser.py."""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import subprocess
import sys
import time
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.cli._dev_process import ROOT, TARGET, dev_process

POLL_SECONDS = 10


def request(
    base: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        data = None if body is None else json.dumps(body).encode()
        conn.request(method, path, body=data, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def api(base: str, token: str, op: str, args: Any = None) -> Any:
    status, _, body = request(
        base, "POST", "/api/" + op, args or {}, {"X-MCPLite-Dev-Token": token}
    )
    assert status == 200, body
    return json.loads(body)


@pytest.fixture(scope="module")
def dev() -> Any:
    with dev_process(TARGET) as (base, token):
        deadline = time.monotonic() + POLL_SECONDS
        while not api(base, token, "state")["result"]["connected"]:
            assert time.monotonic() < deadline, "the inspector never connected"
            time.sleep(0.05)
        yield base, token


def test_the_page_needs_the_token(dev: Any) -> None:
    base, token = dev
    status, _, body = request(base, "GET", "/")
    assert status == 403 and b"token" in body
    status, _, _ = request(base, "POST", "/api/state", {})
    assert status == 403
    status, _, _ = request(base, "GET", "/?token=wrong" + token)
    assert status == 403
    status, headers, _ = request(base, "GET", "/?token=" + token)
    assert status == 303 and headers["location"] == "/"
    cookie = headers["set-cookie"].split(";")[0]
    assert "HttpOnly" in headers["set-cookie"] and "SameSite=Strict" in headers["set-cookie"]
    status, headers, body = request(base, "GET", "/", headers={"Cookie": cookie})
    assert status == 200 and b"<title>mcplite dev</title>" in body
    assert "default-src 'none'" in headers["content-security-policy"]


def test_foreign_origin_and_host_are_refused(dev: Any) -> None:
    base, token = dev
    auth = {"X-MCPLite-Dev-Token": token}
    status, _, body = request(
        base, "POST", "/api/state", {}, {**auth, "Origin": "http://evil.example"}
    )
    assert status == 403 and b"Origin" in body
    status, _, body = request(base, "POST", "/api/state", {}, {**auth, "Host": "evil.example"})
    assert status == 403 and b"Host" in body
    port = urlsplit(base).port
    same = {**auth, "Origin": f"http://127.0.0.1:{port}"}
    assert request(base, "POST", "/api/state", {}, same)[0] == 200


def test_state_lists_and_calls(dev: Any) -> None:
    base, token = dev
    state = api(base, token, "state")["result"]
    assert state["serverInfo"]["name"] == "dev-target"
    assert state["protocolVersion"] in state["supportedVersions"]
    listing = api(base, token, "list")["result"]
    names = {tool["name"] for tool in listing["tools"]}
    assert {"add", "picture", "slow", "ask_name", "fail"} <= names
    assert [r["uri"] for r in listing["resources"]] == ["note://hello"]
    assert [p["name"] for p in listing["prompts"]] == ["greet"]
    result = api(base, token, "call", {"callId": "a", "name": "add", "arguments": {"a": 2, "b": 3}})
    assert result["result"]["structuredContent"]["total"] == 5
    failed = api(base, token, "call", {"callId": "b", "name": "fail", "arguments": {}})
    assert failed["result"]["isError"] is True
    bad = api(base, token, "call", {"callId": "c", "name": "add", "arguments": {"a": "x"}})
    assert "error" in bad or bad["result"]["isError"] is True
    read = api(base, token, "read", {"uri": "note://hello"})["result"]
    assert read["contents"][0]["text"].startswith("Hello, world")
    prompt = api(base, token, "prompt", {"name": "greet", "arguments": {"name": "Ada"}})["result"]
    assert "Ada" in prompt["messages"][0]["content"]["text"]
    ref = {"type": "ref/prompt", "name": "greet"}
    done = api(base, token, "complete", {"ref": ref, "argument": "name", "value": "a"})["result"]
    assert done["values"] == ["Ada", "Alan"]


def test_bad_api_input_is_a_readable_400(dev: Any) -> None:
    base, token = dev
    auth = {"X-MCPLite-Dev-Token": token}
    status, _, body = request(base, "POST", "/api/call", [1, 2], auth)
    assert status == 400 and b"expected a JSON object" in body
    status, _, body = request(base, "POST", "/api/call", {"name": "add"}, auth)
    assert status == 400 and b"callId" in body
    status, _, body = request(base, "POST", "/api/nope", {}, auth)
    assert status == 400 and b"unknown operation" in body


def _wait_dialog(base: str, token: str) -> dict[str, Any]:
    deadline = time.monotonic() + POLL_SECONDS
    while not (dialogs := api(base, token, "state")["result"]["dialogs"]):
        assert time.monotonic() < deadline, "no dialog arrived"
        time.sleep(0.05)
    return dict(dialogs[0])


def test_elicitation_waits_for_the_answer(dev: Any) -> None:
    base, token = dev
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pending = pool.submit(api, base, token, "call", {"callId": "e", "name": "ask_name"})
        dialog = _wait_dialog(base, token)
        assert dialog["kind"] == "elicitation" and dialog["params"]["message"] == "Who are you?"
        answer = {"action": "accept", "content": {"name": "Ada"}}
        assert api(base, token, "answer", {"id": dialog["id"], "answer": answer})["result"]
        result = pending.result(POLL_SECONDS)
    assert result["result"]["content"][0]["text"] == "Hello, Ada!"


def test_cancel_a_running_call(dev: Any) -> None:
    base, token = dev
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pending = pool.submit(api, base, token, "call", {"callId": "s", "name": "slow"})
        deadline = time.monotonic() + POLL_SECONDS
        while not api(base, token, "cancel", {"callId": "s"})["result"]:
            assert time.monotonic() < deadline, "the call never started"
            time.sleep(0.02)
        assert pending.result(POLL_SECONDS) == {"cancelled": True}


def test_a_target_that_fails_to_start_shows_its_stderr() -> None:
    crash = [
        sys.executable,
        "-c",
        "import sys; sys.stderr.write('boom: no config\\n'); sys.exit(3)",
    ]
    with dev_process(command=crash) as (base, token):
        deadline = time.monotonic() + POLL_SECONDS
        while (state := api(base, token, "state")["result"])["error"] is None:
            assert time.monotonic() < deadline, "no error reported"
            time.sleep(0.05)
        assert not state["connected"]
        while "boom: no config" not in (state := api(base, token, "state")["result"])["stderr"]:
            assert time.monotonic() < deadline, f"stderr not shown: {state}"
            time.sleep(0.05)
        again = api(base, token, "connect", {"protocolVersion": None})["result"]
        assert again["error"] and not again["connected"]  # retry works, the command stays up
        assert api(base, token, "list").get("error")


def test_refuses_a_non_loopback_address_without_allow_remote() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mcplite", "dev", TARGET, "--host", "0.0.0.0", "--no-browser"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2
    assert "--allow-remote" in proc.stderr


def test_an_http_target() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "mcplite", "run", TARGET, "--http", f"127.0.0.1:{port}"],
        cwd=ROOT,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + POLL_SECONDS
        while True:  # wait for the listener
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the HTTP server did not start"
                time.sleep(0.05)
        with dev_process(f"http://127.0.0.1:{port}/mcp") as (base, token):
            while not (state := api(base, token, "state")["result"])["connected"]:
                assert time.monotonic() < deadline, f"not connected: {state}"
                time.sleep(0.05)
            assert state["restartable"] is False
            args = {"callId": "h", "name": "add", "arguments": {"a": 1, "b": 1}}
            assert api(base, token, "call", args)["result"]["structuredContent"]["total"] == 2
            pinned = api(base, token, "connect", {"protocolVersion": "2025-06-18"})["result"]
            assert pinned["protocolVersion"] == "2025-06-18" and pinned["connected"]
            # Each connect is a newer revision: the page drops snapshots older than its own.
            assert pinned["revision"] == state["revision"] + 1
    finally:
        server.terminate()
        server.wait(10)
