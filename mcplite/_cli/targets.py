"""What the CLI talks to: a ``Server`` loaded from ``path.py[:name]``/``module[:name]``, a
``connect()`` target, ``key=value`` arguments; the exit codes and the usage error.

Exit codes scripts can rely on: 0 success; 1 the server answered with an error (an RPC
error, or a tool result with ``isError``); 2 usage error; 3 could not connect, or the
connection broke.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence
from typing import Any, Final

import msgspec

from .._server.server import Server

EXIT_OK: Final = 0
EXIT_SERVER_ERROR: Final = 1
EXIT_USAGE: Final = 2
EXIT_CONNECTION: Final = 3


class UsageError(Exception):
    pass


# ---------------------------------------------------------------------- targets


def load_server(spec: str) -> Any:
    """The ``Server`` named by ``path.py[:name]`` or ``package.module[:name]``."""
    location, _, name = spec.partition(":")
    if location.endswith(".py") or os.sep in location:
        path = os.path.abspath(location)
        if not os.path.isfile(path):
            raise UsageError(f"no such file: {location}")
        module_name = os.path.splitext(os.path.basename(path))[0]
        sys.path.insert(0, os.path.dirname(path))
        mod_spec = importlib.util.spec_from_file_location(module_name, path)
        assert mod_spec is not None and mod_spec.loader is not None
        module = importlib.util.module_from_spec(mod_spec)
        sys.modules[module_name] = module
        mod_spec.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(location)
        except ImportError as exc:
            raise UsageError(f"cannot import {location!r}: {exc}") from None
    if name:
        obj = getattr(module, name, None)
        if obj is None:
            raise UsageError(f"{location} has no attribute {name!r}")
        if callable(obj) and not isinstance(obj, Server):
            obj = obj()  # a factory
    else:
        found = [v for v in vars(module).values() if isinstance(v, Server)]
        if len(found) != 1:
            raise UsageError(
                f"{location} defines {len(found)} Server objects; name one as {location}:NAME"
            )
        obj = found[0]
    if not isinstance(obj, Server):
        raise UsageError(f"{spec} is a {type(obj).__name__}, not an mcplite Server")
    return obj


def _target(target: str | None, command: list[str]) -> Any:
    """A ``connect()`` target: a URL, a command list, or a Python target to spawn."""
    if command:
        return command
    if target is None:
        raise UsageError("give a TARGET (a URL, path.py[:name], module[:name]) or -- COMMAND")
    if target.startswith(("http://", "https://")):
        return target
    _check_python_target(target)
    return [sys.executable, "-m", "mcplite", "run", target]


def _check_python_target(spec: str) -> None:
    """Refuse a target that cannot load before spawning it, so a typo is a usage error (2)
    and not a connection failure (3).  The module itself is only imported in the child."""
    location = spec.partition(":")[0]
    if location.endswith(".py") or os.sep in location:
        if not os.path.isfile(location):
            raise UsageError(f"no such file: {location}")
        return
    try:
        found = importlib.util.find_spec(location)
    except (ImportError, ValueError) as exc:
        raise UsageError(f"cannot import {location!r}: {exc}") from None
    if found is None:
        raise UsageError(f"no module named {location!r}")


def _kv(pairs: Sequence[str]) -> dict[str, Any]:
    """``key=value`` arguments; values that parse as JSON are taken as JSON."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"expected key=value, got {pair!r}")
        try:
            out[key] = msgspec.json.decode(value)
        except msgspec.DecodeError:
            out[key] = value
    return out


def call_arguments(pairs: Sequence[str], args_json: str | None) -> dict[str, Any]:
    """The arguments of a call: ``key=value`` pairs, then ``--args`` (a JSON object) on top."""
    arguments = _kv(pairs)
    if args_json:
        try:
            extra = msgspec.json.decode(args_json)
        except msgspec.DecodeError as exc:
            raise UsageError(f"--args is not valid JSON: {exc}") from None
        if not isinstance(extra, dict):
            raise UsageError(f"--args must be a JSON object, got {args_json!r}")
        arguments.update(extra)
    return arguments


def _plain_entry(cmd: str, entry: Any) -> None:
    """bench and dev take a URL or a command only: an entry's env goes to this process's
    environment and its cwd becomes this process's directory (every server process they
    start inherits both; ``mcplite config`` prints a cwd in every entry); what they cannot
    carry (headers, sse) is refused."""
    if entry.headers or entry.type == "sse":
        raise UsageError(
            f"{cmd}: the --config entry {entry.name!r} needs headers or sse, which "
            f"{cmd} does not take yet; give the URL or -- COMMAND instead"
        )
    if entry.cwd is not None:
        try:
            os.chdir(entry.cwd)
        except OSError as exc:
            raise UsageError(
                f"{cmd}: the --config entry {entry.name!r} has cwd {entry.cwd!r}, which "
                f"cannot be entered: {exc.strerror or exc}"
            ) from None
    os.environ.update(entry.env or {})
