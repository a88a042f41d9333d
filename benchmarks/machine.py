"""What machine a benchmark ran on, in one line for the tables in docs/benchmarks.md.

Example:
    >>> "cores" in describe()
    True
"""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe() -> str:
    """``"2 cores (AMD EPYC …), 24 GiB RAM, Linux 6.x"``: CPU model from /proc/cpuinfo where there is one."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.system()} {platform.release()}"
