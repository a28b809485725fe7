"""Dishka: providers whose scope makes them run per request.

Checked against dishka 1.10. Dishka is a dependency-injection container that the web
frameworks' integrations (``dishka.integrations.fastapi``, ``.litestar``, ``.aiohttp``...) enter
once per request: every provider of ``Scope.REQUEST`` (or the finer ``ACTION`` and ``STEP``) is
called again for each request, ``Scope.APP`` ones once for the container's life. A provider is

* a method decorated with ``@provide(scope=...)``, or a bare ``@provide`` in a ``Provider``
  subclass whose ``scope`` class attribute gives the default;
* a class attribute ``x = provide(Source, scope=...)`` (the class's ``scope`` again the
  default): ``Source`` is called, or constructed;
* ``provider.provide(source, scope=...)`` on an instance, whose ``Provider(scope=...)`` gives the
  default (or, not given there, its class's ``scope`` attribute);
* ``provide_all(A, B, scope=...)``, in a class body or on an instance: each class given.

A scope given when a ``Provider`` subclass is instantiated (``PoolProvider(scope=Scope.REQUEST)``),
or passed by its ``__init__`` to ``super().__init__(scope=...)``, overrides the class's ``scope``
attribute, as ``Provider.__init__`` does. An instance handed to a function that calls its
``provide`` (``register(provider)``) keeps the scope it was made with. ``WithParents[Source]``
given as a source is ``Source``.

Not seen: a ``@decorate`` method runs in the scope of the dependency it decorates, which only
the types (its parameter's and return annotations matched against every provider's) tell.

``Scope.SESSION`` (a websocket connection) is left out: the HTTP integrations pass through it on
every request as well, which one reading of the code cannot tell from a connection.
"""

from __future__ import annotations

from dataclasses import replace

from .base import Condition, Framework, Kind, Registration

_PACKAGES = ("dishka", "dishka.provider", "dishka.provider.make_factory")
_SCOPES = ("dishka", "dishka.entities.scope")
_PROVIDERS = ("dishka.Provider", "dishka.provider.Provider", "dishka.provider.provider.Provider")

#: The scopes a container enters per request, by qualified name.
_PER_REQUEST = Condition(
    "scope",
    frozenset(
        f"{module}.Scope.{scope}" for module in _SCOPES for scope in ("REQUEST", "ACTION", "STEP")
    ),
    default_classes=frozenset(_PROVIDERS),
)

_PROVIDE = Registration(
    Kind.DEPENDENCY,
    "Dishka provider, per-request scope",
    0,
    "source",
    when=_PER_REQUEST,
    fix_note=(
        "Dishka makes it per request; make the client (or pool) in a `Scope.APP` provider "
        "(a generator that closes it after its `yield`) and take it as a parameter"
    ),
)

#: ``provide_all(A, B, scope=...)``: each class given is constructed, as by ``provide``.
_PROVIDE_ALL = replace(_PROVIDE, every_position=True, keyword=None)

FRAMEWORK = Framework(
    name="Dishka",
    packages=("dishka",),
    # (Not an app, but an object whose method registers: ``provider.provide(Source)``.)
    app_classes=_PROVIDERS,
    call_methods={"provide": (_PROVIDE,), "provide_all": (_PROVIDE_ALL,)},
    decorator_functions={f"{module}.provide": _PROVIDE for module in _PACKAGES},
    call_functions={
        **{f"{module}.provide": (_PROVIDE,) for module in _PACKAGES},
        **{f"{module}.provide_all": (_PROVIDE_ALL,) for module in _PACKAGES},
    },
)
