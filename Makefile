# Developer entry points.  `make serve` brings up the local Slurm cluster and serves
# the API against it; `make test` runs every test (.ci/run calls it).

# the distribution's optimised interpreter when it has venv, else python3 (scripts/pick_python.sh)
PYTHON ?= $(shell bash scripts/pick_python.sh)
VENV ?= .venv
PY := $(VENV)/bin/python
# which interpreter the venv was made with: another one (PYTHON=..., or python3-venv
# installed since) makes it again
VENV_BASE := $(shell $(PYTHON) -c 'import sys; print(sys.executable, sys.version.split()[0])' 2>/dev/null)
ifneq ($(VENV_BASE),$(shell cat $(VENV)/.stamp 2>/dev/null))
$(shell rm -f $(VENV)/.stamp)
endif
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man

.PHONY: venv test unit serve cluster cluster-down install bench clean

$(VENV)/.stamp: setup.cfg pyproject.toml
	$(PYTHON) -m venv --clear $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools wheel
	# compat mode: a plain path entry in a .pth file instead of setuptools' import-hook finder,
	# which costs every process (each inet-mode one included) about 25 ms at start-up
	$(PY) -m pip install -q -e '.[test]' --config-settings editable_mode=compat
	# setuptools' distutils-precedence.pth imports its distutils shim in every process of
	# the environment (about 1 ms of each inet-mode start); nothing here imports distutils
	rm -f $(VENV)/lib/python*/site-packages/distutils-precedence.pth
	echo '$(VENV_BASE)' > $@

venv: $(VENV)/.stamp

cluster:
	bash cluster/cluster.sh up all

cluster-down:
	bash cluster/cluster.sh down all

test: venv
	bash scripts/test.sh

unit: venv
	$(PY) -m pytest -q tests/unit

serve: venv
	bash scripts/serve.sh

bench: venv
	bash bench/run.sh

# A packaged-daemon layout: a private virtualenv under $(LIBDIR), the entry point in
# $(SBINDIR), the man page in man8, the systemd units and examples in $(DOCDIR).
LIBDIR ?= $(PREFIX)/lib/slurmrestd
DOCDIR ?= $(PREFIX)/share/doc/slurmrestd

install:
	$(PYTHON) -m venv $(LIBDIR)
	$(LIBDIR)/bin/pip install -q .
	rm -f $(LIBDIR)/lib/python*/site-packages/distutils-precedence.pth  # see the venv target
	# bytecode for every module, whatever PYTHONDONTWRITEBYTECODE says: a process per request
	# (inet mode) must not compile sources at each start
	$(LIBDIR)/bin/python -m compileall -q $(LIBDIR)/lib
	install -d $(SBINDIR) $(MANDIR)/man8 $(DOCDIR)/etc
	ln -sf $(LIBDIR)/bin/slurmrestd $(SBINDIR)/slurmrestd
	install -m 0644 man/slurmrestd.8 $(MANDIR)/man8/slurmrestd.8
	install -m 0644 etc/* $(DOCDIR)/etc/

clean:
	rm -rf $(VENV) build dist *.egg-info
