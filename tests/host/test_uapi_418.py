"""The C core builds against Linux 4.18's uapi headers (what manylinux_2_28
builds wheels against), with every newer feature left out and refused with a
clear error.

The build under test sees only what v4.18's include/uapi/linux/sctp.h
defines: a wrapper <linux/sctp.h> includes the system header, then #undefs
and poisons (#pragma GCC poison) every name that 4.18's header lacks, so any
use of one outside its HAVE_* feature test (setup.py's probes) is a hard
compile error, and every probe of such a feature fails.

LINUX_4_18_LACKS was derived from the real v4.18 header, read from public
kernel sources: git blob b64d583bf053bef4826a4571589a7c3d76632659 of
include/uapi/linux/sctp.h, identical in github.com/zzwd/linux-4.18-rt
(Makefile 4.18.0, the -rt1 patch only) and
github.com/wenhuizhang/linux-4.18-i (linux-4.18/, "add base source 4.18.0").
It is the set of identifiers (macros, enum members, struct tags and fields,
comments stripped) of Linux 6.1's uapi sctp.h that are absent from that
blob. No kernel header is copied here: only these names."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

LINUX_4_18_LACKS = [
    # macros
    "SCTP_ADDR_PF", "SCTP_ALL_ASSOC", "SCTP_ASCONF_SUPPORTED", "SCTP_AUTH_SUPPORTED",
    "SCTP_CURRENT_ASSOC", "SCTP_ECN_SUPPORTED", "SCTP_EVENT", "SCTP_EXPOSE_PF_STATE",
    "SCTP_EXPOSE_POTENTIALLY_FAILED_STATE", "SCTP_FUTURE_ASSOC", "SCTP_PEER_ADDR_THLDS_V2",
    "SCTP_PLPMTUD_PROBE_INTERVAL", "SCTP_REMOTE_UDP_ENCAPS_PORT", "SCTP_REUSE_PORT",
    "SCTP_STREAM_CHANGE_DENIED", "SCTP_STREAM_CHANGE_FAILED", "SCTP_SEND_FAILED_EVENT",
    "SCTP_DATA_IO_EVENT", "SCTP_SN_TYPE_MAX",
    # enum members
    "SCTP_ADDR_POTENTIALLY_FAILED", "SCTP_POTENTIALLY_FAILED", "SCTP_PR_SCTP_ALL",
    "SCTP_SS_DEFAULT", "SPP_DSCP", "SPP_IPV6_FLOWLABEL",
    # struct tags
    "sctp_event", "sctp_paddrthlds_v2", "sctp_probeinterval", "sctp_send_failed_event",
    "sctp_udpencaps", "sctp_send_failure_event_event",
    # struct fields
    "se_assoc_id", "se_on", "se_type", "sn_send_failed_event", "spi_address", "spi_assoc_id",
    "spi_interval", "spp_dscp", "spp_ipv6_flowlabel", "spt_pathcpthld", "ssfe_info",
    "sue_address", "sue_assoc_id", "sue_port",
]

WRAPPER = """\
/* <linux/sctp.h> as Linux 4.18 has it: the system header minus every name
 * v4.18's lacks (tests/host/test_uapi_418.py). */
#include_next <linux/sctp.h>
%s
#pragma GCC poison %s
"""

# setup.py's probes, every one of a feature newer than 4.18
NEWER_FEATURES = 18


#: Prepended to the snippets below: each call must be refused with
#: ENOPROTOOPT, saying the build lacks what it needs.
ASSERT_REFUSED = """\
import errno


def assert_refused(*calls):
    for call in calls:
        try:
            call()
        except OSError as e:
            assert e.errno == errno.ENOPROTOOPT and "lacks it" in str(e), e
        else:
            raise AssertionError("accepted")
