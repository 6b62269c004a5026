"""``mcplite config server.py``: the ``mcpServers`` entry a host needs to start a server.

A host starts ``command`` with a bare environment and from a directory of its choosing,
so ``"command": "python"`` finds whichever interpreter is first on its PATH (often one
without mcplite: "No module named 'mcplite'").  The entry printed here names the absolute
path of the interpreter running this command (the one that has mcplite) and the absolute
path of the server file, so it works as pasted.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Any

import msgspec


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "config", help="print the mcpServers entry that starts a server (paste it in a host)"
    )
    p.add_argument("target", help="path.py[:name] or package.module[:name]")
    p.add_argument("--name", help="the entry's name (default: the file's or module's name)")
    p.add_argument(
        "--http", metavar="URL", help="an entry for a server already serving at URL instead"
    )


def entry_for(target: str, http: str | None = None) -> dict[str, Any]:
    """The ``mcpServers`` entry for ``target`` (or for a server at URL ``http``)."""
    if http is not None:
        if not http.startswith(("http://", "https://")):
            raise ValueError(f"--http expects an http:// or https:// URL, got {http!r}")
        return {"type": "http", "url": http}
    location, sep, name = target.partition(":")
    if location.endswith(".py") or os.sep in location:
        path = os.path.abspath(location)
        if not os.path.isfile(path):
            raise ValueError(f"no such file: {location}")
        spec, cwd = path + sep + name, os.path.dirname(path)
    else:
        spec, cwd = target, os.getcwd()
    # `-m mcplite run` serves any Server object, whether or not the file calls run().
    return {"command": sys.executable, "args": ["-m", "mcplite", "run", spec], "cwd": cwd}


def default_name(target: str) -> str:
    location, _, name = target.partition(":")
    stem = name or os.path.splitext(os.path.basename(location))[0].rpartition(".")[2]
    return re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-") or "server"


def run(args: argparse.Namespace) -> dict[str, Any]:
    """The configuration object ``mcplite config`` prints."""
    name = args.name or default_name(args.target)
    return {"mcpServers": {name: entry_for(args.target, args.http)}}


def dump(value: Any) -> str:
    return msgspec.json.format(msgspec.json.encode(value), indent=2).decode()
