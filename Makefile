# aiosctp: build, demo and test.
#
# The tests need Linux kernel SCTP.  Where the running kernel has none, they run
# inside a user-mode-linux guest sharing this file system (aiosctp/sandbox.py;
# `make check-sandbox` says which way it goes here and why).
#
#   make deps           Debian packages (apt-get; sudo unless root)
#   make venv           .venv with the package (editable) + pytest, uvloop, mypy
#   make build          build the C extension in place, warnings are errors
#   make test           everything: sandbox runner tests on the host, then the
#                       whole suite inside ONE sandbox boot
#   make test-sandbox   only the host-side tests of the sandbox runner
#   make pysctp-ref     .venv-pysctp: PySCTP 0.7.3, the differential tests' reference,
#                       and the real PySCTP programs the tests run (from PyPI)
#   make demo           run examples/demo.py in the sandbox
#   make bench          benchmarks/run.py: every contender in one sandbox boot
#   make check-sandbox  explain how kernel SCTP is reached on this machine
#   make clean          remove build products (distclean: also .venv)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
# The sandbox runner (see aiosctp/sandbox.py; as a plain script it needs only
# the standard library, as check-sandbox and tests/host use it).
SANDBOX := $(VPY) -m aiosctp.sandbox

SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
APT  := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get -q -y \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold

# user-mode-linux, kmod, iproute2: the sandbox guest (kernel, insmod, ip).
# lksctp-tools, libsctp-dev: real SCTP peers and headers.  tshark (with
# dumpcap from wireshark-common): packet captures.  gcc: the extension and the
# sandbox's ptrace workaround.  python3-venv/-dev: venv and Python.h on Debian.
APT_PACKAGES := user-mode-linux kmod iproute2 lksctp-tools libsctp-dev \
                tshark wireshark-common strace gcc libc6-dev valgrind \
                python3-venv python3-dev

.PHONY: deps venv build demo test test-sandbox sanitizers typecheck pysctp-ref bench check-sandbox clean distclean

deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | grep -qx 'install ok installed' \
	        || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all packages present"; exit 0; fi; \
	echo "deps: installing$$missing"; \
	echo 'wireshark-common wireshark-common/install-setuid boolean false' \
	    | $(SUDO) debconf-set-selections; \
	$(APT) update; \
	$(APT) install $$missing

# Tools first (enough for test-sandbox), then the package itself, editable.
$(VENV)/.tools-stamp:
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip "setuptools>=77" wheel pytest pytest-timeout uvloop mypy
	touch $@

$(VENV)/.install-stamp: $(VENV)/.tools-stamp pyproject.toml setup.py
	$(VPY) -m pip install -q --no-build-isolation -e .
	touch $@

venv: $(VENV)/.install-stamp

build: venv
	AIOSCTP_WERROR=1 $(VPY) setup.py -q build_ext --inplace

demo: deps venv build
	$(SANDBOX) -- $(VPY) examples/demo.py

# Host side: these tests boot the sandbox themselves (exit status, output
# streams, environment, signals, the ptrace workaround); they need neither the
# extension nor the package installed.
test-sandbox: deps $(VENV)/.tools-stamp sanitizers
	$(VPY) -m pytest -q tests/host

# The C core built again with ASan+UBSan (host) and UBSan alone (guest), into
# build/sanitizers/ (tests/host/test_asan.py, tests/test_sanitizers.py).
sanitizers: venv
	PY=$(VPY) bash scripts/sanitizer-build.sh

typecheck: venv
	$(VPY) -m mypy --strict aiosctp sctp _sctp.py

# PySCTP 0.7.3 from PyPI in .venv-pysctp: the reference of
# tests/test_sctp_differential.py, made on the host (the sandbox guest has no
# network); once there, nothing is downloaded again.  Also the real PySCTP
# programs of tests/test_sctp_programs.py, from PyPI into .venv-pysctp/programs
# (the 0.7.3 sdist with its tests, pycrate, python-diameter).
pysctp-ref: deps
	scripts/pysctp-ref.sh >/dev/null
	scripts/pysctp-ref-programs.sh >/dev/null

test: deps venv build typecheck test-sandbox pysctp-ref
	$(SANDBOX) --timeout 4000 -- $(VPY) -m pytest -q --timeout 900 tests --ignore=tests/host

# Every benchmark contender, interleaved, inside ONE sandbox boot; prints the
# ratio table and writes benchmarks/results/*.json (benchmarks/README.md).
bench: deps venv build pysctp-ref
	AIOSCTP_BENCH_HOST_CPU="$$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)" \
	  $(SANDBOX) --timeout 3600 -- $(VPY) benchmarks/run.py

check-sandbox:
	$(PYTHON) aiosctp/sandbox.py --check

clean:
	rm -rf build dist *.egg-info .pytest_cache .mypy_cache
	rm -f aiosctp/*.so sctp/*.so
	find . \( -path './.venv*' -o -path ./.git \) -prune -o -name __pycache__ -type d -prune \
	    -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
