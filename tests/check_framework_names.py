"""Check the framework tables against the real packages: run by hand, not by pytest.

The linter never imports a web framework, and CI does not install them, so this is a script:
install the frameworks somewhere (``pip install --target /tmp/fw litestar quart flask aiohttp
sanic tornado django djangorestframework channels strawberry-graphql python-socketio falcon
django-ninja blacksheep dishka``) and run
``PYTHONPATH=/tmp/fw python tests/check_framework_names.py``. It checks that every qualified
name in ``redispool_lint.frameworks`` imports, that every method named on an app class exists on
one of the framework's app classes, and that the keyword (and position) a registration reads is
a parameter of the callable it belongs to. Frameworks that are not installed are skipped. Exit
status 1 when something is wrong.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from typing import Any

from redispool_lint.frameworks import FRAMEWORKS
from redispool_lint.frameworks.base import Framework, Registration


def load(qualname: str) -> Any:
    """The object a dotted name refers to, importing the longest module prefix."""
    parts = qualname.split(".")
    for end in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:end]))
        except ImportError:
            continue
        for attribute in parts[end:]:
            obj = getattr(obj, attribute)
        return obj
    raise ImportError(qualname)


#: Names kept for older releases than the one installed here (Starlette 1.0 removed its
#: decorators and ``on_startup``/``on_shutdown``; FastAPI and older Starlette still have them).
OLDER_RELEASES = frozenset(
    {
        "Starlette .route",
        "Starlette .websocket_route",
        "Starlette .middleware",
        "Starlette .exception_handler",
        "Starlette .on_event",
        "Starlette .add_event_handler",
        "Starlette .add_websocket_route(route=)",
        "FastAPI .add_websocket_route(route=)",
        "starlette.applications.Starlette(on_startup=)",
        "starlette.applications.Starlette(on_shutdown=)",
        "starlette.routing.Router(on_startup=)",
        "starlette.routing.Router(on_shutdown=)",
    }
)


def parameters(obj: Any) -> list[str] | None:
    """Parameter names of a callable (a class: of its ``__init__``), without ``self``."""
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        names = list(inspect.signature(target).parameters)
    except (TypeError, ValueError):
        return None  # builtins such as list.append have no usable signature
    return names[1:] if names and names[0] == "self" else names


def accepts(names: list[str], registration: Registration) -> bool:
    """True when a registration's keyword and position fit a callable's parameters."""
    keyword, position = registration.keyword, registration.position
    if keyword is None:
        return position is None or position < len(names) or "args" in names
    if keyword not in names:
        return "kwargs" in names or "options" in names
    return position is None or names.index(keyword) == position


def check_registrations(
    where: str, candidates: list[Any], registrations: tuple[Registration, ...]
) -> list[str]:
    """Each registration must fit at least one of the candidate callables."""
    signatures = [p for p in (parameters(c) for c in candidates) if p is not None]
    if not signatures:
        return []
    problems: list[str] = []
    for registration in registrations:
        if not any(accepts(names, registration) for names in signatures):
            note = f"{where}({registration.keyword}=)"
            if note not in OLDER_RELEASES:
                problems.append(
                    f"{note}: keyword {registration.keyword!r} at position "
                    f"{registration.position} fits none of {signatures}"
                )
    return problems


def check(framework: Framework) -> list[str]:
    problems: list[str] = []
    apps = []
    for name in framework.app_classes:
        try:
            apps.append(load(name))
        except (ImportError, AttributeError) as error:
            problems.append(f"app class {name}: {error!r}")
    # Some methods are attributes an instance sets in its ``__init__`` (BlackSheep's
    # ``app.router.get``, ``app.on_start``): an instance made without arguments has them.
    for cls in list(apps):
        try:
            apps.append(cls())
        except Exception:  # (it needs arguments: its class will do)
            continue

    def methods(dotted: str) -> list[Any]:
        """The method ``dotted`` on every app class that has it."""
        found = []
        for app in apps:
            obj: Any = app
            try:
                for attribute in dotted.split("."):
                    obj = getattr(obj, attribute)
            except AttributeError:
                continue
            found.append(obj)
        return found

    for name in framework.decorator_methods:
        where = f"{framework.name} .{name}"
        if not methods(name) and where not in OLDER_RELEASES:
            problems.append(f"{where}: no app class has this method")
    for name, registrations in framework.call_methods.items():
        where = f"{framework.name} .{name}"
        found = methods(name)
        if not found:
            # Attributes set on instances (app.router.add_get, app.on_startup.append) cannot be
            # checked on the class.
            if "." not in name and where not in OLDER_RELEASES:
                problems.append(f"{where}: no app class has this method")
            continue
        problems += check_registrations(where, found, registrations)
    for name in framework.decorator_functions:
        try:
            load(name)
        except (ImportError, AttributeError) as error:
            problems.append(f"decorator {name}: {error!r}")
    for name, registrations in framework.call_functions.items():
        try:
            obj = load(name)
        except (ImportError, AttributeError) as error:
            problems.append(f"call {name}: {error!r}")
            continue
        problems += check_registrations(name, [obj], registrations)
    for name in [*framework.handler_bases, *framework.class_attributes]:
        try:
            load(name)
        except (ImportError, AttributeError) as error:
            problems.append(f"base class {name}: {error!r}")
    return problems


def configure_django() -> None:
    """Django REST framework reads Django's settings when imported: minimal ones, if Django is
    installed and none are configured."""
    try:
        import django
        from django.conf import settings
    except ImportError:
        return
    if not settings.configured:
        settings.configure(INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"])
        django.setup()


def main() -> int:
    configure_django()
    status = 0
    for framework in FRAMEWORKS:
        try:
            importlib.import_module(framework.packages[0])
        except ImportError:
            print(f"{framework.name}: not installed, skipped")
            continue
        problems = check(framework)
        print(f"{framework.name}: {'ok' if not problems else f'{len(problems)} problems'}")
        for problem in problems:
            print(f"  {problem}")
        status = status or (1 if problems else 0)
    return status


if __name__ == "__main__":
    sys.exit(main())
