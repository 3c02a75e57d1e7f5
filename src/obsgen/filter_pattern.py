"""CloudWatch Logs filter patterns (metric filters): a syntax check that points inside the pattern.

The grammar is the one "Filter pattern syntax for metric filters, subscription filters, filter log
events and Live Tail" documents
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html):

* an empty pattern (or only blanks) matches every event;
* unstructured terms, all of which must appear: `ERROR Exception`; `?ERROR ?WARN` matches either;
  `ERROR -Exiting` excludes a term; a term with characters other than letters, digits and
  underscores is written in double quotes (`"Task timed out"`); `%regex%` is a regular expression;
* JSON: `{ SELECTOR OPERATOR VALUE }`, where a selector is `$` then `.name` and `[n]` parts
  (`$.users[0].id`), strings compare with `=` / `!=` (quoted, a bare word, `*` wildcards or a
  `%regex%`), numbers also with `<`, `>`, `<=`, `>=`; `IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS`;
  `&&` binds tighter than `||`, parentheses group;
* space-delimited: `[ip, user, ..., status_code = 4* && bytes > 1000, bytes]`, fields named by
  letters, digits and underscores, `...` for any number of fields, conditions joined by `&&` / `||`.

Regular expressions: "The ( and ) operators aren't supported" (same page), and its example rejects
`!`. Nothing else about the content of a regex is checked here: AWS lists the characters it takes
"among others", so a stricter check would refuse patterns AWS accepts.

`parse` raises PatternSyntaxError with the character offset of the problem, so a diagnostic
points at it in the spec (like composite rules). The result says what kind of pattern it is and
which fields it names, which is what a metric filter's value and dimensions may refer to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .diagnostics import shown

MAX_LENGTH = 1024  # PutMetricFilter filterPattern: length 0..1024 (botocore's logs model)
_WORD = re.compile(r"[A-Za-z0-9_]+")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_SELECTOR_NAME = re.compile(r"[A-Za-z0-9_-]+")  # "alphanumeric strings that also support '-' and '_'"
_FIELD_NAME = re.compile(r"[A-Za-z0-9_]+")
_BARE_JSON_VALUE = re.compile(r"[^\s()&|}\"%]+")
_BARE_FIELD_VALUE = re.compile(r"[^\s,\]&|\"%]+")
_NEEDS_QUOTES = set("@$\\")  # "Strings that have unicode and other characters such as '@', '$', '\' ... must be
# enclosed in double quotes" (the JSON section)
_REGEX_REFUSED = set("()!")
_OPERATORS = ("!=", "<=", ">=", "=", "<", ">")
_STRING_OPERATORS = ("=", "!=")


class PatternSyntaxError(ValueError):
    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True, slots=True)
class Term:
    """An unstructured term: `ERROR`, `"Task timed out"`, `?WARN`, `-Exiting`, `%regex%`."""

    prefix: str  # "", "?" (any of these) or "-" (none of these)
    text: str  # the word, the phrase without its quotes, or the regex without its %
    regex: bool = False


@dataclass(frozen=True, slots=True)
class Compare:
    """A JSON comparison: `$.level = "ERROR"`, `$.latency > 500`, `$.x IS NULL`, `$.y NOT EXISTS`."""

    selector: str
    operator: str  # = != < > <= >=, or IS NULL / IS TRUE / IS FALSE / NOT EXISTS
    value: str = ""  # the string (quotes removed), the number, or the regex (without %)
    kind: str = ""  # "string", "number" or "regex" (empty for the IS / NOT EXISTS checks)


@dataclass(frozen=True, slots=True)
class Junction:
    operator: str  # "&&" or "||"
    operands: tuple["Node", ...]


Node = Compare | Junction


@dataclass(frozen=True, slots=True)
class Pattern:
    kind: str  # "all" (matches every event), "terms", "json" or "space"
    selectors: frozenset[str] = field(default_factory=frozenset)  # JSON: the selectors compared, e.g. "$.level"
    fields: tuple[str, ...] = ()  # space-delimited: the named fields, in order (without "...")
    terms: tuple[Term, ...] = ()  # unstructured terms, in order
    tree: Node | None = None  # the JSON expression; a space-delimited pattern's conditions (selector: a field name)
    layout: tuple[str, ...] = ()  # space-delimited: the fields in order, "..." included

    def names(self, reference: str) -> bool:
        """Whether a metric value or dimension reference (`$.latency`, `$status_code`) reads a field
        this pattern extracts: a selector the JSON pattern compares, or a field a space-delimited one
        names ("$" plus the field's name)."""
        if self.kind == "json":
            return reference in self.selectors
        if self.kind == "space":
            return reference.startswith("$") and reference[1:] in self.fields
        return False


def parse(text: str) -> Pattern:
    if len(text) > MAX_LENGTH:
        raise PatternSyntaxError(f"a filter pattern is at most {MAX_LENGTH} characters, this one has {len(text)}",
                                 MAX_LENGTH)
    reader = _Reader(text)
    reader.blanks()
    if reader.at_end():
        return Pattern("all")
    if reader.peek() == "{":
        pattern = reader.json()
    elif reader.peek() == "[":
        pattern = reader.space_delimited()
    else:
        pattern = reader.terms()
    reader.blanks()
    if not reader.at_end():
        raise PatternSyntaxError(f"unexpected '{shown(reader.rest(12))}' after the end of the pattern", reader.pos)
    return pattern


# A space-delimited event's fields: blanks separate them, and text between square brackets or between
# double quotes is one field (FilterAndPatternSyntax.html, "space-delimited log events": its Apache
# example reads `[10/Oct/2000:13:25:15 -0700]` and `"GET /apache_pb.gif HTTP/1.0"` as one field each).
_EVENT_FIELD = re.compile(r'"(?:[^"\\]|\\.)*"|\[[^\]]*\]|\S+')


def event_fields(message: str) -> list[str]:
    """The fields a space-delimited pattern sees in a log event, as written (quotes and brackets kept)."""
    return _EVENT_FIELD.findall(message)


def is_selector(text: str) -> bool:
    """A JSON property selector as the syntax page defines it: `$.a`, `$.a[0].b`."""
    try:
        reader = _Reader(text)
        reader.selector()
        return reader.at_end()
    except PatternSyntaxError:
        return False


def _unquoted(quoted: str) -> str:
    """The text of a double-quoted string of a pattern, its backslash escapes undone."""
    return re.sub(r"\\(.)", r"\1", quoted[1:-1])


# --- the same lines in Logs Insights ------------------------------------------------------------
# CloudWatch Logs Insights query syntax (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html):
# `filter` with comparisons, `like` for substrings and /regex/, `and` / `or` / `not`, ispresent(); JSON
# log events' fields are discovered with their dotted names, array elements as `name.0`.

INSIGHTS_FIELDS = "fields @timestamp, @message, @logStream"


def insights_query(pattern: Pattern, limit: int = 50) -> str | None:
    """A Logs Insights query for the lines `pattern` matches, newest first; None for a space-delimited
    pattern (its fields have no name in Logs Insights without a `parse` of the whole line)."""
    condition = insights_filter(pattern)
    if condition is None:
        return None
    where = f" | filter {condition}" if condition else ""
    return f"{INSIGHTS_FIELDS}{where} | sort @timestamp desc | limit {limit}"


def insights_filter(pattern: Pattern) -> str | None:
    if pattern.kind == "all":
        return ""
    if pattern.kind == "terms":
        return _terms_filter(pattern.terms)
    if pattern.kind == "json" and pattern.tree is not None:
        return _json_filter(pattern.tree, top=True)
    return None


def _insights_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _like(subject: str, term: Term, negate: bool = False) -> str:
    operator = "not like" if negate else "like"
    value = f"/{term.text}/" if term.regex else _insights_string(term.text)
    return f"{subject} {operator} {value}"


def _terms_filter(terms: tuple[Term, ...]) -> str:
    required = [_like("@message", t) for t in terms if t.prefix == ""]
    excluded = [_like("@message", t, negate=True) for t in terms if t.prefix == "-"]
    anyof = [_like("@message", t) for t in terms if t.prefix == "?"]
    parts = required + excluded + ([f"({' or '.join(anyof)})" if len(anyof) > 1 else anyof[0]] if anyof else [])
    return " and ".join(parts)


def _insights_field(selector: str) -> str:
    parts = re.findall(r"\.([A-Za-z0-9_-]+)|\[(\d+)\]", selector)
    names = [name or index for name, index in parts]
    return ".".join(name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*|\d+", name) else f"`{name}`" for name in names)


def _json_filter(node: Node, top: bool = False) -> str:
    if isinstance(node, Junction):
        joiner = " and " if node.operator == "&&" else " or "
        text = joiner.join(_json_filter(operand) for operand in node.operands)
        return text if top else f"({text})"
    name = _insights_field(node.selector)
    if node.operator == "NOT EXISTS":
        return f"not ispresent({name})"
    if node.operator == "IS NULL":
        return f"ispresent({name}) and isempty({name})"
    if node.operator in ("IS TRUE", "IS FALSE"):
        return f"{name} = {'1' if node.operator == 'IS TRUE' else '0'}"
    if node.kind == "number":
        return f"{name} {node.operator} {node.value}"
    negate = node.operator == "!="
    if node.kind == "regex":
        return _like(name, Term("", node.value, regex=True), negate)
    if node.value == "*":  # any value: the field is there
        return f"{'not ' if negate else ''}ispresent({name})"
    if "*" in node.value:  # a wildcard: any text at its place
        regex = "^" + ".*".join(re.escape(part) for part in node.value.split("*")) + "$"
        return _like(name, Term("", regex, regex=True), negate)
    return f"{name} {'!=' if negate else '='} {_insights_string(node.value)}"


class _Reader:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.selectors: set[str] = set()

    # --- characters ---------------------------------------------------------------------

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self, size: int = 1) -> str:
        return self.text[self.pos:self.pos + size]

    def rest(self, size: int) -> str:
        return self.text[self.pos:self.pos + size]

    def blanks(self) -> None:
        while not self.at_end() and self.text[self.pos].isspace():
            self.pos += 1

    def expect(self, token: str, what: str) -> None:
        self.blanks()
        if self.peek(len(token)) != token:
            found = f"'{shown(self.rest(12))}'" if not self.at_end() else "the end of the pattern"
            raise PatternSyntaxError(f"expected {what}, found {found}", self.pos)
        self.pos += len(token)

    def match(self, regex: re.Pattern[str]) -> str | None:
        found = regex.match(self.text, self.pos)
        if found is None or not found.group(0):
            return None
        self.pos = found.end()
        return found.group(0)

    def quoted(self) -> str:
        start = self.pos
        self.pos += 1  # the opening quote
        while not self.at_end():
            ch = self.text[self.pos]
            if ch == "\\":
                self.pos += 2
                continue
            self.pos += 1
            if ch == '"':
                return self.text[start:self.pos]
        raise PatternSyntaxError("this double quote is never closed", start)

    def regex(self) -> str:
        start = self.pos
        end = self.text.find("%", start + 1)
        if end < 0:
            raise PatternSyntaxError("this '%' starts a regular expression that is never closed with '%'", start)
        body = self.text[start + 1:end]
        if not body:
            raise PatternSyntaxError("an empty regular expression '%%'", start)
        bad = next((i for i, ch in enumerate(body) if ch in _REGEX_REFUSED), None)
        if bad is not None:
            raise PatternSyntaxError(f"'{body[bad]}' is not supported in a filter pattern's regular expression "
                                     "(AWS refuses '(', ')' and '!' there)", start + 1 + bad)
        self.pos = end + 1
        return self.text[start:self.pos]

    # --- unstructured terms ----------------------------------------------------------------

    def terms(self) -> Pattern:
        found: list[Term] = []
        while True:
            self.blanks()
            if self.at_end():
                return Pattern("terms", terms=tuple(found))
            start = self.pos
            prefix = ""
            if self.peek() in "?-":
                prefix = self.peek()
                self.pos += 1
            ch = self.peek()
            if ch == '"':
                found.append(Term(prefix, _unquoted(self.quoted())))
            elif ch == "%":
                found.append(Term(prefix, self.regex()[1:-1], regex=True))
            elif (word := self.match(_WORD)) is not None:
                found.append(Term(prefix, word))
            else:
                raise PatternSyntaxError(self._term_problem(start), self.pos)
            if not self.at_end() and not self.peek().isspace():
                raise PatternSyntaxError(self._term_problem(start), self.pos)

    def _term_problem(self, start: int) -> str:
        end = start
        while end < len(self.text) and not self.text[end].isspace():
            end += 1
        word = self.text[start:end] or self.rest(1)
        return (f"the term '{shown(word)}' holds characters other than letters, digits and underscores: write it in "
                'double quotes ("...")')

    # --- JSON --------------------------------------------------------------------------

    def json(self) -> Pattern:
        self.pos += 1  # '{'
        tree = self.json_or()
        self.expect("}", "'&&', '||' or '}' closing the JSON pattern")
        return Pattern("json", frozenset(self.selectors), tree=tree)

    def json_or(self) -> Node:
        operands = [self.json_and()]
        while self._operator("||"):
            operands.append(self.json_and())
        return operands[0] if len(operands) == 1 else Junction("||", tuple(operands))

    def json_and(self) -> Node:
        operands = [self.json_atom()]
        while self._operator("&&"):
            operands.append(self.json_atom())
        return operands[0] if len(operands) == 1 else Junction("&&", tuple(operands))

    def _operator(self, token: str) -> bool:
        self.blanks()
        if self.peek(2) == token:
            self.pos += 2
            return True
        return False

    def json_atom(self) -> Node:
        self.blanks()
        if self.peek() == "(":
            self.pos += 1
            inner = self.json_or()
            self.expect(")", "')' closing '('")
            return inner
        if self.peek() != "$":
            found = f"'{shown(self.rest(12))}'" if not self.at_end() else "the end of the pattern"
            raise PatternSyntaxError(f"expected a property selector such as $.level, found {found}", self.pos)
        selector = self.selector()
        self.selectors.add(selector)
        self.blanks()
        for keyword, tails in (("IS", ("NULL", "TRUE", "FALSE")), ("NOT", ("EXISTS",))):
            if self._keyword(keyword):
                self.blanks()
                tail = next((t for t in tails if self._keyword(t)), None)
                if tail is None:
                    wanted = " or ".join(f"{keyword} {t}" for t in tails)
                    raise PatternSyntaxError(f"expected {wanted}", self.pos)
                return Compare(selector, f"{keyword} {tail}")
        operator = self._comparison()
        self.blanks()
        kind, value = self.json_value(operator)
        return Compare(selector, operator, value, kind)

    def _keyword(self, word: str) -> bool:
        end = self.pos + len(word)
        if self.text[self.pos:end] == word and (end >= len(self.text) or not self.text[end].isalnum()):
            self.pos = end
            return True
        return False

    def selector(self) -> str:
        start = self.pos
        self.pos += 1  # '$'
        parts = 0
        while not self.at_end() and self.peek() in ".[":
            if self.peek() == ".":
                self.pos += 1
                if self.match(_SELECTOR_NAME) is None:
                    raise PatternSyntaxError("expected a property name after '.' (letters, digits, '-' and '_')",
                                             self.pos)
            else:
                if parts == 0:
                    raise PatternSyntaxError("an array index must follow a property, as in $.users[0]", self.pos)
                self.pos += 1
                if self.match(re.compile(r"\d+")) is None:
                    raise PatternSyntaxError("expected an array index such as [0]", self.pos)
                self.expect("]", "']' closing the array index")
            parts += 1
        if parts == 0:
            raise PatternSyntaxError("a property selector starts with '$.', as in $.level", start)
        return self.text[start:self.pos]

    def _comparison(self, after: str = "the selector") -> str:
        if self.peek(2) == "==":  # a habit from other languages; AWS's one equality operator is '='
            raise PatternSyntaxError("'==' is not an operator in a filter pattern: write '='", self.pos)
        for operator in _OPERATORS:
            if self.peek(len(operator)) == operator:
                self.pos += len(operator)
                return operator
        found = f"'{shown(self.rest(12))}'" if not self.at_end() else "the end of the pattern"
        keywords = ", IS NULL, IS TRUE, IS FALSE or NOT EXISTS" if after == "the selector" else ""
        raise PatternSyntaxError(f"expected a comparison (=, !=, <, >, <=, >={keywords}) after {after}, found {found}",
                                 self.pos)

    def json_value(self, operator: str) -> tuple[str, str]:
        """(kind, value) of the value compared with: "string", "number" or "regex"."""
        start = self.pos
        ch = self.peek()
        if ch == '"':
            text = _unquoted(self.quoted())
            self._string_operator(operator, start)
            return "string", text
        if ch == "%":
            text = self.regex()[1:-1]
            self._string_operator(operator, start)
            return "regex", text
        value = self.match(_BARE_JSON_VALUE)
        if value is None:
            raise PatternSyntaxError("expected a value to compare with: a number, a word or a quoted string",
                                     self.pos)
        if _NUMBER.fullmatch(value):
            return "number", value
        self._string_operator(operator, start)
        bad = next((i for i, c in enumerate(value) if c in _NEEDS_QUOTES), None)
        if bad is not None:
            raise PatternSyntaxError(f"a value holding '{value[bad]}' must be written in double quotes",
                                     start + bad)
        return "string", value

    @staticmethod
    def _string_operator(operator: str, start: int) -> None:
        if operator not in _STRING_OPERATORS:
            raise PatternSyntaxError(f"'{operator}' compares numbers; strings compare with = or != only", start)

    # --- space-delimited -------------------------------------------------------------

    def space_delimited(self) -> Pattern:
        self.pos += 1  # '['
        names: list[str] = []
        layout: list[str] = []
        referenced: list[tuple[str, int]] = []
        conditions: list[Node] = []
        while True:
            self.blanks()
            if self.peek() == "]":
                if not layout:
                    raise PatternSyntaxError("a space-delimited pattern names at least one field, as in [ip, user]",
                                             self.pos)
                self.pos += 1
                break
            if self.peek(3) == "...":
                self.pos += 3
                layout.append("...")
            else:
                self._field(names, referenced, conditions)
                layout.append(names[-1])
            self.blanks()
            if self.peek() == ",":
                self.pos += 1
                continue
            self.expect("]", "',' or ']' after a field")
            break
        for name, offset in referenced:
            if name not in names:
                raise PatternSyntaxError(f"the condition names field '{shown(name)}', which the pattern does not "
                                         "declare", offset)
        tree = None if not conditions else conditions[0] if len(conditions) == 1 else Junction("&&", tuple(conditions))
        return Pattern("space", fields=tuple(names), tree=tree, layout=tuple(layout))

    def _field(self, names: list[str], referenced: list[tuple[str, int]], conditions: list[Node]) -> None:
        """A field's name and its conditions (`status_code = 4* && bytes > 1000`: later ones may name
        other fields), `&&` binding tighter than `||` as in JSON patterns."""
        start = self.pos
        name = self.match(_FIELD_NAME)
        if name is None:
            raise PatternSyntaxError("expected a field name (letters, digits and underscores) or '...'", self.pos)
        if name in names:
            raise PatternSyntaxError(f"field '{shown(name)}' is declared twice", start)
        names.append(name)
        self.blanks()
        if self.peek() in (",", "]", ""):
            return
        alternatives: list[list[Node]] = [[self._condition(name)]]
        while (junction := "&&" if self._operator("&&") else "||" if self._operator("||") else None) is not None:
            self.blanks()
            other_start = self.pos
            other = self.match(_FIELD_NAME)
            if other is None:
                raise PatternSyntaxError("expected a field name after '&&' or '||'", self.pos)
            referenced.append((other, other_start))
            self.blanks()
            if junction == "||":
                alternatives.append([])
            alternatives[-1].append(self._condition(other))
        ands: list[Node] = [a[0] if len(a) == 1 else Junction("&&", tuple(a)) for a in alternatives]
        conditions.append(ands[0] if len(ands) == 1 else Junction("||", tuple(ands)))

    def _condition(self, name: str) -> Compare:
        self.blanks()
        operator = self._comparison("a field name (or ',' or ']' to end it)")
        self.blanks()
        start = self.pos
        ch = self.peek()
        if ch == '"':
            text = _unquoted(self.quoted())
            self._string_operator(operator, start)
            return Compare(name, operator, text, "string")
        if ch == "%":
            text = self.regex()[1:-1]
            self._string_operator(operator, start)
            return Compare(name, operator, text, "regex")
        value = self.match(_BARE_FIELD_VALUE)
        if value is None:
            raise PatternSyntaxError("expected a value to compare the field with", self.pos)
        if _NUMBER.fullmatch(value):
            return Compare(name, operator, value, "number")
        self._string_operator(operator, start)
        return Compare(name, operator, value, "string")
