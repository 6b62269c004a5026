"""Every ```python block in README.md and docs/*.md runs, or is a checked excerpt.

Rules (docs/README of the docs, restated in docs/testing.md):

- A block whose first line is ``# from examples/NAME.py`` is an excerpt: its remaining text
  must appear verbatim in that file (a ``# ...`` line separates excerpt pieces, which must
  appear in order).  tests/test_examples.py runs the file itself.  Servers that run forever
  are shown this way.
- A block whose first line is ``# NAME.py`` is a file the reader is asked to save: it is
  written to the working directory (later blocks may spawn it) and then executed.
- Every other block is executed.  The blocks of one document run in order, in one
  namespace, in one fresh interpreter, in a scratch directory that has ``examples/``; a
  block that fails names its document and line.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TIMEOUT_SECONDS = 25

_FENCE = re.compile(r"^([ \t]*)```python\n(.*?)^\1```", re.S | re.M)
_EXCERPT = re.compile(r"^# from (examples/[\w/.-]+\.py)\s*$")
_SAVE_AS = re.compile(r"^# ([\w/.-]+\.py)\s*$")

# Runs in the child: execute blocks in order, report the first failure as JSON.
_DRIVER = r"""
import json, pathlib, sys, traceback
blocks = json.loads(sys.stdin.read())
namespace = {"__name__": "__docs__"}
for block in blocks:
    if block["save_as"]:
        path = pathlib.Path(block["save_as"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(block["code"])
    try:
        exec(compile(block["code"], f"{block['doc']}:{block['line']}", "exec"), namespace)
    except BaseException:
        print(json.dumps({"failed": block["line"], "error": traceback.format_exc()}))
        sys.exit(1)
print(json.dumps({"ran": len(blocks)}))
"""


class Block:
    def __init__(self, doc: pathlib.Path, line: int, code: str) -> None:
        self.doc = doc
        self.line = line
        self.code = code
        first = code.split("\n", 1)[0]
        excerpt = _EXCERPT.match(first)
        self.excerpt_of = excerpt.group(1) if excerpt else None
        save_as = _SAVE_AS.match(first) if excerpt is None else None
        self.save_as = save_as.group(1) if save_as else None

    @property
    def where(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


def blocks_of(doc: pathlib.Path) -> list[Block]:
    text = doc.read_text()
    return [
        Block(doc, text.count("\n", 0, m.start(2)) + 1, textwrap.dedent(m.group(2)))
        for m in _FENCE.finditer(text)
    ]


ALL_BLOCKS = [block for doc in DOCS for block in blocks_of(doc)]
EXCERPTS = [b for b in ALL_BLOCKS if b.excerpt_of is not None]
RUNNABLE_DOCS = [doc for doc in DOCS if any(b.excerpt_of is None for b in blocks_of(doc))]


def test_the_docs_exist_and_have_code() -> None:
    names = {doc.name for doc in DOCS}
    for required in (
        "getting-started.md",
        "lifecycle.md",
        "transports.md",
        "server.md",
        "client.md",
        "auth-and-security.md",
        "testing.md",
        "troubleshooting.md",
        "rough-edges.md",
        "protocol-support.md",
        "cli.md",
        "migrating.md",
    ):
        assert required in names
    assert len(ALL_BLOCKS) >= 30
    assert EXCERPTS, "servers that run forever are shown as excerpts of examples/"


@pytest.mark.parametrize("block", EXCERPTS, ids=[b.where for b in EXCERPTS])
def test_excerpt_is_in_its_example(block: Block) -> None:
    assert block.excerpt_of is not None
    source = (ROOT / block.excerpt_of).read_text()
    body = block.code.split("\n", 1)[1]
    pos = 0
    for piece in re.split(r"^[ \t]*# \.\.\.\n", body, flags=re.M):
        found = source.find(piece, pos)
        assert found >= 0, f"{block.where}: not in {block.excerpt_of}:\n{piece}"
        pos = found + len(piece)


@pytest.mark.parametrize("doc", RUNNABLE_DOCS, ids=[d.name for d in RUNNABLE_DOCS])
def test_code_blocks_run(doc: pathlib.Path, tmp_path: pathlib.Path) -> None:
    blocks = [
        {"doc": str(b.doc.relative_to(ROOT)), "line": b.line, "code": b.code, "save_as": b.save_as}
        for b in blocks_of(doc)
        if b.excerpt_of is None
    ]
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    env.pop("MCP_STATE_KEY", None)
    proc = subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error", "-c", _DRIVER],
        input=json.dumps(blocks),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "{}"
    report = json.loads(last) if last.startswith("{") else {}
    assert proc.returncode == 0, (
        f"{doc.name}: the block at line {report.get('failed')} failed:\n"
        f"{report.get('error', '')}\n--- stderr:\n{proc.stderr[-3000:]}"
    )
    assert report == {"ran": len(blocks)}


def test_every_named_default_is_documented_and_real() -> None:
    """Every ``DEFAULT_*`` limit in the package is named in docs/, and every one the docs
    name exists (a renamed or removed constant fails here, not in a reader's code)."""
    in_code: set[str] = set()
    for path in (ROOT / "mcplite").rglob("*.py"):
        in_code |= set(re.findall(r"^(DEFAULT_[A-Z0-9_]+)\s*[:=]", path.read_text(), re.M))
    docs = " ".join(p.read_text() for p in DOCS)
    in_docs = set(re.findall(r"DEFAULT_[A-Z0-9_]+", docs))
    assert sorted(in_code - in_docs) == []
    assert sorted(in_docs - in_code) == []


def test_package_map_names_every_public_name() -> None:
    import mcplite

    text = (ROOT / "docs" / "getting-started.md").read_text()
    missing = [name for name in mcplite.__all__ if f"`{name}`" not in text]
    assert missing == []
