"""``guanlian collide``'s steps in one process: wall and CPU seconds of reading the two files, the matcher's
phases (record preparation, candidate pairs, scoring), the output table, and the whole command.

Runs :func:`guanlian.workflow.collide_files` (what ``guanlian collide LEFT RIGHT --out OUT --lang en`` runs) on
the package under ``SRC`` with its steps wrapped by timers. CPU seconds count every thread of the process (Arrow's
readers use both cores), and are less distorted than wall time on a loaded machine. Compare two trees by running
it on each, interleaved, on the same files (``benchmarks/collide_files.py`` writes them under ``--work``).

Usage:
    python benchmarks/collide_phases.py SRC LEFT.csv RIGHT.csv OUT.csv
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def main() -> None:
    src, left, right, out = sys.argv[1:5]
    sys.path.insert(0, src)
    t_import = time.perf_counter()
    import guanlian.workflow as wf
    from guanlian.loaders import persons
    from guanlian.matching import collide as cm
    from guanlian.matching import matcher as mm
    from guanlian.outputs import tables

    wall: dict[str, float] = {"imports": time.perf_counter() - t_import}
    cpu: dict[str, float] = {"imports": time.process_time()}

    def timed(mod: Any, name: str, key: str) -> None:
        fn: Callable[..., Any] | None = getattr(mod, name, None)
        if fn is None:  # an older tree without this step
            return

        def run(*a: Any, **k: Any) -> Any:
            t, c = time.perf_counter(), time.process_time()
            result = fn(*a, **k)
            wall[key] = wall.get(key, 0.0) + time.perf_counter() - t
            cpu[key] = cpu.get(key, 0.0) + time.process_time() - c
            return result

        setattr(mod, name, run)

    timed(persons, "read_person_list", "read both files")
    timed(persons, "_read", "  parse the CSV text (read_table)")
    timed(persons, "clean_text", "  clean cells (NFKC, spaces)")
    timed(persons, "_flag_cells", "  flag cells")
    timed(persons, "_records", "  person records (names, IDs, dates)")
    timed(cm, "collide_lists", "matcher collide()")
    timed(mm, "prepare_pair", "  record preparation (normalising)")
    timed(mm, "candidate_pairs", "  candidate pairs (blocking)")
    timed(mm, "score_pairs", "  scoring")
    timed(cm, "collision_table", "output table")
    timed(tables.CsvWriter, "write", "write the CSV")
    t, c = time.perf_counter(), time.process_time()
    wf.collide_files(Path(left), Path(right), None, None, Path(out), lang="en")
    wall["collide_files end to end"] = time.perf_counter() - t
    cpu["collide_files end to end"] = time.process_time() - c
    print("| step | wall s | CPU s |\n|---|---:|---:|")
    for key, w in wall.items():
        print(f"| {key} | {w:.2f} | {cpu.get(key, 0.0):.2f} |")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")


if __name__ == "__main__":
    main()
