"""The sandbox runner (tools/sandbox/aiosctp_sandbox/sandbox.py), for the
tests that check it: tests/test_sandbox.py inside the guest and
tests/host/test_runner.py on the host.  It is a development tool, not in the
wheel, so it is loaded by path: this works from a clone and from an unpacked
sdist alike."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

SANDBOX_PY = Path(__file__).resolve().parent.parent / "tools" / "sandbox" / "aiosctp_sandbox" / "sandbox.py"


def load_sandbox(name: str) -> ModuleType:
    """A fresh module object of the runner, named ``name``."""
    spec = importlib.util.spec_from_file_location(name, SANDBOX_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
