#!/usr/bin/env bash
# Build the C extension twice more, instrumented, into build/sanitizers/:
#   asan/   AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer at
#           exit). Runs on the host only: ASan's fixed 16 TiB shadow does not
#           fit in the user-mode-linux guest's address space.
#   ubsan/  UndefinedBehaviorSanitizer alone, aborting on the first error;
#           runs inside the guest against kernel SCTP.
# Each folder is an importable copy of the aiosctp package with its own
# _sctp.so; point PYTHONPATH at it and LD_PRELOAD the runtime (see
# tests/test_sanitizers.py and tests/host/test_asan.py).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
out=build/sanitizers
build() {  # name, sanitizer flags
    local name=$1 flags=$2 tmp
    tmp=$(mktemp -d)
    CFLAGS="$flags -fno-omit-frame-pointer -O1 -g" LDFLAGS="$flags" \
        "$PY" setup.py -q build_ext --build-lib "$tmp/lib" --build-temp "$tmp/obj" >/dev/null
    rm -rf "$out/$name"
    mkdir -p "$out/$name/aiosctp"
    cp aiosctp/*.py aiosctp/py.typed "$out/$name/aiosctp/"
    cp "$tmp"/lib/aiosctp/_sctp*.so "$out/$name/aiosctp/"
    rm -rf "$tmp"
    echo "sanitizer build: $out/$name"
}
build asan "-fsanitize=address,undefined -fno-sanitize-recover=undefined"
build ubsan "-fsanitize=undefined -fno-sanitize-recover=undefined"
