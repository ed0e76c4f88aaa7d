"""Engines for the parity tests: pandas, DuckDB (lazy, from Parquet) and Spark in local mode."""

from __future__ import annotations

import importlib.util
import shutil

import pytest

SPARK_MISSING = (
    "Spark tests skipped: "
    + (
        "pyspark is not installed (pip install 'cxlab[spark]')"
        if importlib.util.find_spec("pyspark") is None
        else "no Java runtime on PATH (Spark needs Java 17)"
    )
    if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None
    else None
)


@pytest.fixture(scope="session")
def spark():
    """A local Spark session (2 cores, UTC), or a skip with one line saying why."""
    if SPARK_MISSING:
        pytest.skip(SPARK_MISSING)
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("cxlab-tests")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
