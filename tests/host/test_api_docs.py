"""The public API's documentation, checked without SCTP (host tests):

- every public name of aiosctp's modules and of ``sctp`` has a docstring,
  and so has every public method and property of aiosctp's public classes
  (one inherited from the asyncio interface it implements counts);
- the Python snippets of the README and of docs/*.rst pass ``mypy --strict``
  against the package;
- ``aiosctp.lowlevel.__all__`` is a static list (mypy and Sphinx follow it)
  that re-exports every name of ``aiosctp.options``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[2]

AIOSCTP_MODULES = [
    "aiosctp", "aiosctp.lowlevel", "aiosctp.events", "aiosctp.options", "aiosctp.message",
    "aiosctp.protocol", "aiosctp.transport", "aiosctp.server", "aiosctp.connection",
    "aiosctp.highlevel",
]
MODULES = AIOSCTP_MODULES + ["sctp"]


def _public(module: Any) -> List[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    return list(names)


def _ours(obj: Any) -> bool:
    return str(getattr(obj, "__module__", "")).split(".")[0] in ("aiosctp", "sctp")


def _documented(obj: Any) -> bool:
    return bool((inspect.getdoc(obj) or "").strip())


def _undocumented_names() -> Iterator[str]:
    for modname in MODULES:
        module = importlib.import_module(modname)
        if not _documented(module):
            yield modname
        for name in _public(module):
            obj = getattr(module, name)
            if (inspect.isclass(obj) or inspect.isroutine(obj)) and _ours(obj) and not _documented(obj):
                yield f"{modname}.{name}"


def _undocumented_members() -> Iterator[str]:
    for modname in AIOSCTP_MODULES:
        module = importlib.import_module(modname)
        for name in _public(module):
            cls = getattr(module, name)
            if not (inspect.isclass(cls) and _ours(cls)):
                continue
            for attr, raw in vars(cls).items():
                if attr.startswith("_"):
                    continue
                if isinstance(raw, property):
                    ok = _documented(raw)
                elif inspect.isfunction(raw) or isinstance(raw, (staticmethod, classmethod)):
                    ok = _documented(getattr(cls, attr))  # inspect.getdoc: inherited docs too
                else:
                    continue
                if not ok:
                    yield f"{modname}.{name}.{attr}"


def test_every_public_name_has_a_docstring() -> None:
    missing = sorted(set(_undocumented_names()))
    assert not missing, "public names without a docstring:\n  " + "\n  ".join(missing)


def test_every_public_member_of_aiosctp_classes_has_a_docstring() -> None:
    missing = sorted(set(_undocumented_members()))
    assert not missing, "public methods/properties without a docstring:\n  " + "\n  ".join(missing)


def test_docstring_check_sees_a_missing_docstring() -> None:
    """The checks above can fail: a bare function and property are caught."""
    def bare() -> None:
        pass

    class Bare:
        @property
        def value(self) -> int:
            return 0

    assert not _documented(bare)
    assert not _documented(vars(Bare)["value"])


def readme_snippets() -> List[Tuple[str, str]]:
    """(where, code) of each ```python block of README.md and each
    ``.. code-block:: python`` of the Sphinx pages in docs/."""
    out = []
    text = (ROOT / "README.md").read_text()
    for m in re.finditer(r"^```python\n(.*?)^```", text, re.S | re.M):
        out.append((f"README.md:{text[:m.start()].count(chr(10)) + 1}", m.group(1)))
    for page in sorted((ROOT / "docs").glob("*.rst")):
        text = page.read_text()
        for m in re.finditer(r"^\.\. code-block:: python\n\n((?:(?:   .*)?\n)+)", text, re.M):
            out.append((f"docs/{page.name}:{text[:m.start()].count(chr(10)) + 1}",
                        textwrap.dedent(m.group(1))))
    return out


def as_module(code: str) -> str:
    """A snippet as a module mypy can check: its statements become the body
    of an ``async def`` (snippets use ``await`` at top level, as in asyncio's
    REPL), imports stay at module level."""
    lines = code.splitlines()
    imports = [ln for ln in lines if re.match(r"(import|from)\s", ln)]
    body = [ln for ln in lines if ln not in imports]
    return "\n".join(imports) + "\n\n\nasync def _snippet() -> None:\n" + textwrap.indent(
        "\n".join(body), "    ") + "\n"


def test_readme_has_snippets() -> None:
    where = [w for w, _ in readme_snippets()]
    assert sum(w.startswith("README.md") for w in where) >= 2
    assert sum(w.startswith("docs/tutorial.rst") for w in where) >= 6


@pytest.mark.parametrize("line,code", readme_snippets(), ids=lambda v: v if ":" in v[:40] else "")
def test_readme_snippet_passes_mypy_strict(line: str, code: str, tmp_path: Path) -> None:
    path = tmp_path / (re.sub(r"\W", "_", line) + ".py")
    path.write_text(as_module(code))
    ast.parse(path.read_text())
    import aiosctp

    env = dict(os.environ)
    where = Path(aiosctp.__file__).resolve().parents[1]
    if "site-packages" not in where.parts:  # an editable install: mypy cannot follow its import hook
        env["MYPYPATH"] = str(where)
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
         "--cache-dir", str(tmp_path / "cache"), str(path)],
        capture_output=True, text=True, cwd=str(tmp_path), env=env)
    assert proc.returncode == 0, f"{line}:\n{path.read_text()}\n{proc.stdout}{proc.stderr}"


def test_lowlevel_all_is_static_and_covers_options() -> None:
    from aiosctp import lowlevel, options

    tree = ast.parse((ROOT / "aiosctp" / "lowlevel.py").read_text())
    assigns = [n for n in tree.body if isinstance(n, ast.Assign)
               and any(isinstance(t, ast.Name) and t.id == "__all__" for t in n.targets)]
    assert len(assigns) == 1 and isinstance(assigns[0].value, ast.List), "__all__ must be one list literal"
    assert all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in assigns[0].value.elts)
    missing = sorted(set(options.__all__) - set(lowlevel.__all__))
    assert not missing, f"add to aiosctp.lowlevel.__all__: {missing}"
    assert len(set(lowlevel.__all__)) == len(lowlevel.__all__)
    for name in lowlevel.__all__:
        assert hasattr(lowlevel, name), name
