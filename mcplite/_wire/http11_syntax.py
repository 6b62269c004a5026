"""HTTP/1.1 syntax shared by the parsers and the writers (layer 1, pure): the regexes.

Compiled on first use, never at import (cold start; DESIGN.md §1).
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

_TCHAR = rb"[-!#$%&'*+.^_`|~0-9A-Za-z]"  # RFC 9110 §5.6.2 token characters
_FIELD_VCHAR = rb"[\t\x20-\x7e\x80-\xff]"  # RFC 9110 §5.5: VCHAR, obs-text, SP, HTAB


class _Patterns(NamedTuple):
    request_line: re.Pattern[bytes]
    status_line: re.Pattern[bytes]
    field_line: re.Pattern[bytes]
    out_block: re.Pattern[bytes]
    token: re.Pattern[bytes]
    chunk_size: re.Pattern[bytes]
    ctl: re.Pattern[bytes]
    blank_lines: re.Pattern[bytes]
    host: re.Pattern[bytes]
    absolute_target: re.Pattern[bytes]


@functools.cache
def patterns() -> _Patterns:
    """Regexes, compiled on first use, never at import (cold start; DESIGN.md §1)."""
    return _Patterns(
        request_line=re.compile(rb"(" + _TCHAR + rb"+) ([\x21-\x7e]+) HTTP/([0-9]\.[0-9])"),
        status_line=re.compile(rb"HTTP/([0-9]\.[0-9]) ([0-9]{3})(?: (" + _FIELD_VCHAR + rb"*))?"),
        # One match per valid field line (CRLF already folded to LF), anchored at a line
        # start: a line with obs-fold, whitespace before the colon or a control character
        # has none.  Possessive quantifiers keep a long run of spaces from backtracking
        # quadratically; trailing OWS is stripped in Python for the same reason.
        field_line=re.compile(
            rb"^(" + _TCHAR + rb"++):[ \t]*+(" + _FIELD_VCHAR + rb"*+)\n", re.MULTILINE
        ),
        out_block=re.compile(rb"(?:" + _TCHAR + rb"+: " + _FIELD_VCHAR + rb"*\r\n)*"),
        token=re.compile(_TCHAR + rb"+"),
        # 16 hex digits = 64 bits; int(x, 16) alone would accept "0x", "_", "+" and spaces.
        chunk_size=re.compile(rb"[0-9A-Fa-f]{1,16}"),
        ctl=re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]"),  # CTL except HTAB
        blank_lines=re.compile(rb"[\r\n]*"),
        # Host = uri-host [ ":" port ] (RFC 9112 §3.2, RFC 3986 §3.2.2): an IP literal in
        # brackets or a reg-name (unreserved, pct-encoded, sub-delims), then digits.
        host=re.compile(rb"(?:\[[0-9A-Fa-f:.]+\]|[-A-Za-z0-9._~!$&'()*+,;=%]*)(?::[0-9]*)?"),
        # absolute-form = absolute-URI (RFC 9112 §3.2.2): scheme "://" authority, then the
        # path-abempty and the query that make the origin-form.
        absolute_target=re.compile(rb"([A-Za-z][-A-Za-z0-9+.]*)://([^/?#]*)([^?#]*)(\?[^#]*)?"),
    )
