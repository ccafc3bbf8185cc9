"""benchmarks/compare_trees.py: the ratios it computes from run.py's JSON and
the trees it prepares (no SCTP needed; the runs themselves need the sandbox)."""

import importlib.util
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _load():
    spec = importlib.util.spec_from_file_location(
        "compare_trees", os.path.join(ROOT, "benchmarks", "compare_trees.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ct = _load()


def _run(scenario, rep, contender, value):
    return {"scenario": scenario, "rep": rep, "contender": contender, "value": value}


def test_ratios_are_per_repetition_against_that_repetitions_c_loop():
    result = {"runs": [
        _run("setup", 1, "c", 2000.0), _run("setup", 1, "asyncio", 400.0),
        _run("setup", 2, "c", 1000.0), _run("setup", 2, "asyncio", 250.0),
        _run("setup", 2, "tcp", None),              # a failed run: no value
        _run("setup", 3, "asyncio", 999.0),         # no C loop in this repetition
        _run("stream", 1, "c", 100.0), _run("stream", 1, "asyncio", 50.0),
    ]}
    assert ct.ratios(result) == {("setup", "asyncio"): [0.2, 0.25],
                                 ("stream", "asyncio"): [0.5]}


def test_table_gives_each_trees_median_and_the_change():
    per_tree = {"old": {("setup", "asyncio"): [0.1, 0.09, 0.11]},
                "new": {("setup", "asyncio"): [0.2, 0.22, 0.21, 0.3],
                        ("setup", "uvloop"): [0.19]}}
    lines = ct.table("old", "new", per_tree)
    assert len(lines) == 3
    assert lines[1].split() == ["setup", "asyncio", "0.100x", "(n=3)", "0.215x", "(n=4)", "2.15x"]
    assert lines[2].split() == ["setup", "uvloop", "-", "0.190x", "(n=1)"]


def test_prepare_unpacks_and_builds_a_commit_once(tmp_path, monkeypatch):
    monkeypatch.setattr(ct, "TREES", str(tmp_path))
    d = ct.prepare("HEAD")
    assert os.path.dirname(d) == str(tmp_path)
    assert os.path.exists(os.path.join(d, "benchmarks", "run.py"))
    built = [n for n in os.listdir(os.path.join(d, "aiosctp")) if n.endswith(".so")]
    assert built, "the tree's C core was not built"
    stamp = os.path.getmtime(os.path.join(d, ".built"))
    assert ct.prepare("HEAD") == d
    assert os.path.getmtime(os.path.join(d, ".built")) == stamp
    assert ct.prepare(".") == ROOT
    assert ct.commit_of(".") == "." and len(ct.commit_of("HEAD")) == 40
    assert d.endswith(ct.commit_of("HEAD")[:12])
    with pytest.raises(subprocess.CalledProcessError):
        ct.prepare("no-such-revision-here")


def test_run_refuses_a_tree_that_was_not_prepared(tmp_path, monkeypatch):
    monkeypatch.setattr(ct, "TREES", str(tmp_path))
    with pytest.raises(SystemExit, match="not prepared"):
        ct.run(["HEAD", "."], 1, str(tmp_path / "out"), [])
    r = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "compare_trees.py"),
                        "prepare", "HEAD", "--bogus"], capture_output=True, text=True)
    assert r.returncode == 2 and "--bogus" in r.stderr


STUB_RUN_PY = '''
import json, sys
args = sys.argv[1:]
path = args[args.index("--json") + 1]
c, v = {TREE_VALUES}
if "--fail" in args and "{NAME}" == "b":
    sys.exit(3)
if "--write-nothing" in args and "{NAME}" == "b":
    sys.exit(0)
json.dump({{"runs": [{{"scenario": "setup", "rep": r, "contender": k, "value": x}}
                     for r in (1, 2) for k, x in (("c", c), ("asyncio", v))]}}, open(path, "w"))
'''


def _stub_tree(root, name: str, values) -> str:
    d = root / name
    (d / "benchmarks").mkdir(parents=True)
    (d / ".built").write_text("")
    (d / "benchmarks" / "run.py").write_text(
        STUB_RUN_PY.format(TREE_VALUES=repr(values), NAME=name))
    return str(d)


def test_run_merges_each_trees_rounds_and_skips_a_failed_run(tmp_path, monkeypatch) -> None:
    trees = {"a": _stub_tree(tmp_path, "a", (1000.0, 100.0)),
             "b": _stub_tree(tmp_path, "b", (2000.0, 400.0))}
    monkeypatch.setattr(ct, "tree_dir", trees.__getitem__)
    monkeypatch.setenv("PYTHONPATH", "/nowhere")
    per_tree = ct.run(["a", "b"], 3, str(tmp_path / "out"), ["--scenarios", "setup"])
    assert per_tree == {"a": {("setup", "asyncio"): [0.1] * 6},
                        "b": {("setup", "asyncio"): [0.2] * 6}}
    assert sorted(os.listdir(tmp_path / "out")) == [
        f"tree{i}-round{n}.json" for i in (0, 1) for n in (1, 2, 3)]
    # a run that fails, or writes no results, is skipped; what an earlier
    # comparison left in the same place is never merged
    for how in ("--fail", "--write-nothing"):
        per_tree = ct.run(["a", "b"], 1, str(tmp_path / "out"), [how])
        assert per_tree == {"a": {("setup", "asyncio"): [0.1] * 2}, "b": {}}, how
