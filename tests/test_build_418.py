"""The package over a C core built against Linux 4.18's uapi headers (what
the manylinux_2_28 wheel is built against) works with real kernel SCTP:
subscriptions fall back to the classic SCTP_EVENTS (that build has no
SCTP_EVENT), so the asyncio layer connects, serves both socket styles and
gets its notifications.

The build is the one of tests/host/test_uapi_418.py (a wrapper
<linux/sctp.h> that removes what 4.18 lacks), by scripts/build_uapi418.py."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import aiosctp

ROOT = Path(__file__).resolve().parent.parent
PKG = Path(aiosctp.__file__).resolve().parent  # the package under test (tree or wheel)


#: Made by `make wheel-env` for the run from the sdist, whose fresh venv
#: has no setuptools to build with; otherwise built here.
PREBUILT = ROOT / "build" / "uapi418"


@pytest.fixture(scope="module")
def tree_418(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("build418")
    found = sorted((PREBUILT / "aiosctp").glob("_sctp*.so"))
    if found:
        so = found[0]
    else:
        spec = importlib.util.spec_from_file_location(
            "build_uapi418", ROOT / "scripts" / "build_uapi418.py")
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        so = mod.build(tmp / "lib")
    tree = tmp / "tree"
    for name, src in (("aiosctp", PKG), ("sctp", PKG.parent / "sctp")):
        shutil.copytree(src, tree / name, ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    shutil.copy(so, tree / "aiosctp" / so.name)
    return tree


SCRIPT = """
import asyncio, socket
import aiosctp
from aiosctp import _sctp, events, lowlevel

assert not hasattr(_sctp, "SCTP_EVENT") and not hasattr(_sctp, "SCTP_SEND_FAILED_EVENT")


class Echo(aiosctp.SCTPProtocol):
    def connection_made(self, t):
        self.t = t

    def message_received(self, data, info):
        self.t.send(data.upper(), stream=info.stream, ppid=info.ppid)


class Client(aiosctp.SCTPProtocol):
    def __init__(self):
        loop = asyncio.get_running_loop()
        self.got = loop.create_future()
        self.lost = loop.create_future()
        self.events = []

    def message_received(self, data, info):
        self.got.set_result((data, info.stream, info.ppid))

    def notification_received(self, event):
        self.events.append(event)

    def connection_lost(self, exc):
        self.lost.set_result(exc)


async def main():
    for style in ("one-to-one", "one-to-many"):
        server = await aiosctp.create_sctp_server(Echo, "127.0.0.1", 0, style=style)
        port = server.sockets[0].getsockname()[1]
        t, p = await aiosctp.create_sctp_connection(Client, "127.0.0.1", port)
        t.send(b"hi", stream=2, ppid=46)
        assert await asyncio.wait_for(p.got, 20) == (b"HI", 2, 46)
        t.close()
        assert await asyncio.wait_for(p.lost, 20) is None
        ended = [e for e in p.events if isinstance(e, events.AssocChange)]
        assert ended and ended[-1].state == events.AssocChangeState.SHUTDOWN_COMP, p.events
        server.close()
        await server.wait_closed()
    # every classic subscription the 4.18 layout has, SendFailed as the
    # older SCTP_SEND_FAILED (byte 3)
    s = lowlevel.sctp_socket()
    lowlevel.subscribe(s)
    raw = s.getsockopt(_sctp.SOL_SCTP, _sctp.SCTP_EVENTS, 13)
    assert raw == bytes([0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]), raw
    lowlevel.unsubscribe(s, events.SendFailed, events.SenderDry)
    raw = s.getsockopt(_sctp.SOL_SCTP, _sctp.SCTP_EVENTS, 13)
    assert raw[3] == 0 and raw[9] == 0 and raw[1] == 1, raw
    try:
        lowlevel.subscribe(s, events.AssocChange, assoc_id=5)
    except OSError as e:
        assert "lacks it" in str(e), e
    else:
        raise AssertionError("a subscription per association accepted")
    s.close()
    print("4.18 build ok")


asyncio.run(main())
"""


def test_4_18_build_serves_both_styles_with_notifications(tree_418: Path) -> None:
    # Before: the package did not import over this build; then connect()
    # failed, subscribe() raising OSError(ENOPROTOOPT) for SCTP_EVENT.
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(SCRIPT)],
                          capture_output=True, text=True, timeout=120, cwd=tree_418,
                          env=dict(os.environ, PYTHONPATH=str(tree_418)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "4.18 build ok"
