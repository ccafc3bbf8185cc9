"""Check what `make dist` made (dist/): the wheel's platform tag, its
contents and the sdist's.  Exits non-zero, saying why, on the first class of
problem; `make dist` runs it, so CI fails on a wrong tag.

    python scripts/check_dist.py dist
"""

from __future__ import annotations

import re
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import List

# The newest glibc a wheel may require (manylinux_2_28: RHEL 8 and its
# clones, Debian 10+, Ubuntu 18.10+); older tags are fine.
MAX_GLIBC = (2, 28)
ARCH = "x86_64"

# What the sdist's tests need besides tests/test_*.py (issue 13).
SDIST_MUST_HAVE = [
    "LICENSE", "README.md", "CHANGELOG.md", "CONTRIBUTING.md", "pyproject.toml", "setup.py",
    "_sctp.py", "ext/aiosctp.h", "tests/conftest.py", "tests/sctputil.py",
    "tests/sandbox_tool.py", "tests/host/conftest.py", "tests/pysctp/sctp_helpers.py",
    "tests/workloads/smoke.py",
    "examples/demo.py", "docs/conf.py", "docs/index.rst", "benchmarks/run.py",
    "scripts/pysctp-ref.sh", "scripts/sanitizer-build.sh",
    "tools/sandbox/pyproject.toml", "tools/sandbox/aiosctp_sandbox/sandbox.py",
    "tools/sandbox/aiosctp_sandbox/_fpfix.c",
]


def tag_ok(platform_tag: str) -> bool:
    """True for manylinux tags no newer than MAX_GLIBC on ARCH (a wheel may
    carry several, dot-separated: every one must qualify)."""
    for tag in platform_tag.split("."):
        m = re.fullmatch(r"manylinux_(\d+)_(\d+)_(\w+)", tag)
        if m:
            glibc = (int(m.group(1)), int(m.group(2)))
            arch = m.group(3)
        else:
            legacy = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
            m = re.fullmatch(r"(manylinux1|manylinux2010|manylinux2014)_(\w+)", tag)
            if not m:
                return False
            glibc, arch = legacy[m.group(1)], m.group(2)
        if arch != ARCH or glibc > MAX_GLIBC:
            return False
    return True


def check_wheel(path: Path) -> List[str]:
    problems = []
    parts = path.name[:-len(".whl")].split("-")
    if len(parts) != 5 or not tag_ok(parts[4]):
        problems.append(f"{path.name}: platform tag is not manylinux_2_28_{ARCH} or older")
    names = zipfile.ZipFile(path).namelist()
    if not any(re.fullmatch(r"aiosctp-[^/]+\.dist-info/licenses/LICENSE", n) for n in names):
        problems.append(f"{path.name}: no LICENSE in .dist-info/licenses/")
    for must in ("aiosctp/__init__.py", "aiosctp/py.typed", "sctp/__init__.py", "_sctp.py"):
        if must not in names:
            problems.append(f"{path.name}: {must} missing")
    if not any(re.fullmatch(r"aiosctp/_sctp\.cpython-[^/]+\.so", n) for n in names):
        problems.append(f"{path.name}: the C extension aiosctp/_sctp*.so is missing")
    for n in names:
        if "sandbox" in n or n.endswith(".c") or n.startswith(("tests/", "tools/")):
            problems.append(f"{path.name}: {n} does not belong in the library's wheel")
    return problems


def check_sdist(path: Path) -> List[str]:
    with tarfile.open(path) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    return [f"{path.name}: {m} missing" for m in SDIST_MUST_HAVE if m not in names]


def main(argv: List[str]) -> int:
    folder = Path(argv[1] if len(argv) > 1 else "dist")
    wheels = sorted(folder.glob("aiosctp-*.whl"))
    sdists = sorted(folder.glob("aiosctp-*.tar.gz"))
    problems = []
    if len(wheels) != 1:
        problems.append(f"{folder}: expected one wheel, found {[w.name for w in wheels]}")
    if len(sdists) != 1:
        problems.append(f"{folder}: expected one sdist, found {[s.name for s in sdists]}")
    for w in wheels:
        problems += check_wheel(w)
    for s in sdists:
        problems += check_sdist(s)
    for p in problems:
        print(f"check_dist: {p}", file=sys.stderr)
    if not problems:
        print(f"check_dist: {wheels[0].name} and {sdists[0].name} are fine")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
