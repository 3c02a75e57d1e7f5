"""Names in an imported spec: the environment's name made `${env}`, AWS names made spec names."""

from __future__ import annotations

import hashlib
import re

from ..language.v1.fields import NAME_PATTERN

_NAME = re.compile(NAME_PATTERN)
MAX_NAME = 64


def template(text: str, env: str) -> str:
    """`text` as a template: a literal `$` doubled (`$$`), and the environment's name, where it stands
    as a word of its own (`orders-production-errors`, not `productions`), as `${env}`."""
    escaped = text.replace("$", "$$")
    return re.sub(rf"(?<![A-Za-z0-9]){re.escape(env)}(?![A-Za-z0-9])", "${env}", escaped)


def without_env(text: str, env: str) -> str:
    """`orders-production-errors` -> `orders-errors`: the name an object has in every environment."""
    return re.sub(rf"[-_. ]?(?<![A-Za-z0-9]){re.escape(env)}(?![A-Za-z0-9])", "", text)


def spec_name(text: str, fallback: str = "imported") -> str:
    """A spec name (lowercase letters, digits, '-', at most 64) close to `text`; a long one keeps a
    digest of the whole so two long names stay apart."""
    name = re.sub(r"[^a-z0-9]+", "-", re.sub(r"([a-z])([A-Z])", r"\1-\2", text).lower()).strip("-") or fallback
    if len(name) > MAX_NAME:
        digest = hashlib.sha256(text.encode()).hexdigest()[:8]
        name = name[:MAX_NAME - 9].rstrip("-") + "-" + digest
    return name if _NAME.match(name) else fallback


def unique(name: str, taken: set[str]) -> str:
    """`name`, or `name-2`, `name-3`... when taken; the result is added to `taken`."""
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        suffix = f"-{n}"
        candidate = name[:MAX_NAME - len(suffix)].rstrip("-") + suffix
    taken.add(candidate)
    return candidate
