"""Paging tokens of the list operations the sandbox implements itself (saved queries, metric filters,
mute rules, budgets): opaque to the client, as AWS's are, holding the offset of the next page. A token
the sandbox did not make is refused with the operation's own error, which the caller passes."""

from __future__ import annotations

import base64
import binascii
from typing import Callable


def token(kind: str, offset: int) -> str:
    """The NextToken of the page starting at `offset` of a `kind` listing."""
    return base64.urlsafe_b64encode(f"{kind}:{offset}".encode()).decode()


def offset(kind: str, text: str | None, refused: Callable[[], Exception]) -> int:
    """Where the page `text` (a NextToken, or None for the first page) starts; raises `refused()` for a
    token that is not one of `token(kind, ...)`."""
    if text is None:
        return 0
    try:
        decoded = base64.urlsafe_b64decode(text.encode()).decode()
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    found, _, number = decoded.partition(":")
    if found != kind or not (number.isascii() and number.isdigit()):
        raise refused()
    return int(number)
