"""RFC 6570 URI Templates (levels 1-4): parsing and reverse matching.

MCP resource templates (spec server/resources "Resource Templates") are RFC 6570 templates.
Servers only match (expansion, RFC 6570 §3 and Appendix A, lives in the tests, as the
oracle of the round-trip tests).  Matching a URI back to variable
values is not specified by the RFC (§1.4 leaves it to regex languages); the rules here follow
the official SDKs:

- ``{var}`` matches one non-empty path piece (no ``/``, ``?`` or ``#``);
- ``{+var}`` matches anything non-empty and ``{#var}`` anything (both may hold ``/``);
- ``{/var*}``, ``{.var*}``, ``{;var*}``, ``{var*}`` match a list (always returned as a list);
- ``{/var}``, ``{.var}``, ``{;var}``, ``{#var}`` and non-trailing ``{?var}`` are optional,
  since an undefined variable expands to nothing;
- the trailing ``{?a,b}{&c}`` expressions match query parameters in any order, all optional,
  unknown parameters ignored;
- matched values are percent-decoded.

At most one multi-segment variable (``+``, ``#`` or explode) may precede the query part of a
template used for matching: two would be ambiguous and could backtrack quadratically.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple
from urllib.parse import quote, unquote

__all__ = [
    "DEFAULT_MAX_TEMPLATE_CHARS",
    "DEFAULT_MAX_URI_CHARS",
    "DEFAULT_MAX_VARIABLES",
    "URITemplate",
]

#: Longest template accepted, in characters.
DEFAULT_MAX_TEMPLATE_CHARS: Final = 8_192
#: Most variables in one template (all expressions together).
DEFAULT_MAX_VARIABLES: Final = 256
#: Longest URI ``match`` looks at, in characters; longer URIs do not match.
DEFAULT_MAX_URI_CHARS: Final = 65_536

# RFC 6570 §2.4.1: max-length = %x31-39 0*3DIGIT (1..9999).
_PREFIX_RE: Final = re.compile(r"[1-9][0-9]{0,3}")
# RFC 6570 §2.3: varname = varchar *( ["."] varchar ); varchar = ALPHA / DIGIT / "_" / pct.
_VARNAME_RE: Final = re.compile(
    r"(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})+(?:\.(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})+)*"
)
_PCT_RE: Final = re.compile(r"%[0-9A-Fa-f]{2}")
# RFC 3986 §2.2 reserved characters: kept as they are by "+" and "#" (RFC 6570 §3.2.3).
_RESERVED: Final = ":/?#[]@!$&'()*+,;="
# RFC 6570 §2.2: "=", ",", "!", "@", "|" are reserved for future operator extensions.
_FUTURE_OPERATORS: Final = frozenset("=,!@|")


class _Op(NamedTuple):
    """One row of the RFC 6570 Appendix A table."""

    first: str
    sep: str
    named: bool
    ifemp: str
    allow_reserved: bool


_OPS: Final[dict[str, _Op]] = {
    "": _Op("", ",", False, "", False),
    "+": _Op("", ",", False, "", True),
    ".": _Op(".", ".", False, "", False),
    "/": _Op("/", "/", False, "", False),
    ";": _Op(";", ";", True, "", False),
    "?": _Op("?", "&", True, "=", False),
    "&": _Op("&", "&", True, "=", False),
    "#": _Op("#", ",", False, "", True),
}

# What one value may contain when matching, per operator (it stops at its separator and at
# the delimiters that end the URI part it lives in).
_VALUE_CHARS: Final[dict[str, str]] = {
    "": r"[^/?#,]",
    "+": r"[^,]",
    "#": r"[^,]",
    ".": r"[^./?#]",
    "/": r"[^/?#]",
    ";": r"[^;/?#]",
    "?": r"[^&#]",
    "&": r"[^&#]",
}


class _Var(NamedTuple):
    name: str
    prefix: int  # 0 = no prefix modifier
    explode: bool


class _Expr(NamedTuple):
    op: str
    variables: tuple[_Var, ...]
    position: int  # index of "{" in the template


def _encode(value: str, allow_reserved: bool) -> str:
    """Percent-encode per RFC 6570 §3.2.1 (U, or U+R keeping pct-triplets)."""
    if not allow_reserved:
        return quote(value, safe="")
    out: list[str] = []
    last = 0
    for m in _PCT_RE.finditer(value):
        out.append(quote(value[last : m.start()], safe=_RESERVED))
        out.append(m.group())
        last = m.end()
    out.append(quote(value[last:], safe=_RESERVED))
    return "".join(out)


class URITemplate:
    """A parsed RFC 6570 template.  Invalid templates raise ``ValueError`` naming the position.

    With ``matchable=True`` the constructor also rejects templates that :meth:`match` cannot
    handle (servers registering resource templates want the error at registration).
    """

    __slots__ = (
        "_captures",
        "_match_error",
        "_parts",
        "_path_regex",
        "_query",
        "max_uri_chars",
        "template",
    )

    def __init__(
        self,
        template: str,
        *,
        matchable: bool = False,
        max_template_chars: int = DEFAULT_MAX_TEMPLATE_CHARS,
        max_variables: int = DEFAULT_MAX_VARIABLES,
        max_uri_chars: int = DEFAULT_MAX_URI_CHARS,
    ) -> None:
        if len(template) > max_template_chars:
            raise ValueError(
                f"URI template is {len(template)} characters, "
                f"more than the limit of {max_template_chars}"
            )
        self.template = template
        self.max_uri_chars = max_uri_chars
        self._parts = _parse(template, max_variables)
        self._path_regex: re.Pattern[str] | None = None
        self._query: tuple[_Var, ...] = ()
        self._captures: tuple[tuple[str, str, _Var], ...] = ()
        self._match_error = self._compile()
        if matchable and self._match_error is not None:
            raise ValueError(self._match_error)

    def __repr__(self) -> str:
        return f"URITemplate({self.template!r})"

    def __str__(self) -> str:
        return self.template

    def __eq__(self, other: object) -> bool:
        return isinstance(other, URITemplate) and other.template == self.template

    def __hash__(self) -> int:
        return hash(self.template)

    @property
    def variables(self) -> list[str]:
        """Variable names in order of first appearance."""
        names: dict[str, None] = {}
        for part in self._parts:
            if isinstance(part, _Expr):
                names.update((v.name, None) for v in part.variables)
        return list(names)

    # -- matching --------------------------------------------------------------------------

    def match(self, uri: str) -> dict[str, str | list[str]] | None:
        """Variables of ``uri`` if it matches this template, else ``None``.

        Raises ``ValueError`` if the template cannot be matched (see module docs).
        """
        regex = self._path_regex
        if regex is None:
            raise ValueError(self._match_error)
        if len(uri) > self.max_uri_chars:
            return None
        path = uri
        if self._query:
            path, _, query = uri.partition("?")
        m = regex.fullmatch(path)
        if m is None:
            return None
        result: dict[str, str | list[str]] = {}
        for group, op, var in self._captures:
            raw = m.group(group)
            if raw is not None and var.name not in result:
                result[var.name] = _decode_value(op, var, raw)
        if self._query:
            _match_query(self._query, query.partition("#")[0], result)
        return result

    def _compile(self) -> str | None:
        """Build the matcher; return why the template cannot be matched, or None."""
        parts = self._parts
        split = len(parts)
        # A trailing run of {?..}/{&..} is matched as an unordered query string, unless a
        # literal already holds the '?' (then everything is matched in order).
        if not any(isinstance(p, str) and ("?" in p or "#" in p) for p in parts):
            while split > 0:
                part = parts[split - 1]
                if not isinstance(part, _Expr) or part.op not in ("?", "&"):
                    break
                split -= 1
        pattern: list[str] = []
        captures: list[tuple[str, str, _Var]] = []
        multi: _Expr | None = None
        for part in parts[:split]:
            if isinstance(part, str):
                pattern.append(re.escape(part))
                continue
            if part.op in ("+", "#") or any(v.explode for v in part.variables):
                if multi is not None:
                    return (
                        f"URI template {self.template!r} cannot be matched: the expressions "
                        f"at positions {multi.position} and {part.position} both span "
                        "several segments, which is ambiguous"
                    )
                multi = part
            lone = len(part.variables) == 1
            groups: list[str] = []
            for i, var in enumerate(part.variables):
                group = f"v{len(captures)}"
                captures.append((group, part.op, var))
                groups.append(_var_pattern(part.op, var, group, first=i == 0, lone=lone))
            pattern.append(_expr_pattern(part.op, groups))
        self._path_regex = re.compile("".join(pattern), re.DOTALL)
        self._captures = tuple(captures)
        self._query = tuple(v for p in parts[split:] if isinstance(p, _Expr) for v in p.variables)
        return None


# -- parsing -------------------------------------------------------------------------------


def _parse(template: str, max_variables: int) -> tuple[str | _Expr, ...]:
    parts: list[str | _Expr] = []
    count = 0
    pos = 0
    n = len(template)
    while pos < n:
        start = template.find("{", pos)
        close = template.find("}", pos)
        if close != -1 and (start == -1 or close < start):
            raise ValueError(f"URI template {template!r}: unmatched '}}' at position {close}")
        if start == -1:
            parts.append(_literal(template[pos:]))
            break
        if start > pos:
            parts.append(_literal(template[pos:start]))
        if close == -1:
            raise ValueError(f"URI template {template!r}: unclosed '{{' at position {start}")
        expr = _parse_expr(template, start, close)
        count += len(expr.variables)
        if count > max_variables:
            raise ValueError(f"URI template {template!r} has more than {max_variables} variables")
        parts.append(expr)
        pos = close + 1
    return tuple(parts)


def _literal(text: str) -> str:
    # RFC 6570 §3.1: literal characters not allowed in a URI are pct-encoded when expanded.
    return _encode(text, allow_reserved=True)


def _parse_expr(template: str, start: int, close: int) -> _Expr:
    body = template[start + 1 : close]
    where = f"URI template {template!r}: expression at position {start}"
    if "{" in body:
        raise ValueError(
            f"{where}: unclosed '{{' (nested '{{' at {template.index('{', start + 1)})"
        )
    op = body[:1]
    if op in _FUTURE_OPERATORS:
        raise ValueError(f"{where}: operator {op!r} is reserved (RFC 6570 §2.2)")
    if op in _OPS and op != "":
        body = body[1:]
    else:
        op = ""
    variables: list[_Var] = []
    for spec in body.split(","):
        name, explode, prefix = spec, False, 0
        if spec.endswith("*"):
            name, explode = spec[:-1], True
        elif ":" in spec:
            name, _, digits = spec.partition(":")
            if not _PREFIX_RE.fullmatch(digits):
                raise ValueError(f"{where}: prefix of {name!r} must be 1..9999, got {digits!r}")
            prefix = int(digits)
        if not _VARNAME_RE.fullmatch(name):
            raise ValueError(
                f"{where}: invalid variable name {name!r} "
                "(expected letters, digits, '_', '.' or %XX)"
            )
        variables.append(_Var(name, prefix, explode))
    return _Expr(op, tuple(variables), start)


# -- matching helpers ----------------------------------------------------------------------


def _var_pattern(op: str, var: _Var, group: str, *, first: bool, lone: bool) -> str:
    info = _OPS[op]
    chars = _VALUE_CHARS[op]
    if info.named:
        # Capture "name" or "name=value" so an empty value (";x", RFC 6570 §3.2.7 ifemp)
        # is told apart from an absent one.  Query operators only get here when not trailing.
        one = f"{re.escape(var.name)}(?:={chars}*)?"
        if var.explode:
            return f"(?P<{group}>{one}(?:{re.escape(info.sep)}{one})*)"
        return f"(?P<{group}>{one})"
    if var.explode:
        sep = re.escape(info.sep)
        return f"(?P<{group}>{chars}*(?:{sep}{chars}*)*)"
    if lone and op in ("", "+"):
        # A lone simple variable is one non-empty path piece (a raw ',' is tolerated); a lone
        # reserved one is anything non-empty.
        return f"(?P<{group}>[^/?#]+)" if op == "" else f"(?P<{group}>.+)"
    if lone and op == "#":
        return f"(?P<{group}>.*)"
    return f"(?P<{group}>{chars}+)" if first else f"(?P<{group}>{chars}*)"


def _expr_pattern(op: str, groups: list[str]) -> str:
    info = _OPS[op]
    sep = re.escape(info.sep)
    # Later variables may be undefined (skipped by expansion), so each is optional.
    body = groups[0] + "".join(f"(?:{sep}{g})?" for g in groups[1:])
    if op in ("", "+"):
        return body
    # An expression whose variables are all undefined expands to nothing, prefix included.
    return f"(?:{re.escape(info.first)}{body})?"


def _decode_value(op: str, var: _Var, raw: str) -> str | list[str]:
    info = _OPS[op]
    if info.named:
        items = [item.partition("=")[2] for item in raw.split(info.sep)]
        return [unquote(x) for x in items] if var.explode else unquote(items[0])
    if var.explode:
        return [unquote(item) for item in raw.split(info.sep)]
    return unquote(raw)


def _match_query(
    variables: tuple[_Var, ...], query: str, result: dict[str, str | list[str]]
) -> None:
    found: dict[str, list[str]] = {}
    if query:
        for pair in query.split("&"):
            key, _, value = pair.partition("=")
            found.setdefault(unquote(key), []).append(unquote(value))
    for var in variables:
        got = found.get(var.name)
        if got is None or var.name in result:
            continue
        result[var.name] = got if var.explode else got[0]
