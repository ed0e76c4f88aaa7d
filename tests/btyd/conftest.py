"""Shared fixtures of the customer-value tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def cdnow():
    """Fader, Hardie & Lee's CDNOW sample: 2,357 customers, weeks, with mean spend."""
    datasets = pytest.importorskip("lifetimes.datasets")
    d = datasets.load_cdnow_summary_data_with_monetary_value()
    d.attrs["purchase_summary"] = {"time_unit": "weeks"}
    return d
