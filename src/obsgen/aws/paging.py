"""Reading and writing in batches: AWS's list calls come in pages, its delete calls take lists."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence, TypeVar

T = TypeVar("T")


def pages(call: Callable[..., dict[str, Any]], kwargs: dict[str, Any], token_in: str = "NextToken",
          token_out: str = "NextToken") -> Iterable[dict[str, Any]]:
    """Follow a pagination token until the service stops returning one."""
    while True:
        page = call(**kwargs)
        yield page
        token = page.get(token_out)
        if not token:
            return
        kwargs = {**kwargs, token_in: token}


def chunks(items: Sequence[T], size: int) -> list[list[T]]:
    """Consecutive runs of at most `size` items (the calls that take several names at once)."""
    return [list(items[i:i + size]) for i in range(0, len(items), size)]
