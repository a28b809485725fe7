"""Flask: routes and request hooks on apps and blueprints, and class-based views.

Quart mirrors this API (``quart.py`` reuses the pieces defined here). Checked against Flask 3.1.

A class-based view (``View``/``MethodView``) is instantiated for every request by default
(``init_every_request = True``), so its ``__init__`` runs per request as well as its handlers.
"""

from __future__ import annotations

from collections.abc import Mapping

from .base import HTTP_METHODS, Framework, Kind, Registration, RoutePrefix, methods

_HOOK_NAMES = {
    "before_request": "before_request hook",
    "after_request": "after_request hook",
    "teardown_request": "teardown_request hook",
    # An app context is pushed for every request.
    "teardown_appcontext": "teardown_appcontext hook",
    "url_value_preprocessor": "url_value_preprocessor",
    "url_defaults": "url_defaults",
    "context_processor": "context processor",
    # Blueprint variants that apply to the whole app.
    "before_app_request": "before_request hook",
    "after_app_request": "after_request hook",
    "teardown_app_request": "teardown_request hook",
    "app_url_value_preprocessor": "url_value_preprocessor",
    "app_url_defaults": "url_defaults",
    "app_context_processor": "context processor",
}


def hooks(names: Mapping[str, str]) -> dict[str, Registration]:
    return {name: Registration(Kind.HOOK, label) for name, label in names.items()}


#: Decorators on a Flask-like app or blueprint.
DECORATORS: dict[str, Registration] = {
    **methods(("get", "post", "put", "patch", "delete")),
    "route": Registration(Kind.ROUTE, "route", with_path=True),
    **hooks(_HOOK_NAMES),
    "errorhandler": Registration(Kind.HOOK, "error handler"),
    "app_errorhandler": Registration(Kind.HOOK, "error handler"),
}

#: The same hooks called directly (``app.before_request(load_user)``), and registering calls.
CALLS: dict[str, tuple[Registration, ...]] = {
    **{name: (Registration(Kind.HOOK, label, 0, "f"),) for name, label in _HOOK_NAMES.items()},
    "add_url_rule": (Registration(Kind.ROUTE, "route", 2, "view_func", with_path=True),),
    "register_error_handler": (Registration(Kind.HOOK, "error handler", 1, "f"),),
}

#: A class-based view's handlers, and its ``__init__`` (a new instance per request).
VIEW_METHODS = frozenset({*HTTP_METHODS, "dispatch_request", "__init__"})

_APPS = ("flask.Flask", "flask.app.Flask", "flask.Blueprint", "flask.blueprints.Blueprint")

#: ``Blueprint(..., url_prefix="/v1")``; ``register_blueprint(bp, url_prefix=...)`` replaces
#: the blueprint's own prefix, and a blueprint registered on another adds that one's before it.
BLUEPRINT_PREFIX = RoutePrefix("url_prefix")
REGISTER_PREFIX = RoutePrefix("url_prefix", replaces=True)

#: Flask-RESTX, Flask-RESTful and Flask-RESTPlus: a ``Resource`` is a ``MethodView`` (one
#: instance per request, ``get``/``post``/... its handlers), routed by ``@api.route(...)`` on a
#: ``Namespace`` or ``api.add_resource(...)``. Its base alone makes it a view, as for MethodView.
_RESOURCES = (
    "flask_restx.Resource",
    "flask_restx.resource.Resource",
    "flask_restful.Resource",
    "flask_restplus.Resource",
    "flask_restplus.resource.Resource",
)

FRAMEWORK = Framework(
    name="Flask",
    packages=("flask", "flask_restx", "flask_restful", "flask_restplus"),
    app_classes=_APPS,
    decorator_methods=DECORATORS,
    call_methods=CALLS,
    router_prefixes=dict.fromkeys(_APPS[2:], BLUEPRINT_PREFIX),
    include_prefixes={"register_blueprint": REGISTER_PREFIX},
    handler_bases={
        "flask.views.View": VIEW_METHODS,
        "flask.views.MethodView": VIEW_METHODS,
        **dict.fromkeys(_RESOURCES, VIEW_METHODS),
    },
)
