"""Two trees of aiosctp measured in one sandbox boot, alternately.

Timings in the sandbox swing by several times between boots (the cost of a
system call in the guest changes with the boot), so "faster than before"
holds only when both trees run in the same boot. This runs each tree's own
``benchmarks/run.py`` (its harness, its C core, its C reference) in turn,
``--rounds`` times, and prints for every scenario and contender the median
of the repetitions' ratios to the C loop of the same repetition, per tree,
and how the second tree's median compares with the first's.

Trees are commits (unpacked with ``git archive`` and built, once, on the
host: ``prepare``, which needs no SCTP) or ``.``, this working tree as it is
built. Extra arguments go to each ``run.py`` (``--scenarios setup --reps
3``...). Started on a host without kernel SCTP, ``run`` prepares the trees
and re-runs itself in the sandbox, as ``run.py`` does:

    .venv/bin/python benchmarks/compare_trees.py run e3918ae . \\
        --scenarios setup --reps 3 --only c,asyncio,highlevel,tcp-asyncio

(``make bench-compare BASE=e3918ae``.)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from typing import Any, Dict, Iterable, List, Sequence, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import benchlib as bl  # noqa: E402
TREES = os.path.join(HERE, "results", "trees")

# (scenario, contender) -> list of ratios to the C loop, one per repetition
Ratios = Dict[Tuple[str, str], List[float]]


def commit_of(rev: str) -> str:
    """The commit ``rev`` names now (``.`` stays ``.``)."""
    if rev == ".":
        return rev
    return subprocess.run(["git", "-C", ROOT, "rev-parse", "--verify", rev + "^{commit}"],
                          check=True, capture_output=True, text=True).stdout.strip()


def tree_dir(rev: str) -> str:
    """Where the tree of ``rev`` is unpacked (``.`` is this tree)."""
    if rev == ".":
        return ROOT
    return os.path.join(TREES, commit_of(rev)[:12])


def prepared(d: str) -> bool:
    """Whether the tree in ``d`` is ready to run (this tree always is)."""
    return d == ROOT or os.path.exists(os.path.join(d, ".built"))


def prepare(rev: str) -> str:
    """Unpack ``rev`` and build its C core in place (once per commit)."""
    d = tree_dir(rev)
    if prepared(d):
        return d
    os.makedirs(d, exist_ok=True)
    archive = subprocess.run(["git", "-C", ROOT, "archive", rev],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", d], input=archive, check=True)
    subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--inplace"],
                   cwd=d, check=True)
    open(os.path.join(d, ".built"), "w").close()
    return d


def ratios(result: Dict[str, Any]) -> Ratios:
    """Each repetition's value of every contender divided by the C loop's
    value in the same repetition and scenario (``run.py``'s JSON ``runs``)."""
    by_rep: Dict[Tuple[str, Any], Dict[str, float]] = {}
    for r in result.get("runs", []):
        value = r.get("value")
        if isinstance(value, (int, float)) and value > 0:
            by_rep.setdefault((r["scenario"], r["rep"]), {})[r["contender"]] = float(value)
    out: Ratios = {}
    for (scenario, _rep), row in sorted(by_rep.items(), key=lambda kv: str(kv[0])):
        c = row.get("c")
        if c is None:
            continue
        for contender, value in row.items():
            if contender != "c":
                out.setdefault((scenario, contender), []).append(value / c)
    return out


def merge(into: Ratios, more: Ratios) -> None:
    for key, values in more.items():
        into.setdefault(key, []).extend(values)


def table(base: str, head: str, per_tree: Dict[str, Ratios]) -> List[str]:
    """The summary lines: each contender's median ratio per tree, and the
    second tree's median over the first's."""
    keys = sorted(set(per_tree[base]) | set(per_tree[head]))
    lines = [f"{'scenario':10s} {'contender':14s} {base[:12]:>14s} {head[:12]:>14s}  change"]
    for key in keys:
        a, b = per_tree[base].get(key), per_tree[head].get(key)
        ma = statistics.median(a) if a else None
        mb = statistics.median(b) if b else None
        cell_a = f"{ma:.3f}x (n={len(a)})" if a and ma is not None else "-"
        cell_b = f"{mb:.3f}x (n={len(b)})" if b and mb is not None else "-"
        change = f"{mb / ma:.2f}x" if ma and mb else ""
        lines.append(f"{key[0]:10s} {key[1]:14s} {cell_a:>14s} {cell_b:>14s}  {change}")
    return lines


def run(revs: Sequence[str], rounds: int, out_dir: str, extra: Iterable[str]) -> Dict[str, Ratios]:
    per_tree: Dict[str, Ratios] = {rev: {} for rev in revs}
    os.makedirs(out_dir, exist_ok=True)
    for n in range(1, rounds + 1):
        for i, rev in enumerate(revs):
            d = tree_dir(rev)
            if not prepared(d):
                raise SystemExit(f"{rev}: not prepared (compare_trees.py prepare {rev})")
            path = os.path.join(out_dir, f"tree{i}-round{n}.json")
            if os.path.exists(path):
                os.remove(path)  # an earlier comparison's: never merged
            cmd = [sys.executable, "benchmarks/run.py", "--json", path, *extra]
            print(f"round {n}/{rounds}: {rev} ({d})", flush=True)
            # each run.py puts its own tree first for its workers: nothing
            # of this tree may come before it
            env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
            r = subprocess.run(cmd, cwd=d, env=env, stdout=subprocess.DEVNULL)
            if r.returncode != 0 or not os.path.exists(path):
                print(f"  run.py of {rev} failed (exit {r.returncode}); round skipped", flush=True)
                continue
            with open(path) as f:
                merge(per_tree[rev], ratios(json.load(f)))
    return per_tree


def main(argv: Sequence[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare", help="unpack and build commits (host; no SCTP needed)")
    p.add_argument("revs", nargs="+")
    r = sub.add_parser("run", help="run both trees' run.py alternately (needs SCTP)")
    r.add_argument("base")
    r.add_argument("head")
    r.add_argument("--rounds", type=int, default=4)
    r.add_argument("--out", default=os.path.join(HERE, "results", "compare"),
                   help="directory for each run's JSON and summary.json")
    args, extra = ap.parse_known_args(argv)
    if args.cmd == "prepare":
        if extra:
            ap.error(f"unknown arguments: {extra}")
        for rev in args.revs:
            print(f"{rev}: {prepare(rev)}")
        return 0
    if not bl.in_guest_or_sctp():
        # the guest gets the commits, not names that a commit made
        # meanwhile would move (HEAD~1)
        revs = [commit_of(rev) for rev in (args.base, args.head)]
        for rev in revs:
            prepare(rev)
        return bl.reexec_in_sandbox(
            [os.path.abspath(__file__), "run", *revs, "--rounds", str(args.rounds),
             "--out", args.out, *extra], timeout=3600)
    per_tree = run([args.base, args.head], args.rounds, args.out, extra)
    lines = table(args.base, args.head, per_tree)
    print("\n".join(lines))
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump({"base": args.base, "head": args.head, "run_args": list(extra),
                   "ratios": {tree: {f"{s}/{c}": v for (s, c), v in rs.items()}
                              for tree, rs in per_tree.items()},
                   "table": lines}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
