"""Build the one extension module, aiosctp._sctp, from ext/.

CFLAGS from the environment are honoured (the Makefile adds -Werror in CI and
the sanitizer flags for the ASan/UBSan build).

Kernel SCTP features newer than Linux 4.18's uapi headers (what manylinux_2_28
builds against) are probed here: each probe compiles a few lines against
<linux/sctp.h> with the same compiler and flags as the module, and a probe
that compiles defines HAVE_<name>. The C code uses those names only behind
their HAVE_* macro (enum members cannot be tested with #ifdef); without one,
the feature raises OSError(ENOPROTOOPT) saying the build lacked it.
tests/host/test_uapi_418.py builds against headers that see only what 4.18
defines and checks this.
"""
import os
import tempfile

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

extra = ["-Wall", "-Wextra", "-std=gnu11"]
if os.environ.get("AIOSCTP_WERROR"):
    extra.append("-Werror")

# HAVE_<name>: an expression that compiles only where the headers have it.
UAPI_PROBES = {
    "SCTP_FUTURE_ASSOC": "SCTP_FUTURE_ASSOC + SCTP_CURRENT_ASSOC + SCTP_ALL_ASSOC",
    "SCTP_DATA_IO_EVENT": "SCTP_DATA_IO_EVENT",
    "SCTP_SEND_FAILED_EVENT": "SCTP_SEND_FAILED_EVENT + sizeof(struct sctp_send_failed_event)"
                              " + sizeof(((struct sctp_send_failed_event *)0)->ssfe_info)",
    "SCTP_ADDR_POTENTIALLY_FAILED": "SCTP_ADDR_POTENTIALLY_FAILED",
    "SCTP_STREAM_CHANGE_DENIED": "SCTP_STREAM_CHANGE_DENIED + SCTP_STREAM_CHANGE_FAILED",
    "SCTP_REUSE_PORT": "SCTP_REUSE_PORT",
    "SCTP_ASCONF_SUPPORTED": "SCTP_ASCONF_SUPPORTED",
    "SCTP_AUTH_SUPPORTED": "SCTP_AUTH_SUPPORTED",
    "SCTP_ECN_SUPPORTED": "SCTP_ECN_SUPPORTED",
    "SCTP_EXPOSE_POTENTIALLY_FAILED_STATE": "SCTP_EXPOSE_POTENTIALLY_FAILED_STATE"
                                            " + SCTP_EXPOSE_PF_STATE",
    "SCTP_EVENT": "SCTP_EVENT + sizeof(struct sctp_event)"
                  " + sizeof(((struct sctp_event *)0)->se_on)",
    "SCTP_PEER_ADDR_THLDS_V2": "SCTP_PEER_ADDR_THLDS_V2 + sizeof(struct sctp_paddrthlds_v2)"
                               " + sizeof(((struct sctp_paddrthlds_v2 *)0)->spt_pathcpthld)",
    "SCTP_PLPMTUD_PROBE_INTERVAL": "SCTP_PLPMTUD_PROBE_INTERVAL"
                                   " + sizeof(struct sctp_probeinterval)",
    "SCTP_REMOTE_UDP_ENCAPS_PORT": "SCTP_REMOTE_UDP_ENCAPS_PORT + sizeof(struct sctp_udpencaps)",
    "SPP_DSCP": "SPP_DSCP + SPP_IPV6_FLOWLABEL"
                " + sizeof(((struct sctp_paddrparams *)0)->spp_dscp)"
                " + sizeof(((struct sctp_paddrparams *)0)->spp_ipv6_flowlabel)",
    "SCTP_PR_SCTP_ALL": "SCTP_PR_SCTP_ALL",
    "SCTP_SS_DEFAULT": "SCTP_SS_DEFAULT",
    "SCTP_POTENTIALLY_FAILED": "SCTP_POTENTIALLY_FAILED",
}

PROBE_SOURCE = """#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/sctp.h>
int main(void) { return (int)(%s) == -12345; }
"""


class BuildExt(build_ext):
    """build_ext that runs the kernel header probes first."""

    def build_extensions(self) -> None:
        macros = []
        with tempfile.TemporaryDirectory() as tmp:
            for name, expr in UAPI_PROBES.items():
                src = os.path.join(tmp, f"probe_{name}.c")
                with open(src, "w") as f:
                    f.write(PROBE_SOURCE % expr)
                try:
                    self.compiler.compile([src], output_dir=tmp, extra_postargs=extra)
                except Exception:  # CompileError: the headers lack it
                    continue
                macros.append((f"HAVE_{name}", "1"))
        missing = sorted(set(UAPI_PROBES) - {m[0][5:] for m in macros})
        if missing:
            print("aiosctp: kernel headers lack (features left out): " + ", ".join(missing))
        for ext in self.extensions:
            ext.define_macros = list(ext.define_macros or []) + macros
        super().build_extensions()


setup(
    cmdclass={"build_ext": BuildExt},
    ext_modules=[
        Extension(
            "aiosctp._sctp",
            sources=["ext/aiosctp.c", "ext/msgio.c", "ext/sockopt.c", "ext/fastpath.c"],
            depends=["ext/aiosctp.h", "setup.py"],
            extra_compile_args=extra,
        )
    ],
)
