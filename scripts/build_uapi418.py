"""Build the C core as the manylinux_2_28 wheel's headers allow: against a
<linux/sctp.h> that sees only what Linux 4.18 defines (the wrapper and the
list of tests/host/test_uapi_418.py), into OUTDIR/aiosctp/.

    python scripts/build_uapi418.py OUTDIR

Run with a Python whose setuptools builds this project (>= 77, as
pyproject.toml asks): `make wheel-env` runs it with .venv's for the suite
run from the sdist (tests/test_build_418.py), whose fresh venv has none."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build(outdir: Path, python: str = sys.executable) -> Path:
    """Build into ``outdir``; the path of the module built."""
    spec = importlib.util.spec_from_file_location(
        "uapi418", ROOT / "tests" / "host" / "test_uapi_418.py")
    assert spec is not None and spec.loader is not None
    u = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(u)
    lacks = u.LINUX_4_18_LACKS
    with tempfile.TemporaryDirectory() as tmp:
        inc = Path(tmp) / "include" / "linux"
        inc.mkdir(parents=True)
        undefs = "\n".join(f"#undef {n}" for n in lacks)
        (inc / "sctp.h").write_text(u.WRAPPER % (undefs, " ".join(lacks)))
        env = dict(os.environ, AIOSCTP_WERROR="1",
                   CFLAGS=f"-I{Path(tmp) / 'include'} " + os.environ.get("CFLAGS", ""))
        proc = subprocess.run(
            [python, "setup.py", "build_ext", "--build-lib", str(outdir),
             "--build-temp", str(Path(tmp) / "obj")],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError("4.18 build failed:\n" + proc.stdout[-4000:] + proc.stderr[-4000:])
    (so,) = (outdir / "aiosctp").glob("_sctp*.so")
    return so


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(build(Path(sys.argv[1]).resolve()))
