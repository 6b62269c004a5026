"""``server.run()`` started by hand at a terminal rather than by a host (issue 17).

A host starts a stdio server with pipes; a person at a terminal who runs ``python
server.py`` would otherwise see nothing while it waits for JSON-RPC on stdin.  On a TTY,
one line on stderr says what it is and how to try it; ``--help`` prints usage and returns
instead of waiting.  Under a host (stdin not a TTY) nothing changes: stdout carries only
JSON-RPC.
"""

from __future__ import annotations

import os
import sys

_HELP_FLAGS = (["-h"], ["--help"])


def _script() -> str:
    first = sys.argv[0] if sys.argv else ""
    return os.path.relpath(first) if first.endswith(".py") else "server.py"


def usage(name: str) -> str:
    script = _script()
    rows = [
        (f"mcplite inspect {script}", "what it offers"),
        (f"mcplite call {script} TOOL key=value", "call a tool"),
        (f"mcplite run {script} --http 127.0.0.1:8000", "serve it over HTTP"),
        (f"mcplite config {script}", "the entry to paste into a host's configuration"),
    ]
    width = max(len(a) for a, _ in rows)
    return (
        f"usage: python {script}\n\n"
        f"{name} is an MCP server: it speaks JSON-RPC on stdin/stdout, and an MCP host\n"
        "(Claude Desktop, Claude Code, Cursor, VS Code...) starts it for you.\n\n"
        + "".join(f"  {a.ljust(width)}  {b}\n" for a, b in rows)
    )


def at_terminal(name: str) -> bool:
    """Before serving stdio: True if ``--help`` was answered (do not serve); on a TTY,
    say on stderr what this process is."""
    if sys.argv[1:] in _HELP_FLAGS:
        sys.stdout.write(usage(name))
        sys.stdout.flush()
        return True
    try:
        interactive = sys.stdin.isatty()
    except (AttributeError, ValueError):  # stdin closed or replaced
        interactive = False
    if interactive:
        print(
            f"{name}: an MCP server speaking JSON-RPC on stdin/stdout, waiting for a host; "
            f"try it with `mcplite inspect {_script()}` (--help for more, Ctrl-C to stop)",
            file=sys.stderr,
            flush=True,
        )
    return False
