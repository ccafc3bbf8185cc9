"""The public API's documentation, checked without SCTP (host tests):

- every public name of aiosctp's modules, of ``sctp`` and of ``_sctp``
  (``sctp._compat_sctp``) has a docstring, and so has every public method and
  property of their public classes (for aiosctp's, one inherited from the
  asyncio interface it implements counts), the PySCTP-style getters, setters
  and properties of ``sctp``'s classes included;
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
import types
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[2]

AIOSCTP_MODULES = [
    "aiosctp", "aiosctp.lowlevel", "aiosctp.events", "aiosctp.options", "aiosctp.message",
    "aiosctp.protocol", "aiosctp.transport", "aiosctp.server", "aiosctp.connection",
    "aiosctp.highlevel",
]
SCTP_MODULES = ["sctp", "sctp._compat_sctp"]  # the latter is what ``import _sctp`` gives
MODULES = AIOSCTP_MODULES + SCTP_MODULES


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


def _undocumented_members_of(modname: str, module: Any) -> Iterator[str]:
    """The public methods and properties without a docstring of the public
    classes of ``module`` (each class's own members: a base class that is
    public is checked under its own name)."""
    for name in _public(module):
        cls = getattr(module, name)
        if not (inspect.isclass(cls) and _ours(cls)):
            continue
        for attr, raw in vars(cls).items():
            if attr.startswith("_"):
                continue
            if isinstance(raw, property):
                ok = _documented(raw)  # its doc= or, without one, its getter's
            elif inspect.isfunction(raw) or isinstance(raw, (staticmethod, classmethod)):
                ok = _documented(getattr(cls, attr))  # inspect.getdoc: inherited docs too
            else:
                continue
            if not ok:
                yield f"{modname}.{name}.{attr}"


def _undocumented_members(modnames: List[str]) -> Iterator[str]:
    for modname in modnames:
        yield from _undocumented_members_of(modname, importlib.import_module(modname))


def test_every_public_name_has_a_docstring() -> None:
    missing = sorted(set(_undocumented_names()))
    assert not missing, "public names without a docstring:\n  " + "\n  ".join(missing)


def test_every_public_member_of_aiosctp_classes_has_a_docstring() -> None:
    missing = sorted(set(_undocumented_members(AIOSCTP_MODULES)))
    assert not missing, "public methods/properties without a docstring:\n  " + "\n  ".join(missing)


def test_every_public_member_of_sctp_classes_has_a_docstring() -> None:
    """The PySCTP-style classes of ``sctp``: sctpsocket's get_*/set_* methods
    and properties (nodelay, maxseg, ...), initparams', event_subscribe's
    (aliases included), the structures' and notifications' methods."""
    missing = sorted(set(_undocumented_members(SCTP_MODULES)))
    assert not missing, "public methods/properties without a docstring:\n  " + "\n  ".join(missing)


def test_sctp_member_check_walks_the_classes() -> None:
    """The sctp check above looks at what it is meant to: the classes and
    their PySCTP-style members (a walker that found nothing would pass)."""
    import sctp

    seen = set()
    for name in _public(sctp):
        cls = getattr(sctp, name)
        if inspect.isclass(cls) and _ours(cls):
            seen.update(f"{name}.{attr}" for attr in vars(cls) if not attr.startswith("_"))
    for member in ("sctpsocket.get_nodelay", "sctpsocket.set_maxseg", "sctpsocket.autoclose",
                   "sctpsocket.ppid_byte_order", "sctpsocket_tcp.get_autoclose",
                   "sctpsocket_udp.accept", "initparams.max_init_timeo",
                   "initparams.set_num_ostreams", "event_subscribe.dataio",
                   "event_subscribe.set_adaptation_layer", "event_subscribe.clear"):
        assert member in seen, member


def test_docstring_check_sees_a_missing_docstring() -> None:
    """The checks above can fail: a bare function, a bare method, a
    property built from bare accessors (as PySCTP's ``property(get, set)``)
    and a bare ``@property`` are caught, in aiosctp's and sctp's classes."""
    def bare() -> None:
        pass

    class Bare:
        """A documented class whose members are not."""

        def get_value(self) -> int:
            return 0

        def set_value(self, v: int) -> None:
            pass

        value = property(get_value, set_value)

        @property
        def other(self) -> int:
            return 0

        def documented(self) -> None:
            """Documented."""

    assert not _documented(bare)
    assert not _documented(vars(Bare)["value"])
    assert not _documented(vars(Bare)["other"])
    for prefix in ("aiosctp", "sctp"):
        Bare.__module__ = prefix + ".fake"
        module = types.ModuleType(prefix + ".fake", "A documented module.")
        module.__all__ = ["Bare"]  # type: ignore[attr-defined]
        module.Bare = Bare  # type: ignore[attr-defined]
        missing = sorted(_undocumented_members_of(module.__name__, module))
        assert missing == [f"{prefix}.fake.Bare.{m}" for m in ("get_value", "other", "set_value", "value")]


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