"""


@pytest.fixture(scope="module")
def built_418(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("uapi418")
    (tmp / "include" / "linux").mkdir(parents=True)
    undefs = "\n".join(f"#undef {n}" for n in LINUX_4_18_LACKS)
    (tmp / "include" / "linux" / "sctp.h").write_text(
        WRAPPER % (undefs, " ".join(LINUX_4_18_LACKS)))
    env = dict(os.environ, AIOSCTP_WERROR="1",
               CFLAGS=f"-I{tmp / 'include'} " + os.environ.get("CFLAGS", ""))
    proc = subprocess.run(
        [sys.executable, "setup.py", "build_ext", "--build-lib", str(tmp / "lib"),
         "--build-temp", str(tmp / "obj")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    report = [line for line in proc.stdout.splitlines() if "kernel headers lack" in line]
    assert len(report) == 1, proc.stdout[-3000:]
    assert len(report[0].split(":", 1)[1].split(",")) == NEWER_FEATURES, report
    (so,) = (tmp / "lib" / "aiosctp").glob("_sctp*.so")
    return so


def test_wrapper_really_hides_what_4_18_lacks(tmp_path: Path) -> None:
    # a use of any poisoned name fails to compile: the build above could not
    # have used one unguarded
    (tmp_path / "linux").mkdir()
    (tmp_path / "linux" / "sctp.h").write_text(
        WRAPPER % ("#undef SCTP_FUTURE_ASSOC", "SCTP_FUTURE_ASSOC"))
    src = tmp_path / "t.c"
    src.write_text("#include <sys/socket.h>\n#include <netinet/in.h>\n"
                   "#include <linux/sctp.h>\nint main(void) { return SCTP_FUTURE_ASSOC; }\n")
    proc = subprocess.run(["gcc", "-I", str(tmp_path), "-c", str(src), "-o", os.devnull],
                          capture_output=True, text=True)
    assert proc.returncode != 0 and "poisoned" in proc.stderr


def test_4_18_build_imports_and_refuses_newer_features_clearly(built_418: Path) -> None:
    code = ASSERT_REFUSED + textwrap.dedent(f"""
        import importlib.util, socket, struct
        spec = importlib.util.spec_from_file_location("aiosctp._sctp", {str(built_418)!r})
        m = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(m)
        assert m.__file__ == {str(built_418)!r}
        for name in ("SCTP_FUTURE_ASSOC", "SCTP_SEND_FAILED_EVENT", "SPP_DSCP", "SCTP_EVENT",
                     "SCTP_REUSE_PORT", "SCTP_ADDR_POTENTIALLY_FAILED"):
            assert not hasattr(m, name), name
        # what 4.18 has is there
        for name in ("SCTP_NXTINFO", "SCTP_PRINFO", "SCTP_STREAM_RESET_EVENT", "SCTP_SNDINFO"):
            assert isinstance(getattr(m, name), int), name
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        assert_refused(lambda: m.set_event(s.fileno(), 0, m.SCTP_ASSOC_CHANGE, True),
                       lambda: m.get_event(s.fileno(), 0, m.SCTP_ASSOC_CHANGE),
                       lambda: m.get_probe_interval(s.fileno(), 0, None),
                       lambda: m.set_remote_udp_encaps_port(s.fileno(), 0, None, 9899),
                       lambda: m.set_peer_addr_params(s.fileno(), 0, None, 0, 0, 0, 0, 0, 1, 0),
                       lambda: m.set_peer_addr_thlds(s.fileno(), 0, None, 1, 1, 1))
        # a SEND_FAILED_EVENT (type 0x800e) decodes as an unknown notification
        raw = struct.pack("=HHI", 0x800E, 0, 60) + bytes(52)
        assert m.decode_notification(raw) == (0x800E, None)
        assert m.check_sockaddr(("::1", 1, 2, 3), socket.AF_INET6) == ("::1", 1, 2, 3)
        print("uapi 4.18 ok")
    """)
    proc = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "uapi 4.18 ok"


def test_4_18_build_package_imports_and_refuses_newer_options(
        built_418: Path, tmp_path: Path) -> None:
    # the whole package (aiosctp, its asyncio layer, the sctp module and the
    # top-level _sctp of PySCTP) over the 4.18 build: the Python layers read
    # post-4.18 names at import (aiosctp._uapi gives them fallbacks)
    import shutil
    for name in ("aiosctp", "sctp"):
        shutil.copytree(ROOT / name, tmp_path / name,
                        ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    shutil.copy(ROOT / "_sctp.py", tmp_path / "_sctp.py")
    shutil.copy(built_418, tmp_path / "aiosctp" / built_418.name)
    code = ASSERT_REFUSED + textwrap.dedent(f"""
        import socket, struct
        import aiosctp, aiosctp.lowlevel, aiosctp.server, aiosctp.demux, sctp, _sctp
        from aiosctp import events, lowlevel, options
        assert aiosctp._sctp.__file__ == {str(tmp_path / "aiosctp" / built_418.name)!r}
        assert not hasattr(aiosctp._sctp, "SCTP_SEND_FAILED_EVENT")
        # enum members keep the kernel's values
        assert events.PeerAddrState.ADDR_POTENTIALLY_FAILED == 6
        assert options.SppFlags.DSCP == 0x200 and options.PrPolicy.ALL == 0x80
        assert sctp.paddr_change.state_ADDR_POTENTIALLY_FAILED == 6
        # a SEND_FAILED_EVENT this build cannot decode is an Unknown event
        raw = struct.pack("=HHI", 0x800D, 0, 60) + bytes(52)
        assert isinstance(events.decode(raw), events.Unknown), events.decode(raw)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        assert_refused(lambda: options.set_reuse_port(s, True),
                       lambda: options.get_reuse_port(s),
                       lambda: options.set_asconf_supported(s, True),
                       lambda: options.get_auth_supported(s),
                       lambda: options.set_ecn_supported(s, True),
                       lambda: options.get_expose_pf_state(s),
                       lambda: lowlevel.subscribe(s, events.AssocChange, assoc_id=5))
        s.close()
        print("package 4.18 ok")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path,
                          env=dict(os.environ, PYTHONPATH=str(tmp_path)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "package 4.18 ok"
