"""JSON with comments and trailing commas (JSONC), as VS Code and Cursor write their configs.

Host configuration files (VS Code's ``mcp.json``, ``settings.json``-style files people edit by
hand) may hold ``//`` and ``/* */`` comments and trailing commas.  :func:`blank` replaces each
of those by spaces of the same length (newlines kept), so the result is plain JSON whose
offsets are the original text's: :func:`loads` parses it, and :func:`member_spans` finds where
an object's members sit so an edit can splice new text into the ORIGINAL, comments intact.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final, NamedTuple

__all__ = ["Member", "ObjectSpan", "blank", "has_extras", "loads", "object_span"]

_WS: Final = " \t\r\n"


def _spaces(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


def blank(text: str) -> str:
    """``text`` with comments and trailing commas turned into spaces (same length)."""
    out: list[str] = []
    i, n = 0, len(text)
    last_comma: int | None = None  # index in out of a comma not yet followed by a value
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
            last_comma = None
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(_spaces(text[i:j]))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(_spaces(text[i:j]))
            i = j
        else:
            if c in "}]" and last_comma is not None:
                out[last_comma] = " "  # a trailing comma: JSON forbids it, JSONC allows it
            if c == ",":
                last_comma = len(out)
            elif c not in _WS:
                last_comma = None
            out.append(c)
            i += 1
    return "".join(out)


def has_extras(text: str) -> bool:
    """True when ``text`` has comments or trailing commas (is JSONC, not JSON)."""
    return blank(text) != text


def loads(text: str) -> Any:
    """Parse JSONC; ``json.JSONDecodeError`` (positions are the original text's)."""
    return json.loads(blank(text))


class Member(NamedTuple):
    key: str
    key_start: int
    value_start: int
    value_end: int


class ObjectSpan(NamedTuple):
    """Offsets in the text: ``open`` is the ``{``, ``close`` the ``}``."""

    open: int
    close: int
    members: list[Member]


def _skip_ws(s: str, i: int) -> int:
    while i < len(s) and s[i] in _WS:
        i += 1
    return i


def _value_end(s: str, i: int) -> int:
    """End offset of the JSON value starting at ``i`` in plain (blanked) JSON."""
    if s[i] == '"':
        j = i + 1
        while s[j] != '"':
            j += 2 if s[j] == "\\" else 1
        return j + 1
    if s[i] in "{[":
        depth, j = 0, i
        while True:
            c = s[j]
            if c == '"':
                j = _value_end(s, j)
                continue
            if c in "{[":
                depth += 1
            elif c in "}]":
                depth -= 1
                if depth == 0:
                    return j + 1
            j += 1
    j = i
    while j < len(s) and s[j] not in ",}] \t\r\n":
        j += 1
    return j


def object_span(blanked: str, start: int) -> ObjectSpan:
    """The members of the object whose ``{`` is at ``start`` in ``blanked`` (valid JSON)."""
    members: list[Member] = []
    i = _skip_ws(blanked, start + 1)
    while blanked[i] != "}":
        key_end = _value_end(blanked, i)
        key = json.loads(blanked[i:key_end])
        colon = _skip_ws(blanked, key_end)
        value_start = _skip_ws(blanked, colon + 1)
        value_end = _value_end(blanked, value_start)
        members.append(Member(key, i, value_start, value_end))
        i = _skip_ws(blanked, value_end)
        if blanked[i] == ",":
            i = _skip_ws(blanked, i + 1)
    return ObjectSpan(start, i, members)
