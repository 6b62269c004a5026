"""JSON Schema (2020-12) from Python callables, and fast argument validation, via msgspec.

A tool, prompt or resource-template function is inspected ONCE, at registration, by
:func:`build_signature`: its parameters become the fields of a dynamically created
``msgspec`` Struct whose JSON Schema is the tool's ``inputSchema`` and whose decoder validates
``tools/call`` arguments in one pass.  msgspec's inspection is the expensive part (about
70 us a tool), so registration avoids it where it can (issue 15 "Cold start"): for a signature
made only of types in ``_fast_schema``'s table (str, int, float, bool, None, Any, list,
dict[str, ...], Literal, X | None) the schemas are written directly, the same JSON msgspec
would produce (``tests/core/test_schema.py`` compares them), and the Struct, which then cannot
fail to build, waits for the first call.  Any other signature is built through msgspec at
registration as before, so a type msgspec cannot describe still raises ``TypeError`` there.

The return annotation gives the ``outputSchema`` (spec 2025-06-18+ "Structured Content"):
object-like types are used as they are, anything else is wrapped as ``{"result": value}``
because ``structuredContent`` must be a JSON object up to 2025-11-25 (the same convention
FastMCP and the official Python SDK use).
"""

from __future__ import annotations

import builtins
import copy
import dataclasses
import functools
import inspect
import re
import types
import typing
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Final

import msgspec

from .pydantic_support import PydanticType, field_info_default, uses_pydantic

__all__ = [
    "MAX_TOOL_NAME_CHARS",
    "ArgumentError",
    "Parameter",
    "ToolSignature",
    "build_signature",
    "prompt_arguments",
    "serialize_output",
    "validate_tool_name",
]

#: Tool names SHOULD be 1..128 characters (spec 2025-11-25 server/tools "Tool Names", SEP-986).
MAX_TOOL_NAME_CHARS: Final = 128
_TOOL_NAME_BAD_CHAR_RE: Final = re.compile(r"[^A-Za-z0-9_.\-]")

# 2020-12 keeps reusable subschemas under "$defs" (msgspec's default template says the same,
# but we pin it: the inlining below depends on the exact prefix).
_REF_PREFIX: Final = "#/$defs/"
_REF_TEMPLATE: Final = _REF_PREFIX + "{name}"
# The dynamic argument Struct is inlined and removed from "$defs", so its name never shows;
# it only has to be unlikely to collide with a user type (a collision would make msgspec use
# module-qualified names for both).
_ARGS_STRUCT_NAME: Final = "MCPLiteToolArguments"

# Google-style docstring sections that list parameters.
_ARGS_HEADERS: Final = frozenset(
    {"args", "arguments", "parameters", "params", "keyword args", "keyword arguments"}
)
_SECTION_RE: Final = re.compile(r"^([A-Za-z][A-Za-z ]*):\s*$")
_ARG_LINE_RE: Final = re.compile(r"^\*{0,2}([A-Za-z_][A-Za-z0-9_]*)\s*(?:\([^)]*\))?\s*:\s*(.*)$")

_MUTABLE_DEFAULT_TYPES: Final = (list, dict, set, bytearray)


class ArgumentError(ValueError):
    """Tool/prompt arguments did not validate.

    The message is short and meant to be shown to a model, e.g.
    ``Invalid arguments: Expected `int`, got `str` - at `$.b```. ``detail`` is the message
    without the prefix.
    """

    def __init__(self, detail: str) -> None:
        super().__init__(f"Invalid arguments: {detail}")
        self.detail = detail


@dataclasses.dataclass(frozen=True, slots=True)
class Parameter:
    """One public (non-injected) parameter of a registered function."""

    name: str
    annotation: Any
    #: ``inspect.Parameter.empty`` when the parameter is required.
    default: Any
    description: str | None

    @property
    def required(self) -> bool:
        return self.default is inspect.Parameter.empty


def _never(_annotation: Any) -> bool:
    return False


_Fields = tuple[tuple[str, Any] | tuple[str, Any, Any], ...]


