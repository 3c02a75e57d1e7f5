"""obsgen's own Jinja templates (the site's pages, the runbook page) compiled once, kept in the render
cache: a build that renders a few pages (the incremental build) spent a tenth of its time compiling the
six templates it uses, about 50 ms, in every process (docs/performance.md, session 9).

The entry's key holds Jinja's own key of the template (its name) and the checksum of its source, with
Jinja's and Python's versions; Jinja checks its header (its bytecode format and Python's magic number)
and the source checksum again when it loads one, and compiles the template when anything differs. A
project's runbooks_src templates are not cached here: they run in the sandbox, whose compiled code stays
in the process (guidance_jinja.py).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import jinja2
from jinja2.bccache import Bucket, BytecodeCache

if TYPE_CHECKING:
    from ..render_cache import RenderCache

KIND = "jinja-bytecode"


class StoreBytecode(BytecodeCache):
    def __init__(self, store: RenderCache) -> None:
        self._store = store
        self._salt = f"jinja2 {jinja2.__version__} {sys.version}"

    def _key(self, bucket: Bucket) -> str:
        return self._store.key(KIND, self._salt, bucket.key, bucket.checksum)

    def load_bytecode(self, bucket: Bucket) -> None:
        if (data := self._store.get_bytes(KIND, self._key(bucket))) is not None:
            bucket.bytecode_from_string(data)  # a header that does not match leaves the bucket empty: compiled

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._store.put_bytes(KIND, self._key(bucket), bucket.bytecode_to_string())


def attach(environment: jinja2.Environment, store: RenderCache | None) -> None:
    """`environment` compiles through `store` (or, without one, in the process only)."""
    environment.bytecode_cache = StoreBytecode(store) if store is not None else None
