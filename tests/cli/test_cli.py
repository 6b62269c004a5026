"""The command line, against real servers: stdio Python targets, ``-- COMMAND``, HTTP URLs.

Two halves:

- every ```console block in README.md and docs/*.md is run: each ``$ `` line through bash
  from the repository root (``python``, ``python3`` and ``mcplite`` resolve to this
  interpreter), its combined stdout+stderr compared with the lines that follow (a ``...``
  line stands for any number of lines).  A command ending in `` &`` is a background server:
  it is started first, ``127.0.0.1:8000`` is replaced by a free port throughout the
  document, and it is stopped at the end;
- behaviour the docs promise but do not print: exit codes, stdout vs stderr, ``--json``,
  refusing interaction off a terminal, usage errors (in process, no subprocess);
- the client commands' helpers on a simulated terminal (in process): interactive
  elicitation and sampling, content rendering.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import os
import pathlib
import re
import select
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator

import pytest

from mcplite import types as t
from mcplite._cli import client_cmds, main as _cli, targets

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
COMMAND_TIMEOUT_SECONDS = 15
SERVER_START_SECONDS = 10
DOC_PORT = "127.0.0.1:8000"
SERVER = "examples/server.py"

_FENCE = re.compile(r"^([ \t]*)```console\n(.*?)^\1```", re.S | re.M)


class Command:
    def __init__(self, doc: pathlib.Path, line: int, text: str, expected: list[str]) -> None:
        self.doc = doc
        self.line = line
        self.text = text
        self.expected = expected
        self.background = text.endswith(" &")

    @property
    def where(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


def commands_of(doc: pathlib.Path) -> list[Command]:
    text = doc.read_text()
    out: list[Command] = []
    for m in _FENCE.finditer(text):
        first = text.count("\n", 0, m.start(2)) + 1
        for i, line in enumerate(textwrap.dedent(m.group(2)).splitlines()):
            if line.startswith("$ "):
                out.append(Command(doc, first + i, line[2:].strip(), []))
            elif out and out[-1].doc == doc and out[-1].line < first + i:
                out[-1].expected.append(line.rstrip())
    return out


DOCS_WITH_COMMANDS = [doc for doc in DOCS if commands_of(doc)]


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line by line; a ``...`` line matches any run of lines (including none), and ``...``
    inside a line matches any text."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head == "...":
        return any(matches(rest, actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and line_matches(head, actual[0]) and matches(rest, actual[1:])


def line_matches(expected: str, actual: str) -> bool:
    if "..." not in expected:
        return expected == actual
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual) is not None


@pytest.fixture(scope="module")
def shim_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment where python, python3 and mcplite run this interpreter and checkout."""
    bindir = tmp_path_factory.mktemp("bin")
    # Shell shims, not symlinks: a symlinked venv interpreter no longer finds its pyvenv.cfg
    # and so runs without the venv's packages.
    for name in ("python", "python3"):
        shim = bindir / name
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
        shim.chmod(0o755)
    script = bindir / "mcplite"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m mcplite "$@"\n')
    script.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "NO_COLOR": "1",
    }
    env.pop("MCP_STATE_KEY", None)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_listening(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the server exited with status {proc.returncode}"
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.02)
    raise AssertionError(f"nothing listens on port {port} after {SERVER_START_SECONDS} s")


