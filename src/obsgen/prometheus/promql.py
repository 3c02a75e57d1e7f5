"""PromQL in-process: parsed by promql-parser (Rust bindings of the GreptimeTeam crate), so a syntax
error is a located error in every environment, with or without promtool (pre-commit's hook
environment, a plain CI job); and an alert expression split into what to graph and its threshold
(`ratio > 0.05 and sum(rate(requests[5m])) > 1` -> `ratio`, `>`, 0.05) by its parsed structure.

promql-parser says what is wrong but not where (its parser drops the position of a grammar error),
so `syntax_error` finds the place itself: lexical errors name the text at fault, and for a grammar
error the place is the first token after which no completion parses (an LR parser stops at the
same token: promtool's column). The expression is scanned here for that, never parsed by hand.
Grammar: https://prometheus.io/docs/prometheus/latest/querying/basics/
Operators: https://prometheus.io/docs/prometheus/latest/querying/operators/
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

import promql_parser

# promql-parser's own text for a grammar error (src/parser/mod.rs, INVALID_QUERY_INFO): no position.
_GRAMMAR_ERROR = "invalid promql query"
_COMPARISONS = frozenset({"==", "!=", ">", "<", ">=", "<="})
_FLIPPED = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "==", "!=": "!="}
_ARITHMETIC = frozenset({"+", "-", "*", "/", "%", "^"})
_SET_OPERATORS = frozenset({"and", "or", "unless"})
_KEYWORD_OPERATORS = _SET_OPERATORS | {"atan2"}
# After these an operand is expected, so a following + or - is a sign, not a binary operator.
_OPERAND_EXPECTED = _KEYWORD_OPERATORS | {"bool", "offset", "by", "without", "on", "ignoring",
                                          "group_left", "group_right"}
_GROUPING = {"by", "without"}  # `sum by (job) (x)`: the group is followed by the aggregated expression
_MATCHING = {"on", "ignoring", "group_left", "group_right"}  # `a / on (job) b`: followed by an operand
_TOKEN = re.compile(r"""
    (?P<space>\s+) | (?P<comment>\#[^\n]*)
  | (?P<string>"(?:\\.|[^"\\])*"? | '(?:\\.|[^'\\])*'? | `[^`]*`?)
  | (?P<number>(?:0[xX][0-9a-fA-F]+ | (?:\d+\.?\d* | \.\d+)(?:[eE][-+]?\d+)?)[a-zA-Z0-9_]*)
  | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<op>==|!=|>=|<=|=~|!~|[-+*/%^<>=@:,])
  | (?P<open>[({\[]) | (?P<close>[)}\]])
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)
_CLOSING = {"(": ")", "{": "}", "[": "]"}
# What may follow a prefix, tried in turn to see whether the prefix can still become valid PromQL.
_FILLERS = ("", " 1", " x", " (x)", " (x) (x)", ' ="y"', ' "y"', " 5m", ' x="y"', " start()", "(x)", " x)")
_QUOTED = re.compile(r"'([^']+)'")
_CLOSED_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`', re.DOTALL)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # number | string | ident | op | open | close | other
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    """Why an expression is not PromQL, and the character offset in it where that is."""

    offset: int
    message: str


@dataclass(frozen=True, slots=True)
class SplitAlert:
    query: str  # what the alert compares: graphed, with the threshold as a line
    operator: str  # as seen from the query: `0.5 < x` is `x > 0.5`
    value: float
    text: str  # the number as written


def _register_prometheus2_functions() -> None:
    """holt_winters is Prometheus 2's name of double_exponential_smoothing (renamed in 3.0); promtool
    2.x, what Debian and many clusters run, still takes it. Registering is process-global."""
    matrix, scalar = promql_parser.ValueType.Matrix, promql_parser.ValueType.Scalar
    try:
        promql_parser.register_extra_functions(
            [promql_parser.Function("holt_winters", [matrix, scalar, scalar], promql_parser.ValueType.Vector)])
    except ValueError:  # a promql-parser release that knows it already
        pass


_register_prometheus2_functions()


@functools.lru_cache(maxsize=4096)  # the same expression in every environment is parsed once
def parse(expr: str) -> promql_parser.Expr | str:
    """The expression's syntax tree, or promql-parser's message when it is not valid PromQL."""
    try:
        return promql_parser.parse(expr)
    except ValueError as exc:
        return str(exc) or _GRAMMAR_ERROR


def syntax_error(expr: str) -> SyntaxProblem | None:
    """None for valid PromQL; else the problem, at the character where promtool would put it."""
    result = parse(expr)
    if not isinstance(result, str):
        return None
    toks = tokens(expr)
    if result == _GRAMMAR_ERROR:
        return _grammar_problem(expr, toks)
    offset = _lexical_offset(expr, toks, result)
    if result.startswith("unclosed left"):  # pointed at where it was opened, as YAML's own errors are
        result += f": this '{expr[offset]}' is never closed"
    return SyntaxProblem(offset, result)


def tokens(expr: str) -> list[Token]:
    """The expression's tokens with their offsets (blanks and comments left out). Never fails:
    what PromQL does not know is an `other` token."""
    found = []
    for match in _TOKEN.finditer(expr):
        kind = match.lastgroup or "other"
        if kind not in ("space", "comment"):
            found.append(Token(kind, match.group(), match.start()))
    return found


# --- where a parse error is -----------------------------------------------------------------------


def _grammar_problem(expr: str, toks: list[Token]) -> SyntaxProblem:
    """The first token after which the expression can no longer become valid PromQL. Viability only
    shrinks as the prefix grows, so a binary search finds it in a few dozen parses."""
    low, high = 0, len(toks)  # toks[:low] can continue; toks[:high + 1] cannot, if high < len(toks)
    while low < high:
        middle = (low + high + 1) // 2
        if _viable(expr, toks[:middle]):
            low = middle
        else:
            high = middle - 1
    if low >= len(toks):
        return SyntaxProblem(len(expr.rstrip()), "unexpected end of the expression: it stops too early")
    bad = toks[low]
    return SyntaxProblem(bad.start, f"unexpected {_describe(bad)}")


def _describe(token: Token) -> str:
    if token.kind == "ident":
        return f"{'keyword' if token.text in _OPERAND_EXPECTED else 'identifier'} '{token.text}'"
    if token.kind in ("number", "string"):
        return f"{token.kind} {token.text}"
    return f"'{token.text}'"


def _viable(expr: str, prefix: list[Token]) -> bool:
    """Whether some ending makes `prefix` valid PromQL (an error of meaning, such as a wrong argument
    type, counts: the grammar accepted it)."""
    if not prefix:
        return True
    text = expr[:prefix[-1].end]
    for closing in _closings(prefix):
        for filler in _FILLERS:
            result = parse(text + filler + closing)
            if not isinstance(result, str) or (result != _GRAMMAR_ERROR and not _is_lexical(result)):
                return True
    return False


def _closings(prefix: list[Token]) -> list[str]:
    """The brackets left open, closed innermost first; a `by (...)` group also with an expression
    after it, an `on (...)` group with an operand."""
    stack: list[tuple[str, str]] = []  # (bracket, the keyword before it)
    for index, token in enumerate(prefix):
        if token.kind == "open":
            before = prefix[index - 1].text if index else ""
            stack.append((token.text, before))
        elif token.kind == "close" and stack:
            stack.pop()
    plain, grouped = "", ""
    for bracket, before in reversed(stack):
        plain += _CLOSING[bracket]
        grouped += _CLOSING[bracket] + (" (x)" if before in _GROUPING else " x" if before in _MATCHING else "")
    return [plain] if plain == grouped else [plain, grouped]


_LEXICAL = re.compile(r"^(unexpected (character|right|left|end of input|second colon)|unclosed |unterminated "
                      r"|bad number|unknown escape|escape sequence|too many left|'!' can not|expect duration"
                      r"|no expression found)")


def _is_lexical(message: str) -> bool:
    return bool(_LEXICAL.match(message))


def _lexical_offset(expr: str, toks: list[Token], message: str) -> int:
    """Where a non-grammar error is: a bracket never closed or closed twice, the end of the input,
    or the text the message quotes (a character, a function name, a number)."""
    if message.startswith(("unclosed left", "too many left")):
        return _unbalanced(toks, opened=True)
    if message.startswith("unexpected right"):
        return _unbalanced(toks, opened=False)
    if "end of input" in message or "can not be at the end" in message or "not terminated" in message:
        return len(expr.rstrip())
    if message.startswith("unterminated quoted string"):
        return next((t.start for t in toks if t.kind == "string" and not _CLOSED_STRING.fullmatch(t.text)), 0)
    if message.startswith("unexpected second colon"):  # `[5m:1m:1m]`
        second = re.search(r"\[[^\]:]*:[^\]:]*(:)", expr)
        return second.start(1) if second else 0
    if message.startswith("illegal regex for "):  # the string that holds the regular expression
        regex = message.removeprefix("illegal regex for ")
        return next((t.start for t in toks if t.kind == "string" and t.text[1:-1] == regex), 0)
    if message.startswith("unknown escape sequence"):
        quoted = _QUOTED.search(message)
        found = expr.find("\\" + quoted.group(1)) if quoted else -1
        return max(found, 0)
    quoted = _QUOTED.search(message)
    return _find(expr, toks, quoted.group(1) if quoted else message.rpartition(": ")[2])


def _unbalanced(toks: list[Token], opened: bool) -> int:
    stack: list[Token] = []
    for token in toks:
        if token.kind == "open":
            stack.append(token)
        elif token.kind == "close":
            if not stack:
                if not opened:
                    return token.start
                continue
            stack.pop()
    return stack[-1].start if opened and stack else 0


def _find(expr: str, toks: list[Token], fragment: str) -> int:
    """The first token that is (or starts with) `fragment`, else its first place in the text."""
    if not fragment:
        return 0
    for token in toks:
        if token.text == fragment:
            return token.start
    for token in toks:
        if token.text.startswith(fragment) and token.kind != "string":
            return token.start
    return max(expr.find(fragment), 0)


# --- the threshold of an alert --------------------------------------------------------------------


def split_threshold(expr: str) -> SplitAlert | None:
    """The comparison that decides when the alert fires, as parsed: the top-level comparison with a
    number (`and` / `unless` keep their left side's: `ratio > 0.05 and traffic > 1` fires on the
    ratio); None when there is none (`a > b`, `absent(up)`, `x or y`) or the expression is invalid.
    The query and the number are cut from the text as written (not printed back from the tree), so
    the panel shows the user's own spelling: the tree says which operator, the scan where it is."""
    tree = parse(expr)
    if isinstance(tree, str):
        return None
    operators = _binary_operators(expr)
    if len(operators) != _count_binary(tree):  # the scan and the tree disagree: draw no line
        return None
    found = _threshold(tree, 0)
    if found is None:
        return None
    index, node, number_on_left = found
    op_token = operators[index]
    if number_on_left:
        end = operators[index + _count_binary(node.rhs) + 1].start if index + _count_binary(node.rhs) + 1 < len(
            operators) else len(expr)
        query, number = expr[op_token.end:end], expr[_start_of(operators, index - _count_binary(node.lhs)):op_token.start]
        operator, value = _FLIPPED[str(node.op)], _value(node.lhs)
    else:
        start = _start_of(operators, index - _count_binary(node.lhs))
        end = operators[index + 1].start if index + 1 < len(operators) else len(expr)
        query, number = expr[start:op_token.start], expr[op_token.end:end]
        operator, value = str(node.op), _value(node.rhs)
    text = _number_text(number)
    if not math.isfinite(value) or text is None or not query.strip():
        return None
    return SplitAlert(query.strip(), operator, value, text)


def _value(number: promql_parser.Expr) -> float:
    """A NumberLiteral's value (`_threshold` returns only comparisons with one); NaN for anything else."""
    return float(number.val) if isinstance(number, promql_parser.NumberLiteral) else math.nan


def _start_of(operators: list[Token], first: int) -> int:
    """Where an operand starts whose first operator has index `first`: after the operator before it."""
    return operators[first - 1].end if first > 0 else 0


def _number_text(text: str) -> str | None:
    parts = [t for t in tokens(text) if not (t.kind == "ident" and t.text == "bool")]
    if len(parts) == 2 and parts[0].text in ("+", "-") and parts[1].kind == "number":
        return parts[0].text + parts[1].text
    return parts[0].text if len(parts) == 1 and parts[0].kind in ("number", "ident") else None


def _threshold(node: promql_parser.Expr, base: int) -> tuple[int, promql_parser.BinaryExpr, bool] | None:
    """(index of the operator among the top-level binary operators, the comparison, number on the left?)."""
    if not isinstance(node, promql_parser.BinaryExpr):
        return None
    op = str(node.op)
    if op in ("and", "unless"):
        return _threshold(node.lhs, base)
    if op not in _COMPARISONS:
        return None
    index = base + _count_binary(node.lhs)
    if isinstance(node.rhs, promql_parser.NumberLiteral) and not isinstance(node.lhs, promql_parser.NumberLiteral):
        return index, node, False
    if isinstance(node.lhs, promql_parser.NumberLiteral) and not isinstance(node.rhs, promql_parser.NumberLiteral):
        return index, node, True
    return None


def _count_binary(node: promql_parser.Expr) -> int:
    """Binary operators outside brackets, as the text shows them (a unary minus's operand included:
    `-a ^ 2` is `-(a ^ 2)`)."""
    if isinstance(node, promql_parser.BinaryExpr):
        return _count_binary(node.lhs) + 1 + _count_binary(node.rhs)
    if isinstance(node, promql_parser.UnaryExpr):
        return _count_binary(node.expr)
    return 0


def _binary_operators(expr: str) -> list[Token]:
    """The binary operators outside any bracket, in the order written."""
    found: list[Token] = []
    depth, previous = 0, None
    for token in tokens(expr):
        if token.kind == "open":
            depth += 1
        elif token.kind == "close":
            depth -= 1
        elif depth == 0 and _is_binary(token, previous):
            found.append(token)
        previous = token
    return found


def _is_binary(token: Token, previous: Token | None) -> bool:
    if token.kind == "ident":
        return token.text in _KEYWORD_OPERATORS
    if token.kind != "op" or token.text not in _COMPARISONS | _ARITHMETIC:
        return False
    if token.text in ("+", "-"):  # a sign unless it follows an operand
        return previous is not None and previous.kind in ("number", "string", "ident", "close") and (
            previous.text not in _OPERAND_EXPECTED)
    return True


# --- the counters a query sums ----------------------------------------------------------------------

_COUNTER_FUNCTIONS = frozenset({"rate", "increase"})  # both in proportion to the counters' growth


@dataclass(frozen=True, slots=True)
class LabelMatcher:
    """One matcher of a selector, the metric name included as `__name__`: `op` is = != =~ !~."""

    label: str
    op: str
    value: str

    def accepts(self, value: str) -> bool:
        """Whether a series whose label holds `value` ("" when it has none) is selected. Prometheus
        regexes are RE2, anchored at both ends (querying/basics/#time-series-selectors); Python's
        `fullmatch` agrees on the common subset, and a regex Python cannot read accepts nothing."""
        if self.op in ("=", "!="):
            return (value == self.value) == (self.op == "=")
        try:
            found = re.fullmatch(self.value, value) is not None
        except re.error:
            return False
        return found == (self.op == "=~")


_MATCH_OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}


def summed_counter(expr: str) -> tuple[LabelMatcher, ...] | None:
    """The selector of `sum(rate(<selector>[<range>]))` (or `increase`, in parentheses or not), as
    matchers; None for any other shape (a grouping, an offset, `or` in the selector, arithmetic...)."""
    tree = parse(expr)
    return None if isinstance(tree, str) else _summed(tree)


def summed_difference(expr: str) -> tuple[tuple[LabelMatcher, ...], tuple[LabelMatcher, ...]] | None:
    """The two selectors of `(sum(rate(<a>[<range>]))) - (sum(rate(<b>[<range>])))`, the shape of errors written
    as all events minus good ones; None for any other shape."""
    tree = parse(expr)
    while isinstance(tree, promql_parser.ParenExpr):
        tree = tree.expr
    if not isinstance(tree, promql_parser.BinaryExpr) or str(tree.op) != "-" or tree.modifier is not None:
        return None
    lhs, rhs = _summed(tree.lhs), _summed(tree.rhs)
    return (lhs, rhs) if lhs is not None and rhs is not None else None


def _summed(tree: promql_parser.Expr) -> tuple[LabelMatcher, ...] | None:
    while isinstance(tree, promql_parser.ParenExpr):
        tree = tree.expr
    if not (isinstance(tree, promql_parser.AggregateExpr) and str(tree.op) == "sum" and tree.modifier is None):
        return None
    call = tree.expr
    while isinstance(call, promql_parser.ParenExpr):
        call = call.expr
    if not (isinstance(call, promql_parser.Call) and call.func.name in _COUNTER_FUNCTIONS and len(call.args) == 1
            and isinstance(call.args[0], promql_parser.MatrixSelector)):
        return None
    selector = call.args[0].vector_selector
    if selector.offset is not None or selector.at is not None or selector.matchers.or_matchers:
        return None
    name = (LabelMatcher("__name__", "=", selector.name),) if selector.name else ()
    return name + tuple(LabelMatcher(m.name, _MATCH_OPS[str(m.op)], m.value) for m in selector.matchers.matchers)
