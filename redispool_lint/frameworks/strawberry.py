"""Strawberry GraphQL: resolvers, and what a GraphQL view builds for every request.

A resolver (``@strawberry.field``, ``@strawberry.mutation``, ``@strawberry.subscription``, or the
function passed as ``strawberry.field(resolver=f)``) runs each time an operation selects its
field: at least once per GraphQL request. The FastAPI integration's ``GraphQLRouter(schema,
context_getter=f)`` runs ``f`` as a FastAPI dependency of every request (its own ``Depends``
parameters too); an ASGI ``GraphQL`` subclass builds the context and the root value in methods
it overrides. Checked against strawberry-graphql 0.341.
"""

from __future__ import annotations

from .base import Framework, Kind, Registration, qualify

#: A hook, not a route: Strawberry calls a resolver with GraphQL arguments (a parameter added to
#: it becomes a field argument), so ``--fix`` must not give it a ``request`` parameter.
_RESOLVER = Registration(Kind.HOOK, "GraphQL resolver")
_DECORATORS = {
    **qualify(("strawberry", "strawberry.types.field"), {"field": _RESOLVER}),
    **qualify(
        ("strawberry", "strawberry.types.mutation"),
        {"mutation": _RESOLVER, "subscription": _RESOLVER},
    ),
}
_ROUTERS = ("strawberry.fastapi.GraphQLRouter", "strawberry.fastapi.router.GraphQLRouter")

FRAMEWORK = Framework(
    name="Strawberry",
    packages=("strawberry",),
    decorator_functions=_DECORATORS,
    call_functions={
        **{
            name: (Registration(Kind.HOOK, "GraphQL resolver", 0, "resolver"),)
            for name in _DECORATORS
        },
        **{
            router: (
                Registration(Kind.DEPENDENCY, "GraphQL context getter", None, "context_getter"),
                Registration(
                    Kind.DEPENDENCY, "GraphQL root value getter", None, "root_value_getter"
                ),
            )
            for router in _ROUTERS
        },
    },
    handler_bases={
        view: frozenset({"get_context", "get_root_value", "process_result"})
        for view in ("strawberry.asgi.GraphQL",)
    },
)
