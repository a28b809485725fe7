"""Where do worker processes start to pay? Summarise N files serially and in the process pool.

    python bench/threshold.py [FOLDER]     # default: the standard library's asyncio, email, ...

Prints, for each N, the median time of ``engine._summarise_many`` with the pool forced off and on;
``engine.PARALLEL_THRESHOLD`` is set from the N where the pool starts to win.
"""

from __future__ import annotations

import statistics
import sys
import sysconfig
import time
from pathlib import Path

from redispool_lint import engine
from redispool_lint.discovery import module_names


def jobs_of(files: list[Path], root: Path) -> list[engine._Job]:
    jobs = []
    for path in files:
        module, aliases, is_package = module_names(root, path)
        jobs.append(
            engine._Job(
                path=path,
                display=str(path),
                reported=True,
                module=module,
                aliases=tuple(aliases),
                is_package=is_package,
                is_test=False,
                data=path.read_bytes(),
            )
        )
    return jobs


def timed(jobs: list[engine._Job], parallel: bool) -> float:
    engine.PARALLEL_THRESHOLD = 1 if parallel else 10**9
    engine.PARALLEL_BYTES = 0 if parallel else 10**12
    start = time.perf_counter()
    engine._summarise_many(
        jobs, frozenset({"redis", "fastapi"}), frozenset({"get"}), [False] * len(jobs)
    )
    return time.perf_counter() - start


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in root.rglob("*.py") if "test" not in p.parts)[:1600]
    saved = engine.PARALLEL_THRESHOLD, engine.PARALLEL_BYTES
    print("| files | serial s | pool s | pool / serial |")
    print("|---|---|---|---|")
    for count in (25, 50, 100, 200, 400, 800, 1600):
        jobs = jobs_of(files[:count], root)
        serial = statistics.median(timed(jobs, False) for _ in range(3))
        pool = statistics.median(timed(jobs, True) for _ in range(3))
        print(f"| {count} | {serial:.3f} | {pool:.3f} | {pool / serial:.2f} |")
    engine.PARALLEL_THRESHOLD, engine.PARALLEL_BYTES = saved


if __name__ == "__main__":
    main()
