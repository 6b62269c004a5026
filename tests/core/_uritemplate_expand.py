"""RFC 6570 §3.2 / Appendix A expansion: the oracle of the uritemplate tests (servers only
match templates, so expansion is test code, not package code)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

from mcplite._core.uritemplate import _OPS, URITemplate, _encode, _Expr

ExpandValue: TypeAlias = "str | int | float | Sequence[str] | Mapping[str, str] | None"


def expand(template: URITemplate | str, values: Mapping[str, ExpandValue]) -> str:
    """Expand ``template`` with ``values``; missing/None/empty values are undefined."""
    parsed = template if isinstance(template, URITemplate) else URITemplate(template)
    return "".join(
        part if isinstance(part, str) else _expand_expr(part, values) for part in parsed._parts
    )


def _expand_expr(expr: _Expr, values: Mapping[str, ExpandValue]) -> str:
    op = _OPS[expr.op]
    enc = op.allow_reserved
    out: list[str] = []
    for var in expr.variables:
        value = values.get(var.name)
        if value is None:
            continue
        if isinstance(value, (int, float)):
            value = str(value)
        if isinstance(value, str):
            text = value[: var.prefix] if var.prefix else value
            if op.named:
                out.append(f"{var.name}={_encode(text, enc)}" if text else var.name + op.ifemp)
            else:
                out.append(_encode(text, enc))
            continue
        pairs: list[tuple[str, str]] | None = None
        if isinstance(value, Mapping):
            pairs = [(str(k), str(v)) for k, v in value.items()]
            if not pairs:
                continue
            items = [_encode(x, enc) for kv in pairs for x in kv]
        else:
            items = [_encode(str(x), enc) for x in value]
            if not items:
                continue
        if not var.explode:
            joined = ",".join(items)
            out.append(f"{var.name}={joined}" if op.named else joined)
        elif pairs is not None:
            out.append(
                op.sep.join(
                    f"{_encode(k, enc)}={_encode(v, enc)}"
                    if v or not op.named
                    else _encode(k, enc) + op.ifemp
                    for k, v in pairs
                )
            )
        elif op.named:
            out.append(op.sep.join(f"{var.name}={x}" if x else var.name + op.ifemp for x in items))
        else:
            out.append(op.sep.join(items))
    if not out:
        return ""
    return op.first + op.sep.join(out)
