"""Finding the project and its files: project root, excludes, ``.gitignore``, module names."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")

DEFAULT_EXCLUDES = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "__pycache__",
    "build",
    "dist",
    "node_modules",
    ".tox",
    ".nox",
    "site-packages",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".redispool_lint_cache",
    ".eggs",
)

PYTHON_SUFFIXES = (".py", ".pyi")


def find_project_root(paths: Iterable[Path]) -> Path:
    """The nearest folder above all linted paths that has a project marker, else the folder
    that holds their top package (``app/deps/redis.py`` linted alone, in a project without a
    marker: the folder above ``app/``, which has the routers that make it per request)."""
    resolved = [p.absolute() for p in paths] or [Path.cwd()]
    common = Path(os.path.commonpath([str(p) for p in resolved]))
    start = common if common.is_dir() else common.parent
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return folder
    folder = start
    while (folder / "__init__.py").exists() and folder.parent != folder:
        folder = folder.parent
    return folder


@dataclass(frozen=True)
class ProjectFile:
    #: The path as found: absolute when found by walking the project, as given when named.
    location: str
    #: Shown to the user: relative to the working directory when below it.
    display: str
    #: Should findings in this file be reported (it is under a linted path)?
    reported: bool
    #: Named on the command line (not found by walking a folder): pre-commit's changed files.
    explicit: bool = False

    @functools.cached_property
    def path(self) -> Path:
        # (Made when asked for: a project has thousands of files, and the analysis needs the
        # path objects of a few.)
        return Path(self.location)


@dataclass
class Discovery:
    root: Path
    files: list[ProjectFile] = field(default_factory=list)
    #: Paths that could not be walked or are not Python files: (display, message).
    problems: list[tuple[str, str]] = field(default_factory=list)


def display_path(path: str | Path, cwd: Path) -> str:
    text, base = os.fspath(path), str(cwd)
    # (String arithmetic: this runs once per file of the project, and pathlib's is slow, the
    # more so when it fails: a project outside the working folder.)
    if text.startswith(base) and text[len(base) : len(base) + 1] == os.sep and base != os.sep:
        return text[len(base) + 1 :]
    if os.name != "nt" and base != os.sep and text != base:
        return text  # pathlib's test is the same on POSIX (Windows ignores case)
    try:
        return str(Path(text).relative_to(cwd))
    except ValueError:
        return text


class _Ignore:
    """Default excludes, configured excludes and .gitignore files, relative to the root."""

    def __init__(self, root: Path, excludes: Iterable[str], respect_gitignore: bool) -> None:
        self.root = root
        self.names = frozenset(DEFAULT_EXCLUDES)
        self.excludes = pathspec.GitIgnoreSpec.from_lines(list(excludes))
        self.respect_gitignore = respect_gitignore
        #: Folder (relative, posix) -> spec of that folder's .gitignore.
        self.gitignores: dict[str, pathspec.GitIgnoreSpec] = {}

    def load_gitignore(self, folder: Path) -> None:
        if not self.respect_gitignore:
            return
        gitignore = folder / ".gitignore"
        if gitignore.is_file():
            try:
                lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                return
            self.gitignores[self.relative(folder)] = pathspec.GitIgnoreSpec.from_lines(lines)

    def relative(self, path: Path) -> str:
        try:
            relative = path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()
        return "" if relative == "." else relative

    def excluded(self, path: Path, is_dir: bool) -> bool:
        """Is ``path`` excluded?"""
        return self.excluded_entry(path.name, is_dir, self.relative(path))

    def excluded_entry(self, name: str, is_dir: bool, relative: str) -> bool:
        """Is the file or folder ``name``, at ``relative`` (``relative()``), excluded?"""
        if name in self.names:
            return True
        probe = relative + "/" if is_dir else relative
        if relative and self.excludes.patterns and self.excludes.match_file(probe):
            return True
        for folder, spec in self.gitignores.items():
            if folder and not relative.startswith(folder + "/"):
                continue
            inner = relative[len(folder) + 1 :] if folder else relative
            if inner and spec.match_file(inner + "/" if is_dir else inner):
                return True
        return False


def discover(
    paths: list[Path],
    *,
    excludes: Iterable[str] = (),
    respect_gitignore: bool = True,
    force_exclude: bool = False,
    root: Path | None = None,
    cwd: Path | None = None,
) -> Discovery:
    """Every Python file of the project; those under ``paths`` are marked as reported.

    The whole project is read even when only some files are linted: whether a function runs per
    request is decided by code in other modules.
    """
    cwd = cwd or Path.cwd()
    targets = [p if p.is_absolute() else cwd / p for p in paths] or [cwd]
    root = root or find_project_root(targets)
    result = Discovery(root=root)
    ignore = _Ignore(root, excludes, respect_gitignore)
    seen: set[str] = set()

    def absolute_text(location: str) -> str:
        # (Strings, not pathlib: this runs for every file of the project.)
        return location if os.path.isabs(location) else str(Path(location).absolute())

    def add(location: str, reported: bool, explicit: bool = False) -> None:
        key = absolute_text(location)
        if key in seen:
            if reported:
                for index, existing in enumerate(result.files):
                    if absolute_text(existing.location) == key and not existing.reported:
                        result.files[index] = ProjectFile(
                            existing.location, existing.display, True, explicit
                        )
            return
        seen.add(key)
        result.files.append(ProjectFile(location, display_path(location, cwd), reported, explicit))

    # The linted paths first: files named explicitly are linted even when excluded, unless
    # --force-exclude (pre-commit passes changed files by name).
    reported_dirs: list[Path] = []
    for target in targets:
        if target.is_dir() and not target.name.endswith(PYTHON_SUFFIXES):
            reported_dirs.append(target.absolute())
        elif target.is_symlink() and not target.exists():
            add(str(target), True, True)  # dangling: reading it will say so
        elif target.exists() or target.suffix in PYTHON_SUFFIXES:
            if force_exclude and _excluded_with_parents(ignore, target):
                continue
            add(str(target), True, True)
        else:
            result.problems.append((display_path(target, cwd), "no such file or directory"))

    reported_prefixes = [(str(d), str(d).rstrip(os.sep) + os.sep) for d in reported_dirs]

    def is_reported(location: str) -> bool:
        absolute = absolute_text(location)
        return any(absolute == d or absolute.startswith(p) for d, p in reported_prefixes)

    walk_roots = [root] + [d for d in reported_dirs if root not in (d, *d.parents)]
    for walk_root in walk_roots:
        for location in _walk(str(walk_root), ignore, result, ignore.relative(walk_root)):
            add(location, is_reported(location))
    result.files.sort(key=lambda f: f.display)
    return result


def _excluded_with_parents(ignore: _Ignore, path: Path) -> bool:
    absolute = path.absolute()
    for parent in reversed(absolute.parents):
        if ignore.root in (parent, *parent.parents) and parent != ignore.root:
            ignore.load_gitignore(parent.parent)
            if ignore.excluded(parent, True):
                return True
    ignore.load_gitignore(absolute.parent)
    return ignore.excluded(absolute, False)


def _walk(folder: str, ignore: _Ignore, result: Discovery, relative: str) -> Iterator[str]:
    """The paths of the Python files below a folder, not following links to folders (no
    loops).

    ``relative`` is the folder's path relative to the root (``ignore.relative``), extended by
    name on the way down rather than worked out again for every file. (Strings, not pathlib:
    this runs for every file and folder of the project.)
    """
    ignore.load_gitignore(Path(folder))
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as error:
        result.problems.append((folder, f"cannot list folder: {error.strerror}"))
        return
    for entry in entries:
        name = entry.name
        inner = f"{relative}/{name}" if relative else name
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir:
            if ignore.excluded_entry(name, True, inner):
                continue
            if name.endswith(PYTHON_SUFFIXES):
                result.problems.append((entry.path, "is a directory, not a Python file"))
                continue
            yield from _walk(entry.path, ignore, result, inner)
        elif name.endswith(PYTHON_SUFFIXES):
            if entry.is_symlink() and os.path.isdir(entry.path):
                continue  # a link to a folder named like a file
            if not ignore.excluded_entry(name, False, inner):
                yield entry.path


#: Stands for a module's own name in the names worked out per folder (``ModuleNamer.names``).
_STEM = "\0"


class ModuleNamer:
    """Module names and kinds of the files of one project root (see ``module_names``).

    Remembers which folders are packages (one lint asks for thousands of files in the same
    folders) and does its path arithmetic on strings.
    """

    def __init__(self, root: Path) -> None:
        self.root = os.path.abspath(root)
        self._below = self.root.rstrip(os.sep) + os.sep
        self._has_init: dict[str, bool] = {}
        self._folders: dict[str, tuple[tuple[str, ...] | None, tuple[str, ...], bool]] = {}
        self._templates: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._test_folders: dict[str, bool] = {}

    def _is_package_folder(self, folder: str) -> bool:
        found = self._has_init.get(folder)
        if found is None:
            found = self._has_init[folder] = os.path.exists(os.path.join(folder, "__init__.py"))
        return found

    @property
    def package_folders(self) -> dict[str, bool]:
        """Every folder looked at for an ``__init__.py`` so far, and whether it has one."""
        return self._has_init

    def _absolute(self, path: str | Path) -> str:
        text = os.fspath(path)
        return text if os.path.isabs(text) and os.sep + "." not in text else os.path.abspath(text)

    def _relative(self, absolute: str) -> str | None:
        """``absolute`` relative to the root, or None when it is not below the root."""
        if absolute == self.root:
            return "."
        if absolute.startswith(self._below):
            return absolute[len(self._below) :]
        return None

    def names(self, path: str | Path) -> tuple[str, list[str], bool]:
        """The module's canonical dotted name, other names it may be imported by, and
        is_package.

        A file inside packages (folders with ``__init__.py``) is named from its top package; a
        file in plain folders (namespace packages, common in FastAPI apps run from the project
        folder) is named from the project root, without a leading ``src``. Suffixes of the
        root-relative name are aliases, for apps run from a sub-folder.
        """
        absolute = self._absolute(path)
        folder, base = os.path.split(absolute)
        stem = os.path.splitext(base)[0]
        if stem == "__init__":
            return self._names(folder, stem)
        # Every module of a folder is named alike but for its own name: worked out once per
        # folder with a placeholder, which no path can contain, in its place.
        template = self._templates.get(folder)
        if template is None:
            canonical, aliases, _ = self._names(folder, _STEM)
            template = self._templates[folder] = (canonical, tuple(aliases))
        return (
            template[0].replace(_STEM, stem),
            [alias.replace(_STEM, stem) for alias in template[1]],
            False,
        )

    def _names(self, folder: str, stem: str) -> tuple[str, list[str], bool]:
        folder_parts, package_chain, in_package = self._folder(folder)
        parts = [*folder_parts, stem] if folder_parts is not None else [stem]
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        # The package a file is in, named from its top package (the file's own folder when it
        # is an ``__init__``).
        package_parts = list(package_chain) if is_package else [*package_chain, stem]
        without_src = parts[1:] if parts and parts[0] == "src" and len(parts) > 1 else parts
        canonical_parts = package_parts if in_package and package_parts else without_src
        canonical = ".".join(canonical_parts) or stem
        aliases: list[str] = []
        for candidate in (parts, without_src, package_parts):
            for start in range(len(candidate)):
                alias = ".".join(candidate[start:])
                if alias and alias != canonical and alias not in aliases:
                    aliases.append(alias)
        return canonical, aliases, is_package

    def _folder(self, folder: str) -> tuple[tuple[str, ...] | None, tuple[str, ...], bool]:
        """A folder's parts relative to the root (None when it is not below it), the names of
        the packages from the top package down to it (empty unless it is a package), and
        whether it is a package: worked out once per folder."""
        known = self._folders.get(folder)
        if known is None:
            relative = self._relative(folder)
            parts = (
                tuple(p for p in relative.split(os.sep) if p not in ("", "."))
                if relative is not None
                else None
            )
            chain: list[str] = []
            current = folder
            while self._is_package_folder(current) and current != os.path.dirname(current):
                chain.insert(0, os.path.basename(current))
                current = os.path.dirname(current)
            known = (parts, tuple(chain), self._is_package_folder(folder))
            self._folders[folder] = known
        return known

    def is_test(self, path: str | Path) -> bool:
        """Tests, their fixtures and scripts: their apps are not the application's request
        path."""
        folder, name = os.path.split(self._absolute(path))
        if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
            return True
        found = self._test_folders.get(folder)
        if found is None:
            relative = self._relative(folder)
            if relative is not None:
                folders = relative.split(os.sep)
            else:
                folders = list(Path(path).parts[:-1])
            found = any(part in NOT_APPLICATION_FOLDERS for part in folders)
            self._test_folders[folder] = found
        return found


def module_names(root: Path, path: Path) -> tuple[str, list[str], bool]:
    """``ModuleNamer(root).names(path)``, for one file."""
    return ModuleNamer(root).names(path)


#: Folders whose modules are not the application: tests (and their fixtures) and scripts run by
#: hand. Apps they build are not the application's request path.
NOT_APPLICATION_FOLDERS = ("tests", "test", "scripts", "script")
