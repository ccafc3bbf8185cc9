#!/usr/bin/env bash
# pysctp-ref.sh - build the REFERENCE environment: PySCTP 0.7.3 from PyPI,
# compiled from source, in its own virtual environment <repo>/.venv-pysctp.
#
# It exists so that tests and differential checks can run the very same code
# against the classic `sctp`/`_sctp` modules and against this project's
# reimplementation.  Nothing from this repository is installed into it.
#
# Usage:   scripts/pysctp-ref.sh            # create/verify; prints the venv python
#          PY=$(scripts/pysctp-ref.sh)      # stdout is exactly one line: the python path
# Env:     PYTHON  interpreter used to create the venv (default: python3)
#          PYSCTP_REF_VENV  venv location (default: <repo>/.venv-pysctp)
#
# Idempotent: if the venv already imports sctp/_sctp from pysctp 0.7.3 it does
# nothing but print the path.  Requires gcc and libsctp-dev (netinet/sctp.h and
# libsctp.so); fails with a clear message if they are missing.
#
# Note: always import the reference with `python -I` (or from a directory other
# than the repo root): the repo's own `sctp/` package would otherwise shadow
# the reference `sctp.py` through sys.path[0].
set -euo pipefail

PYSCTP_VERSION=0.7.3
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/.." && pwd)
venv=${PYSCTP_REF_VENV:-$repo/.venv-pysctp}
vpy=$venv/bin/python

log() { printf 'pysctp-ref: %s\n' "$*" >&2; }
die() { printf 'pysctp-ref: ERROR: %s\n' "$*" >&2; exit 1; }

# Run from a neutral directory so the repo's sctp/ package cannot shadow the reference.
check_installed() {
    [ -x "$vpy" ] || return 1
    (cd / && "$vpy" -I - "$venv" "$PYSCTP_VERSION" <<'PYEOF'
import os, sys
from importlib.metadata import version
venv, want = os.path.realpath(sys.argv[1]), sys.argv[2]
import sctp, _sctp
for m in (sctp, _sctp):
    if not os.path.realpath(m.__file__).startswith(venv + os.sep):
        sys.exit("%s imported from %s, outside %s" % (m.__name__, m.__file__, venv))
if version("pysctp") != want:
    sys.exit("pysctp %s installed, want %s" % (version("pysctp"), want))
if _sctp.getconstant("IPPROTO_SCTP") != 132:
    sys.exit("_sctp.getconstant('IPPROTO_SCTP') != 132")
PYEOF
    ) >/dev/null 2>&1
}

if check_installed; then
    log "PySCTP $PYSCTP_VERSION already installed in $venv"
    printf '%s\n' "$vpy"
    exit 0
fi

# --- prerequisites -------------------------------------------------------
command -v gcc >/dev/null 2>&1 || die "gcc not found; install a C compiler (Debian/Ubuntu: apt-get install gcc)"
if ! printf '#include <netinet/sctp.h>\nint main(void){return 0;}\n' \
        | gcc -x c -E - >/dev/null 2>&1; then
    die "SCTP headers (netinet/sctp.h) not found: install libsctp-dev (Debian/Ubuntu) or lksctp-tools-devel (Fedora)"
fi
tmpd=$(mktemp -d)
trap 'rm -rf "$tmpd"' EXIT
if ! printf '#include <netinet/sctp.h>\nint main(void){return sctp_bindx(-1,0,0,0);}\n' \
        | gcc -x c - -o "$tmpd/t" -lsctp >/dev/null 2>&1; then
    die "cannot link against libsctp (-lsctp): install libsctp-dev (Debian/Ubuntu) or lksctp-tools-devel (Fedora)"
fi
PYTHON=${PYTHON:-python3}
command -v "$PYTHON" >/dev/null 2>&1 || die "python interpreter '$PYTHON' not found (set PYTHON=...)"
# Python.h is needed to compile _sctp.c
inc=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
[ -f "$inc/Python.h" ] || die "Python.h not found in $inc: install the python3-dev package for $PYTHON"

# --- venv + install --------------------------------------------------------
if [ ! -x "$vpy" ]; then
    log "creating venv $venv with $("$PYTHON" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
    "$PYTHON" -m venv "$venv" >&2 || die "python -m venv failed"
fi
log "installing pysctp==$PYSCTP_VERSION from PyPI (source build)"
(cd / && "$vpy" -m pip install --disable-pip-version-check -q \
        --no-binary pysctp "pysctp==$PYSCTP_VERSION") >&2 \
    || die "pip install pysctp==$PYSCTP_VERSION failed (see output above)"

if ! check_installed; then
    (cd / && "$vpy" -I -c 'import sctp, _sctp; print(sctp.__file__, _sctp.__file__)') >&2 || true
    die "pysctp installed but 'import sctp, _sctp' does not work from $venv"
fi
log "PySCTP $PYSCTP_VERSION ready in $venv"
printf '%s\n' "$vpy"
