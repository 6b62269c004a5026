"""pydantic (v2) models as tool/prompt parameter and return types, without depending on it.

FastMCP and the official SDK build every tool on pydantic, so the servers people port are full
of ``BaseModel`` parameters, ``Field(ge=...)`` constraints and ``PositiveInt``.  mcplite's
schemas and validators come from msgspec, which knows none of these; so a parameter (or return
type) whose annotation mentions pydantic is handed to a ``pydantic.TypeAdapter`` instead.

Detection is by duck typing (``__pydantic_core_schema__`` on a class, metadata objects from the
``pydantic``/``annotated_types`` packages inside ``Annotated``): nothing here imports pydantic
until a user's annotation has already shown it is installed and in use, so ``import mcplite``
never does.
"""

from __future__ import annotations

import copy
import inspect
import typing
from typing import Annotated, Any, Final, Literal

import msgspec

__all__ = [
    "PydanticType",
    "field_info_default",
    "is_pydantic_value",
    "uses_pydantic",
]

# Packages whose objects inside ``Annotated[...]`` (or as a default, ``x: int = Field(...)``)
# are pydantic constraints: ``Field(...)`` is pydantic.fields.FieldInfo, ``PositiveInt`` is
# ``Annotated[int, annotated_types.Gt(0)]``.
_PYDANTIC_PACKAGES: Final = frozenset({"pydantic", "pydantic_core", "annotated_types"})
# A validation error lists this many problems, then says how many more there were.
_REPORTED_ERRORS: Final = 5
_REF_TEMPLATE: Final = "#/$defs/{model}"


def _from_pydantic(obj: Any) -> bool:
    module = getattr(type(obj), "__module__", None) or ""
    return module.partition(".")[0] in _PYDANTIC_PACKAGES


def _is_pydantic_class(obj: Any) -> bool:
    # BaseModel subclasses, pydantic dataclasses and TypedDicts built by pydantic all carry
    # their core schema; pydantic v1 models do not (and are not supported).
    # Looked up in the class dicts along the MRO, as dir() would find it but without
    # building dir()'s sorted list (20 us for ``str``, paid for every annotation at
    # registration: issue 15 "Cold start").
    return inspect.isclass(obj) and any(
        "__pydantic_core_schema__" in vars(k) for k in getattr(obj, "__mro__", ())
    )


def uses_pydantic(annotation: Any) -> bool:
    """True when ``annotation`` (at any depth) needs pydantic to be described or validated."""
    if type(annotation) is type:
        # A plain class (no metaclass, so not a model; no arguments to look into): the
        # common case, answered without get_args/get_origin (issue 15 "Cold start").
        return _is_pydantic_class(annotation)
    if _is_pydantic_class(annotation):
        return True
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is Annotated:
        return any(_from_pydantic(m) for m in args[1:]) or uses_pydantic(args[0])
    return any(uses_pydantic(a) for a in args if not isinstance(a, (str, bytes, int, float)))


def is_pydantic_value(value: Any) -> bool:
    """A model instance (for results returned without a matching annotation)."""
    return _is_pydantic_class(type(value)) and hasattr(value, "model_dump")


def field_info_default(default: Any) -> tuple[bool, Any] | None:
    """``x: int = Field(ge=1, default=3)``: ``(required, default)``; None if not a FieldInfo."""
    if not (_from_pydantic(default) and hasattr(default, "is_required")):
        return None
    if default.is_required():
        return True, inspect.Parameter.empty
    return False, default.get_default(call_default_factory=True)


