"""The project's module layout: every file's module names, from paths alone (no file is read).

What the analysis needs of every file before it parses any: its module name and the other names
it may be imported by, the project's namespace (``demand.Namespace``), which files are the
source of known libraries, and the top-level names summaries keep. It costs a few tenths of a
second on a tree of thousands of files and depends only on the list of files and on which
folders hold an ``__init__.py``, so a warm run takes it from the cache (``Cache.layout``) when
both are as they were.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import redis_api
from .demand import ModuleInfo, Namespace
from .discovery import ModuleNamer
from .frameworks import FRAMEWORK_PACKAGES

#: A file's module name, its other names, and whether it is a package's ``__init__``.
Names = tuple[str, tuple[str, ...], bool]


def stdlib_from_files() -> frozenset[str]:
    """The standard library's top-level module names where ``sys.stdlib_module_names`` (3.10+)
    is missing: the built-in modules and what the standard library's folders hold."""
    import pkgutil  # (3.9 only: not paid at every start-up)
    import sysconfig

    paths = sysconfig.get_paths()
    folders = [paths["stdlib"], paths["platstdlib"], str(Path(paths["stdlib"]) / "lib-dynload")]
    found = {info.name for info in pkgutil.iter_modules(folders)}
    return frozenset(found | set(sys.builtin_module_names))


#: Standard library module names (3.10+ lists them; 3.9's are read from its files).
STDLIB_NAMES: frozenset[str] = frozenset(
    getattr(sys, "stdlib_module_names", ()) or stdlib_from_files()
)

#: Packages whose own source, found in a project (a virtualenv, a vendored copy), is knowledge
#: rather than project code: the Redis clients (``redis_api``) and the web frameworks.
LIBRARY_PACKAGES = frozenset(redis_api.PACKAGES) | FRAMEWORK_PACKAGES

#: Bumped whenever what a saved layout holds changes meaning.
_SAVED_FORMAT = 2


@dataclass
class Layout:
    #: Per file, in the order of the project's files.
    names: list[Names]
    #: Other names modules may be imported by, each held by one module alone.
    aliases: dict[str, str]
    namespace: Namespace
    #: The top-level names a module summary keeps references into (``extract``).
    keep_roots: frozenset[str]
    #: ``folder -> has an __init__.py``: every folder the names depend on.
    package_folders: dict[str, bool]

    @property
    def infos(self) -> list[ModuleInfo]:
        return self.namespace.modules

    @property
    def library(self) -> frozenset[int]:
        return self.namespace.library


def layout_key(root: Path, paths: Sequence[str], packages: frozenset[str]) -> bytes:
    """Names the inputs of a layout but the ``__init__.py`` files (checked on restore)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{_SAVED_FORMAT}\0{root}\0".encode())
    digest.update("\0".join(sorted(packages)).encode() + b"\1")
    digest.update("\0".join(paths).encode(errors="surrogateescape"))
    return digest.digest()


def build_layout(root: Path, paths: Sequence[str], packages: frozenset[str]) -> Layout:
    """The layout of the files ``paths`` of the project at ``root``; ``packages`` are the web
    frameworks' top-level packages (an alias must not shadow one)."""
    namer = ModuleNamer(root)
    names: list[Names] = []
    plain_library_folders: dict[str, bool] = {}
    for path in paths:
        module, others, is_package = namer.names(path)
        module, others = _outside_library_folder(root, module, others, plain_library_folders)
        names.append((module, tuple(others), is_package))
    aliases = module_aliases(names, packages)
    keep_roots = frozenset(
        {name.split(".", 1)[0] for module, others, _ in names for name in (module, *others)}
        | packages
        | set(redis_api.PACKAGES)
        | redis_api.KEEPER_PACKAGES
    )
    infos = [
        ModuleInfo(module, (module, *(a for a in others if aliases.get(a) == module)), is_package)
        for module, others, is_package in names
    ]
    library = frozenset(
        index
        for index, (module, _, _) in enumerate(names)
        if module.split(".", 1)[0] in LIBRARY_PACKAGES
    )
    return Layout(
        names, aliases, Namespace(infos, library), keep_roots, dict(namer.package_folders)
    )


def _outside_library_folder(
    root: Path, module: str, others: list[str], plain: dict[str, bool]
) -> tuple[str, list[str]]:
    """A module named from a plain folder (no ``__init__.py``) that is named like a library
    (``fastapi/app/main.py``: the app's folder, in a repository that holds other services too)
    is not that library's source: it is named without that folder, as under ``src``
    (``app.main``, which is how the app imports it). A real package of that name (a vendored
    copy, with its ``__init__.py``) stays the library."""
    top, _, rest = module.partition(".")
    if not rest or top not in LIBRARY_PACKAGES or rest not in others:
        return module, others
    found = plain.get(top)
    if found is None:
        found = plain[top] = any(
            os.path.isdir(folder) and not os.path.exists(os.path.join(folder, "__init__.py"))
            for folder in (os.path.join(root, top), os.path.join(root, "src", top))
        )
    if not found:
        return module, others
    return rest, [name for name in others if name != rest]


def restored_layout(saved: object, key: bytes) -> Layout | None:
    """A layout saved by ``saved_layout`` for the same key, if every folder still has (or
    still lacks) its ``__init__.py``; else None."""
    if not (isinstance(saved, tuple) and len(saved) == 3 and saved[0] == key):
        return None
    _, package_folders, layout = saved
    if not isinstance(layout, Layout) or not isinstance(package_folders, dict):
        return None
    for folder, is_package in package_folders.items():
        if os.path.exists(os.path.join(folder, "__init__.py")) != is_package:
            return None
    return layout


def saved_layout(layout: Layout, key: bytes) -> tuple[bytes, dict[str, bool], Layout]:
    return (key, layout.package_folders, layout)


def module_aliases(names: list[Names], packages: frozenset[str]) -> dict[str, str]:
    """The other names modules may be imported by (apps run from a sub-folder), each held by one
    module alone.

    They come from the file names alone (every file, parsed or not): both ways of running the
    analysis see the same namespace.
    """
    module_set = {module for module, _, _ in names}
    alias_owners: dict[str, set[str]] = {}
    for module, others, _ in names:
        for alias in others:
            alias_owners.setdefault(alias, set()).add(module)
    # An alias must never shadow a library: app/core/redis.py is not `import redis`.
    reserved = packages | set(redis_api.PACKAGES) | STDLIB_NAMES
    aliases: dict[str, str] = {}
    for alias, owners in alias_owners.items():
        if len(owners) == 1 and alias not in module_set and alias.split(".")[0] not in reserved:
            aliases[alias] = next(iter(owners))
    return aliases
