"""The ``mcpServers`` client configuration format, parsed and checked (layer 1, pure).

Claude Desktop, Claude Code (``.mcp.json``), Cursor, FastMCP and MCP Inspector read
``{"mcpServers": {NAME: ENTRY}}``; VS Code reads the same entries under ``"servers"``.
An entry is a command (``command``, ``args``, ``env``, ``cwd``; ``"type": "stdio"``) or a
URL (``url``, ``headers``; ``"type": "http"`` for streamable HTTP or ``"sse"`` for the
legacy 2024-11-05 transport).  FastMCP spells the type ``transport``; both are read.
Keys a host adds for itself (``disabled``, ``timeout``, ``alwaysAllow``...) are ignored.

``${VAR}``, ``${VAR:-default}`` and ``${env:VAR}`` in ``command``, ``args``, ``env``
values, ``cwd``, ``url`` and ``headers`` values are replaced from the ``environ`` the
caller passes (Claude Code's and VS Code's expansion); an unset variable without a
default is an error naming it.

Every problem raises ``ConfigError`` naming the entry, the key, what was expected and
what arrived; an unknown server name lists the servers the configuration has.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

# The longest configuration file read (hosts' files are a few KiB).
DEFAULT_MAX_CONFIG_BYTES: Final = 1024 * 1024

Kind = Literal["stdio", "http", "sse"]

# Every spelling of the transport seen in hosts' documentation, to the three kinds.
TYPES: Final[Mapping[str, Kind]] = {
    "stdio": "stdio",
    "http": "http",
    "streamable-http": "http",
    "streamable_http": "http",
    "streamableHttp": "http",
    "sse": "sse",
}

_VAR = re.compile(r"\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class ConfigError(ValueError):
    """An ``mcpServers`` configuration (or one entry of it) that cannot be used."""


@dataclass(frozen=True)
class ServerEntry:
    """One checked ``mcpServers`` entry."""

    name: str
    type: Kind
    command: str | None = None
    args: tuple[str, ...] = ()
    env: Mapping[str, str] | None = None
    cwd: str | None = None
    url: str | None = None
    headers: Mapping[str, str] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # keys a host added for itself

    @property
    def argv(self) -> list[str]:
        """The command line of a stdio entry."""
        if self.command is None:
            raise ConfigError(f"mcpServers entry {self.name!r} is {self.type}, not a command")
        return [self.command, *self.args]

    def describe(self) -> str:
        """A one-line summary: ``stdio: python server.py`` or ``http: https://...``."""
        if self.type == "stdio":
            return "stdio: " + " ".join(self.argv)
        return f"{self.type}: {self.url}"


_KNOWN: Final = frozenset({"type", "transport", "command", "args", "env", "cwd", "url", "headers"})


def servers(config: Any) -> Mapping[str, Any]:
    """The raw table of a configuration: its ``mcpServers`` (or VS Code's ``servers``)."""
    if not isinstance(config, Mapping):
        raise ConfigError(f'expected a JSON object with "mcpServers", got {type(config).__name__}')
    for key in ("mcpServers", "servers"):
        if key in config:
            table = config[key]
            if not isinstance(table, Mapping):
                raise ConfigError(f'"{key}" must be an object of NAME: ENTRY, got {table!r}')
            return table
    keys = ", ".join(repr(k) for k in config) or "none"
    raise ConfigError(f'expected a JSON object with "mcpServers"; its keys are {keys}')


def parse_config(config: Any, environ: Mapping[str, str] | None = None) -> dict[str, ServerEntry]:
    """Every entry of ``config``, checked (``environ`` fills ``${VAR}``; ``None``: no
    expansion)."""
    table = servers(config)
    if not table:
        raise ConfigError('"mcpServers" is empty; expected at least one server')
    return {name: parse_entry(name, entry, environ) for name, entry in table.items()}


