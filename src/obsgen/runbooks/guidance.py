"""The guidance humans write in `runbooks_src/`, rendered per monitor and merged section by section.

Layout (docs/runbooks.md):

    runbooks_src/_default.md.j2           the page template (optional; obsgen ships one)
    runbooks_src/<name>.md                shared guidance, used by monitors that say `runbook: <name>`
    runbooks_src/<service>/_service.md    guidance for every monitor of a service
    runbooks_src/<service>/<monitor>.md   guidance for one monitor

Every file is Markdown and a Jinja2 template, rendered for each monitor with its facts. Files are
user input: they run in Jinja's sandbox with StrictUndefined and budgets (templating.py), what
`{{ }}` writes is escaped as text unless it is Markdown already (`as_markdown`), and every error a
template raises becomes a located diagnostic (`runbooks_src/<file>:line:column`). A `## Heading` starts a section. Layers
merge from general to specific (the shared page, which may serve several services; the service;
the monitor): a section replaces the same section of a more general layer, unless its heading
starts with `+` (`## + Diagnosis`), which appends to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markdown_it import MarkdownIt
from markupsafe import Markup

from ..diagnostics import Diagnostic, Span, error
from ..language.errors import did_you_mean
from ..language.load import RUNBOOKS_DIR, folder_outside, read_limited
from ..language.yaml_reader import text_of

# A runbook page is a few kilobytes (the example's largest: 4.7 KB). Jinja parses and compiles a
# template before any render budget (templating.py) applies, and a hostile page costs it about
# 6 s a MB (measured: 1.6 s for 256 KiB of `{{ x }}`, 5.8 s for 1 MiB, 17 s for 3 MiB), so pages
# are held to 256 KiB rather than the spec files' 4 MiB.
MAX_RUNBOOK_BYTES = 256 * 1024
from .wording import Markdown, as_text

if TYPE_CHECKING:
    from ..render_cache import RenderCache
    from jinja2 import Environment

    from .templating import BoundedSandbox

DEFAULT_TEMPLATE = "_default.md.j2"
SERVICE_FILE = "_service.md"
SECTIONS = ("Meaning", "Impact", "Diagnosis", "Mitigation", "Escalation")  # prometheus-operator runbooks
MAX_FILES = 10_000
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


class Fences:
    """Tracks fenced code blocks line by line (CommonMark: a fence closes only with the same character,
    at least as long, and nothing after it), so headings and tidying skip code."""

    def __init__(self) -> None:
        self.open: str | None = None

    def inside(self, line: str) -> bool:
        """Whether `line` belongs to a fenced block (its opening and closing lines included)."""
        match = _FENCE.match(line)
        if self.open is None:
            if match and not (match.group(1)[0] == "`" and "`" in line[match.end():]):
                self.open = match.group(1)
                return True
            return False
        if match and match.group(1)[0] == self.open[0] and len(match.group(1)) >= len(self.open) \
                and not line[match.end():].strip():
            self.open = None
        return True


@dataclass(frozen=True, slots=True)
class Section:
    """Written by people in runbooks_src/: Markdown, which the page template writes as it is."""

    title: Markdown
    text: Markdown  # without its heading
    sources: tuple[str, ...]  # runbooks_src files that wrote it, general to specific


@dataclass(slots=True)
class Guidance:
    """A monitor's human-written sections, merged; keys are lowercase titles, in first-written order."""

    sections: dict[str, Section] = field(default_factory=dict)
    files: tuple[str, ...] = ()  # the runbooks_src files that apply to the monitor, general to specific

    def text(self, title: str) -> Markdown:
        section = self.sections.get(title.lower())
        return section.text if section else Markdown("")

    def has(self, title: str) -> bool:
        return bool(self.text(title).strip())

    def extra(self) -> list[Section]:
        """Sections beyond the five standard ones, e.g. `## Background`, in the order they were written."""
        standard = {s.lower() for s in SECTIONS}
        return [s for key, s in self.sections.items() if key not in standard and key]


