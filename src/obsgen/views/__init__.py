"""Every output people and CI read, in one family of views: diagnostics (`diagnostics.py`), plans and
apply results (`plan.py`), AWS drift (`drift.py`) and Prometheus rule drift (`prometheus_drift.py`).
Views format values the library computed; they compute nothing and never print (the CLI does).
"""
