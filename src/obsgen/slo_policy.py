"""The burn-rate alerting policy of SLOs, as data, and its arithmetic (docs/slos.md).

The Google SRE workbook, "Alerting on SLOs", recommendation 6 (multiwindow, multi-burn-rate):
https://sre.google/workbook/alerting-on-slos/ -- page when 2 % of the budget burns in 1 h or 5 % in
6 h, open a ticket when 10 % burns in 1 d or in 3 d; each condition also needs its short window,
1/12 of the long one, to burn as fast, so an alert stops soon after the burn does.

A condition that spends a share `p` of the budget of an SLO window `P` within a long window `L`
burns at the rate `f = p * P / L` (1 is spending the budget exactly over the window); it fires when
the error ratio over both windows exceeds `f * (1 - objective)`. For 30 days: 14.4, 6, 3 and 1.
"""

from __future__ import annotations

from dataclasses import dataclass

from .values import format_duration

SHORT_WINDOW_DIVISOR = 12  # the workbook: "a short window 1/12 the duration of the long window"
DAY = 86_400


@dataclass(frozen=True, slots=True)
class Burn:
    """One alert condition: `budget` (a fraction, 0.02) of the SLO window's error budget spent within
    `long` seconds, and as fast over the short window."""

    budget: float
    long: int  # seconds

    @property
    def short(self) -> int:
        return self.long // SHORT_WINDOW_DIVISOR

    def factor(self, slo_window: int) -> float:
        """The burn rate: how many times faster than "the whole budget over the whole window"."""
        return round(self.budget * slo_window / self.long, 10)  # 0.02 * 720h / 1h is 14.4, not 14.399999999999999

    def threshold(self, slo_window: int, objective: float) -> float:
        """The error ratio both windows must exceed; `objective` is a fraction (0.999)."""
        return round(self.factor(slo_window) * (1 - objective), 12)

    def exhausts_in(self, slo_window: int) -> float:
        """Seconds until the whole budget is gone at this burn rate."""
        return slo_window / self.factor(slo_window)

    def name(self) -> str:
        """The long window as people write it, naming the condition: '1h', '3d'."""
        return format_duration(self.long)


@dataclass(frozen=True, slots=True)
class Tier:
    name: str  # "page" or "ticket"
    burns: tuple[Burn, ...]


WORKBOOK = (
    Tier("page", (Burn(0.02, 3_600), Burn(0.05, 6 * 3_600))),
    Tier("ticket", (Burn(0.10, DAY), Burn(0.10, 3 * DAY))),
)
DEFAULT_BURNS = {tier.name: tier.burns for tier in WORKBOOK}
TIER_NAMES = tuple(DEFAULT_BURNS)
