"""What each web framework runs per request, and what it runs once.

One module per framework, each a ``Framework`` made of data. Adding a framework is adding a
module and naming it in ``FRAMEWORKS``; the engine does not change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from . import (
    aiohttp,
    blacksheep,
    dishka,
    django,
    falcon,
    fastapi,
    flask,
    litestar,
    ninja,
    quart,
    sanic,
    socketio,
    starlette,
    strawberry,
    tornado,
)
from .base import Framework, Kind, Registration, RoutePrefix, Unit

FRAMEWORKS: tuple[Framework, ...] = (
    fastapi.FRAMEWORK,
    starlette.FRAMEWORK,
    litestar.FRAMEWORK,
    flask.FRAMEWORK,
    quart.FRAMEWORK,
    aiohttp.FRAMEWORK,
    sanic.FRAMEWORK,
    strawberry.FRAMEWORK,
    tornado.FRAMEWORK,
    django.FRAMEWORK,
    socketio.FRAMEWORK,
    falcon.FRAMEWORK,
    ninja.FRAMEWORK,
    blacksheep.FRAMEWORK,
    dishka.FRAMEWORK,
)

#: Framework packages named like a word a project may well use for a package of its own (a
#: Django app called ``channels``): a package of that name in a project is the project's code.
_COMMON_WORDS = frozenset({"channels"})

#: The frameworks' own top-level packages. Their source, when a project holds it (a
#: virtualenv in the tree, a vendored copy), is what the tables here describe: it is not
#: analysed as project code, and names are not resolved into it.
FRAMEWORK_PACKAGES = (
    frozenset(package for framework in FRAMEWORKS for package in framework.packages) - _COMMON_WORDS
)

#: The last names of the objects whose items are app state (``Framework.state_items``).
STATE_ITEM_OWNERS = frozenset(name for framework in FRAMEWORKS for name in framework.state_items)


@dataclass(frozen=True)
class Knowledge:
    """Every framework's tables merged into lookups by canonical dotted reference."""

    #: Decorator callee (``fastapi.FastAPI().get``, ``litestar.get``) -> registration.
    decorators: dict[str, Registration]
    #: Call callee (``fastapi.FastAPI().add_api_route``, ``fastapi.Depends``) -> registrations.
    calls: dict[str, tuple[Registration, ...]]
    handler_bases: dict[str, frozenset[str]]
    #: Handler base -> what one of its instances serves, where it is not one request.
    handler_units: dict[str, Unit]
    #: Handler base -> what a finding calls its methods, where they are hooks, not handlers.
    handler_hooks: dict[str, str]
    #: Base class -> registrations read from its subclasses' class attributes.
    class_attributes: dict[str, tuple[Registration, ...]]
    #: Route prefixes (``Framework.router_prefixes`` and the others), merged; include methods
    #: by callee (``fastapi.APIRouter().include_router``).
    router_prefixes: dict[str, RoutePrefix]
    include_prefixes: dict[str, RoutePrefix]
    class_prefixes: dict[str, str]
    #: ``Framework.setting_lists``, merged. Their names are in ``names`` too: the extractor
    #: keeps the strings of a module-level list assigned to one.
    setting_lists: dict[str, Registration]
    #: Instances of these classes are applications or routers.
    app_classes: frozenset[str]
    packages: frozenset[str]
    #: The last names of every callee above: the extractor keeps calls with these names.
    names: frozenset[str]


def build_knowledge(
    frameworks: Iterable[Framework] = FRAMEWORKS,
    *,
    extra_route_decorators: Iterable[str] = (),
    extra_dependency_markers: Iterable[str] = (),
) -> Knowledge:
    decorators: dict[str, Registration] = {}
    calls: dict[str, tuple[Registration, ...]] = {}
    handler_bases: dict[str, frozenset[str]] = {}
    handler_units: dict[str, Unit] = {}
    handler_hooks: dict[str, str] = {}
    router_prefixes: dict[str, RoutePrefix] = {}
    include_prefixes: dict[str, RoutePrefix] = {}
    class_prefixes: dict[str, str] = {}
    setting_lists: dict[str, Registration] = {}
    class_attributes: dict[str, tuple[Registration, ...]] = {}
    app_classes: set[str] = set()
    packages: set[str] = set()
    for framework in frameworks:
        packages.update(framework.packages)
        app_classes.update(framework.app_classes)
        for cls in framework.app_classes:
            for method, registration in framework.decorator_methods.items():
                decorators[f"{cls}().{method}"] = registration
            for method, registrations in framework.call_methods.items():
                calls[f"{cls}().{method}"] = registrations
        decorators.update(framework.decorator_functions)
        for name, registrations in framework.call_functions.items():
            calls[name] = calls.get(name, ()) + registrations
        handler_bases.update(framework.handler_bases)
        handler_units.update(framework.handler_units)
        handler_hooks.update(framework.handler_hooks)
        router_prefixes.update(framework.router_prefixes)
        include_prefixes.update(
            (f"{cls}().{method}", prefix)
            for cls in framework.app_classes
            for method, prefix in framework.include_prefixes.items()
        )
        class_prefixes.update(framework.class_prefixes)
        setting_lists.update(framework.setting_lists)
        class_attributes.update(framework.class_attributes)
    # Configured by the user, e.g. for dependency-injection containers.
    for name in extra_route_decorators:
        decorators[name] = Registration(Kind.ROUTE, "handler")
        decorators[f"{name}()"] = Registration(Kind.ROUTE, "handler")
    for name in extra_dependency_markers:
        calls[name] = (Registration(Kind.DEPENDENCY, "dependency", 0, None),)
    for name in list(decorators) + list(calls):
        packages.add(name.split(".", 1)[0])
    # A method reached through an attribute of an app (``app.on_startup.append``) is always
    # called on a project name, which the extractor keeps anyway: its last name (``append``)
    # would only make it keep every list append of the project.
    names = {
        name.rsplit(".", 1)[-1].removesuffix("()")
        for name in [*decorators, *calls]
        if "()." not in name or "." not in name.rpartition("().")[2]
    } | set(setting_lists)
    return Knowledge(
        decorators=decorators,
        calls=calls,
        handler_bases=handler_bases,
        handler_units=handler_units,
        handler_hooks=handler_hooks,
        router_prefixes=router_prefixes,
        include_prefixes=include_prefixes,
        class_prefixes=class_prefixes,
        setting_lists=setting_lists,
        class_attributes=class_attributes,
        app_classes=frozenset(app_classes),
        packages=frozenset(packages),
        names=frozenset(names),
    )
