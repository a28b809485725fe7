"""The command line: options to ``Settings``, results to output and an exit code.

Exit codes (ruff's): 0 nothing left to report, 1 findings remain (or ``--diff`` has a diff, or
``--exit-non-zero-on-fix`` changed files), 2 usage, configuration, unreadable input or internal
error.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Mapping
from pathlib import Path

import click

from . import __version__
from .config import ConfigError, Settings, find_config, load_config, validate_codes
from .engine import LintResult, lint
from .lines import split_lines_keepends
from .output import FIX_FORMATS, FORMATS, HINT_FORMATS, Report, Style, render_statistics
from .rules import ALL_RULES, RULES_BY_CODE, RULES_BY_NAME
from .source import SourceFile

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

#: Rules whose fixes the fix planner works out (RPL100's fix comes with the finding).
_PLANNED_CODES = frozenset(
    rule.code for rule in ALL_RULES if rule.fixable != "never" and rule.code != "RPL100"
)


def _codes(values: tuple[str, ...]) -> list[str]:
    """``--select RPL001,RPL002 --select RPL3`` -> ["RPL001", "RPL002", "RPL3"]."""
    return [code.strip().upper() for value in values for code in value.split(",") if code.strip()]


def _use_color(choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--fix", is_flag=True, help="Apply safe fixes.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply unsafe fixes (with --fix/--diff).")
@click.option("--diff", is_flag=True, help="Print the diff --fix would apply; write nothing.")
@click.option("--show-fixes", is_flag=True, help="List what --fix changed, per file.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings remain.")
@click.option(
    "--exit-non-zero-on-fix", is_flag=True, help="Exit 1 when --fix changed files (pre-commit)."
)
@click.option(
    "--select", multiple=True, help="Rule codes or prefixes to enable (replaces default)."
)
@click.option(
    "--extend-select", multiple=True, help="Rule codes or prefixes to enable in addition."
)
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable.")
@click.option(
    "--format",
    "--output-format",
    "output_format",
    multiple=True,
    callback=lambda ctx, param, values: _parse_outputs(values),
    metavar="FORMAT[=FILE]",
    help=(
        f"Output format: {', '.join(sorted(FORMATS))} (default: full). FORMAT=FILE writes that "
        "format to FILE in the same run; repeatable (e.g. --format full --format sarif=x.sarif)."
    ),
)
@click.option(
    "--output-file", "-o", type=click.Path(path_type=Path), help="Write the terminal output here."
)
@click.option("--statistics", is_flag=True, help="Count findings per rule.")
@click.option("-q", "--quiet", is_flag=True, help="Print the findings, without the summary line.")
@click.option(
    "-s",
    "--silent",
    is_flag=True,
    help="Print no report (the exit code still tells; FORMAT=FILE files are still written).",
)
@click.option("--explain", metavar="CODE", help="Print a rule's documentation and exit.")
@click.option("--list-rules", is_flag=True, help="List every rule and exit.")
@click.option(
    "--stdin-filename", type=click.Path(path_type=Path), help="Name for code read from -."
)
@click.option(
    "--force-exclude", is_flag=True, default=None, help="Exclude even files named explicitly."
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    help="Colour output (auto: on a terminal; honours NO_COLOR and FORCE_COLOR).",
)
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Config file.")
@click.option("--no-respect-gitignore", is_flag=True, help="Also lint files .gitignore ignores.")
@click.option(
    "--add-noqa", is_flag=True, help="Add `# noqa: RPLxxx` to every line with findings (adoption)."
)
@click.option(
    "--ignore-noqa", is_flag=True, help="Report findings even where `# noqa` says not to."
)
@click.option(
    "--no-cache", is_flag=True, help="Do not read or write .redispool_lint_cache/ (re-read all)."
)
@click.version_option(__version__, "--version", prog_name="redispool-lint")
def main(
    paths: tuple[Path, ...],
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    show_fixes: bool,
    exit_zero: bool,
    exit_non_zero_on_fix: bool,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    output_format: list[tuple[str, Path | None]],
    output_file: Path | None,
    statistics: bool,
    quiet: bool,
    silent: bool,
    explain: str | None,
    list_rules: bool,
    stdin_filename: Path | None,
    force_exclude: bool | None,
    color: str,
    config_path: Path | None,
    no_respect_gitignore: bool,
    add_noqa: bool,
    ignore_noqa: bool,
    no_cache: bool,
) -> None:
    """Find Redis clients created per request in async Python web apps, and fix them.

    PATHS are files or folders (default: the current folder); `-` reads standard input.
    """
    style = Style(_use_color(color))
    try:
        if explain is not None:
            _explain(explain)
            return
        if list_rules:
            _list_rules()
            return
        settings = _settings(paths, config_path, select, extend_select, ignore)
        settings.cache = not no_cache
        if force_exclude is not None:
            settings.force_exclude = force_exclude
        if no_respect_gitignore:
            settings.respect_gitignore = False
        if ignore_noqa:
            settings.ignore_noqa = True
        if add_noqa:
            sys.exit(_add_noqa(paths, settings, fix or diff or unsafe_fixes))
        code = _run(
            paths,
            settings,
            style,
            fix=fix,
            unsafe=unsafe_fixes,
            diff=diff,
            show_fixes=show_fixes,
            exit_zero=exit_zero,
            exit_non_zero_on_fix=exit_non_zero_on_fix,
            outputs=output_format,
            output_file=output_file,
            statistics=statistics,
            stdin_filename=stdin_filename,
            quiet=quiet,
            silent=silent,
        )
    except ConfigError as error:
        click.echo(f"redispool-lint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    except (KeyboardInterrupt, BrokenPipeError):
        sys.exit(EXIT_ERROR)
    except Exception:  # a bug of ours: say so plainly, with the trace for the report
        import traceback  # (3 ms to import, on every run: only when needed)

        click.echo("redispool-lint: internal error, please report it with this trace:", err=True)
        click.echo(traceback.format_exc(), err=True)
        sys.exit(EXIT_ERROR)
    sys.exit(code)


def _settings(
    paths: tuple[Path, ...],
    config_path: Path | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
) -> Settings:
    if config_path is not None:
        settings = load_config(config_path)
    else:
        start = next((p for p in paths if str(p) != "-"), Path.cwd())
        found = find_config(start.absolute())
        settings = load_config(found) if found else Settings()
    if select:
        settings.select = _codes(select)
    settings.extend_select += _codes(extend_select)
    settings.ignore += _codes(ignore)
    validate_codes(
        [*(settings.select or []), *settings.extend_select, *settings.ignore], "command line"
    )
    return settings


def _run(
    paths: tuple[Path, ...],
    settings: Settings,
    style: Style,
    *,
    fix: bool,
    unsafe: bool,
    diff: bool,
    show_fixes: bool,
    exit_zero: bool,
    exit_non_zero_on_fix: bool,
    outputs: list[tuple[str, Path | None]],
    output_file: Path | None,
    statistics: bool,
    stdin_filename: Path | None,
    quiet: bool = False,
    silent: bool = False,
) -> int:
    targets = list(paths) or [Path(".")]
    overrides: dict[Path, bytes] = {}
    reading_stdin = any(str(p) == "-" for p in targets)
    if reading_stdin:
        name = stdin_filename or Path("-.py")
        overrides[name.absolute()] = sys.stdin.buffer.read()
        targets = [name]
    terminal = next((fmt for fmt, file in outputs if file is None), "full")
    changed = False
    would_fix = fixed_count = 0
    fixed: dict[str, list] = {}  # type: ignore[type-arg]
    errors = []
    if fix or diff:
        from .fix import fix_project, write_changes

        outcome = fix_project(targets, settings, unsafe=unsafe, overrides=overrides)
        result = outcome.result
        errors = outcome.failures
        changed = bool(outcome.changes)
        if diff:
            _print_diff(outcome.changes)
            would_fix = sum(len(found) for found in outcome.fixed.values())
        elif reading_stdin:
            source_text = (
                next(iter(outcome.changes.values()))[1]
                if outcome.changes
                else (overrides[next(iter(overrides))].decode("utf-8", errors="replace"))
            )
            sys.stdout.write(source_text)
        else:
            write_changes(outcome)
        if not diff:
            fixed_count = sum(len(found) for found in outcome.fixed.values())
        fixed = outcome.fixed if show_fixes or not diff else {}
    else:
        # Formats that carry fixes (json, sarif) need the planned rewrites attached to findings.
        plan = any(fmt in FIX_FORMATS for fmt, _ in outputs)
        result = lint(targets, settings, overrides=overrides, keep_sources=plan, plan_fixes=plan)
        shown = {fmt for fmt, file in outputs if file is not None}
        # (Quiet, the concise format's one hint, the summary's count, is not shown.)
        if not silent and not (quiet and terminal == "concise"):
            shown.add(terminal)
        hints = statistics or not shown.isdisjoint(HINT_FORMATS)
        if hints and not plan and any(f.code in _PLANNED_CODES for f in result.findings):
            # Say which findings --fix can fix (and why not, for the others): planning parses
            # the touched files with LibCST, so it is paid only when there is something to fix,
            # and only for the formats that show it (not CI's annotations).
            result.plan_fixes()
    report = _report(result, style, unsafe)
    report.errors = [*result.errors, *errors]
    report.quiet = quiet
    for warning in () if silent else result.warnings:
        click.echo(f"warning: {warning.path}: {warning.message}", err=True)
    if not (silent or result.files_reported or report.errors):
        # A mistyped path, or a folder without Python: "All checks passed!" alone would hide it.
        click.echo("warning: No Python files found under the given path(s)", err=True)
    if fix and show_fixes:
        report.fixed = fixed
    report.would_fix = would_fix
    report.fixed_count = fixed_count
    # One report, every format: the terminal's and each FORMAT=FILE, from the same run.
    terminal_style = style if output_file is None else Style(False)  # files get no colour codes
    text = FORMATS[terminal](report, terminal_style)
    if statistics:
        text = render_statistics(report, terminal_style)
    # With --diff, stdout carries only the diff (pipeable to `patch`/`git apply`), like ruff.
    to_stderr = (reading_stdin and fix) or diff
    if not silent:
        _emit(text, output_file, to_stderr=to_stderr, color=terminal_style.color)
    elif report.errors:
        # Silence is for findings: a file that could not be read or fixed is still said.
        for error in report.errors:
            click.echo(f"redispool-lint: error: {error.path}: {error.message}", err=True)
    for fmt, file in outputs:
        if file is not None:
            _emit(FORMATS[fmt](report, Style(False)), file, to_stderr=False, color=False)
    if report.errors:
        return EXIT_ERROR
    if diff and changed:
        return EXIT_FINDINGS
    if fix and changed and exit_non_zero_on_fix:
        return EXIT_FINDINGS
    if result.findings and not exit_zero:
        return EXIT_FINDINGS
    return EXIT_OK


def _report(result: LintResult, style: Style, unsafe: bool) -> Report:
    # Lines of the files with findings (what formats show): when fixes are planned every file's
    # source is at hand, and splitting them all would cost time and memory for nothing.
    paths = {finding.path for finding in result.findings}
    lines = {path: result.sources[path].lines for path in paths if path in result.sources}
    return Report(
        findings=result.findings,
        errors=list(result.errors),
        lines=lines,
        unsafe_fixes=unsafe,
        files=list(result.reported_paths),
        root=Path.cwd(),
    )


def _parse_outputs(values: tuple[str, ...]) -> list[tuple[str, Path | None]]:
    """``("full", "sarif=out.sarif")`` -> ``[("full", None), ("sarif", Path("out.sarif"))]``."""
    outputs: list[tuple[str, Path | None]] = []
    for value in values:
        name, has_file, file = value.partition("=")
        name = name.strip().lower()
        if name not in FORMATS:
            close = difflib.get_close_matches(name, list(FORMATS), n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            raise click.BadParameter(
                f"unknown format `{name}`{hint}; choose from {', '.join(sorted(FORMATS))}"
            )
        if has_file and not file:
            raise click.BadParameter(f"`{value}`: no file after `=`")
        outputs.append((name, Path(file) if has_file else None))
    if sum(1 for _, file in outputs if file is None) > 1:
        raise click.BadParameter(
            "only one format can go to the terminal; send the others to files with FORMAT=FILE"
        )
    return outputs


def _add_noqa(paths: tuple[Path, ...], settings: Settings, fixing: bool) -> int:
    """``--add-noqa``: suppress every current finding in place, so a legacy project adopts the
    tool with a clean run today and fixes the findings over time."""
    from .add_noqa import add_noqa

    if fixing:
        raise ConfigError("--add-noqa cannot be combined with --fix, --diff or --unsafe-fixes")
    if any(str(p) == "-" for p in paths):
        raise ConfigError("--add-noqa edits files in place: it cannot read standard input")
    settings.ignore_noqa = False  # existing suppressions stay, new ones join them
    result = lint(list(paths) or [Path(".")], settings)
    outcome = add_noqa(result)
    for error in [*result.errors, *outcome.errors]:
        click.echo(f"redispool-lint: error: {error.path}: {error.message}", err=True)
    noun = "directive" if outcome.added == 1 else "directives"
    click.echo(f"Added {outcome.added} noqa {noun} to {outcome.files} file(s).", err=True)
    for finding in outcome.skipped:
        click.echo(
            f"not suppressible: {finding.path}:{finding.start.row}:{finding.start.column}: "
            f"{finding.code} {finding.message}",
            err=True,
        )
    if result.errors or outcome.errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if outcome.skipped else EXIT_OK


def _print_diff(changes: Mapping[str, tuple[SourceFile, str]]) -> None:
    for path, (source, new_text) in sorted(changes.items()):
        # An absolute path as git writes it (``a/tmp/app.py``, not ``a//tmp/app.py``), so that
        # ``git apply -p N`` strips whole folders.
        relative = path.lstrip("/")
        for line in difflib.unified_diff(
            split_lines_keepends(source.text),
            split_lines_keepends(new_text),
            fromfile=f"a/{relative}",
            tofile=f"b/{relative}",
        ):
            if not line.endswith(("\n", "\r")):
                # A file's last line without a line end: said as git says it, or the next line
                # of the diff would continue it (and `git apply` rejects the patch).
                line += "\n\\ No newline at end of file\n"
            sys.stdout.write(line)


def _emit(text: str, output_file: Path | None, *, to_stderr: bool, color: bool) -> None:
    if output_file is not None:
        output_file.parent.mkdir(parents=True, exist_ok=True)
        output_file.write_text(text, encoding="utf-8")
        return
    if text:
        # click strips ANSI codes when not on a terminal unless told: --color decides here.
        click.echo(text, nl=False, err=to_stderr, color=color)


def _explain(code: str) -> None:
    rule = RULES_BY_CODE.get(code.upper()) or RULES_BY_NAME.get(code)
    if rule is None:
        choices = [*RULES_BY_CODE, *RULES_BY_NAME]
        close = difflib.get_close_matches(code, choices, n=1)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        raise ConfigError(f"unknown rule `{code}`{hint}")
    click.echo(rule.docs(), nl=False)


def _list_rules() -> None:
    for rule in ALL_RULES:
        fixable = {"always": "fix", "sometimes": "fix*", "never": ""}[rule.fixable]
        opt_in = "opt-in" if rule.opt_in else ""
        click.echo(f"{rule.code}  {rule.name:<36} {fixable:<5} {opt_in:<6} {rule.summary}")
