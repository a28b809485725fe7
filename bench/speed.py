"""How fast is redispool-lint on large trees, beside ruff and a bare ``ast.parse`` loop?

    python bench/speed.py                  # about 5 minutes on 2 cores
    python bench/speed.py --runs 3 --quick # fewer runs, no 10k scaling point

Trees (copied or generated into a scratch folder, so that every tool sees the same plain files):

* (a) the standard library of the running Python (``.py`` files, without site-packages);
* (b) the site-packages of this virtualenv (``.py`` files);
* (c) a generated FastAPI monorepo (``bench/gen_monorepo.py``) of 5,000 modules, and of 1k, 2k,
  5k and 10k modules for the scaling line;
* (c') the same monorepo with modules of a real service's size (``--bulk 8``: about 5 KiB a
  module, 26 MB in all). The compact modules of (c) average 2 KiB, and ruff takes 0.06 s on
  them, where the issue measured it at 0.2 s on a real FastAPI service of 1,774 files: (c')
  is calibrated to take ruff that long.

Tools, run as separate processes in this process group, interleaved (each round runs every tool
once, in turn), so that a busy machine slows them all alike:

* ``redispool-lint --no-cache TREE`` (cold: no cache, the way ruff runs below), with the
  terminal's concise format (fix hints planned where there are findings) and with
  ``--format github`` (the analysis alone, as CI runs it);
* ``ruff check --select ASYNC --no-cache TREE``;
* a bare ``ast.parse`` of every ``.py`` file of the tree, in one Python process;
* the floor under any of it: a Python process that lists the tree and reads every ``.py`` file,
  the same after importing redispool-lint (what the linter pays before it parses a file), and
  the same without the import but with an ``ast.parse`` of the files the analysis parses (the
  least any CPython implementation of this analysis can pay), and that with click imported and
  one ``ast.walk`` of each parsed tree (the least one with this command line can pay that
  looks at what it parsed).

Reports medians, ratios to ruff, the peak memory (max RSS) of each process (``os.wait4``), and
warm-cache runs on (c) and (c'): the cache filled, one file changed, then ``redispool-lint FILE``
(what pre-commit runs) and ``redispool-lint TREE``. Writes ``bench/results.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Blocks of plain code per module for (c'): see the module docstring.
REALISTIC_BULK = 8
sys.path.insert(0, str(HERE))

from gen_monorepo import generate  # noqa: E402

BIN = Path(sys.executable).parent
LINTER = [str(BIN / "redispool-lint")]
RUFF = [shutil.which("ruff", path=str(BIN)) or "ruff"]

AST_LOOP = r"""
import ast, os, sys
count = failed = 0
for folder, dirs, files in os.walk(sys.argv[1]):
    dirs.sort()
    for name in sorted(files):
        if name.endswith(".py"):
            with open(os.path.join(folder, name), "rb") as handle:
                data = handle.read()
            count += 1
            try:
                ast.parse(data)
            except (SyntaxError, ValueError):
                failed += 1
print(count, failed)
"""

#: What any CPython program pays on a tree before it parses a file: starting the interpreter,
#: listing the tree and reading every ``.py`` file (the floor under the target "2x ruff").
READ_LOOP = r"""
import os, sys
count = 0
for folder, dirs, files in os.walk(sys.argv[1]):
    for name in files:
        if name.endswith(".py"):
            with open(os.path.join(folder, name), "rb") as handle:
                count += len(handle.read())
print(count)
"""

#: The floor under any CPython implementation of the analysis: ``READ_LOOP`` (without even
#: importing the linter), then ``ast.parse`` of just the files the analysis parses (listed in
#: ``sys.argv[2]``, one path a line, as ``os.walk`` spells them). With ``walk`` as
#: ``sys.argv[3]``, as an implementation with this one's command line would run it: click (the
#: CLI library) imported first, and every node of each parsed tree visited once (``ast.walk``),
#: the least an analysis that looks at what it parsed can pay before it resolves a name.
PARSE_NEEDED_LOOP = r"""
import ast, os, sys
walk = sys.argv[3:] == ["walk"]
if walk:
    import click
with open(sys.argv[2], encoding="utf-8") as listing:
    needed = set(listing.read().splitlines())
