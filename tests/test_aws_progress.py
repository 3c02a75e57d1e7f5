"""Progress of long AWS commands (#22 item 9): the library reports what plan reads through a
callback; the CLI shows it on a terminal's stderr only, and nothing when stderr is piped."""

from __future__ import annotations

from aws_support import aws_env  # noqa: F401  (fixture)

from obsgen.aws.workflow import ApplyOptions, apply, make_plan


def test_plan_reports_what_it_reads_through_the_progress_callback(aws_env):
    from aws_support import clients_for, example_model, in_process

    model = in_process(example_model("local"))
    clients = clients_for(model)
    assert apply(model, clients, make_plan(model, clients), ApplyOptions(writes_per_second=None)).ok
    heard: list[str] = []
    make_plan(model, clients, progress=heard.append)
    dashboards = len(model.dashboards)
    assert "metric_alarm, composite_alarm" in heard and "dashboard" in heard
    assert f"dashboards {dashboards}/{dashboards}" in heard
    assert sorted(s for s in heard if s.startswith("dashboards ")) == sorted(
        f"dashboards {i}/{dashboards}" for i in range(1, dashboards + 1))


def test_the_status_line_shows_the_progress_on_a_terminal_and_nothing_when_piped(monkeypatch):
    import io

    from rich.console import Console

    from obsgen.cli import aws as cli_aws

    class NoClients:
        def register(self, *_):
            pass

        unregister = register

    for terminal in (True, False):
        console = Console(file=io.StringIO(), force_terminal=terminal, width=120)
        monkeypatch.setattr(cli_aws, "err", console)
        with cli_aws._waiting_note(NoClients(), "reading local from AWS") as progress:
            progress("dashboards 3/8")
        shown = console.file.getvalue()
        assert ("reading local from AWS (dashboards 3/8)" in shown) == terminal
        assert shown == "" or terminal
