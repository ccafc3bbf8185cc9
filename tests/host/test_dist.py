"""What `make dist` made (dist/, needed: `make test-host` builds it first),
and that the Python versions pyproject.toml claims are those `make test`
smoke-tests."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"


def _check_dist() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_dist", ROOT / "scripts" / "check_dist.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cd = _check_dist()


def test_dist_passes_its_checks() -> None:
    assert list(DIST.glob("*.whl")), "no wheel in dist/: run `make dist`"
    assert cd.main(["check_dist.py", str(DIST)]) == 0


def test_wheel_tag_is_manylinux_2_28_or_older() -> None:
    (wheel,) = DIST.glob("aiosctp-*.whl")
    tag = wheel.name[:-4].split("-")[4]
    assert cd.tag_ok(tag), tag
    show = subprocess.run([str(Path(sys.executable).with_name("auditwheel")), "show", str(wheel)],
                          capture_output=True, text=True)
    assert show.returncode == 0, show.stderr
    assert "manylinux_2_28_x86_64" in show.stdout or "manylinux_2_2" in show.stdout, show.stdout


def test_tag_check_rejects_what_it_should() -> None:
    assert cd.tag_ok("manylinux_2_28_x86_64")
    assert cd.tag_ok("manylinux_2_17_x86_64.manylinux2014_x86_64")
    assert not cd.tag_ok("manylinux_2_31_x86_64")
    assert not cd.tag_ok("linux_x86_64")
    assert not cd.tag_ok("manylinux_2_28_aarch64")
    assert not cd.tag_ok("manylinux_2_17_x86_64.manylinux_2_34_x86_64")


def test_wheel_has_licence_and_no_sandbox(tmp_path: Path) -> None:
    (wheel,) = DIST.glob("aiosctp-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    lic = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
    assert lic
    assert "MIT License" in zipfile.ZipFile(wheel).read(lic[0]).decode()
    assert not [n for n in names if "sandbox" in n or "fpfix" in n]
    entry_points = [n for n in names if n.endswith("entry_points.txt")]
    for n in entry_points:
        assert "sandbox" not in zipfile.ZipFile(wheel).read(n).decode()
    # a wheel that did ship the runner is caught
    bad = tmp_path / wheel.name
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(bad, "w") as dst:
        for n in src.namelist():
            dst.writestr(n, src.read(n))
        dst.writestr("aiosctp/sandbox.py", "")
    assert any("sandbox.py" in p for p in cd.check_wheel(bad))


def test_sdist_holds_what_its_tests_need() -> None:
    (sdist,) = DIST.glob("aiosctp-*.tar.gz")
    assert cd.check_sdist(sdist) == []
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    tracked = subprocess.run(["git", "ls-files", "tests", "examples", "docs", "scripts", "tools",
                              "benchmarks"], capture_output=True, text=True, cwd=str(ROOT))
    if tracked.returncode == 0 and tracked.stdout:  # a clone: every tracked test file is in it
        missing = sorted(set(tracked.stdout.split()) - names)
        assert not missing, missing


def _classifier_versions() -> list:
    text = (ROOT / "pyproject.toml").read_text()
    return re.findall(r'"Programming Language :: Python :: (3\.\d+)"', text)


def test_claimed_pythons_are_the_tested_ones() -> None:
    claimed = _classifier_versions()
    make = (ROOT / "Makefile").read_text()
    m = re.search(r"^PYTHONS\s*\?=\s*(.*)$", make, re.M)
    assert m, "PYTHONS not found in the Makefile"
    assert m.group(1).split() == claimed
    requires = re.search(r'^requires-python = ">=(3\.\d+)"$', (ROOT / "pyproject.toml").read_text(), re.M)
    assert requires and requires.group(1) == claimed[0]
    for need in ("Operating System :: POSIX :: Linux", "Framework :: AsyncIO", "Typing :: Typed"):
        assert need in (ROOT / "pyproject.toml").read_text()
