"""CloudWatch alarm unit tests from the spec (`tests:` items with `alarm:`), run offline through the
evaluator. The notation: language/v1/alarm_tests.py.

    cases.py     a test in one environment: its alarms and metrics (`resolve_cases`), and `check`,
                 the problems `validate` reports (compile time: imports no evaluator)
    run.py       evaluate a case and compare it with its expectations
    runner.py    `run_tests` / `cases_for` over a whole build (`obsgen test`)
    coverage.py  which monitors have a unit test (`validate`'s coverage line)

Import the modules themselves: this package imports nothing, so compiling a project does not load
the evaluator.
"""
