"""CloudWatch alarm unit tests from the spec (`tests:` items with `alarm:`), run offline through the
evaluator: `check` reports the tests' problems at compile time, `run_tests` runs them for `obsgen
test`, `coverage` says which monitors have a test. The notation: language/v1/alarm_tests.py."""

from .coverage import Coverage, coverage
from .cases import Case
from .runner import cases_for, check, run_tests
from .run import AlarmTestReport, CaseResult, Failure, Row

__all__ = ["AlarmTestReport", "Case", "CaseResult", "Coverage", "Failure", "Row", "cases_for", "check", "coverage", "run_tests"]