class ToolSignature:
    """Everything derived once from a function's signature; see :func:`build_signature`.

    ``args_type``, ``input_schema``, ``output_schema`` and ``wrap_output`` are built on first
    access (module docstring); ``build()`` builds them all at once.
    """

    __slots__ = (
        "_args_type",
        "_decoder",
        "_fields",
        "_input_schema",
        "_names",
        "_output",
        "_pydantic",
        "_what",
        "description",
        "fn",
        "injected",
        "output_type",
        "parameters",
        "return_annotation",
        "strict",
    )

    def __init__(
        self,
        *,
        fn: Callable[..., Any],
        description: str | None,
        parameters: tuple[Parameter, ...],
        injected: dict[str, Any],
        fields: _Fields,
        return_annotation: Any,
        describe_output: bool,
        strict: bool,
        what: str,
        pydantic: tuple[tuple[str, PydanticType, Any], ...] = (),
        output_type: PydanticType | None = None,
    ) -> None:
        self.fn = fn
        self.description = description
        self.parameters = parameters
        #: Parameters left out of the schema because ``skip`` matched: name -> annotation.
        self.injected = injected
        self.return_annotation = return_annotation
        self.strict = strict
        self._names = tuple(p.name for p in parameters)
        self._decoder: msgspec.json.Decoder[Any] | None = None
        #: Parameters validated by pydantic after msgspec: (name, type, default).
        self._pydantic = pydantic
        #: The return annotation when pydantic describes and serialises it.
        self.output_type = output_type
        self._fields = fields
        self._what = what
        self._args_type: type[msgspec.Struct] | None = None
        self._input_schema: dict[str, Any] | None = None
        # (output schema, wrap_output) once built; (None, False) up front when the return
        # annotation has no schema (content, None, Any or no annotation).
        self._output: tuple[dict[str, Any] | None, bool] | None = (
            None if describe_output else (None, False)
        )

    def build(self) -> None:
        """Build the arguments Struct and both schemas now (raises ``TypeError`` as
        :func:`build_signature` documents)."""
        _ = self.args_type, self.input_schema, self.output_schema

    @property
    def args_type(self) -> type[msgspec.Struct]:
        """The dynamic Struct that validates the arguments (built on first use)."""
        if self._args_type is None:
            try:
                self._args_type = msgspec.defstruct(
                    _ARGS_STRUCT_NAME, self._fields, kw_only=True, forbid_unknown_fields=False
                )
            except TypeError as exc:
                raise TypeError(f"cannot build the arguments of {self._what}: {exc}") from None
        return self._args_type

    @property
    def input_schema(self) -> dict[str, Any]:
        """The ``inputSchema`` (built on first use)."""
        if self._input_schema is None:
            fast = None if self._pydantic else _fast_input_schema(self.parameters)
            self._input_schema = (
                fast
                if fast is not None
                else _input_schema(self.args_type, self.parameters, self._what, self._pydantic)
            )
        return self._input_schema

    def _output_pair(self) -> tuple[dict[str, Any] | None, bool]:
        if self._output is None:
            what = f"the result of {self._what}"
            if self.output_type is not None:
                self._output = _pydantic_output_schema(self.output_type, what)
            else:
                self._output = _output_schema(self.return_annotation, what)
        return self._output

    @property
    def output_schema(self) -> dict[str, Any] | None:
        """The ``outputSchema``, None when the return type has none (built on first use)."""
        return self._output_pair()[0]

    @property
    def wrap_output(self) -> bool:
        """True when structured output is ``{"result": value}`` (non-object return types)."""
        return self._output_pair()[1]

    def __repr__(self) -> str:
        return f"<ToolSignature {getattr(self.fn, '__qualname__', self.fn)!r} {self._names}>"

    def _kwargs(self, obj: msgspec.Struct) -> dict[str, Any]:
        # Read the fields back without re-encoding, in one C call: the Struct's fields are
        # the parameters, by name and in order (build_signature).
        kwargs = msgspec.structs.asdict(obj)
        if self._pydantic:
            self._validate_pydantic(kwargs)
        return kwargs

    def _validate_pydantic(self, kwargs: dict[str, Any]) -> None:
        problems: list[str] = []  # every bad parameter at once, so a model fixes all in one go
        for name, ptype, default in self._pydantic:
            value = kwargs[name]
            if value is msgspec.UNSET:  # omitted: the default, never shared between calls
                kwargs[name] = ptype.copy_default(default)
                continue
            try:
                kwargs[name] = ptype.validate(value, name, from_strings=not self.strict)
            except ValueError as exc:
                problems.append(str(exc))
        if problems:
            raise ArgumentError("; ".join(problems))

    def structured(self, value: Any) -> Any:
        """A return value as ``structuredContent`` (wrapped as ``{"result": ...}`` when the
        output schema is not an object).  Raises ``ValueError``/``TypeError`` when a value
        annotated with a pydantic type does not fit it."""
        if self.output_type is not None:
            value = self.output_type.dump(value)
        return {"result": value} if self.wrap_output else value

    def validate(self, arguments: Mapping[str, Any] | None) -> dict[str, Any]:
        """Validate already-decoded arguments; return the keyword arguments for the call.

        ``None`` (arguments omitted) means ``{}``.  Unknown keys are ignored.  With
        ``strict`` (the default) the rules are JSON's: no ``"1"`` -> ``1`` coercion, but an
        ``int`` is accepted for a ``float``.  Injected parameters are not included.
        """
        try:
            obj = msgspec.convert(
                {} if arguments is None else arguments, self.args_type, strict=self.strict
            )
        except msgspec.ValidationError as exc:
            raise ArgumentError(str(exc)) from None
        return self._kwargs(obj)

    def decode_json(self, raw: bytes | bytearray | memoryview | str) -> dict[str, Any]:
        """Decode and validate a JSON arguments object in one pass (the ``tools/call`` path).

        ``raw`` may be a ``msgspec.Raw``.  JSON ``null`` means ``{}``.
        """
        decoder = self._decoder
        if decoder is None:
            decoder = self._decoder = msgspec.json.Decoder(self.args_type, strict=self.strict)
        try:
            obj = decoder.decode(raw)
        except msgspec.DecodeError as exc:  # ValidationError is a subclass
            if _is_json_null(raw):
                return self.validate(None)
            raise ArgumentError(str(exc)) from None
        return self._kwargs(obj)