class GuidanceSource:
    """The runbooks_src/ directory of a project, read once; renders guidance and the page template."""

    def __init__(self, root: Path, packaged_default: str, store: RenderCache | None = None):
        self.problems: list[Diagnostic] = []
        self._store = store  # where obsgen's own page template's compiled code is kept (template_cache.py)
        self.texts, self.refused = _read_all(root, self.problems)
        self.texts.setdefault(DEFAULT_TEMPLATE, packaged_default)
        # runbooks_src/_default.md.j2 replaces obsgen's (a copy of obsgen's, as `obsgen init` writes, does not)
        self.own_template = self.texts[DEFAULT_TEMPLATE] != packaged_default
        self._packaged_default = packaged_default
        self.failed: set[str] = set()  # report a broken file once, not once per monitor
        self._static: dict[str, Markdown | None] = {}  # static(): a file's text when it holds no Jinja
        # guidance() of layers that are all static is the same for every monitor they apply to: made
        # once, with its typed text (typed()), and shared -- read-only (page templates cannot change a
        # dict: templating.py), 10,000 monitors of a big build share a few dozen (0.07 s of its CPU).
        self._shared: dict[tuple[str, ...], Guidance] = {}
        self._typed: dict[int, str] = {}  # by the id of a shared Guidance, which _shared keeps alive

    def layers(self, service: str, monitor: str, shared: str) -> list[str]:
        """The files that apply to a monitor, general to specific (only those that exist)."""
        names = [f"{shared}.md" if shared else "", f"{service}/{SERVICE_FILE}", f"{service}/{monitor}.md"]
        return [n for n in names if n and n in self.texts]

    # Jinja (50 ms to import) is loaded by the first template rendered: guidance that holds no '{'
    # is used as it is (`static`), and `obsgen validate` of a project whose guidance is all text
    # renders no template at all (guidance_jinja.py).
    @cached_property
    def env(self) -> BoundedSandbox:
        """The sandbox that renders runbooks_src files (templating.py)."""
        from .guidance_jinja import sandbox
        return sandbox(self.texts, as_markdown)

    @cached_property
    def packaged(self) -> Environment | None:
        """obsgen's own page template's environment (no sandbox); None when the project has its own."""
        from .guidance_jinja import packaged_environment
        from .template_cache import attach

        if self.own_template:
            return None
        environment = packaged_environment(DEFAULT_TEMPLATE, self._packaged_default, as_markdown)
        attach(environment, self._store)
        return environment

    def reads_facts(self, service: str, monitor: str, shared: str) -> bool:
        """Whether a monitor's guidance is rendered from its facts: some file that applies is a template
        (holds a '{'), not text used as it is (`static`)."""
        return any(self.static(name) is None for name in self.layers(service, monitor, shared))

    def guidance(self, service: str, monitor: str, shared: str, context: dict[str, Any]) -> Guidance:
        layers = tuple(self.layers(service, monitor, shared))
        if (made := self._shared.get(layers)) is not None:
            return made
        result = Guidance(files=tuple(f"{RUNBOOKS_DIR}/{n}" for n in layers))
        for name in layers:
            text = self.render(name, context)
            if text is not None:
                _merge(result.sections, split_sections(text), f"{RUNBOOKS_DIR}/{name}")
        if all(self.static(name) is not None for name in layers):  # made of their text alone: no context read
            self._shared[layers] = result
        return result

    def typed(self, guidance: Guidance) -> str:
        """`typed_text(guidance)` (a page's key), made once for guidance that monitors share."""
        from ..render_cache import typed_text

        if (text := self._typed.get(id(guidance))) is not None:
            return text
        text = typed_text(guidance)
        if self._shared.get(tuple(f.removeprefix(f"{RUNBOOKS_DIR}/") for f in guidance.files)) is guidance:
            self._typed[id(guidance)] = text
        return text

    def render(self, name: str, context: dict[str, Any]) -> str | None:
        """Render one file within its budgets (templating.py); None, and a located diagnostic (once per
        file), when it fails in any way: a template is user input, so its errors are the user's."""
        if name in self.failed:
            return None
        if name == DEFAULT_TEMPLATE and self.packaged is not None:  # obsgen's own code: no sandbox needed
            return self.packaged.get_template(name).render(context)
        if (static := self.static(name)) is not None:
            return static
        from jinja2 import TemplateError, TemplateNotFound

        self.env.start()
        try:
            return self.env.get_template(name).render(context)
        except TemplateNotFound as exc:
            self.failed.add(name)
            if exc.name not in self.refused:  # a refused file is reported at the file itself
                self.problems.append(_located(exc, name, self.texts))
        except (RecursionError, SyntaxError, MemoryError) as exc:  # Jinja's parser or Python's compiler gave up
            self.failed.add(name)
            self.problems.append(_located(exc, name, self.texts, compiling=_template_frame(exc, self.texts) is None))
        except Exception as exc:  # noqa: BLE001 - every error a template can raise at render time
            if not isinstance(exc, TemplateError) and _template_frame(exc, self.texts) is None:
                raise  # not raised by a template: a bug in obsgen
            self.failed.add(name)
            self.problems.append(_located(exc, name, self.texts))
        return None

    def static(self, name: str) -> Markdown | None:
        """The text of a file with no `{` (no Jinja tag, expression or comment can start in it): what
        rendering it writes for every monitor, its line ends made `\\n` as Jinja's lexer makes them.
        Found once per file; a warm build rendered shared guidance in the sandbox 10,000 times (0.1 s)."""
        if name not in self._static:
            text = self.texts.get(name)
            self._static[name] = None if text is None or "{" in text else Markdown(_LINE_ENDS.sub("\\n", text))
        return self._static[name]

    def unknown_files(self, monitors: set[str], services: set[str],
                      elsewhere: frozenset[str] = frozenset()) -> list[Diagnostic]:
        """`runbooks_src/<service>/<x>.md` that matches no monitor is a typo that would silently apply to nothing.
        The folders of `elsewhere` (services whose files were not read) are not judged."""
        problems = []
        for name in sorted(self.texts):
            parts = name.split("/")
            if len(parts) != 2 or not name.endswith(".md") or parts[0] in elsewhere:
                continue
            service, file = parts
            ref = f"{service}/{file[:-3]}"
            if file == SERVICE_FILE and service in services or ref in monitors:
                continue
            known = sorted({f"{m}.md" for m in monitors} | {f"{s}/{SERVICE_FILE}" for s in services})
            problems.append(error(Span(f"{RUNBOOKS_DIR}/{name}", 1, 1), "orphan-runbook",
                                  f"runbooks_src/{name} matches no monitor: expected runbooks_src/<service>/<monitor>.md "
                                  f"or runbooks_src/<service>/{SERVICE_FILE}{did_you_mean(ref + '.md', known)}"))
        return problems