count = 0
for folder, dirs, files in os.walk(sys.argv[1]):
    for name in files:
        if name.endswith(".py"):
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                data = handle.read()
            if path in needed:
                tree = ast.parse(data)
                count += sum(1 for _ in ast.walk(tree)) if walk else 1
print(count)
"""


#: Prints the files the analysis of the tree ``sys.argv[1]`` parses (their summaries), as
#: ``os.walk`` spells them. Run in a process of its own: the benchmark's own process must stay
#: small, since a child started by ``vfork`` counts its parent's memory in its peak RSS.
ANALYSED_FILES = r"""
import os, sys
from pathlib import Path
from redispool_lint.config import Settings
from redispool_lint.engine import lint

tree = sys.argv[1]
settings = Settings()
settings.cache = False
result = lint([Path(tree)], settings, root=Path(tree), cwd=Path(tree))
files = result.analysis.files
for index in sorted(result.analysis.project.outcomes):
    print(os.path.join(tree, os.path.relpath(files[index].path, tree)))
"""


def analysed_files(tree: Path) -> list[str]:
    """The files the analysis of ``tree`` parses (``ANALYSED_FILES``)."""
    done = subprocess.run(
        [sys.executable, "-c", ANALYSED_FILES, str(tree)],
        capture_output=True,
        text=True,
        check=True,
    )
    return sorted(done.stdout.splitlines())


@dataclass
class Sample:
    seconds: list[float] = field(default_factory=list)
    max_rss_kib: list[int] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak_mib(self) -> float:
        return max(self.max_rss_kib) / 1024


def run(command: Sequence[str], cwd: Path | None = None) -> tuple[float, int, int]:
    """Wall time, max RSS (KiB, the process itself) and exit code of one command."""
    start = time.perf_counter()
    process = subprocess.Popen(
        list(command), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss, process.returncode


def copy_py_tree(source: Path, target: Path, skip: tuple[str, ...] = ()) -> int:
    """Copy every .py file below ``source`` (no links, no caches) into ``target``."""
    if target.exists():
        shutil.rmtree(target)
    count = 0
    for folder, dirs, files in os.walk(source):
        dirs[:] = sorted(d for d in dirs if d not in skip and d != "__pycache__")
        relative = Path(folder).relative_to(source)
        for name in files:
            if not name.endswith(".py"):
                continue
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            destination = target / relative / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
            count += 1
    # A project marker, so that neither tool looks above the tree for settings.
    (target / "pyproject.toml").write_text('[project]\nname = "bench"\n', encoding="utf-8")
    return count


def tools(tree: Path) -> dict[str, list[str]]:
    return {
        # What a terminal shows: findings, and which ones --fix can fix (planning those parses
        # the files they touch with LibCST: paid only when there are findings).
        "redispool-lint": [*LINTER, "--no-cache", "--format", "concise", str(tree)],
        # What CI runs: the analysis alone (the GitHub format carries no fix hints).
        "redispool-lint --format github": [*LINTER, "--no-cache", "--format", "github", str(tree)],
        "ruff --select ASYNC": [*RUFF, "check", "--select", "ASYNC", "--no-cache", "-q", str(tree)],
        "ast.parse loop": [sys.executable, "-c", AST_LOOP, str(tree)],
        FLOOR_READ: [sys.executable, "-c", READ_LOOP, str(tree)],
        FLOOR_IMPORT: [sys.executable, "-c", "import redispool_lint.cli\n" + READ_LOOP, str(tree)],
        FLOOR_PARSE: [sys.executable, "-c", PARSE_NEEDED_LOOP, str(tree), str(_listing(tree))],
        FLOOR_WALK: [
            sys.executable,
            "-c",
            PARSE_NEEDED_LOOP,
            str(tree),
            str(_listing(tree)),
            "walk",
        ],
    }


_LISTINGS: dict[Path, Path] = {}


def _listing(tree: Path) -> Path:
    """A file listing the files the analysis of ``tree`` parses (written once a bench run)."""
    listing = _LISTINGS.get(tree)
    if listing is None:
        listing = _LISTINGS[tree] = tree.parent / f"{tree.name}.analysed"
        listing.write_text("".join(f"{path}\n" for path in analysed_files(tree)), encoding="utf-8")
    return listing


FLOOR_READ = "python: start, list and read every file"
FLOOR_IMPORT = "the same, after importing redispool-lint"
FLOOR_PARSE = "python: start, read every file, ast.parse the files the analysis parses"
FLOOR_WALK = "the same, after importing click, with one ast.walk of each parsed tree"


def measure(tree: Path, runs: int) -> dict[str, Sample]:
    samples = {name: Sample() for name in tools(tree)}
    for command in tools(tree).values():
        run(command)  # warm the page cache and the interpreter's own .pyc files
    for _ in range(runs):
        for name, command in tools(tree).items():
            seconds, rss, _ = run(command)
            samples[name].seconds.append(seconds)
            samples[name].max_rss_kib.append(rss)
    return samples


def worker_peak(tree: Path) -> float:
    """Peak RSS of the linter's largest worker process (MiB), if it used any."""
    code = (
        "import resource, sys\n"
        "from redispool_lint.cli import main\n"
        "try:\n"
        "    main([sys.argv[1], '--no-cache', '--format', 'concise'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tree)], capture_output=True, text=True, check=False
    )
    try:
        return int(done.stdout.strip().splitlines()[-1]) / 1024
    except (ValueError, IndexError):
        return 0.0