def _is_json_null(raw: bytes | bytearray | memoryview | str) -> bool:
    data = raw.encode() if isinstance(raw, str) else bytes(raw)
    return data.strip() == b"null"


def serialize_output(sig: ToolSignature, value: Any) -> dict[str, Any] | None:
    """Turn a tool's return value into ``structuredContent`` (None when there is no schema).

    Raises ``TypeError`` if the value holds something msgspec cannot represent.
    """
    if sig.output_schema is None:
        return None
    if sig.output_type is not None:
        return sig.structured(value)  # type: ignore[no-any-return]
    data = msgspec.to_builtins(value)
    if sig.wrap_output:
        return {"result": data}
    return data  # type: ignore[no-any-return]


def validate_tool_name(name: str) -> None:
    """Raise ``ValueError`` saying why ``name`` breaks the spec 2025-11-25 tool name rules."""
    if not name:
        raise ValueError("tool name must not be empty")
    if len(name) > MAX_TOOL_NAME_CHARS:
        raise ValueError(
            f"tool name must be at most {MAX_TOOL_NAME_CHARS} characters, got {len(name)}"
        )
    bad = _TOOL_NAME_BAD_CHAR_RE.search(name)
    if bad is not None:
        raise ValueError(
            f"tool name {name!r} has invalid character {bad.group()!r} at position "
            f"{bad.start()}; only A-Z, a-z, 0-9, '_', '-' and '.' are allowed"
        )


# -- docstrings ---------------------------------------------------------------------------


def _parse_docstring(doc: str | None) -> tuple[str | None, dict[str, str]]:
    """Split a docstring into (description without the Args section, {param: text})."""
    if not doc:
        return None, {}
    lines = inspect.cleandoc(doc).splitlines()
    kept: list[str] = []
    params: dict[str, str] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        header = _SECTION_RE.match(line)
        if header is None or header.group(1).strip().lower() not in _ARGS_HEADERS:
            kept.append(line)
            i += 1
            continue
        i += 1
        entry_indent: int | None = None
        current: str | None = None
        # The section runs while lines are blank or indented (cleandoc leaves the header at 0).
        while i < len(lines) and (not lines[i].strip() or lines[i][0].isspace()):
            body = lines[i]
            i += 1
            text = body.strip()
            if not text:
                continue
            indent = len(body) - len(body.lstrip())
            if entry_indent is None:
                entry_indent = indent
            arg = _ARG_LINE_RE.match(text) if indent <= entry_indent else None
            if arg is not None:
                current = arg.group(1)
                params[current] = arg.group(2).strip()
            elif current is not None:
                params[current] = f"{params[current]} {text}".strip()
    description = "\n".join(kept).strip()
    return description or None, params


