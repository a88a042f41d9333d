"""One SparkSession on ``local[2]`` for the whole test session (starting a JVM costs seconds).

pyspark is the optional extra ``guanlian[spark]``; CI installs it. When it is missing the Spark tests are
skipped locally but fail in CI (env ``CI=true``), so a broken install cannot hide behind a skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from guanlian.spark import SparkEngine, SparkError, spark_session


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        msg = "pyspark not installed: pip install '.[spark]'"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    try:
        session = spark_session("local[2]", {
            "spark.driver.memory": "1g",
            "spark.sql.shuffle.partitions": "4",
            "spark.default.parallelism": "2",
        })
    except SparkError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield session
    session.stop()


@pytest.fixture
def engine(spark: Any) -> SparkEngine:
    """A Spark engine with small partitions and small scoring batches, so that small data already spreads
    one record's pairs over several batches (the cross-pair rules must still hold)."""
    return SparkEngine(spark, partitions=4, batch_rows=64)
