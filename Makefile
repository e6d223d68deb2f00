# Developer entry points.  `make serve` brings up the local Slurm cluster and serves
# the API against it; `make test` runs every test (.ci/run calls it).

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man

.PHONY: venv test unit serve cluster cluster-down install bench clean

$(VENV)/.stamp: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools wheel
	$(PY) -m pip install -q -e '.[test]'
	touch $@

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

install:
	$(PYTHON) -m pip install .
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8
	ln -sf "$$(command -v slurmrestd)" $(DESTDIR)$(SBINDIR)/slurmrestd
	install -m 0644 man/slurmrestd.8 $(DESTDIR)$(MANDIR)/man8/slurmrestd.8

clean:
	rm -rf $(VENV) build dist *.egg-info
