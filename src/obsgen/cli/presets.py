"""`obsgen presets [SERVICE]`: the shipped presets with their defaults and required parameters."""

from __future__ import annotations

import sys
from typing import Optional

import typer
from rich.table import Table

from .app import app, err, out
from ..presets.catalog import PresetSet, shipped_catalog
from ..presets.reference import find, markdown, param_text, rows
from ..language.errors import did_you_mean


@app.command()
def presets(service: Optional[str] = typer.Argument(None, metavar="SERVICE", show_default=False, help="A service (lambda) or resource type (apigateway-v2)."),
            as_markdown: bool = typer.Option(False, "--markdown", help="Print the docs/presets.md page.")) -> None:
    """List the presets (AWS's recommended alarms): defaults, levels and the parameters they need."""
    catalog, problems = shipped_catalog()
    for problem in problems:  # a broken shipped file: obsgen's bug, reported like any spec error
        err.print(str(problem), markup=False)
    if problems:
        raise typer.Exit(1)
    if as_markdown:
        sys.stdout.write(markdown(catalog))
        return
    chosen = list(catalog.sets.values())
    if service is not None:
        found = find(catalog, service)
        if found is None:
            names = sorted({*catalog.sets, *catalog.by_type})
            err.print(f"no presets for '{service}'{did_you_mean(service, names) or '; known: ' + ', '.join(names)}",
                      markup=False)
            raise typer.Exit(2)
        chosen = [found]
    wide = out.width >= TABLE_WIDTH
    for presets_set in chosen:
        if wide:
            out.print(_table(presets_set))
        else:
            out.print(_listing(presets_set), markup=False)


TABLE_WIDTH = 130  # nine columns fold into unreadable slivers below this; narrower consoles get a listing


def _title(presets_set: PresetSet) -> str:
    spec = presets_set.spec
    return f"{spec.service}: {spec.title} (type {', '.join(spec.resource_types)})"


def _listing(presets_set: PresetSet) -> str:
    """The table's content, one preset per line: readable at 80 columns and in a pipe."""
    spec = presets_set.spec
    lines = [_title(presets_set)]
    for row in rows(presets_set):
        tags = ", ".join(t for t in ("recommended" if row.recommended else "", row.level, f"checked: {row.verified}") if t)
        lines.append(f"  {row.name} ({tags})")
        lines.append(f"      {row.metric} {row.statistic} per {row.period}, {row.datapoints}, {row.threshold}")
        if row.check_note:
            lines.append(f"      note: {row.check_note}")
    for name, param in spec.params.items():
        lines.append(f"  param {param_text(name, param)}")
    lines.append(f"  source: {spec.source}")
    return "\n".join(lines) + "\n"


def _table(presets_set: PresetSet) -> Table:
    spec = presets_set.spec
    table = Table(title=_title(presets_set), caption=str(spec.source), title_justify="left")
    for column in ("preset", "rec.", "level", "metric", "statistic", "period", "datapoints", "threshold", "checked"):
        table.add_column(column, overflow="fold", no_wrap=column in ("preset", "metric"))
    preset_rows = rows(presets_set)
    for row in preset_rows:
        table.add_row(row.name, "yes" if row.recommended else "", row.level, row.metric, row.statistic, row.period,
                      row.datapoints, row.threshold, row.verified, end_section=False)
    if spec.params:
        params = "; ".join(param_text(n, p) for n, p in spec.params.items())
        table.caption = f"params: {params}\n{spec.source}"
    notes = [f"{row.name}: {row.check_note}" for row in preset_rows if row.check_note]
    if notes:
        table.caption = "\n".join([str(table.caption), "checked: see docs/presets.md; notes:", *notes])
    return table
