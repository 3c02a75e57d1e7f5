"""The Jinja environment runbooks_src/ templates run in: Jinja's sandbox, plus budgets, so a hostile
template fails within seconds, with a located error, in bounded memory (docs/runbooks.md).

Jinja's sandbox stops a template from reaching Python (`__class__`, unsafe callables, changing the
facts); it does not stop one from asking for `'a' * 2000000000`, nested loops of 10^10 steps or a
macro that calls itself. Each render (one file for one monitor) gets a `Budget`:

- every value the template builds (`*`, `+`, `~`, `%`, `str.format`, method calls, filters) holds at
  most `MAX_VALUE` characters or items, and a number at most `MAX_INT_BITS` bits. Operations that
  multiply sizes (repetition, `center`, `indent`, `join`, `replace`, format widths, `**`) are checked
  before they run; the others, whose result is at most a small multiple of their input, after;
- it writes at most `MAX_OUTPUT` characters in all, counted as they are written (literal text by the
  compiled code, `{{ }}` values by `finalize`), inside macros and blocks too, so no buffer Jinja
  joins can be larger;
- it takes at most `MAX_STEPS` loop iterations and calls (every `{% for %}` iterable is wrapped by
  the code generator; intercepted operators count too), and `MAX_SECONDS` of wall-clock time, looked
  at on every step. The counts are what stop a hostile template, the same way on every machine; the
  clock is a backstop for whatever they let through (sorting a long list in a loop).

Only a few methods of strings, numbers and containers are callable (`_METHODS`): those that cannot
turn a bounded value into an unbounded one, or are checked here. `lipsum` is removed.
"""

from __future__ import annotations

import math
import re
import string
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any, Callable, Iterable, Iterator

from jinja2 import nodes, pass_context
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import TemplateRuntimeError
from jinja2.runtime import Context, LoopContext
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import Namespace

from ..language.yaml_reader import MAX_FILE_BYTES
from .wording import Markdown

MAX_VALUE = 1_048_576  # characters of one string, items of one list, that a template may build
MAX_OUTPUT = MAX_FILE_BYTES  # characters one render may write: as much as a source file may hold
MAX_STEPS = 1_000_000  # loop iterations plus calls in one render
MAX_SECONDS = 5.0  # wall clock of one render
MAX_INT_BITS = 4_096  # an integer's size; Python itself refuses to print one of more than 4,300 digits

# Callable methods of plain values. Everything else (`expandtabs`, `translate`, `to_bytes`, ...) is
# refused as unsafe, like `__class__`: a method that could build a value of any size is either here
# with a check (`_checked_args`) or not callable at all. Leaving out every method that changes a list,
# dict or set does what Jinja's ImmutableSandboxedEnvironment does, without its per-attribute cost.
_METHODS: dict[type, frozenset[str]] = {
    str: frozenset("""capitalize casefold center count endswith find format index isalnum isalpha isascii
        isdecimal isdigit isidentifier islower isnumeric isprintable isspace istitle isupper join ljust lower
        lstrip partition removeprefix removesuffix replace rfind rindex rjust rpartition rsplit rstrip split
        splitlines startswith strip swapcase title upper zfill""".split()),
    int: frozenset("bit_length real imag numerator denominator conjugate".split()),
    float: frozenset("is_integer real imag conjugate".split()),
    list: frozenset("count index copy".split()),
    tuple: frozenset("count index".split()),
    dict: frozenset("get items keys values copy".split()),
    frozenset: frozenset("copy difference intersection isdisjoint issubset issuperset symmetric_difference union".split()),
    set: frozenset("copy difference intersection isdisjoint issubset issuperset symmetric_difference union".split()),
}


_METHODS_OF: dict[type, frozenset[str] | None] = {}  # by the type of a value, filled as types are met


def _methods_of(kind: type) -> frozenset[str] | None:
    """The callable methods of a plain value's type (subclasses such as Markdown or bool included);
    None for other objects (obsgen's facts), which Jinja's sandbox rules alone govern."""
    if kind not in _METHODS_OF:
        _METHODS_OF[kind] = next((_METHODS[base] for base in kind.__mro__ if base in _METHODS), None)
    return _METHODS_OF[kind]


class BudgetExceeded(TemplateRuntimeError):
    """A template asked for more than a runbook template may spend; the message says which limit."""


