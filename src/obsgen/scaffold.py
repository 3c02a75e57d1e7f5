"""`obsgen init`: the files of a new project, as text, from the templates in `templates/init/`.

The library only says what to write; the CLI checks that none of it exists and writes it. The
project is the smallest one that shows each part of the language a new user meets first: the
environments, two severities, a channel, one service whose resource brings AWS's recommended
alarms (`preset: recommended`), runbook guidance, and the checks in pre-commit and CI.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import re

from .language.v1.fields import NAME_PATTERN
from .language.v1.project import GENERATED_OWN_NAMES

DEFAULT_ENVS = ("development", "staging", "production")
SERVICE = "app"
# moto's and AWS's documentation's example account: `plan` checks the account first, so a placeholder
# left in place makes plan refuse rather than touch another account.
PLACEHOLDER_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"

# template file (templates/init/) -> where it goes in the project
_FILES = {
    "obsgen.yaml": "monitors/obsgen.yaml",
    "service.yaml": f"monitors/{SERVICE}.yaml",
    "service-guidance.md": f"runbooks_src/{SERVICE}/_service.md",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
    "workflow.yml": ".github/workflows/obsgen.yml",
    "README.md": "README.md",
}


@dataclass(frozen=True)
class Answers:
    """What `obsgen init` asks: the project's name, its environments, their account and region."""

    project: str
    envs: tuple[str, ...] = DEFAULT_ENVS
    account: str = PLACEHOLDER_ACCOUNT
    region: str = DEFAULT_REGION


def project_name(folder: str) -> str:
    """A project name from a directory's name ("My_Shop" -> "my-shop"), or "monitoring" when none is left."""
    name = re.sub(r"[^a-z0-9]+", "-", folder.lower()).strip("-")[:64].strip("-")
    return name or "monitoring"


def problems(answers: Answers) -> list[str]:
    """What makes the answers unusable as names in the spec (each a sentence), before anything is written."""
    found = []
    for what, value in [("project name", answers.project), *(("environment name", e) for e in answers.envs)]:
        if not re.fullmatch(NAME_PATTERN, value):
            found.append(f"{what} {value!r} must be 1-64 lowercase letters, digits and '-', "
                         "not starting or ending with '-'")
    for env in answers.envs:
        if env in GENERATED_OWN_NAMES:
            found.append(f"environment name {env!r} is taken by generated/{env}/; choose another")
    if len(set(answers.envs)) != len(answers.envs):
        found.append("each environment may be given once")
    if not re.fullmatch(r"\d{12}", answers.account):
        found.append(f"account {answers.account!r} must be 12 digits")
    if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", answers.region):
        found.append(f"region {answers.region!r} is not a region name such as us-east-1")
    return found


def files(answers: Answers) -> dict[str, str]:
    """Relative path -> text of every file of the new project, in a stable order."""
    values = {"PROJECT": answers.project, "SERVICE": SERVICE, "FIRST_ENV": answers.envs[0],
              "ENVIRONMENTS": _environments(answers)}
    folder = resources.files(__package__).joinpath("templates", "init")
    result = {}
    for template, target in _FILES.items():
        text = folder.joinpath(template).read_text(encoding="utf-8")
        for key, value in values.items():
            text = text.replace(f"@@{key}@@", value)
        result[target] = text
    return result


# What surrounds the spec, also written around an imported one (`obsgen import`): checks and the how-to.
AROUND = (".pre-commit-config.yaml", ".github/workflows/obsgen.yml", "README.md")


def around(project: str, env: str) -> dict[str, str]:
    """The files of a new project that are not its spec (AROUND), for `project` with `env` first."""
    return {path: text for path, text in files(Answers(project, (env,))).items() if path in AROUND}


def _environments(answers: Answers) -> str:
    lines = []
    for env in answers.envs:
        lines.append(f"  {env}:")
        lines.append(f'    account: "{answers.account}"')
        lines.append(f"    region: {answers.region}")
    return "\n".join(lines)
