"""Deferred bindings (``Router.defer``): bound when a path names their segment, or when
every binding is listed; the daemon's lazy router binds what the eager one binds."""

from __future__ import annotations

import pytest

from slurmrestd.operations import bind_operations, defer_operations
from slurmrestd.operations.handler_index import lazy_handlers_for
from slurmrestd.operations.plugins import PLUGINS
from slurmrestd.operations.router import Binding, Router
from slurmrestd.settings import Settings


def _h(ctx):
    return None


def test_deferred_segment_binds_on_first_match():
    router = Router()
    calls = []

    def bind():
        calls.append(1)
        router.add(Binding("/slurm/v1/ping", "GET", _h))

    router.defer("v1", bind)
    assert router.match("/slurm/v2/ping") is None and calls == []
    methods, params = router.match("/slurm/v1/ping")
    assert set(methods) == {"GET"} and params == {} and calls == [1]
    assert router.match("//slurm/v1/ping/") is not None and calls == [1]  # bound once


def test_bindings_lists_the_deferred_too():
    router = Router()
    router.defer("v1", lambda: router.add(Binding("/slurm/v1/ping", "GET", _h)))
    assert [b.template for b in router.bindings] == ["/slurm/v1/ping"]
    with pytest.raises(ValueError):
        router.defer("v2", lambda: None) or router.defer("v2", lambda: None)


def test_lazy_router_binds_what_the_eager_one_binds():
    settings = Settings()
    eager, lazy = Router(), Router()
    bind_operations(eager, settings.data_parsers, PLUGINS, lazy_handlers_for(PLUGINS))
    defer_operations(lazy, settings.data_parsers, PLUGINS, lazy_handlers_for(PLUGINS))
    # one version bound by a request naming it, the rest when listed
    assert lazy.match("/slurm/v0.0.45/ping/") is not None
    assert sorted((b.template, b.method) for b in lazy.bindings) == \
        sorted((b.template, b.method) for b in eager.bindings)