def count_py(tree: Path) -> int:
    return sum(1 for _ in tree.rglob("*.py"))


def table(title: str, tree: Path, samples: dict[str, Sample]) -> list[str]:
    ruff = samples["ruff --select ASYNC"].median
    lines = [
        f"### {title}",
        "",
        f"`{tree}`: {count_py(tree):,} files.",
        "",
        "| tool | median s | min s | max s | ratio to ruff | peak RSS MiB |",
        "|---|---|---|---|---|---|",
    ]
    for name, sample in samples.items():
        lines.append(
            f"| {name} | {sample.median:.3f} | {min(sample.seconds):.3f} | "
            f"{max(sample.seconds):.3f} | {sample.median / ruff:.2f}x | {sample.peak_mib:.0f} |"
        )
    floor = samples[FLOOR_IMPORT].median
    parse_floor = samples[FLOOR_PARSE].median
    walk_floor = samples[FLOOR_WALK].median
    parsed = len(_listing(tree).read_text(encoding="utf-8").splitlines())
    lines.append(
        f"\nWhat redispool-lint pays before it parses a file (start, import, read): "
        f"{floor:.3f} s, {floor / ruff:.2f}x ruff. The floor under any CPython implementation "
        f"of the analysis (start, read every file, `ast.parse` the {parsed:,} files this one "
        f"parses; no import, no analysis): {parse_floor:.3f} s, {parse_floor / ruff:.2f}x ruff. "
        f"With click imported and each parsed tree walked once (no name resolved, no rule run): "
        f"{walk_floor:.3f} s, {walk_floor / ruff:.2f}x ruff.\n"
    )
    lines.append(f"Largest worker process of redispool-lint: {worker_peak(tree):.0f} MiB.\n")
    return lines


def warm(tree: Path, runs: int, name: str = "(c)") -> list[str]:
    """The cache filled, one file changed, then the pre-commit run and the whole-tree run.

    Two kinds of changed file: a router with no Redis code of its own (most commits), and the
    module of a per-request client (a finding: the analysis runs, and the terminal plans its
    fix hint).
    """
    router = sorted(tree.rglob("router_1.py"))[0]
    client = sorted(tree.rglob("cache_*.py"))[0]
    run([*LINTER, "--format", "concise", str(tree)])
    rows: list[tuple[str, Sample]] = []
    for changed, label in ((router, "a router"), (client, "a per-request client's module")):
        for fmt in ("concise", "github"):
            sample = Sample()
            for round_ in range(runs):
                with changed.open("a", encoding="utf-8") as handle:
                    handle.write(f"# edit {round_}\n")
                seconds, rss, _ = run([*LINTER, "--format", fmt, str(changed)], cwd=tree)
                sample.seconds.append(seconds)
                sample.max_rss_kib.append(rss)
            rows.append(
                (f"`redispool-lint --format {fmt} {changed.relative_to(tree)}` ({label})", sample)
            )
    whole = Sample()
    for round_ in range(runs):
        with router.open("a", encoding="utf-8") as handle:
            handle.write(f"# edit {round_}b\n")
        seconds, rss, _ = run([*LINTER, "--format", "github", str(tree)], cwd=tree)
        whole.seconds.append(seconds)
        whole.max_rss_kib.append(rss)
    rows.append(("`redispool-lint --format github .` (the whole tree)", whole))
    lines = [
        f"### Warm cache, one file changed {name}",
        "",
        "| run | median s | min s | max s | peak RSS MiB |",
        "|---|---|---|---|---|",
    ]
    for label, sample in rows:
        lines.append(
            f"| {label} | {sample.median:.3f} | {min(sample.seconds):.3f} | "
            f"{max(sample.seconds):.3f} | {sample.peak_mib:.0f} |"
        )
    return [*lines, ""]


