"""``mcplite install HOST server.py``: merge the server's entry into a host's configuration.

The host's file is read first and must be a JSON object (anything else is refused and
left untouched); other entries are kept; an entry of the same name is replaced only with
``--force``; the old file is copied to ``FILE.bak`` before the new one replaces it
(written beside it, then renamed).  ``--dry-run`` prints the diff and writes nothing.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import sys
from typing import Any

from .hostconfig import default_name, entry_for

HOSTS = ("claude-desktop", "claude-code", "cursor")


def config_path(host: str) -> str:
    """The host's documented configuration file on this OS."""
    if host == "claude-desktop":
        if sys.platform == "darwin":
            base = os.path.expanduser("~/Library/Application Support")
        elif sys.platform == "win32":
            base = os.environ.get("APPDATA") or os.path.expanduser("~\\AppData\\Roaming")
        else:  # Linux builds read the XDG config directory
            base = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
        return os.path.join(base, "Claude", "claude_desktop_config.json")
    if host == "claude-code":
        return os.path.join(os.getcwd(), ".mcp.json")  # project scope, shared in the repo
    if host == "cursor":
        return os.path.join(os.path.expanduser("~"), ".cursor", "mcp.json")
    raise ValueError(f"unknown host {host!r} (expected one of {', '.join(HOSTS)})")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("install", help="add a server to a host's configuration file")
    p.add_argument("host", choices=HOSTS)
    p.add_argument("target", help="path.py[:name] or package.module[:name]")
    p.add_argument("--name", help="the entry's name (default: the file's or module's name)")
    p.add_argument("--http", metavar="URL", help="register a server serving at URL instead")
    p.add_argument("--file", metavar="PATH", help="the configuration file (default: the host's)")
    p.add_argument("--force", action="store_true", help="replace an entry of the same name")
    p.add_argument("--dry-run", action="store_true", help="print the diff, write nothing")


def _render(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def install(args: argparse.Namespace) -> str:
    """Merge the entry; returns what to print.  ``ValueError`` for anything refused."""
    path = args.file or config_path(args.host)
    name = args.name or default_name(args.target)
    entry = entry_for(args.target, args.http)
    old_text = ""
    data: dict[str, Any] = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            old_text = f.read()
        if old_text.strip():
            try:
                loaded = json.loads(old_text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path} is not valid JSON ({exc}); left untouched") from None
            if not isinstance(loaded, dict):
                raise ValueError(f"{path} is not a JSON object; left untouched")
            data = loaded
    table = data.setdefault("mcpServers", {})
    if not isinstance(table, dict):
        raise ValueError(f'{path}: "mcpServers" is not an object; left untouched')
    if name in table and table[name] != entry and not args.force:
        raise ValueError(
            f"{path} already has a server {name!r}; --force replaces it, --name picks another"
        )
    table[name] = entry
    new_text = _render(data)
    diff = "".join(
        difflib.unified_diff(
            old_text.splitlines(True), new_text.splitlines(True), path, path + " (new)"
        )
    )
    if args.dry_run:
        return diff or f"{path} already has this entry\n"
    if new_text == old_text:
        return f"{path} already has {name!r} as given\n"
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    backup = ""
    if os.path.exists(path):
        shutil.copy2(path, path + ".bak")
        backup = f" (the previous file is {path}.bak)"
    temporary = path + ".mcplite-new"
    with open(temporary, "w", encoding="utf-8") as f:
        f.write(new_text)
    os.replace(temporary, path)
    return f"added {name!r} to {path}{backup}; restart {args.host} to load it\n"
