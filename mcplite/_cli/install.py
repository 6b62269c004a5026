"""``mcplite install HOST server.py``: merge the server's entry into a host's configuration.

The host's file is read first and must be a JSON object (anything else is refused and
left untouched); other entries are kept; an entry of the same name is replaced only with
``--force``; the old file is copied to ``FILE.bak`` before the new one replaces it
(written beside it, then renamed).  ``--dry-run`` prints the diff and writes nothing.

VS Code keeps its servers under ``"servers"`` (not ``"mcpServers"``) with a ``"type"`` on
every entry, and its files (like Cursor's) are JSONC: comments and trailing commas.  Such a
file is edited in place, splicing the entry into the original text so its comments and layout
stay; a plain JSON file is rewritten with two-space indentation.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import sys
from typing import Any

from .._core import jsonc
from .hostconfig import default_name, entry_for

HOSTS = ("claude-desktop", "claude-code", "cursor", "vscode")


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
    if host == "vscode":
        # The workspace's file (VS Code's "MCP: Open Workspace Folder Configuration"); the
        # user profile's mcp.json is given with --file.
        return os.path.join(os.getcwd(), ".vscode", "mcp.json")
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


def _table_key(host: str) -> str:
    return "servers" if host == "vscode" else "mcpServers"


def _host_entry(host: str, entry: dict[str, Any]) -> dict[str, Any]:
    if host == "vscode" and "type" not in entry:
        return {"type": "stdio", **entry}  # VS Code's mcp.json names every entry's type
    return entry


def install(args: argparse.Namespace) -> str:
    """Merge the entry; returns what to print.  ``ValueError`` for anything refused."""
    path = args.file or config_path(args.host)
    name = args.name or default_name(args.target)
    key = _table_key(args.host)
    entry = _host_entry(args.host, entry_for(args.target, args.http))
    old_text = ""
    data: dict[str, Any] = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            old_text = f.read()
        if old_text.strip():
            try:
                loaded = jsonc.loads(old_text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path} is not valid JSON ({exc}); left untouched") from None
            if not isinstance(loaded, dict):
                raise ValueError(f"{path} is not a JSON object; left untouched")
            data = loaded
    table = data.setdefault(key, {})
    if not isinstance(table, dict):
        raise ValueError(f'{path}: "{key}" is not an object; left untouched')
    if name in table and table[name] != entry and not args.force:
        raise ValueError(
            f"{path} already has a server {name!r}; --force replaces it, --name picks another"
        )
    table[name] = entry
    kept = ""
    if old_text.strip() and jsonc.has_extras(old_text):
        new_text = splice(old_text, key, name, entry)
        if jsonc.loads(new_text) != data:  # never write what we did not mean to
            raise ValueError(f"{path}: could not merge into its text safely; left untouched")
        kept = " (its comments and layout kept)"
    else:
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
    return f"added {name!r} to {path}{kept}{backup}; restart {args.host} to load it\n"


# -- editing JSONC text in place ----------------------------------------------------------


def _line_indent(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    line = text[start:]
    return line[: len(line) - len(line.lstrip(" \t"))]


def _value_text(value: Any, indent: str, unit: int) -> str:
    return json.dumps(value, indent=unit, ensure_ascii=False).replace("\n", "\n" + indent)


def _member_text(key: str, value: Any, indent: str, unit: int) -> str:
    return f"{json.dumps(key, ensure_ascii=False)}: {_value_text(value, indent, unit)}"


def _unit(text: str, span: jsonc.ObjectSpan) -> int:
    """The file's indentation step, from the object's first member (2 when it cannot tell)."""
    if not span.members:
        return 2
    step = len(_line_indent(text, span.members[0].key_start)) - len(_line_indent(text, span.open))
    return step if step > 0 else 2


def _insert(text: str, blanked: str, span: jsonc.ObjectSpan, key: str, value: Any) -> str:
    """Add ``"key": value`` as the last member of the object at ``span``."""
    outer = _line_indent(text, span.open)
    unit = _unit(text, span)
    if not span.members:
        indent = outer + " " * unit
        member = _member_text(key, value, indent, unit)
        return f"{text[: span.open + 1]}\n{indent}{member}\n{outer}{text[span.close :]}"
    last = span.members[-1]
    indent = _line_indent(text, last.key_start)
    member = _member_text(key, value, indent, unit)
    between = range(last.value_end, span.close)
    trailing = any(text[k] == "," and blanked[k] == " " for k in between)
    # After the last thing before "}" (a comment on the last member's line stays with it).
    end = span.close
    while end > last.value_end and text[end - 1] in " \t\r\n":
        end -= 1
    added = f"\n{indent}{member}{',' if trailing else ''}"
    text = text[:end] + added + text[end:]
    if not trailing:
        text = text[: last.value_end] + "," + text[last.value_end :]
    return text


def splice(text: str, key: str, name: str, entry: dict[str, Any]) -> str:
    """``text`` (a JSONC object) with ``text[key][name] = entry``, everything else as it was."""
    blanked = jsonc.blank(text)
    root = jsonc.object_span(blanked, blanked.index("{"))
    holder = next((m for m in root.members if m.key == key), None)
    if holder is None:
        return _insert(text, blanked, root, key, {name: entry})
    table = jsonc.object_span(blanked, holder.value_start)
    old = next((m for m in table.members if m.key == name), None)
    if old is None:
        return _insert(text, blanked, table, name, entry)
    indent = _line_indent(text, old.key_start)
    value = _value_text(entry, indent, _unit(text, table))
    return text[: old.value_start] + value + text[old.value_end :]
