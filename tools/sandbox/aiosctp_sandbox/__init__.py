"""aiosctp-sandbox: run a command where Linux kernel SCTP is available.

A development and CI tool of the aiosctp project, not part of the library:
it boots Debian's user-mode-linux kernel when the host kernel lacks SCTP
(see :mod:`aiosctp_sandbox.sandbox` for the details).  From a clone,
``make venv`` installs it into ``.venv``; then::

    .venv/bin/aiosctp-sandbox -- CMD ARGS...
    .venv/bin/python -m aiosctp_sandbox -- CMD ARGS...
    python3 tools/sandbox/aiosctp_sandbox/sandbox.py -- CMD ARGS...   # stdlib only
"""

from .sandbox import has_kernel_sctp, in_guest, main

__all__ = ["has_kernel_sctp", "in_guest", "main"]
