"""Starting Apache Spark for guanlian: master, configuration, and one clear error when it cannot start.

The master comes from ``--spark-master`` or ``SPARK_MASTER`` (default ``local[*]``); configuration from
``--conf key=value`` options on top of ``$SPARK_CONF_DIR/spark-defaults.conf`` (read by Spark's own launcher,
as ``spark-submit`` does). Nothing is downloaded: pyspark brings its jars, the JDK 17 on the machine runs them.

Example:
    >>> parse_conf(["spark.driver.memory=2g", "spark.sql.shuffle.partitions=8"])
    {'spark.driver.memory': '2g', 'spark.sql.shuffle.partitions': '8'}
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from guanlian.values.vocab import said

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["DEFAULT_CONF", "SparkError", "default_master", "parse_conf", "spark_session"]

DEFAULT_CONF: dict[str, str] = {
    "spark.ui.enabled": "false",  # no web UI port on a shared machine; a cluster has its history server
    "spark.ui.showConsoleProgress": "false",
    "spark.log.level": "ERROR",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.python.worker.reuse": "true",
}
"""Defaults applied under any ``--conf`` and ``spark-defaults.conf`` value (those win)."""


class SparkError(RuntimeError):
    """Spark is missing, cannot start, or cannot read an input; the message names the fix (zh / en)."""


def default_master() -> str:
    """``SPARK_MASTER`` if set, else ``local[*]``."""
    return os.environ.get("SPARK_MASTER") or "local[*]"


def parse_conf(items: Iterable[str]) -> dict[str, str]:
    """``["k=v", …]`` → ``{k: v}``; a malformed item raises :class:`SparkError`."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise said(SparkError, f"--conf 需要 key=value 形式，而不是 {item!r}", f"--conf takes key=value, got {item!r}")
        out[key.strip()] = value.strip()
    return out


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home:
        exe = Path(home) / "bin" / "java"
        return str(exe) if exe.exists() else None
    return shutil.which("java")


def _defaults_file() -> dict[str, str]:
    """Keys set in ``$SPARK_CONF_DIR/spark-defaults.conf`` (so our defaults do not override them)."""
    conf_dir = os.environ.get("SPARK_CONF_DIR")
    if not conf_dir:
        return {}
    path = Path(conf_dir) / "spark-defaults.conf"
    if not path.is_file():
        return {}
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            parts = line.split(None, 1)
            out[parts[0]] = parts[1] if len(parts) > 1 else ""
    return out


def spark_session(master: str | None = None, conf: Mapping[str, str] | None = None,
                  app_name: str = "guanlian") -> SparkSession:
    """Start (or reuse) a SparkSession.

    Args:
        master: a Spark master URL (``local[2]``, ``spark://host:7077``, ``yarn``, ``k8s://…``); default
            :func:`default_master`.
        conf: Spark properties; they win over ``spark-defaults.conf`` and :data:`DEFAULT_CONF`.
        app_name: the application name shown by the cluster manager.

    Returns:
        The active session (an existing one is reused, as pyspark does; its master is then unchanged).

    Raises:
        SparkError: pyspark not installed, no Java, or Spark failed to start (bad master URL, no resources);
            the message says what to do.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise said(SparkError, "未安装 pyspark：pip install 'guanlian[spark]'",
                   "pyspark is not installed: pip install 'guanlian[spark]'") from exc
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if _java() is None:
        raise SparkError("找不到 Java：Spark 需要 JDK 17（apt-get install openjdk-17-jdk-headless，或设置 JAVA_HOME）"
                         " / no Java found: Spark needs a JDK 17 (apt-get install openjdk-17-jdk-headless, or set "
                         "JAVA_HOME)")
    url = master or default_master()
    # Executors must run the same interpreter (and so the same guanlian) as the driver in local mode.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    props = {k: v for k, v in DEFAULT_CONF.items() if k not in _defaults_file()}
    props.update(conf or {})
    builder = SparkSession.builder.master(url).appName(app_name)
    for k, v in props.items():
        builder = builder.config(k, v)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # py4j and pyspark raise many kinds; all mean "did not start"
        detail = " ".join(str(exc).split())[:300]
        raise said(
            SparkError,
            f"Spark 无法启动（master={url}）：请检查 --spark-master 或 SPARK_MASTER（如 local[*]、spark://主机:7077）"
            f"和 Java 17。原因：{detail}",
            f"Spark could not start (master={url}): check --spark-master or SPARK_MASTER "
            f"(e.g. local[*], spark://host:7077) and Java 17. Cause: {detail}") from exc
    session.sparkContext.setLogLevel(props.get("spark.log.level", "ERROR"))
    return session
