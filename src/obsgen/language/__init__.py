"""The language users write: YAML under monitors/ read with positions (`yaml_reader`), validated into
the versioned spec models (`v1/`), with every problem a located diagnostic (`errors`); `load` reads a
project, `jsonschema` publishes the schema editors use.

Public face: `load_spec(root) -> (SpecSet | None, diagnostics)`.
"""

from .load import API_VERSION, MONITORS_DIR, PROJECT_FILE, RUNBOOKS_DIR, ServiceEntry, SpecSet, load_spec

__all__ = ["API_VERSION", "MONITORS_DIR", "PROJECT_FILE", "RUNBOOKS_DIR", "ServiceEntry", "SpecSet", "load_spec"]