def scaling(scratch: Path, sizes: list[int], runs: int) -> list[str]:
    lines = [
        "### Scaling on generated monorepos",
        "",
        "| modules | redispool-lint s | --format github s | github per 1k files | ruff s "
        "| ast.parse loop s |",
        "|---|---|---|---|---|---|",
    ]
    for size in sizes:
        tree = scratch / f"mono{size}"
        generate(tree, size)
        samples = measure(tree, runs)
        analysis = samples["redispool-lint --format github"].median
        lines.append(
            f"| {size:,} | {samples['redispool-lint'].median:.3f} | {analysis:.3f} | "
            f"{analysis / size * 1000:.3f} | {samples['ruff --select ASYNC'].median:.3f} | "
            f"{samples['ast.parse loop'].median:.3f} |"
        )
    lines.append("")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="no 10k point, fewer sizes")
    parser.add_argument("--scratch", type=Path, default=Path(tempfile.gettempdir()) / "rpl-bench")
    parser.add_argument("--output", type=Path, default=HERE / "results.md")
    parser.add_argument(
        "--trees",
        default="stdlib,packages,monorepo,monorepo-bulk",
        help="comma-separated subset of stdlib, packages, monorepo, monorepo-bulk",
    )
    args = parser.parse_args()
    # An installed package comes with its bytecode compiled (pip does it); an editable install
    # under PYTHONDONTWRITEBYTECODE would compile the linter's modules on every run instead.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(HERE.parent / "redispool_lint")],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    scratch: Path = args.scratch
    scratch.mkdir(parents=True, exist_ok=True)

    stdlib = scratch / "stdlib"
    packages = scratch / "venv-packages"  # not named site-packages: both tools skip that name
    if "stdlib" in args.trees:
        copy_py_tree(Path(sysconfig.get_paths()["stdlib"]), stdlib, skip=("site-packages",))
    if "packages" in args.trees:
        copy_py_tree(Path(sysconfig.get_paths()["purelib"]), packages)
    monorepo = scratch / "mono5000"
    generate(monorepo, 5000)
    realistic = scratch / "mono5000-bulk"
    if "monorepo-bulk" in args.trees:
        generate(realistic, 5000, bulk=REALISTIC_BULK)

    load = os.getloadavg()
    lines = [
        "# Speed: redispool-lint beside ruff and a bare ast.parse loop",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{subprocess.run([*RUFF, '--version'], capture_output=True, text=True).stdout.strip()}; "
        f"load average at start {load[0]:.1f}. {args.runs} interleaved runs per tool; medians.",
        f"Command: `python bench/speed.py --runs {args.runs}{' --quick' if args.quick else ''}"
        f" --trees {args.trees}`. Earlier figures, and what changed them: "
        "[history.md](history.md).",
        "",
    ]
    trees = set(args.trees.split(","))
    if "stdlib" in trees:
        lines += table("(a) Standard library", stdlib, measure(stdlib, args.runs))
    if "packages" in trees:
        lines += table("(b) Virtualenv site-packages", packages, measure(packages, args.runs))
    if "monorepo" in trees:
        lines += table("(c) Generated FastAPI monorepo", monorepo, measure(monorepo, args.runs))
        lines += warm(monorepo, args.runs)
    if "monorepo-bulk" in trees:
        title = "(c') Generated FastAPI monorepo, modules of a real service's size"
        lines += table(title, realistic, measure(realistic, args.runs))
        lines += warm(realistic, args.runs, "(c')")
    sizes = [1000, 2000, 5000] if args.quick else [1000, 2000, 5000, 10000]
    lines += scaling(scratch, sizes, max(3, args.runs - 2))
    text = "\n".join(lines) + "\n"
    args.output.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
