"""``_sctp``: the low-level module of PySCTP 0.7.3, as this project serves it.

PySCTP installs two top-level modules, ``sctp`` and ``_sctp`` (its C half),
and programs and PySCTP's own tests import both (``import _sctp``,
``_sctp.getconstant("IPPROTO_SCTP")``). This project's implementation is
``sctp/_compat_sctp.py``; this file makes ``import _sctp`` return that very
module object.

It must work without importing the ``sctp`` package: many projects vendored
PySCTP's ``sctp.py`` next to their code, and that file does ``import _sctp``
while it is itself the partially initialised ``sctp`` module. So the
implementation file, which imports only :mod:`aiosctp`, is loaded by its
path (``sctp/_compat_sctp.py`` beside this file, in a checkout as in an
install) under its package name ``sctp._compat_sctp``; the ``sctp`` package,
when imported, finds it in :data:`sys.modules` and uses the same object.
See docs/sctp-compat.md.
"""

import importlib.util
import os
import sys
import types


def _load() -> types.ModuleType:
    name = "sctp._compat_sctp"
    mod = sys.modules.get(name)
    if mod is not None:
        return mod
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sctp", "_compat_sctp.py")
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - a broken install
        raise ImportError("_sctp: cannot load %s" % path, name=__name__, path=path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        del sys.modules[name]
        raise
    return mod


sys.modules[__name__] = _load()
