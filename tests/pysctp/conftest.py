"""pytest setup for tests/pysctp: PySCTP 0.7.3's own test_loopback.py, kept
byte for byte as in the sdist, does ``import _sctp`` and ``import sctp``.

This project serves ``_sctp`` with the top-level module ``_sctp.py`` at the
root of the checkout (see docs/sctp-compat.md); when it is not installed
(``pip install -e .`` maps only the packages), the checkout's root is put
on sys.path so that the unchanged file finds it, as ``python -m pytest``
run from the root already does."""

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

try:
    import _sctp  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO))


def pytest_collection_modifyitems(items):
    # test_loopback.test_cli() returns 0, as a script's main does
    for item in items:
        if item.path.name == "test_loopback.py":
            item.add_marker(pytest.mark.filterwarnings("ignore::pytest.PytestReturnNotNoneWarning"))
