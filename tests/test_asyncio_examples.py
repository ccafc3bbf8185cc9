"""The examples run as a user runs them: examples/echo_server.py (protocol
API) and examples/echo_client.py (high-level API) as processes, both socket
styles, several streams and PPIDs, on asyncio and on uvloop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import aiosctp

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PKG_ROOT = Path(aiosctp.__file__).resolve().parents[1]


def _env() -> dict:
    env = dict(os.environ)
    # the aiosctp this suite tests: the checkout's, or the installed wheel's
    # when `make test` runs the suite from the unpacked sdist
    env["PYTHONPATH"] = str(PKG_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.mark.parametrize("style", ["one-to-one", "one-to-many"])
def test_echo_examples(loop_name: str, style: str) -> None:
    server = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "echo_server.py"), "--port", "0", "--style", style,
         "--loop", loop_name, "--streams", "8"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline().split()
        assert first[:2] == ["listening", "on"], first
        port = first[3]
        for count, streams in ((1, 1), (500, 8)):
            client = subprocess.run(
                [sys.executable, str(EXAMPLES / "echo_client.py"), "--port", port,
                 "--count", str(count), "--streams", str(streams), "--loop", loop_name],
                capture_output=True, text=True, env=_env(), timeout=300,
            )
            assert client.returncode == 0, client.stderr
            assert client.stdout.startswith(f"ok: {count} messages on {streams} streams"), \
                client.stdout
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=60)
        assert server.returncode == 0, err
        assert "stopped" in out
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