def as_markdown(value: Any) -> Any:
    """What `{{ value }}` writes in a runbook: Markdown (obsgen's phrases, guidance, `|safe`) as it is,
    numbers as they are, and any other value as text, escaped (spec text cannot add a `## Mitigation`
    section or an image to a page)."""
    if isinstance(value, (Markdown, Markup, int, float)) or value is None:
        return value
    return as_text(str(value))


def _read_all(root: Path, problems: list[Diagnostic]) -> tuple[dict[str, str], set[str]]:
    """Every .md and .md.j2 file one or two levels down (`x.md`, `service/monitor.md`), as text; hidden
    files and directories are left out. Templates can include or import only these (`_Loader`), so
    every file a template reaches has passed read_limited's checks. Also returns the files refused."""
    folder = root / RUNBOOKS_DIR
    if not folder.is_dir():
        return {}, set()
    if outside := folder_outside(folder, root):
        problems.append(outside)
        return {}, set()
    paths = sorted(p for p in [*folder.glob("*.md"), *folder.glob("*.md.j2"), *folder.glob("*/*.md")]
                   if not any(part.startswith(".") for part in p.relative_to(folder).parts))
    if len(paths) > MAX_FILES:  # refuse rather than silently read only some of them
        problems.append(error(Span(f"{RUNBOOKS_DIR}/"), "too-many-files",
                              f"{RUNBOOKS_DIR}/ holds {len(paths):,} files; obsgen reads at most {MAX_FILES:,}"))
        return {}, set()
    texts, refused = {}, set()
    for path in paths:
        rel = path.relative_to(folder).as_posix()
        data = read_limited(path, f"{RUNBOOKS_DIR}/{rel}", problems, root)
        if data is None:
            refused.add(rel)
            continue
        text, found = text_of(f"{RUNBOOKS_DIR}/{rel}", data, "runbook file", MAX_RUNBOOK_BYTES)
        problems += found
        if text is not None:
            texts[rel] = text
        else:
            refused.add(rel)
    return texts, refused


