"""``_sctp``: the low-level module of PySCTP 0.7.3, as this project serves it.

PySCTP installs two top-level modules, ``sctp`` and ``_sctp`` (its C half),
and programs and PySCTP's own tests import both (``import _sctp``,
``_sctp.getconstant("IPPROTO_SCTP")``). This project's ``sctp`` package is a
reimplementation over aiosctp's C core; its ``_sctp`` is
``sctp._compat_sctp``, and this file makes ``import _sctp`` return that
very module. See docs/sctp-compat.md.
"""

import sys

from sctp import _compat_sctp

sys.modules[__name__] = _compat_sctp
