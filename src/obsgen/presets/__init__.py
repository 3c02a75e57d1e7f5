"""Presets: AWS's recommended alarms per service, as data (`data/*.yaml`), expanded into monitors."""
