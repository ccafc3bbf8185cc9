"""Which aiosctp the suite tests.

`make test` runs the suite from the unpacked sdist with the wheel installed
in a fresh virtual environment (AIOSCTP_TEST_INSTALLED=1): then the modules
must come from that venv's site-packages, not from the source tree the tests
sit in, and the wheel must not carry the sandbox runner.  Run from a clone
(editable install), they are the clone's own.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import _sctp
import aiosctp
import sctp

ROOT = Path(__file__).resolve().parents[1]


def test_modules_come_from_where_they_should() -> None:
    origins = [Path(m.__file__).resolve() for m in (aiosctp, sctp, _sctp)]  # type: ignore[arg-type]
    core = Path(aiosctp._sctp.__file__).resolve()  # type: ignore[attr-defined]
    if os.environ.get("AIOSCTP_TEST_INSTALLED") == "1":
        prefix = Path(sys.prefix).resolve()
        for origin in origins + [core]:
            assert ROOT not in origin.parents, f"{origin} is the source tree, not the wheel"
            assert prefix in origin.parents and "site-packages" in origin.parts, origin
        assert importlib.util.find_spec("aiosctp_sandbox") is None
        assert importlib.util.find_spec("aiosctp.sandbox") is None
        dist = list(core.parents[1].glob("aiosctp-*.dist-info"))
        assert len(dist) == 1 and (dist[0] / "licenses" / "LICENSE").is_file(), dist
        assert "manylinux" in (dist[0] / "WHEEL").read_text()
    else:
        assert origins[0] == ROOT / "aiosctp" / "__init__.py"
        assert core.parent == ROOT / "aiosctp"
