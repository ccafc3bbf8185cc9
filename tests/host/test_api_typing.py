"""The issue-15 API is typed: ``mypy --strict`` accepts a user program that
calls every new keyword (tests/typing/user_program.py) and refuses the same
program with one keyword misspelt (``timout=``), which the old
``**options: Any`` signatures let through. Host-only: nothing runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "tests" / "typing" / "user_program.py"


def mypy(path: Path, cache: Path) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    env = dict(os.environ, MYPYPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary",
         "--cache-dir", str(cache), str(path)],
        capture_output=True, text=True, cwd=str(ROOT), env=env, timeout=600,
    )


def test_user_program_passes_and_a_misspelt_keyword_fails(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    ok = mypy(PROGRAM, cache)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    text = PROGRAM.read_text()
    assert "timeout=5.0," in text
    bad = tmp_path / "misspelt.py"
    bad.write_text(text.replace("timeout=5.0,", "timout=5.0,", 1))
    res = mypy(bad, cache)
    assert res.returncode == 1, res.stdout + res.stderr
    assert 'Unexpected keyword argument "timout"' in res.stdout, res.stdout


def test_one_to_many_client_options_are_typed(tmp_path: Path) -> None:
    """SCTPServer.connect()/create_connection(): a misspelt keyword, and a
    ``configure`` hook (not applicable to one association of a shared
    socket), are refused by mypy."""
    cache = tmp_path / "cache"
    text = PROGRAM.read_text()
    for good, bad, message in [
        ("timeout=3.0,", "timout=3.0,", 'Unexpected keyword argument "timout"'),
        ("max_message_size=None, configure=None,", "max_message_size=None, configure=configure,",
         'Argument "configure" to "create_connection" of "SCTPServer"'),
        ("max_queue=16,", "max_queue_size=16,", 'Unexpected keyword argument "max_queue_size"'),
    ]:
        assert good in text, good
        path = tmp_path / f"wrong_{len(list(tmp_path.iterdir()))}.py"  # own cache entry
        path.write_text(text.replace(good, bad, 1))
        res = mypy(path, cache)
        assert res.returncode == 1, res.stdout + res.stderr
        assert message in res.stdout, res.stdout