@dataclass(slots=True)
class Budget:
    """What one render has spent so far."""

    deadline: float
    steps: int = 0
    written: int = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise BudgetExceeded(f"the template runs more than {MAX_STEPS:,} loop iterations and calls, the limit "
                                 "for one runbook (a loop inside a loop, or a macro that calls itself?)")
        if time.monotonic() > self.deadline:  # ~60 ns: cheap enough to look at every step
            raise BudgetExceeded(f"the template takes more than {MAX_SECONDS:g} seconds to render, the limit for "
                                 "one runbook")

    def write(self, size: int) -> None:
        self.written += size
        if self.written > MAX_OUTPUT:
            raise BudgetExceeded(f"the template writes more than {MAX_OUTPUT:,} characters, the limit for one "
                                 "runbook (counting what macros and blocks write)")


def _too_big(what: str) -> BudgetExceeded:
    return BudgetExceeded(f"{what} would be too large: a runbook template may build at most {MAX_VALUE:,} "
                          "characters (or items) in one value")


def checked(value: Any, what: str = "a value") -> Any:
    """`value` when its size is within MAX_VALUE (strings, lists, tuples, mappings, integers)."""
    if isinstance(value, (str, list, tuple, dict, set, frozenset)) and len(value) > MAX_VALUE:
        raise _too_big(what)
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise BudgetExceeded(f"{what} is a number of more than {MAX_INT_BITS:,} bits, the limit in a runbook template")
    return value


def _limit(size: int, what: str) -> None:
    if size > MAX_VALUE:
        raise _too_big(what)


def _length(value: Any) -> int:
    """How long `str(value)` is, measured without building it past MAX_VALUE: a list of a million
    references to one long string is small in memory and enormous in print."""
    if isinstance(value, str):
        return len(value)
    total, pending = 0, [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            total += len(item) + 2  # quotes
        elif isinstance(item, Namespace):
            pending.append(dict(item._Namespace__attrs))  # its repr shows them
        elif isinstance(item, range) or not isinstance(item, Collection):
            total += len(str(item))  # numbers (bounded), obsgen's facts (bounded by the spec), a range
        else:
            total += 4 * len(item)  # separators, brackets
            if total <= MAX_VALUE:
                pending.extend(item.items() if isinstance(item, Mapping) else item)
        if total > MAX_VALUE:
            raise _too_big("the value as text")
    return total


# --- what an operation will build, before it builds it ------------------------------------------------

def _repeat(left: Any, right: Any) -> None:
    """`seq * n`, `n * seq`, `n * m`."""
    for seq, count in ((left, right), (right, left)):
        if isinstance(seq, (str, list, tuple)) and isinstance(count, int):
            _limit(len(seq) * max(count, 0), "the repetition")
    if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise BudgetExceeded(f"the product is a number of more than {MAX_INT_BITS:,} bits, the limit in a runbook template")


def _power(base: Any, exponent: Any) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1 and exponent > 0:
        if (abs(base).bit_length() - 1) * exponent > MAX_INT_BITS:
            raise BudgetExceeded(f"{base} ** {exponent} is a number of more than {MAX_INT_BITS:,} bits, the limit "
                                 "in a runbook template")


_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d*)(?:\.(\*|\d*))?")
_DIGITS = re.compile(r"\d+")


def _number(digits: str) -> int:
    return int(digits) if len(digits) <= 9 else MAX_VALUE + 1  # int() of 4,300 digits would itself fail


def _fields(template: str) -> tuple[int, int]:
    """(number of replacement fields, sum of the widths and precisions they ask for) of a `str.format`
    template; a width taken from an argument (`{:{w}}`) is refused."""
    count = widths = 0
    for _, name, spec, _ in string.Formatter().parse(template):
        if name is None:
            continue
        if spec and "{" in spec:
            raise BudgetExceeded("a format width taken from an argument is not allowed in a runbook template")
        count += 1
        widths += sum(_number(d) for d in _DIGITS.findall(spec or ""))
    return count, widths


def _percent_fields(template: str) -> tuple[int, int]:
    """The same for `%` formatting (`%-10s`, `%(name).3f`); `*` widths are refused."""
    count = widths = 0
    for match in _PERCENT_FIELD.finditer(template):
        if "*" in match.groups():
            raise BudgetExceeded("a format width taken from an argument is not allowed in a runbook template")
        count += 1
        widths += sum(_number(d) for d in match.groups() if d)
    return count, widths


def _formatted(template: str, values: Iterable[Any], percent: bool = False) -> None:
    """A format can use one argument many times ("{0}{0}{0}..."): the bound is every field holding the
    longest argument, plus every width."""
    count, widths = (_percent_fields if percent else _fields)(template)
    longest = max((_length(v) for v in values), default=0)
    _limit(len(template) + widths + count * longest, "the formatted text")


def _joined(separator: str, items: list[Any]) -> None:
    _limit(sum(_length(i) for i in items) + len(separator) * max(len(items) - 1, 0), "the joined text")