@contextlib.contextmanager
def background(command: str, env: dict[str, str], port: int) -> Iterator[None]:
    proc = subprocess.Popen(
        ["bash", "-c", f"exec {command.removesuffix('&').strip()}"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_listening(port, proc)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a hung server
            proc.kill()
            proc.wait()


def run(command: str, env: dict[str, str]) -> tuple[int, list[str]]:
    proc = subprocess.run(
        ["bash", "-c", command],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )
    lines = [line.rstrip() for line in proc.stdout.decode().splitlines()]
    return proc.returncode, lines


def run_split(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``argv`` with stdout and stderr apart (``run`` merges them), no stdin, bounded."""
    return subprocess.run(
        argv,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )


# ------------------------------------------------------------------ the documented examples


@pytest.mark.parametrize("doc", DOCS_WITH_COMMANDS, ids=[d.name for d in DOCS_WITH_COMMANDS])
def test_documented_commands(doc: pathlib.Path, shim_env: dict[str, str]) -> None:
    commands = commands_of(doc)
    port = str(free_port())

    def local(text: str) -> str:
        return text.replace(DOC_PORT, f"127.0.0.1:{port}")

    with contextlib.ExitStack() as stack:
        for cmd in commands:
            if cmd.background:
                stack.enter_context(background(local(cmd.text), shim_env, int(port)))
        foreground = [c for c in commands if not c.background]
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda c: run(local(c.text), shim_env), foreground))
    failures = []
    for cmd, (status, lines) in zip(foreground, results, strict=True):
        expected = [local(line) for line in cmd.expected]
        if not matches(expected, lines):
            failures.append(
                f"{cmd.where}: $ {cmd.text}\n  exit status {status}\n  expected:\n    "
                + "\n    ".join(expected)
                + "\n  got:\n    "
                + "\n    ".join(lines)
            )
    assert not failures, "\n\n".join(failures)


def test_cli_docs_cover_every_command() -> None:
    text = " ".join(c.text for doc in DOCS for c in commands_of(doc))
    for sub in ("run", "list", "call", "read", "prompt", "inspect", "demo"):
        assert re.search(rf"mcplite {sub}\b", text), f"no documented example of `{sub}`"
    assert "http://127.0.0.1:8000/mcp" in text  # an HTTP URL target
    assert " -- " in text  # a `-- COMMAND` target
    assert "--json" in text


def test_matcher() -> None:
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert matches(["a", "..."], ["a"])
    assert not matches(["a"], ["a", "b"])
    assert not matches(["a", "b"], ["a"])
    assert matches(["x ... z"], ["x y z"])
    assert not matches(["x ... z"], ["x y"])


# ------------------------------------------------------------------ behaviour not printed


def test_usage_errors_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli.main(["list"]) == _cli.EXIT_USAGE
    assert "give a TARGET" in capsys.readouterr().err
    assert _cli.main(["list", "no/such/file.py"]) == _cli.EXIT_USAGE
    assert "no such file: no/such/file.py" in capsys.readouterr().err
    assert _cli.main(["list", "no_such_module_xyz"]) == _cli.EXIT_USAGE
    assert "no module named 'no_such_module_xyz'" in capsys.readouterr().err
    assert _cli.main(["call", SERVER, "add", "novalue"]) == _cli.EXIT_USAGE
    assert "expected key=value, got 'novalue'" in capsys.readouterr().err
    assert _cli.main(["call", SERVER, "add", "--args", "[1]"]) == _cli.EXIT_USAGE
    assert "--args must be a JSON object, got '[1]'" in capsys.readouterr().err
    assert _cli.main(["call", SERVER, "add", "--args", "{"]) == _cli.EXIT_USAGE
    assert "--args is not valid JSON" in capsys.readouterr().err
    assert _cli.main(["run", "mcplite", "--stateless"]) == _cli.EXIT_USAGE
    assert _cli.main(["run", SERVER, "--transport", "sse"]) == _cli.EXIT_USAGE
    assert "--transport sse needs --http HOST:PORT" in capsys.readouterr().err
    assert _cli.main(["run", SERVER, "--transport", "stdio", "--http", ":1"]) == _cli.EXIT_USAGE
    assert "--http serves streamable-http or sse, not stdio" in capsys.readouterr().err
    assert _cli.main(["list", "http://127.0.0.1:9/mcp", "--transport", "stdio"]) == 2
    assert "transport='stdio' cannot speak to a URL target" in capsys.readouterr().err


def test_cli_call_without_arguments_does_not_require_pairs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for cmd, missing in (("call", "tool"), ("prompt", "name")):
        with pytest.raises(SystemExit):
            _cli.main([cmd])
        err = capsys.readouterr().err
        assert f"the following arguments are required: {missing}\n" in err
        assert "key=value" not in err.splitlines()[-1]


def test_load_server(tmp_path: pathlib.Path) -> None:
    assert _cli.load_server("mcplite._cli.demo_server:build").info.name == "mcplite-demo"
    two = tmp_path / "two.py"
    two.write_text("from mcplite import Server\na = Server('a')\nb = Server('b')\n")
    with pytest.raises(_cli.UsageError, match="defines 2 Server objects"):
        _cli.load_server(str(two))
    assert _cli.load_server(f"{two}:b").info.name == "b"
    with pytest.raises(_cli.UsageError, match="has no attribute 'c'"):
        _cli.load_server(f"{two}:c")


def test_key_value_arguments() -> None:
    assert targets._kv(["a=1", "b=x", "c=[1,2]", "d=", "e=a=b"]) == {
        "a": 1,
        "b": "x",
        "c": [1, 2],
        "d": "",
        "e": "a=b",
    }


def test_stdout_is_the_result_and_stderr_the_rest(shim_env: dict[str, str]) -> None:
    proc = run_split(["mcplite", "call", SERVER, "count", "n=1"], shim_env)
    assert proc.returncode == 0
    assert proc.stdout == "counted to 1\n"
    assert proc.stderr.splitlines() == ["progress 1/1 step 1", "log info: counted to 1"]


def test_json_output_parses(shim_env: dict[str, str]) -> None:
    proc = run_split(
        ["mcplite", "inspect", "--json", "--protocol-version", "2025-11-25", SERVER], shim_env
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["protocolVersion"] == "2025-11-25"
    assert report["serverInfo"] == {"name": "notes", "version": "1.0.0"}
    assert [t["name"] for t in report["tools"]][:2] == ["add", "divide"]
    assert report["resourceTemplates"][0]["uriTemplate"] == "notes://{name}"


def test_sampling_is_refused_off_a_terminal(
    shim_env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    server = tmp_path / "sampler.py"
    server.write_text(
        "from mcplite import Context, Server\n"
        "server = Server('sampler')\n"
        "@server.tool()\n"
        "async def poem(ctx: Context) -> str:\n"
        "    reply = await ctx.sample('a poem', max_tokens=5)\n"
        "    return str(reply.content)\n"
    )
    for version in ("2025-11-25", "2026-07-28"):
        proc = run_split(
            ["mcplite", "call", "--protocol-version", version, str(server), "poem"], shim_env
        )
        assert proc.returncode == _cli.EXIT_SERVER_ERROR, (version, proc.stderr)
        assert "sampling refused: the mcplite CLI is not on a terminal" in (
            proc.stdout + proc.stderr
        )


def test_connection_exit_codes(shim_env: dict[str, str]) -> None:
    status, lines = run("mcplite list -- false", shim_env)
    assert status == _cli.EXIT_CONNECTION
    assert lines[-1].startswith("mcplite: connection failed: the server process closed")
    status, lines = run("mcplite list -- /no/such/command", shim_env)
    assert status == _cli.EXIT_CONNECTION
    assert "cannot start '/no/such/command'" in lines[-1]


def test_console_script_entry_point() -> None:
    import configparser
    import importlib

    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    scripts = cfg["options.entry_points"]["console_scripts"].strip()
    assert scripts == "mcplite = mcplite.__main__:main"
    assert importlib.import_module("mcplite.__main__").main is _cli.main


@pytest.mark.parametrize("command", [["inspect"], ["list"], ["inspect", "--json"]])
def test_a_closed_stdout_ends_the_cli_quietly(shim_env: dict[str, str], command: list[str]) -> None:
    # `mcplite inspect ... | head -1`: the reader is gone before the output is written.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            ["mcplite", *command, SERVER],
            cwd=ROOT,
            env=shim_env,
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
            check=False,
        )
    finally:
        os.close(write_end)
    assert proc.returncode == 0, proc.stderr
    assert "connection failed" not in proc.stderr
    assert "BrokenPipeError" not in proc.stderr


# ---------------------------------------------------------------- on a terminal


def answers(monkeypatch: pytest.MonkeyPatch, *replies: str) -> list[str]:
    """Pretend to be on a terminal and answer ``input()`` prompts in order."""
    prompts: list[str] = []
    queue = list(replies)

    def fake_input(prompt: str = "") -> str:
        prompts.append(prompt)
        return queue.pop(0)

    monkeypatch.setattr(client_cmds, "_interactive", lambda: True)
    monkeypatch.setattr("builtins.input", fake_input)
    return prompts


def test_form_elicitation_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = answers(monkeypatch, "Ada", "36", "not json")
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "age": {"type": "integer"},
            "tags": {"type": "array"},
        },
    }
    params = t.ElicitParams(message="Who are you?", requested_schema=schema)
    result = asyncio.run(client_cmds._elicit(params))
    assert result.action == "accept"
    # strings stay text, JSON types are decoded, undecodable input is kept as text
    assert result.content == {"name": "Ada", "age": 36, "tags": "not json"}
    assert prompts == ["  name (string): ", "  age (integer): ", "  tags (array): "]
    assert "server asks: Who are you?" in capsys.readouterr().err


@pytest.mark.parametrize(("reply", "action"), [("y", "accept"), ("Yes", "accept"), ("", "decline")])
def test_url_elicitation_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], reply: str, action: str
) -> None:
    answers(monkeypatch, reply)
    params = t.ElicitParams(message="Sign in", mode="url", url="https://example.test/auth")
    result = asyncio.run(client_cmds._elicit(params))
    assert result.action == action
    assert "open: https://example.test/auth" in capsys.readouterr().err


def test_elicitation_without_schema_accepts_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    answers(monkeypatch)
    result = asyncio.run(client_cmds._elicit(t.ElicitParams(message="ok?")))
    assert result.action == "accept" and result.content == {}


def test_sampling_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers(monkeypatch, "forty-two")
    params = t.CreateMessageParams(
        messages=[
            t.SamplingMessage(role="user", content=t.TextContent(text="what is it?")),
            t.SamplingMessage(
                role="user", content=t.ImageContent(data="AAAA", mime_type="image/png")
            ),
            t.SamplingMessage(role="assistant", content=[t.TextContent(text="a list")]),
        ],
        max_tokens=10,
    )
    result = asyncio.run(client_cmds._sample(params))
    assert result.role == "assistant" and result.model == "human-via-mcplite-cli"
    assert isinstance(result.content, t.TextContent) and result.content.text == "forty-two"
    err = capsys.readouterr().err
    assert "what is it?" in err
    assert "[user] ImageContent(" in err  # no text: shown as its repr
    assert "[assistant] [TextContent(" in err


def test_sampling_shows_text_messages_verbatim(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers(monkeypatch, "ok")
    message = t.SamplingMessage(role="user", content=t.TextContent(text="line one\nline two"))
    asyncio.run(client_cmds._sample(t.CreateMessageParams(messages=[message], max_tokens=5)))
    assert "[user] line one\nline two\n" in capsys.readouterr().err


def test_content_text_renders_every_block_kind() -> None:
    blocks = [
        t.TextContent(text="hello"),
        t.EmbeddedResource(resource=t.TextResourceContents(uri="file:///a.txt", text="x")),
    ]
    assert client_cmds._content_text(blocks) == "hello\n[resource file:///a.txt]"
    # other blocks are shown as a bracketed placeholder, never their (base64) payload
    text = client_cmds._content_text([t.ImageContent(data="QUFBQQ==", mime_type="image/png")])
    assert text.startswith("[") and text.endswith("]") and "QUFBQQ" not in text


def test_content_text_names_blocks_by_their_spec_type() -> None:
    blocks = [t.ImageContent(data="AAAA", mime_type="image/png")]
    assert client_cmds._content_text(blocks) == "[image]"


TASK_SERVER = """
import asyncio, pathlib
from mcplite import Context, Server

server = Server("tasker", task_poll_interval=0.05)
HEARD = pathlib.Path(__file__).with_suffix(".methods")

@server.middleware
async def note(ctx, call_next):
    with HEARD.open("a") as f:
        f.write(ctx.method + "\\n")
    return await call_next()

@server.tool(task_support="required")
async def build(ctx: Context, seconds: float = 0.2) -> str:
    await asyncio.sleep(seconds)
    return f"built in {seconds:g} s"
"""


def test_call_task_shows_states_on_stderr_and_the_result_on_stdout(
    shim_env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    server = tmp_path / "tasker.py"
    server.write_text(TASK_SERVER)
    argv = ["mcplite", "call", "--protocol-version", "2026-07-28", str(server), "build"]
    proc = run_split([*argv, "--task"], shim_env)
    assert proc.returncode == _cli.EXIT_OK, proc.stderr
    assert proc.stdout.strip() == "built in 0.2 s"
    states = [line.split()[2] for line in proc.stderr.splitlines() if line.startswith("task ")]
    assert states[0] == "working" and states[-1] == "completed", proc.stderr
    # Without --task the client does not declare the extension: the server says what is missing.
    plain = run_split(argv, shim_env)
    assert plain.returncode == _cli.EXIT_SERVER_ERROR, plain.stderr
    assert "io.modelcontextprotocol/tasks" in plain.stderr


def test_call_task_interrupted_sends_tasks_cancel(
    shim_env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    server = tmp_path / "tasker.py"
    server.write_text(TASK_SERVER)
    argv = ["mcplite", "call", "--protocol-version", "2026-07-28", "--task", str(server)]
    proc = subprocess.Popen(
        [*argv, "build", "seconds=60"],
        cwd=ROOT,
        env=shim_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    try:
        # The first state line says the task exists; waited for with a deadline, so a CLI
        # that never writes fails the test instead of hanging it.
        ready, _, _ = select.select([proc.stderr], [], [], COMMAND_TIMEOUT_SECONDS)
        assert ready, "mcplite call --task wrote no task state"
        line = proc.stderr.readline()
        assert b" working" in line, line
        proc.send_signal(2)
        _, err = proc.communicate(timeout=COMMAND_TIMEOUT_SECONDS)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != _cli.EXIT_OK
    assert "tasks/cancel" in server.with_suffix(".methods").read_text().split(), err
