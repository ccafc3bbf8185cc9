"""Host-side tests of the sandbox runner (they boot user-mode-linux guests).

These tests must run on the host, never inside the guest (a guest cannot boot
another UML), so this folder is only collected when it is named explicitly on
the command line (``pytest tests/host``, as ``make test-sandbox`` does); a run
of ``pytest tests`` (the main suite, inside the guest) leaves it out.

A run that collects nothing, or (under CI) skips anything, fails.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import pytest

HERE = Path(__file__).resolve().parent


def _named_explicitly(config: pytest.Config) -> bool:
    base = Path(config.invocation_params.dir)
    for arg in config.args:
        target = (base / arg.split("::", 1)[0]).resolve()
        if target == HERE or HERE in target.parents:
            return True
    return False


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> Optional[bool]:
    if not _named_explicitly(config):
        return True
    return None


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _named_explicitly(session.config):
        return
    if session.testscollected == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print("\nERROR: no host-side sandbox tests were collected")
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped and os.environ.get("CI"):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print(f"\nERROR: {len(skipped)} host-side sandbox test(s) skipped; skips are not allowed in CI")
