"""A file's text handed over in pieces: a page too big to hold as one string goes to the staging tree
(`generated_tree.Staging.add`) or to `build --check`'s comparison (`compiler.Comparison`) piece by
piece, and is encoded, written and compared as it comes. The site's index of 30,000 monitors is
21.6 MB of HTML from 1.2 million template chunks: as one string it was 43 MiB (one character outside
Latin-1 makes every character two bytes) plus its UTF-8 bytes at the full build's peak
(docs/performance.md, target 8).

A `Chunks` is consumed once. Whoever keeps a file in memory (a build without a sink, `site.render`)
joins it with `joined`: the same text as the pieces in order.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, Union

# About a quarter of a MiB of text per block written: a few hundred writes for the largest page,
# and no more memory than that beyond the template's own state.
BLOCK_CHARACTERS = 1 << 18


class Chunks:
    """The text of one file as an iterable of `str` pieces in order (Jinja's `Template.generate`)."""

    __slots__ = ("_pieces",)

    def __init__(self, pieces: Iterable[str]) -> None:
        self._pieces = iter(pieces)

    def __iter__(self) -> Iterator[str]:
        return self._pieces


class Named:
    """A file's text known by a name for it, made only when asked for: `identity` names the text
    exactly (a render-cache key, whose value is a function of it), so a sink that knows the file in
    generated/ already holds the text of that name need not make it (generated_manifest.py: 10,000
    cache reads and 20,000 file reads a warm build skips). `make()` returns the text or its bytes."""

    __slots__ = ("identity", "make")

    def __init__(self, identity: str, make: Callable[[], str | bytes]) -> None:
        self.identity = identity
        self.make = make


# What a build hands its sink for one file: its text, or its UTF-8 bytes when it has them already (a
# monitor's pages from the render cache: decoding 100 MB of cached pages only to encode them again
# was 0.08 s of a warm 10,000-monitor build), `Chunks`, or `Named`.
Content = Union[str, bytes, Chunks, Named]


def joined(content: Content) -> str:
    """The whole text (a `Chunks` is consumed; a `Named` is made)."""
    if isinstance(content, Named):
        content = content.make()
    if isinstance(content, bytes):
        return content.decode("utf-8")
    return content if isinstance(content, str) else "".join(content)


def as_bytes(content: str | bytes) -> bytes:
    """A file's UTF-8 bytes from its text or its bytes."""
    return content if isinstance(content, bytes) else content.encode("utf-8")


def encoded(content: Content) -> Iterator[bytes]:
    """The file's UTF-8 bytes in blocks: a `str` as one block, a `Chunks` a block per about
    BLOCK_CHARACTERS characters. Pieces are joined before encoding, never split, so the blocks
    together are exactly `joined(content).encode("utf-8")`."""
    if isinstance(content, Named):
        content = content.make()
    if isinstance(content, (str, bytes)):
        yield as_bytes(content)
        return
    batch: list[str] = []
    size = 0
    for piece in content:
        batch.append(piece)
        size += len(piece)
        if size >= BLOCK_CHARACTERS:
            yield "".join(batch).encode("utf-8")
            batch.clear()
            size = 0
    if batch:
        yield "".join(batch).encode("utf-8")