def _replaced(text: str, old: str, new: str, count: int = -1) -> None:
    found = text.count(old) if old else len(text) + 1
    if count >= 0:
        found = min(found, count)
    _limit(len(text) + found * max(len(new) - len(old), 0), "the text after replace")


def _width(text: Any, width: Any) -> None:
    if isinstance(width, int):
        _limit(max(_length(text), width), "the padded text")


def _str_method(method: Any) -> tuple[str, str] | None:
    """(the string, the method's name) when `method` is a bound method of a string (the sandbox hands
    `str.format` over wrapped)."""
    bound = getattr(method, "__wrapped__", method)
    owner = getattr(bound, "__self__", None)
    return (owner, bound.__name__) if isinstance(owner, str) else None


def _checked_args(method: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """The arguments of a call, once the methods of `_METHODS` that can build more than a small
    multiple of their input are checked (an iterator given to `join` is read first, to measure it)."""
    found = _str_method(method)
    if found is None or not args:
        return args
    owner, name = found
    if name in ("center", "ljust", "rjust", "zfill"):
        _width(owner, args[0])
    elif name == "join":
        args = (_listed(args[0]), *args[1:])
        _joined(owner, args[0])
    elif name == "replace" and len(args) >= 2:
        _replaced(owner, str(args[0]), str(args[1]), args[2] if len(args) > 2 and isinstance(args[2], int) else -1)
    elif name == "format":
        _formatted(owner, [*args, *kwargs.values()])
    elif name == "format_map":
        _formatted(owner, list(dict(args[0]).values()))
    return args


def _listed(items: Any) -> list[Any] | tuple[Any, ...] | str:
    return items if isinstance(items, (list, tuple, str)) else list(items)


# --- filters ------------------------------------------------------------------------------------------

def _indent_check(text: Any, width: Any = 4, *_: Any, **__: Any) -> None:
    lines = str(text).count("\n") + 1
    _limit(_length(text) + lines * (width if isinstance(width, int) else _length(width)), "the indented text")


def _wordwrap_check(text: Any, width: Any = 79, break_long_words: bool = True, wrapstring: Any = None,
                    *_: Any, **__: Any) -> None:
    lines = _length(text) // max(width if isinstance(width, int) else 1, 1) + 1
    if lines > MAX_VALUE // 10:  # textwrap's work grows with the number of lines
        raise _too_big("the wrapped text's list of lines")
    _limit(_length(text) + lines * len(str(wrapstring or "\n")), "the wrapped text")


def _sum_check(iterable: Any, attribute: Any = None, start: Any = 0, *_: Any, **__: Any) -> None:
    if not isinstance(start, (int, float)):
        raise BudgetExceeded("the sum filter adds numbers in a runbook template (start must be a number)")


def _format_check(value: Any, *args: Any, **kwargs: Any) -> None:
    _formatted(str(value), [*args, *kwargs.values()], percent=True)


def _count_check(value: Any, count: Any = 0, *_: Any, **__: Any) -> None:
    if isinstance(count, int):
        _limit(count, "the batches or slices")


# Filters that can multiply sizes, and their check; every filter's result is also checked after.
_FILTER_CHECKS: dict[str, Callable[..., None]] = {
    "center": lambda value, width=80, *a, **k: _width(value, width),
    "indent": _indent_check,
    "wordwrap": _wordwrap_check,
    "join": lambda value, d="", *a, **k: _joined(str(d), value),
    "replace": lambda value, old="", new="", count=None, *a, **k: _replaced(
        str(value), str(old), str(new), count if isinstance(count, int) else -1),
    "format": _format_check,
    "batch": _count_check,
    "slice": _count_check,
    "sum": _sum_check,
}


# Filters that turn their value into text: a value that is not a string is measured first.
_STRINGIFYING = frozenset("""capitalize center e escape forceescape format indent lower pprint replace safe string
    striptags title tojson trim truncate upper urlencode urlize wordcount wordwrap xmlattr""".split())


def _bounded_filter(environment: "BoundedSandbox", name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    precheck = _FILTER_CHECKS.get(name)
    passed = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0  # context or environment first

    @wraps(func)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        environment.spend_step()
        if name in _STRINGIFYING and len(args) > passed:
            _length(args[passed])
        if precheck is not None and len(args) > passed:
            if name == "join":  # measured, so read an iterator once, here
                args = (*args[:passed], _listed(args[passed]), *args[passed + 1:])
            precheck(*args[passed:], **kwargs)
        return checked(func(*args, **kwargs), f"the result of the {name} filter")

    return bounded


# --- the environment ----------------------------------------------------------------------------------

class _BoundedCodeGenerator(CodeGenerator):
    """Jinja's code generator with three changes: loop iterables are counted, `~` joins are checked,
    and the literal text of each output statement is counted as it is written. (Jinja allows no new
    node types, so the iterable is marked by identity and wrapped when it is written.) And one fix:
    Jinja writes an infinite constant (`1e309`, or `1e308 / 0.1` folded) as `inf`, a NameError."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._counted: set[int] = set()  # ids of the `{% for %}` iterables

    def visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> Any:
        if id(node) not in self._counted:
            return super().visit(node, *args, **kwargs)
        self._counted.discard(id(node))
        self.write("environment.iterate(")
        super().visit(node, *args, **kwargs)
        self.write(")")
        return None

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        self._counted.add(id(node.iter))
        super().visit_For(node, frame)

    def visit_Const(self, node: nodes.Const, frame: Frame) -> None:
        value = node.as_const(frame.eval_ctx)
        if isinstance(value, float) and not math.isfinite(value):
            self.write(f"float({str(value)!r})")
        else:
            super().visit_Const(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.concatenate((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")

    def visit_Output(self, node: nodes.Output, frame: Frame) -> None:
        literal = sum(len(child.data) for child in node.nodes if isinstance(child, nodes.TemplateData))
        if literal and not (frame.require_output_check and self.has_known_extends):
            self.writeline(f"environment.spend_output({literal})")
        super().visit_Output(node, frame)


@pass_context
def _finalize(context: Context, value: Any) -> Any:
    """What `{{ value }}` writes: `show(value)`, counted, once a value that is not text is measured."""
    # jinja types context.environment as Environment; _finalize is only ever BoundedSandbox's finalize.
    environment: BoundedSandbox = context.environment  # type: ignore[assignment]
    if not isinstance(value, str):
        _length(value)
    shown = environment.show(value)
    environment.budget.write(len(shown) if isinstance(shown, str) else len(str(shown)))
    return shown


class BoundedSandbox(SandboxedEnvironment):
    """Jinja's sandbox with the budgets and the callable methods (`_METHODS`) of this module.
    `show(value)` decides what `{{ value }}` writes (obsgen passes Markdown escaping); call `start()`
    before each render."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, show: Callable[[Any], Any], **options: Any) -> None:
        super().__init__(finalize=_finalize, **options)
        self.show = show
        self.budget = Budget(time.monotonic() + MAX_SECONDS)
        self.filters = {name: _bounded_filter(self, name, func) for name, func in self.filters.items()}
        # What a macro, a `{% set %}` block or a `{% call %}` returns is what the template wrote, values
        # already shown by `show`: Markdown, not to be escaped again when it is printed.
        # jinja declares concat as a method of Environment; an instance attribute replaces it, which mypy refuses.
        self.concat = lambda parts: Markdown("".join(parts))  # type: ignore[method-assign]
        self.globals.pop("lipsum", None)  # n paragraphs of filler: nothing a runbook needs

    def start(self) -> None:
        self.budget = Budget(time.monotonic() + MAX_SECONDS)

    def spend_step(self) -> None:
        self.budget.step()

    def spend_output(self, size: int) -> None:
        self.budget.write(size)

    def iterate(self, iterable: Any) -> Iterator[Any]:
        for item in iterable:
            self.budget.step()
            yield item

    def concatenate(self, parts: tuple[Any, ...]) -> str:
        _limit(sum(_length(part) for part in parts), "the joined text (~)")
        return "".join(str(part) for part in parts)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if not isinstance(argument, (str, int, slice)):
            _length(argument)  # a missing key is quoted in the error message
        return super().getitem(obj, argument)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if callable(value):
            allowed = _methods_of(type(obj))
            if allowed is not None and attr not in allowed:
                return False
        return super().is_safe_attribute(obj, attr, value)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        self.budget.step()
        if operator == "*":
            _repeat(left, right)
        elif operator == "**":
            _power(left, right)
        elif operator == "%" and isinstance(left, str):
            _formatted(left, right.values() if isinstance(right, dict) else right if isinstance(right, tuple)
                       else (right,), percent=True)
        return checked(super().call_binop(context, operator, left, right), f"the result of {operator}")

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's form
        __self.budget.step()
        if isinstance(__obj, LoopContext) and args:  # a recursive loop's next level: counted like any loop
            args = (__self.iterate(args[0]), *args[1:])
        args = _checked_args(__obj, args, kwargs)
        return checked(super().call(__context, __obj, *args, **kwargs), "the result of the call")
