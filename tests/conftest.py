"""Shared fixtures: small simulated studies, built once per test session."""

from __future__ import annotations

import os

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def small_data():
    """2,000 simulated customers (default personas), seed 7."""
    import cxlab

    return cxlab.simulate(n_customers=2_000, random_state=7)


@pytest.fixture(scope="session")
def small_folder(tmp_path_factory, small_data):
    """``small_data`` saved as Parquet in a temporary folder."""
    folder = tmp_path_factory.mktemp("small")
    small_data.save(folder)
    return folder


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids):
    """Under ``-n N``, say when each worker has collected (importing cxlab takes a while)."""
    reporter = node.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"[{node.gateway.id}] collected {len(ids)} tests")