def select(
    config: Any, server: str | None, environ: Mapping[str, str] | None = None
) -> ServerEntry:
    """The entry named ``server`` (or the only one when ``server`` is None)."""
    table = servers(config)
    if server is None:
        if len(table) == 1:
            name = next(iter(table))
            return parse_entry(name, table[name], environ)
        raise ConfigError(f"the configuration has {_listing(table)}; name one")
    if server not in table:
        raise ConfigError(f"no server {server!r} in the configuration; it has {_listing(table)}")
    return parse_entry(server, table[server], environ)


def _listing(table: Mapping[str, Any]) -> str:
    if not table:
        return "no servers"
    parts = []
    for name, raw in table.items():
        try:
            parts.append(f"{name} ({parse_entry(name, raw, None).describe()})")
        except ConfigError:
            parts.append(f"{name} (invalid)")
    return f"{len(parts)} server{'s' if len(parts) != 1 else ''}: " + ", ".join(parts)


def parse_entry(name: Any, entry: Any, environ: Mapping[str, str] | None = None) -> ServerEntry:
    """One entry, checked; see the module docstring for the format."""
    if not isinstance(name, str) or not name:
        raise ConfigError(f"mcpServers: a server name must be a non-empty string, got {name!r}")
    where = f"mcpServers entry {name!r}"
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where}: expected an object, got {entry!r}")

    def text(key: str) -> str | None:
        value = entry.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where}: {key} must be a string (non-empty), got {value!r}")
        return _expand(value, environ, where, key)

    def table(key: str) -> dict[str, str] | None:
        value = entry.get(key)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: {key} must be an object of strings, got {value!r}")
        out: dict[str, str] = {}
        for k, v in value.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise ConfigError(f"{where}: {key}[{k!r}] must be a string, got {v!r}")
            out[k] = _expand(v, environ, where, f"{key}[{k!r}]")
        return out

    raw_type = entry.get("type", entry.get("transport"))
    command, url = text("command"), text("url")
    keys = ", ".join(repr(k) for k in entry) or "none"  # what the entry has, for errors
    if raw_type is None:
        if command is not None and url is not None:
            raise ConfigError(f'{where}: has both command and url; say which with "type"')
        if command is not None:
            kind: Kind = "stdio"
        elif url is not None:
            # As FastMCP infers it: a URL whose path ends in /sse is the legacy transport.
            kind = "sse" if url.split("?")[0].rstrip("/").endswith("/sse") else "http"
        else:
            raise ConfigError(
                f'{where}: expected a command ("command", stdio) or a url ("url", http); '
                f"its keys are {keys}"
            )
    else:
        if raw_type not in TYPES:
            raise ConfigError(
                f"{where}: unknown type {raw_type!r} (expected one of {', '.join(TYPES)}); "
                f"its keys are {keys}"
            )
        kind = TYPES[raw_type]
    extra = {k: v for k, v in entry.items() if k not in _KNOWN}
    if kind == "stdio":
        if command is None:
            raise ConfigError(f'{where}: type "stdio" needs "command"; its keys are {keys}')
        args = entry.get("args", [])
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            raise ConfigError(f"{where}: args must be a list of strings, got {args!r}")
        return ServerEntry(
            name,
            kind,
            command=command,
            args=tuple(_expand(a, environ, where, "args") for a in args),
            env=table("env"),
            cwd=text("cwd"),
            extra=extra,
        )
    if url is None:
        raise ConfigError(f'{where}: type "{raw_type or kind}" needs "url"; its keys are {keys}')
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{where}: url must be http:// or https://, got {url!r}")
    return ServerEntry(name, kind, url=url, headers=table("headers"), extra=extra)


def _expand(value: str, environ: Mapping[str, str] | None, where: str, key: str) -> str:
    if environ is None or "${" not in value:
        return value

    def one(match: re.Match[str]) -> str:
        var, default = match.group(1), match.group(2)
        if var in environ:
            return environ[var]
        if default is not None:
            return default
        raise ConfigError(f"{where}: {key} uses ${{{var}}}, which is not set (no default)")

    return _VAR.sub(one, value)
