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


def test_lifecycle_hooks_of_falcon_and_blacksheep_run_once() -> None:
    knowledge = build_knowledge()
    (falcon_middleware,) = knowledge.calls["falcon.asgi.App().add_middleware"]
    assert falcon_middleware.methods["process_startup"][0] is Kind.STARTUP
    assert falcon_middleware.methods["process_shutdown"][0] is Kind.SHUTDOWN
    assert falcon_middleware.methods["process_request"][0].per_request
    decorators = {
        "blacksheep.Application().on_start": Kind.STARTUP,
        "blacksheep.Application().after_start": Kind.STARTUP,
        "blacksheep.Application().on_stop": Kind.SHUTDOWN,
        "blacksheep.Application().lifespan": Kind.LIFESPAN,
    }
    for key, kind in decorators.items():
        assert knowledge.decorators[key].kind is kind
    calls = {
        "blacksheep.Application().on_start.__iadd__": Kind.STARTUP,
        "blacksheep.Application().on_stop.__iadd__": Kind.SHUTDOWN,
        "blacksheep.Application().on_start": Kind.STARTUP,
    }
    for key, kind in calls.items():
        assert [r.kind for r in knowledge.calls[key]] == [kind]


#: What the per-request findings of the new frameworks' fixtures say made them per request:
#: the route (method and full path) or the hook, as for the other frameworks.
NEW_FRAMEWORK_REASONS = {
    "fw_falcon_app": {
        ("inventory/resources.py", 23): "`ItemsResource.on_post` runs per request: it is a "
        "request handler (POST /items, inventory/wsgi.py:19)",
        ("inventory/resources.py", 40): "(GET /items/{item_id}/stock, inventory/wsgi.py:21)",
        ("inventory/resources.py", 48): "called by `ItemResource.on_delete` "
        "(DELETE /items/{item_id}, inventory/wsgi.py:20)",
        ("inventory/asgi.py", 48): "`FeedResource.on_websocket` runs per connection: it is a "
        "websocket handler (websocket /feed, inventory/asgi.py:56)",
        ("inventory/middleware.py", 11): "(middleware process_request, inventory/wsgi.py:17)",
        ("inventory/hooks.py", 10): "(before hook, inventory/resources.py:21)",
    },
    "fw_ninja_api": {
        ("shop/orders.py", 28): "(POST /orders/, shop/orders.py:27)",
        ("shop/orders.py", 36): "(API operation /orders/{order_id}, shop/orders.py:35)",
        ("shop/orders.py", 42): "(API operation /orders/{order_id}/cancel, shop/orders.py:47)",
        ("shop/api.py", 21): "(DELETE /cache, shop/api.py:20)",
        ("shop/auth.py", 14): "`ApiKey.authenticate` runs per request: it is a per-request "
        "hook (authentication, shop/api.py:10)",
        ("shop/throttles.py", 17): "(throttle, shop/api.py:10)",
    },
    "fw_django_middleware": {
        # A class's __call__, a factory's product and a MiddlewareMixin hook, named in
        # settings.MIDDLEWARE by dotted paths.
        ("site/middleware.py", 17): "`RateLimitMiddleware.__call__` runs per request: it is a "
        "per-request hook (middleware, site/settings.py:3)",
        ("site/middleware.py", 30): "`middleware` runs per request",
        ("site/middleware.py", 40): "`LegacySessionMiddleware.process_request` runs per request",
    },
    "fw_dishka_app": {
        # A method with ``scope=Scope.REQUEST``; a bare ``@provide`` under ``scope =
        # Scope.REQUEST``; classes given to ``provide(...)`` and ``provider.provide(...)``.
        ("notes/providers.py", 22): "`RedisProvider.client` runs per request: it is a "
        "dependency (Dishka provider, per-request scope), resolved per request "
        "(notes/providers.py:20)",
        ("notes/providers.py", 35): "`CacheProvider.cache` runs per request",
        ("notes/services.py", 11): "`RateLimiter.__init__` runs per request: it is a "
        "dependency (Dishka provider, per-request scope), resolved per request "
        "(notes/providers.py:39)",
        ("notes/services.py", 17): "`SessionStore.__init__` runs per request",
    },
    "fw_blacksheep_app": {
        ("catalog/routes.py", 18): "(POST /products, catalog/routes.py:17)",
        ("catalog/routes.py", 32): "(websocket /live, catalog/routes.py:30)",
        ("catalog/app.py", 39): "(DELETE /admin/cache, catalog/app.py:45)",
        ("catalog/controllers.py", 11): "(Recommendations.__init__, catalog/controllers.py:10)",
        ("catalog/services.py", 11): "`CartService.__init__` runs per request: it is a "
        "dependency (scoped service), resolved per request (catalog/app.py:46)",
    },
}


@pytest.mark.parametrize("project", sorted(NEW_FRAMEWORK_REASONS))
def test_new_frameworks_say_which_route_runs_the_code(project: str) -> None:
    result = lint_folder(Path(__file__).parent / "fixtures" / "projects" / project)
    messages = {(f.path, f.start.row): f.message for f in result.findings}
    for where, reason in NEW_FRAMEWORK_REASONS[project].items():
        assert reason in messages.get(where, ""), (where, messages.get(where))


def test_dishka_providers_run_per_request_only_in_a_per_request_scope(tmp_path: Path) -> None:
    """The scope decides: given to ``provide``, inherited from a base provider's ``scope``
    attribute, or given to the ``Provider`` whose ``provide`` registers, and followed through a
    module variable. APP and SESSION providers and a bare ``@provide`` with no default register
    nothing per request."""
    write_files(
        tmp_path,
        """
        # file: providers.py
        import redis
        from dishka import Provider, Scope, provide
        from dishka.entities.scope import Scope as S

        CHOSEN = Scope.REQUEST

        class RequestScoped(Provider):
            scope = Scope.REQUEST

        class Inherits(RequestScoped):
            @provide
            def inherited(self) -> redis.Redis:
                return redis.Redis()

        class Explicit(Provider):
            scope = Scope.APP

            @provide(scope=S.ACTION)
            def action(self) -> redis.Redis:
                return redis.Redis()

            @provide
            def app_default(self) -> redis.Redis:
                return redis.Redis()

            @provide(scope=Scope.SESSION)
            def session(self) -> redis.Redis:
                return redis.Redis()

            @provide(scope=CHOSEN)
            def from_variable(self) -> redis.Redis:
                return redis.Redis()

        class NoDefault(Provider):
            @provide
            def unscoped(self) -> redis.Redis:
                return redis.Redis()

        def made_by_function() -> redis.Redis:
            return redis.Redis()

        def made_once() -> redis.Redis:
            return redis.Redis()

        steps = Provider(scope=Scope.STEP)
        steps.provide(made_by_function)
        steps.provide(made_once, scope=Scope.APP)
        """,
    )
    found = {(f.start.row, f.code) for f in lint_folder(tmp_path).findings}
    # inherited, action, from_variable, made_by_function
    assert found == {(13, "RPL002"), (20, "RPL002"), (32, "RPL002"), (40, "RPL002")}


def test_fix_leaves_dishka_providers_with_a_note(tmp_path: Path) -> None:
    """Moving a provider's client into a lifespan is not Dishka's way: the finding's note
    says what is (an APP-scoped provider)."""
    project = Path(__file__).parent / "fixtures" / "projects" / "fw_dishka_app"
    result = lint_folder(project)
    result.plan_fixes()
    assert len(result.findings) == 4
    for finding in result.findings:
        assert finding.fix is None, finding
        assert any("in a `Scope.APP` provider" in note for note in finding.notes), finding
