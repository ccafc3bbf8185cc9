#!/usr/bin/env bash
# pysctp-ref-programs.sh - fetch the real PySCTP programs the tests run
# (tests/test_sctp_programs.py), from PyPI, on the host: the sandbox guest has
# no network.  Nothing of them is kept in the repository.
#
#   <cache>/pysctp-0.7.3/    the unpacked PySCTP 0.7.3 sdist: its sctp.py,
#                            test_loopback.py, test_local_cnx.py, LICENSE
#   <cache>/pycrate/         pycrate 0.8.1 (wheel unpacked): pycrate_corenet's
#                            CorenetServer serves S1AP over `import sctp`
#   <cache>/python-diameter/ python-diameter 0.9.0 (wheel unpacked): its
#                            diameter.node.Node speaks Diameter over `import sctp`
#
# <cache> is $PYSCTP_PROGRAMS (default <repo>/.venv-pysctp/programs).  Every
# file is pinned by its sha256; once present nothing is downloaded again.
# Prints the cache directory on stdout.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/.." && pwd)
cache=${PYSCTP_PROGRAMS:-$repo/.venv-pysctp/programs}
PYTHON=${PYTHON:-python3}

log() { printf 'pysctp-ref-programs: %s\n' "$*" >&2; }
die() { printf 'pysctp-ref-programs: ERROR: %s\n' "$*" >&2; exit 1; }

# name==version  file  sha256  directory
ARTIFACTS=(
  "pysctp==0.7.3 pysctp-0.7.3.tar.gz bf7133c709528f83dce3950d4e486e7520f4a0f80d71e2364bf0991eb5d1eeae pysctp-0.7.3"
  "pycrate==0.8.1 pycrate-0.8.1-py2.py3-none-any.whl 65c4dd48d93248a0a4aa2fc78bab10ea64087c6382827035fae9f8bba343db53 pycrate"
  "python-diameter==0.9.0 python_diameter-0.9.0-py3-none-any.whl b5ef067db631181a06578d8b1f33e8536425b318d8612aa48479ee3f4abf934d python-diameter"
)

mkdir -p "$cache/dl"
for a in "${ARTIFACTS[@]}"; do
    read -r req file sha dir <<<"$a"
    [ -f "$cache/$dir/.sha256" ] && [ "$(cat "$cache/$dir/.sha256")" = "$sha" ] && continue
    if ! { [ -f "$cache/dl/$file" ] && echo "$sha  $cache/dl/$file" | sha256sum -c --status; }; then
        log "downloading $req from PyPI"
        rm -f "$cache/dl/$file"
        kind=--only-binary=:all:
        case $file in *.tar.gz) kind=--no-binary=:all: ;; esac
        (cd / && "$PYTHON" -m pip download --disable-pip-version-check -q --no-deps \
            "$kind" -d "$cache/dl" "$req") >&2 || die "pip download $req failed"
        [ -f "$cache/dl/$file" ] || die "pip download $req did not give $file"
        echo "$sha  $cache/dl/$file" | sha256sum -c --status \
            || die "$file: sha256 differs from the pinned $sha"
    fi
    rm -rf "$cache/$dir" "$cache/$dir.tmp"
    mkdir -p "$cache/$dir.tmp"
    case $file in
        *.tar.gz) tar -xzf "$cache/dl/$file" -C "$cache/$dir.tmp" --strip-components=1 ;;
        *.whl) "$PYTHON" -m zipfile -e "$cache/dl/$file" "$cache/$dir.tmp" ;;
    esac
    echo "$sha" >"$cache/$dir.tmp/.sha256"
    mv "$cache/$dir.tmp" "$cache/$dir"
    log "$req ready in $cache/$dir"
done
printf '%s\n' "$cache"
