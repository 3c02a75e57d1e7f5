"""CloudWatch's AlarmRule -> obsgen's rule language (composite_rule.py), the inverse of its render.

AlarmRule: `ALARM("a") AND (OK(b) OR NOT INSUFFICIENT_DATA("arn:...:alarm:c"))`, also TRUE / FALSE and
AT_LEAST(...), which obsgen's language has no word for (the composite is then kept as written).
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html (AlarmRule)
"""

from __future__ import annotations

import re
from typing import Callable

_TOKEN = re.compile(r'\s*(\(|\)|"(?:[^"\\]|\\.)*"|[^\s()"]+)')
_STATES = {"ALARM": "", "OK": "ok", "INSUFFICIENT_DATA": "insufficient_data"}


class Untranslatable(ValueError):
    """A rule obsgen's language cannot say (the message says why)."""


def translate(alarm_rule: str, ref_of: Callable[[str], str | None]) -> str:
    """The rule in obsgen's words; `ref_of(alarm name)` is the monitor it names ('service/monitor')."""
    tokens = [m.group(1) for m in _TOKEN.finditer(alarm_rule)]
    if "".join(tokens) != re.sub(r"\s+", "", alarm_rule):
        raise Untranslatable("the rule has characters obsgen does not read")
    parser = _Parser(tokens, ref_of)
    text = parser.disjunction()
    if parser.pos != len(tokens):
        raise Untranslatable(f"unexpected '{tokens[parser.pos]}'")
    return text[1:-1] if _one_group(text) else text


def _one_group(text: str) -> bool:
    """Whether the outer parentheses of `text` enclose all of it (`(a or b)`, not `(a) or (b)`)."""
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and index < len(text) - 1:
            return False
    return text.startswith("(") and depth == 0


class _Parser:
    def __init__(self, tokens: list[str], ref_of: Callable[[str], str | None]):
        self.tokens, self.pos, self.ref_of = tokens, 0, ref_of

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise Untranslatable("the rule ends too early")
        self.pos += 1
        return token

    def disjunction(self) -> str:
        parts = [self.conjunction()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")"

    def conjunction(self) -> str:
        parts = [self.negation()]
        while self.peek() == "AND":
            self.take()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else "(" + " and ".join(parts) + ")"

    def negation(self) -> str:
        if self.peek() == "NOT":
            self.take()
            return f"not {self.negation()}"
        return self.atom()

    def atom(self) -> str:
        word = self.take()
        if word == "(":
            inner = self.disjunction()
            if self.take() != ")":
                raise Untranslatable("unbalanced parentheses")
            return inner
        if word not in _STATES:
            raise Untranslatable(f"'{word}' has no equivalent in obsgen's rule language")
        if self.take() != "(":
            raise Untranslatable(f"expected '(' after {word}")
        target = self.take()
        if self.take() != ")":
            raise Untranslatable(f"expected ')' after {word}({target}")
        name = target[1:-1].replace('\\"', '"') if target.startswith('"') else target
        name = name.rsplit(":alarm:", 1)[-1]
        ref = self.ref_of(name)
        if ref is None:
            raise Untranslatable(f"it names alarm '{name}', which is not imported")
        state = _STATES[word]
        return f"{state}({ref})" if state else ref
