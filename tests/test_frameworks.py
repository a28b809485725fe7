"""Invariants of the framework tables (their behaviour is proven by the fixture projects)."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import redispool_lint.frameworks as frameworks_package
from redispool_lint.frameworks import FRAMEWORKS, build_knowledge
from redispool_lint.frameworks.base import Framework, Kind, Registration

from .helpers import lint_folder, write_files

FRAMEWORK_MODULES = sorted(
    name
    for _, name, _ in pkgutil.iter_modules([str(Path(frameworks_package.__file__).parent)])
    if name != "base"
)


@pytest.mark.parametrize("name", FRAMEWORK_MODULES)
def test_every_framework_module_is_listed(name: str) -> None:
    module = importlib.import_module(f"redispool_lint.frameworks.{name}")
    assert module.FRAMEWORK in FRAMEWORKS


def _decorator_keys(framework: Framework) -> dict[str, Registration]:
    keys = {
        f"{cls}().{method}": registration
        for cls in framework.app_classes
        for method, registration in framework.decorator_methods.items()
    }
    keys.update(framework.decorator_functions)
    return keys


def test_frameworks_do_not_overwrite_each_other() -> None:
    """``build_knowledge`` merges decorators by key: two frameworks must not claim one."""
    owners: dict[str, str] = {}
    for framework in FRAMEWORKS:
        for key in _decorator_keys(framework):
            assert key not in owners, f"{key} in {owners.get(key)} and {framework.name}"
            owners[key] = framework.name
    handler_owners: dict[str, str] = {}
    for framework in FRAMEWORKS:
        for base in framework.handler_bases:
            assert base not in handler_owners, base
            handler_owners[base] = framework.name


def test_call_registrations_name_their_argument() -> None:
    """A call registration without a position or keyword would register nothing."""
    for framework in FRAMEWORKS:
        tables = [*framework.call_methods.values(), *framework.call_functions.values()]
        for registrations in tables:
            for registration in registrations:
                assert registration.position is not None or registration.keyword is not None


def test_lifecycle_hooks_are_not_per_request() -> None:
    knowledge = build_knowledge()
    once = {
        "quart.Quart().before_serving": Kind.STARTUP,
        "quart.Quart().while_serving": Kind.LIFESPAN,
        "quart.Blueprint().after_app_serving": Kind.SHUTDOWN,
        "sanic.Sanic().before_server_start": Kind.STARTUP,
        "sanic.Blueprint().after_server_stop": Kind.SHUTDOWN,
    }
    for key, kind in once.items():
        assert knowledge.decorators[key].kind is kind
        assert not kind.per_request
    calls = {
        "aiohttp.web.Application().on_startup.append": Kind.STARTUP,
        "aiohttp.web.Application().on_cleanup.append": Kind.SHUTDOWN,
        "aiohttp.web.Application().cleanup_ctx.append": Kind.LIFESPAN,
    }
    for key, kind in calls.items():
        assert [r.kind for r in knowledge.calls[key]] == [kind]
    listener = knowledge.decorators["sanic.Sanic().listener"]
    assert listener.events["before_server_start"] is Kind.STARTUP
    assert listener.events["after_server_stop"] is Kind.SHUTDOWN


def test_user_configured_entry_points() -> None:
    knowledge = build_knowledge(
        extra_route_decorators=["myapp.di.per_request"],
        extra_dependency_markers=["myapp.di.Inject"],
    )
    assert knowledge.decorators["myapp.di.per_request"].kind is Kind.ROUTE
    assert [r.kind for r in knowledge.calls["myapp.di.Inject"]] == [Kind.DEPENDENCY]
    assert "myapp" in knowledge.packages
    assert {"per_request", "Inject"} <= knowledge.names


def test_a_project_package_named_like_a_common_framework_word_is_project_code(
    tmp_path: Path,
) -> None:
    """A Django app called ``channels`` is the project's, not Django Channels' source."""
    write_files(
        tmp_path,
        """
        # file: pyproject.toml
        [project]
        name = "site"
        # file: channels/__init__.py
        # file: channels/views.py
        import redis
        from django.http import JsonResponse

        def listing(request):
            return JsonResponse({"n": redis.Redis().incr("n")})
        # file: urls.py
        from django.urls import path

        from channels import views

        urlpatterns = [path("tv/", views.listing)]
        """,
    )
    assert [(f.path, f.code) for f in lint_folder(tmp_path).findings] == [
        ("channels/views.py", "RPL002")
    ]
