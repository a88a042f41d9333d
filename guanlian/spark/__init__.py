"""Apache Spark engine (optional extra ``guanlian[spark]``): the matcher's rules run as Spark jobs.

Importing this package does not import pyspark; :func:`spark_session` does, and raises
:class:`SparkError` with the fix when pyspark, Java or the cluster is missing.
"""

from __future__ import annotations

from guanlian.spark.matching import SparkEngine, SparkRun, feature_schema, shuffle_bytes
from guanlian.spark.session import DEFAULT_CONF, SparkError, default_master, parse_conf, spark_session

__all__ = ["DEFAULT_CONF", "SparkEngine", "SparkError", "SparkRun", "default_master", "feature_schema",
           "parse_conf", "shuffle_bytes", "spark_session"]
