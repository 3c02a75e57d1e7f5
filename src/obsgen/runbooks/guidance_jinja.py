"""The Jinja side of runbooks_src/ guidance (guidance.py): the loader of its files, the compiled
templates kept for the process, the sandbox that renders them and the environment of obsgen's own page
template. A module of its own so that Jinja is imported by the first template rendered, not by
`obsgen validate` of a project whose guidance is plain text (docs/performance.md, #22 target 2)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

from jinja2 import BaseLoader, BytecodeCache, Environment, StrictUndefined, TemplateNotFound

from .templating import BoundedSandbox
from .wording import Markdown


class _Loader(BaseLoader):
    """Templates by their path under runbooks_src/; the path is also the 'filename' Jinja puts into
    tracebacks, which is how a runtime error is traced back to its file and line."""

    def __init__(self, texts: dict[str, str]):
        self.texts = texts

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
        if template not in self.texts:
            raise TemplateNotFound(template)
        return self.texts[template], template, lambda: True


class _MemoryBytecode(BytecodeCache):
    """Compiled templates, kept for the process: compiling is half the cost of the runbooks, and the
    same files are compiled again by every compile of a project. Jinja checks the source checksum."""

    LIMIT = 2048

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Any) -> None:
        if (code := self.store.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Any) -> None:
        if len(self.store) >= self.LIMIT:
            self.store.clear()
        self.store[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _MemoryBytecode()


@lru_cache(maxsize=2)
def packaged_environment(name: str, template: str, finalize: Callable[[Any], Any]) -> Environment:
    """obsgen's own page template is obsgen's code, not user input: it runs outside the sandbox, whose
    checks on every attribute and call were most of a full build's time (docs/performance.md), with
    the same escaping of what `{{ }}` writes and the same Markdown from macros and blocks."""
    environment = Environment(loader=_Loader({name: template}), undefined=StrictUndefined,
                              keep_trailing_newline=True, autoescape=False, finalize=finalize)
    # jinja declares concat as a method of Environment; an instance attribute replaces it, which mypy refuses.
    environment.concat = lambda parts: Markdown("".join(parts))  # type: ignore[method-assign]
    return environment


def sandbox(texts: dict[str, str], finalize: Callable[[Any], Any]) -> BoundedSandbox:
    """The sandbox in which the project's runbooks_src files run (templating.py's budgets); `finalize`
    is what `{{ }}` writes (guidance.as_markdown: passed in, as this module must not import guidance)."""
    return BoundedSandbox(finalize, loader=_Loader(texts), undefined=StrictUndefined,
                          keep_trailing_newline=True, autoescape=False, bytecode_cache=_COMPILED)
