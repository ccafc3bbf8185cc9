#!/usr/bin/env bash
# pysctp-ref-check.sh - make-independent smoke check of the reference venv
# created by scripts/pysctp-ref.sh: imports the classic PySCTP 0.7.3 `sctp`
# and `_sctp` modules (no sockets are opened; works without kernel SCTP).
# Exit status 0 and prints sctp.__file__ on success.
set -euo pipefail
repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
vpy=${PYSCTP_REF_VENV:-$repo/.venv-pysctp}/bin/python
[ -x "$vpy" ] || { echo "pysctp-ref-check: $vpy missing; run scripts/pysctp-ref.sh" >&2; exit 1; }
# -I and cd /: keep the repo's own sctp/ package off sys.path.
cd / && exec "$vpy" -I -c "import sctp, _sctp; print(sctp.__file__)"