# -- schemas ------------------------------------------------------------------------------


def _inline_root(
    root: dict[str, Any], components: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Replace a top-level ``{"$ref": ...}`` by the referenced schema.

    The component stays in ``$defs`` only if something else still refers to it (recursion).
    """
    ref = root.get("$ref")
    if len(root) != 1 or not isinstance(ref, str) or not ref.startswith(_REF_PREFIX):
        return root, components
    name = ref[len(_REF_PREFIX) :]
    inlined = dict(components[name])
    rest = {k: v for k, v in components.items() if k != name}
    if f'"{ref}"'.encode() in msgspec.json.encode(components):
        rest = components
    return inlined, rest


def _with_defs(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    if components:
        schema["$defs"] = components
    return schema


def _schema_of(annotation: Any, what: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        (root,), components = msgspec.json.schema_components(
            (annotation,), ref_template=_REF_TEMPLATE
        )
    except TypeError as exc:
        raise TypeError(f"cannot build a JSON Schema for {what}: {exc}") from None
    return root, components


def _merge_defs(components: dict[str, Any], schema: dict[str, Any], what: str) -> None:
    for name, sub in schema.pop("$defs", {}).items():
        if components.setdefault(name, sub) != sub:
            raise TypeError(f"{what}: two different types are both named {name!r}; rename one")


def _input_schema(
    args_type: type[msgspec.Struct],
    parameters: tuple[Parameter, ...],
    what: str,
    pydantic: tuple[tuple[str, PydanticType, Any], ...] = (),
) -> dict[str, Any]:
    root, components = _schema_of(args_type, what)
    schema, components = _inline_root(root, components)
    schema.pop("title", None)  # the dynamic Struct's name means nothing to a client
    if not schema.get("required"):
        schema.pop("required", None)
    properties: dict[str, Any] = schema["properties"]
    by_name = {p.name: p for p in parameters}
    for name, ptype, default in pydantic:
        prop = ptype.json_schema(f"parameter {name!r} of {what}")
        _merge_defs(components, prop, what)
        if by_name[name].description:
            # The docstring's Args line describes this parameter; the model's own docstring
            # describes the type.  The parameter's wins, as in FastMCP.
            prop["description"] = by_name[name].description
        if not by_name[name].required and "default" not in prop:
            dumped = ptype.dump_default(default)
            if dumped is not msgspec.UNSET:
                prop["default"] = dumped
        properties[name] = prop
    for param in parameters:
        prop = properties[param.name]
        if param.description and "description" not in prop:
            properties[param.name] = {"description": param.description, **prop}
        if not param.required and "default" not in prop:
            # msgspec cannot show a default_factory; we made one for a mutable default.
            try:
                properties[param.name]["default"] = msgspec.to_builtins(param.default)
            except TypeError:
                pass
    return _with_defs(schema, components)


def _pydantic_output_schema(ptype: PydanticType, what: str) -> tuple[dict[str, Any], bool]:
    root = ptype.json_schema(what, serialization=True)
    components: dict[str, Any] = root.pop("$defs", {})
    inlined, rest = _inline_root(root, components)
    if inlined.get("type") == "object":
        return _with_defs(inlined, rest), False
    wrapped = {"type": "object", "properties": {"result": root}, "required": ["result"]}
    return _with_defs(wrapped, components), True


def _output_schema(annotation: Any, what: str) -> tuple[dict[str, Any], bool]:
    fast = _fast_schema(annotation)
    components: dict[str, Any]
    if fast is not None:
        root, components = fast, {}
    else:
        root, components = _schema_of(annotation, what)
    inlined, rest = _inline_root(root, components)
    if inlined.get("type") == "object":
        return _with_defs(inlined, rest), False
    wrapped = {"type": "object", "properties": {"result": root}, "required": ["result"]}
    return _with_defs(wrapped, components), True


# -- signatures ---------------------------------------------------------------------------


def _resolve(fn: Callable[..., Any]) -> tuple[Any, Any]:
    """Return (object to read type hints from, object to read the docstring from)."""
    target: Any = fn
    while isinstance(target, functools.partial):
        target = target.func
    if inspect.isfunction(target) or inspect.ismethod(target):
        return target, target
    # A callable instance: hints live on the class's __call__, the docstring on the instance.
    return type(target).__call__, target


_BUILTINS: Final = vars(builtins)
_UNRESOLVED: Final = object()  # a name in neither namespace: get_type_hints names it


def _type_hints(fn: Any) -> dict[str, Any]:
    """``typing.get_type_hints(fn, include_extras=True)``, without its compile of every string
    in the common case: a plain function whose annotations are plain classes or the names
    of plain classes (``"str"``, as ``from __future__ import annotations`` writes them).

    Anything else (a dotted or generic string, a class with a metaclass, a wrapped
    function, a method) is left to ``get_type_hints``, so the result and its errors are
    always the same.  Issue 15 "Cold start": compiling each annotation string was a third
    of registering a tool (1,000 tools added 52 ms to a server's start).
    """
    if type(fn) is not types.FunctionType or hasattr(fn, "__wrapped__"):
        return typing.get_type_hints(fn, include_extras=True)
    hints: dict[str, Any] = {}
    names: dict[str, Any] | None = None
    for key, value in fn.__annotations__.items():
        if type(value) is str:
            if value == "None":
                value = None
            elif value.isidentifier():
                if names is None:
                    names = fn.__globals__
                value = names.get(value, _BUILTINS.get(value, _UNRESOLVED))
            else:
                return typing.get_type_hints(fn, include_extras=True)
        if value is None:
            value = type(None)  # what get_type_hints makes of None
        elif type(value) is not type:
            return typing.get_type_hints(fn, include_extras=True)
        hints[key] = value
    return hints


def _field_default(default: Any) -> Any:
    if isinstance(default, _MUTABLE_DEFAULT_TYPES) and default:
        # msgspec refuses non-empty mutable defaults (shared state); copy per call instead.
        return msgspec.field(default_factory=functools.partial(copy.deepcopy, default))
    return default


def build_signature(
    fn: Callable[..., Any],
    *,
    skip: Callable[[Any], bool] = _never,
    is_content: Callable[[Any], bool] = _never,
    strict: bool = True,
) -> ToolSignature:
    """Inspect ``fn`` once and build its schemas and validators.

    ``skip(annotation)`` marks parameters the caller injects (e.g. ``Context``): they are left
    out of the schema and listed in ``ToolSignature.injected``.  ``is_content(annotation)``
    marks return types the caller renders as content itself: they get no output schema.
    ``strict=False`` allows string coercion (``"3"`` -> ``3``), for prompt and URI-template
    arguments which arrive as strings.  Raises ``TypeError`` for ``*args``/``**kwargs``,
    positional-only parameters, unresolvable hints and types msgspec cannot describe.
    """
    what = f"{getattr(fn, '__qualname__', fn)!r}"
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"cannot read the signature of {what}: {exc}") from None
    hints_of, doc_of = _resolve(fn)
    try:
        hints = _type_hints(hints_of)
    except Exception as exc:  # NameError for forward refs, TypeError for odd objects
        raise TypeError(f"cannot resolve the type hints of {what}: {exc}") from None
    description, param_docs = _parse_docstring(getattr(doc_of, "__doc__", None))

    parameters: list[Parameter] = []
    injected: dict[str, Any] = {}
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    pydantic: list[tuple[str, PydanticType, Any]] = []
    for param in sig.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise TypeError(
                f"{what}: *args/**kwargs parameter {param.name!r} is not supported; "
                "declare each argument explicitly"
            )
        if param.kind is param.POSITIONAL_ONLY:
            raise TypeError(
                f"{what}: positional-only parameter {param.name!r} is not supported "
                "(arguments are passed by name)"
            )
        annotation = hints.get(param.name, Any)
        if skip(annotation):
            injected[param.name] = annotation
            continue
        default = param.default
        field_info = field_info_default(default)
        if field_info is not None:  # ``x: int = Field(ge=1)``, FastMCP's spelling
            annotation, default = Annotated[annotation, default], field_info[1]
        parameters.append(Parameter(param.name, annotation, default, param_docs.get(param.name)))
        if uses_pydantic(annotation):
            # msgspec only checks presence; the model validates the value (see _kwargs).
            ptype = PydanticType(annotation, f"parameter {param.name!r} of {what}")
            pydantic.append((param.name, ptype, default))
            if default is param.empty:
                fields.append((param.name, Any))
            else:
                fields.append((param.name, Any, msgspec.UNSET))
        elif default is param.empty:
            fields.append((param.name, annotation))
        else:
            fields.append((param.name, annotation, _field_default(default)))

    params = tuple(parameters)
    return_annotation = hints.get("return", Any)
    if sig.return_annotation is sig.empty:
        return_annotation = sig.empty
    describe_output = return_annotation not in (sig.empty, None, type(None), Any) and not (
        is_content(return_annotation)
    )
    output_type: PydanticType | None = None
    if describe_output and uses_pydantic(return_annotation):
        output_type = PydanticType(return_annotation, f"the result of {what}")

    signature = ToolSignature(
        fn=fn,
        description=description,
        parameters=params,
        injected=injected,
        fields=tuple(fields),
        return_annotation=return_annotation,
        describe_output=describe_output,
        strict=strict,
        what=what,
        pydantic=tuple(pydantic),
        output_type=output_type,
    )
    # The schemas are written directly when every annotation is in _fast_schema's table,
    # every default encodes and no name could clash with a Struct attribute: then building
    # the Struct later cannot fail, so it waits for the first call.  Anything else (a Struct,
    # a dataclass, an Enum, pydantic, Annotated constraints, a type msgspec cannot describe)
    # is built now through msgspec, so its errors are still registration errors.
    fast_input = (
        None
        if pydantic or any(p.name.startswith("_") for p in params)
        else _fast_input_schema(params)
    )
    fast_output = not describe_output or (
        output_type is None and _fast_schema(return_annotation) is not None
    )
    if fast_input is not None and fast_output:
        signature._input_schema = fast_input
        signature._output_pair()  # from the table too: no msgspec inspection
    else:
        signature.build()
    return signature


# -- the direct schema table ----------------------------------------------------------------

_FAST_LEAVES: Final[dict[Any, dict[str, Any]]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    type(None): {"type": "null"},
    None: {"type": "null"},
    Any: {},
    list: {"type": "array"},
    dict: {"type": "object"},
}
_UNION_ORIGINS: Final = (typing.Union, types.UnionType)


def _fast_schema(annotation: Any) -> dict[str, Any] | None:
    """The JSON Schema msgspec gives ``annotation``, written directly, or None when the
    annotation is not in this table (msgspec then builds it).  Every case here is one
    msgspec always accepts; tests/core/test_schema.py checks each against msgspec."""
    try:
        leaf = _FAST_LEAVES.get(annotation)
    except TypeError:  # unhashable annotation objects
        return None
    if leaf is not None:
        return dict(leaf)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is list and len(args) == 1:
        items = _fast_schema(args[0])
        return None if items is None else {"type": "array", "items": items}
    if origin is dict and len(args) == 2 and args[0] is str:
        values = _fast_schema(args[1])
        return None if values is None else {"type": "object", "additionalProperties": values}
    if origin in _UNION_ORIGINS and len(args) == 2 and type(None) in args:
        (inner,) = [a for a in args if a is not type(None)]
        if typing.get_origin(inner) in _UNION_ORIGINS:
            return None
        first = _fast_schema(inner)
        return None if first is None else {"anyOf": [first, {"type": "null"}]}
    if origin is typing.Literal and args:
        kinds = {type(a) for a in args}
        if kinds == {str} or kinds == {int}:
            return {"enum": sorted(set(args))}  # msgspec sorts and deduplicates
    return None


def _fast_input_schema(parameters: tuple[Parameter, ...]) -> dict[str, Any] | None:
    """``_input_schema`` for parameters all in the table, without building the Struct."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for param in parameters:
        prop = _fast_schema(param.annotation)
        if prop is None:
            return None
        if param.required:
            required.append(param.name)
        else:
            try:
                prop["default"] = msgspec.to_builtins(param.default)
            except TypeError:
                return None  # msgspec refuses such a default: let it say so, at registration
        if param.description:
            prop = {"description": param.description, **prop}
        properties[param.name] = prop
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def prompt_arguments(
    fn: Callable[..., Any], skip: Callable[[Any], bool] = _never
) -> list[tuple[str, str | None, bool]]:
    """``(name, description, required)`` for each prompt argument (``PromptArgument``).

    The description comes from ``Annotated[..., Meta(description=)]`` or the docstring.
    """
    sig = build_signature(fn, skip=skip, strict=False)
    properties: dict[str, Any] = sig.input_schema["properties"]
    return [(p.name, properties[p.name].get("description"), p.required) for p in sig.parameters]