def _loc(loc: tuple[int | str, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)


def format_validation_error(exc: Any, prefix: str) -> str:
    """pydantic's ValidationError as msgspec words it: ``message - at `$.path```, joined."""
    errors = exc.errors(include_url=False)
    parts = []
    for err in errors[:_REPORTED_ERRORS]:
        got = ""
        if err.get("type") != "missing" and not isinstance(err.get("input"), (dict, list)):
            got = f" (got {err.get('input')!r})"
        parts.append(f"{err['msg']}{got} - at `$.{prefix}{_loc(err['loc'])}`")
    if len(errors) > _REPORTED_ERRORS:
        parts.append(f"and {len(errors) - _REPORTED_ERRORS} more")
    return "; ".join(parts)


def _bad_field(model: Any, pydantic: Any) -> str | None:
    """The dotted path of the first field of ``model`` that has no JSON Schema."""
    fields = getattr(model, "model_fields", None)
    if not isinstance(fields, dict):
        return None
    for name, info in fields.items():
        ann = info.annotation
        if _is_pydantic_class(ann):
            inner = _bad_field(ann, pydantic)
            if inner is not None:
                return f"{name}.{inner}"
            continue
        try:
            config = pydantic.ConfigDict(arbitrary_types_allowed=True)
            pydantic.TypeAdapter(ann, config=config).json_schema()
        except Exception:
            return str(name)
    return None


def _models_in(annotation: Any) -> list[Any]:
    if _is_pydantic_class(annotation):
        return [annotation]
    return [m for a in typing.get_args(annotation) for m in _models_in(a)]


class PydanticType:
    """One annotation handled by pydantic: its JSON Schema, validation and serialisation."""

    __slots__ = ("_adapter", "_pydantic", "annotation")

    def __init__(self, annotation: Any, what: str) -> None:
        try:
            import pydantic  # lazy: pydantic optional, only when a handler uses it
        except ImportError:
            raise TypeError(
                f"{what} is annotated with a pydantic type, but pydantic is not importable"
            ) from None
        self._pydantic = pydantic
        self.annotation = annotation
        try:
            self._adapter = pydantic.TypeAdapter(annotation)
        except Exception as exc:
            raise TypeError(f"cannot build a validator for {what}: {exc}") from None

    def json_schema(self, what: str, *, serialization: bool = False) -> dict[str, Any]:
        mode: Literal["validation", "serialization"] = (
            "serialization" if serialization else "validation"
        )
        try:
            schema: dict[str, Any] = self._adapter.json_schema(
                ref_template=_REF_TEMPLATE, mode=mode
            )
        except Exception as exc:
            field = next(
                (
                    f"{m.__name__}.{bad}"
                    for m in _models_in(self.annotation)
                    if (bad := _bad_field(m, self._pydantic)) is not None
                ),
                None,
            )
            where = f" (field {field})" if field else ""
            raise TypeError(f"cannot build a JSON Schema for {what}{where}: {exc}") from None
        return schema

    def validate(self, value: Any, name: str, *, from_strings: bool = False) -> Any:
        """Validate a decoded JSON value by the model's own rules (its strictness, pydantic's
        JSON mode); ``from_strings`` (prompt and URI-template arguments, always strings) also
        tries the string itself as JSON.  Raises ``ValueError`` with a readable message."""
        pydantic = self._pydantic
        try:
            return self._adapter.validate_json(msgspec.json.encode(value))
        except pydantic.ValidationError as exc:
            if from_strings and isinstance(value, str):
                try:
                    return self._adapter.validate_json(value)
                except pydantic.ValidationError:
                    pass
            raise ValueError(format_validation_error(exc, name)) from None

    def dump(self, value: Any) -> Any:
        """A returned value as JSON-ready builtins (a dict for a model is validated first)."""
        return self._adapter.dump_python(self._adapter.validate_python(value), mode="json")

    def dump_default(self, value: Any) -> Any:
        try:
            return self._adapter.dump_python(value, mode="json")
        except Exception:
            return msgspec.UNSET

    @staticmethod
    def copy_default(value: Any) -> Any:
        return copy.deepcopy(value)


def enc_hook(value: Any) -> Any:
    """msgspec ``enc_hook`` for model instances in results that were not annotated as such."""
    if is_pydantic_value(value):
        return value.model_dump(mode="json")
    raise NotImplementedError(f"objects of type {type(value).__name__} are not supported")
