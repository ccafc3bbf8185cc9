"""pytest setup for tests/pysctp: the files here are helpers and scripts run
by tests/test_sctp_*.py, not tests (PySCTP 0.7.3's own tests are fetched
from its sdist at test time: tests/test_sctp_programs.py)."""

collect_ignore_glob = ["*.py"]
