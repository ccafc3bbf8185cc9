"""Build the one extension module, aiosctp._sctp, from ext/.

CFLAGS from the environment are honoured (the Makefile adds -Werror in CI and
the sanitizer flags for the ASan/UBSan build).
"""
import os

from setuptools import Extension, setup

extra = ["-Wall", "-Wextra", "-std=gnu11"]
if os.environ.get("AIOSCTP_WERROR"):
    extra.append("-Werror")

setup(
    ext_modules=[
        Extension(
            "aiosctp._sctp",
            sources=["ext/aiosctp.c", "ext/msgio.c", "ext/sockopt.c"],
            depends=["ext/aiosctp.h"],
            extra_compile_args=extra,
        )
    ]
)