def _template_frame(exc: BaseException, texts: dict[str, str]) -> tuple[str, int] | None:
    """The innermost template line of a runtime error: Jinja rewrites a template's frames so that
    their file is the template's name and their line the template's line."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in texts:
            found = tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next
    return found


def _located(exc: BaseException, name: str, texts: dict[str, str], compiling: bool = False) -> Diagnostic:
    """Jinja knows the line (syntax errors carry it; runtime errors leave it in the traceback); the
    column is that of the name the message quotes, else of the first tag on the line."""
    from jinja2 import TemplateError, TemplateSyntaxError

    file, line = name, 1
    if isinstance(exc, TemplateSyntaxError):
        file, line = exc.name or name, exc.lineno or 1
    elif not compiling:
        file, line = _template_frame(exc, texts) or (name, 1)
    lines = texts.get(file, "").splitlines() or [""]
    text = lines[min(max(line, 1), len(lines)) - 1]
    message = _message(exc, compiling)
    quoted = re.findall(r"'([^']+)'", message) if isinstance(exc, TemplateError) else []
    column = next((text.find(q) for q in quoted if q in text), -1)
    if column < 0:
        column = max(min((i for i in (text.find("{{"), text.find("{%")) if i >= 0), default=0), 0)
    kind = "template syntax error" if isinstance(exc, TemplateSyntaxError) else "template error"
    if match := re.search(r"has no attribute '(\w+)'", message):
        message += _attribute_hint(match.group(1), message.split(" ", 1)[0])
    return error(Span(f"{RUNBOOKS_DIR}/{file}", line, column + 1), "runbook-template", f"{kind}: {message}")


MAX_MESSAGE = 300  # an exception's text can quote a value of any size


def _message(exc: BaseException, compiling: bool) -> str:
    """One line that says what went wrong, in the template's terms where Python's would mislead."""
    from jinja2 import TemplateError, TemplateNotFound

    if compiling:
        message = "the template nests blocks or expressions too deeply for Jinja to compile it"
    elif isinstance(exc, RecursionError):
        message = ("recursion too deep: a macro, include or recursive loop that never stops "
                   "(or nesting too deep)")
    elif isinstance(exc, MemoryError):
        message = "the template ran out of memory"
    elif isinstance(exc, TemplateNotFound):
        message = f"no file '{exc.name}' in {RUNBOOKS_DIR}/ to include or import"
    elif isinstance(exc, TemplateError):
        message = exc.message or type(exc).__name__
    else:  # Python's own: ZeroDivisionError, TypeError, the sandbox's OverflowError for a big range()
        message = f"{type(exc).__name__}: {exc}"
    message = " ".join(message.split())
    message = re.sub(r"'(?:[\w.]+\.)?(\w+) object'", r"\1", message)  # 'obsgen.runbooks.facts.EnvFacts object'
    return message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE - 1] + "…"


def _attribute_hint(name: str, owner: str) -> str:
    """'did you mean' among the fields of the facts the template read (MonitorFacts, EnvFacts, ...)."""
    from . import facts

    kind = getattr(facts, owner, None)
    fields = [f for f in dir(kind) if not f.startswith("_")] if isinstance(kind, type) else []
    return did_you_mean(name, fields) if fields else ""


def split_sections(text: str) -> list[tuple[str, bool, str]]:
    """Markdown -> [(title, extends, body)]. A level-two heading starts a section, written either way
    CommonMark allows (`## Diagnosis`, or `Diagnosis` underlined with `---`): the headings are those
    markdown-it finds, so a `##` line inside a fenced block, a list or a quote is not one. Text before
    the first section is the untitled intro (""); a level-one heading that opens the file (`# Title`,
    or underlined with `===`) is dropped (the page has its own title)."""
    return list(_sections(text))


@lru_cache(maxsize=4096)  # pure; most files render to the same text for every monitor and every compile
def _sections(text: str) -> tuple[tuple[str, bool, str], ...]:
    lines = _LINE_ENDS.sub("\n", text).split("\n")
    sections: list[tuple[str, bool, list[str]]] = [("", False, [])]
    taken = 0  # lines before this one are in a section already
    tokens = _BLOCKS.parse(text)
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.level != 0 or token.map is None:
            continue
        start, end = token.map
        opening = not "".join(lines[:start]).strip()
        if token.tag == "h2" or (token.tag == "h1" and opening and len(sections) == 1):
            sections[-1][2].extend(lines[taken:start])
            title = tokens[index + 1].content.strip()
            if token.tag == "h2":
                extends = title.startswith("+")
                sections.append((title.lstrip("+").strip() if extends else title, extends, []))
            taken = end
    sections[-1][2].extend(lines[taken:])
    return tuple((title, extends, "\n".join(body).strip("\n")) for title, extends, body in sections
                 if title or "\n".join(body).strip())


# Block structure only (headings, fences, lists, quotes): a heading's text is its source, no inline parsing.
_BLOCKS = MarkdownIt("commonmark").enable("table").disable(["inline", "text_join"])
_LINE_ENDS = re.compile(r"\r\n?")


def _merge(into: dict[str, Section], sections: list[tuple[str, bool, str]], source: str) -> None:
    for title, extends, body in sections:
        key = title.lower()
        known = into.get(key)
        if extends and known is not None:
            into[key] = Section(known.title, Markdown(f"{known.text}\n\n{body}".strip("\n")), known.sources + (source,))
        else:
            into[key] = Section(known.title if known else Markdown(title), Markdown(body), (source,))
