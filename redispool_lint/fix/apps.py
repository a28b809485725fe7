"""Which application a per-request function belongs to, and that application's lifecycle code.

Pure project-model work (no syntax trees): the app is the FastAPI/Starlette object whose routes
reach the function, through ``include_router`` chains, in whichever module it lives.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..frameworks.base import Kind
from ..project.model import ProjectModel
from ..project.requests import RequestAnalysis
from ..project.summary import CallSite, FunctionSummary, ModuleSummary

#: Application classes (routers are not applications: they have no lifespan of their own).
APP_CLASSES: dict[str, str] = {
    "fastapi.FastAPI": "fastapi",
    "fastapi.applications.FastAPI": "fastapi",
    "starlette.applications.Starlette": "starlette",
}


@dataclass
class App:
    #: The variable that holds it (``app.main.app``), or ``local:app`` inside a factory.
    variable: str
    module: ModuleSummary
    #: The function whose body constructs it (``<module>`` for a module-level app).
    owner: FunctionSummary
    call: CallSite
    framework: str
    lifespan: FunctionSummary | None = None
    #: ``@app.on_event("startup")`` / ``("shutdown")`` functions and the functions given to
    #: ``app.add_event_handler``, in source order.
    on_startup: list[FunctionSummary] = field(default_factory=list)
    on_shutdown: list[FunctionSummary] = field(default_factory=list)
    #: Some of those are registered by ``add_event_handler``: a new lifespan could not take
    #: them over (the registration call stays), but code can be added to them.
    handlers_added_by_call: bool = False
    #: The name each of those handlers reads the application by, where it has one: the app's
    #: own variable for a handler beside it (module level, or nested in the same factory), the
    #: parameter of the function that made the handler (``create_start_app_handler(app)``).
    handler_app_names: dict[str, str] = field(default_factory=dict)
    #: Lifecycle registered in ways the fix does not rewrite (``on_startup=[...]``, a handler
    #: ``add_event_handler`` is given that is not a known function): creating a lifespan would
    #: silently drop them.
    other_lifecycle: bool = False

    @property
    def at_module_level(self) -> bool:
        return self.owner.name == "<module>"

    @property
    def name(self) -> str:
        return self.variable.rsplit(".", 1)[-1].removeprefix("local:")


class Apps:
    def __init__(self, model: ProjectModel, requests: RequestAnalysis) -> None:
        self.model = model
        self.requests = requests
        self.apps: list[App] = []
        self._included_by: dict[str, list[str]] | None = None
        self._find()

    def _find(self) -> None:
        model = self.model
        for function in model.functions.values():
            module = model.module_of(function)
            if module.is_test:
                continue
            for call in function.calls:
                framework = APP_CLASSES.get(model.resolve(call.callee, function.local_types))
                if framework is None or call.assigned_to is None:
                    continue
                app = App(call.assigned_to, module, function, call, framework)
                lifespan = dict(call.keywords).get("lifespan")
                if lifespan is not None:
                    resolved = model.resolve(lifespan, function.local_types)
                    app.lifespan = model.functions.get(resolved)
                    if app.lifespan is None:
                        app.other_lifecycle = True
                if any(k in ("on_startup", "on_shutdown") for k, _ in call.keywords):
                    app.other_lifecycle = True
                self.apps.append(app)
        for function in model.functions.values():
            for decorator in function.decorators:
                receiver, _, method = decorator.callee.rpartition(".")
                if method != "on_event":
                    continue
                registered = self.app_named(receiver)
                if registered is None:
                    continue
                if decorator.first_string == "startup":
                    registered.on_startup.append(function)
                elif decorator.first_string == "shutdown":
                    registered.on_shutdown.append(function)
                self._name_app_in(registered, function)
            for call in function.calls:
                receiver, _, method = call.callee.rpartition(".")
                if method == "add_event_handler":
                    # ``app.add_event_handler`` (Starlette < 1.0), or its router's (what
                    # FastAPI keeps after Starlette 1.0 removed the app's).
                    registered = self.app_named(receiver) or self.app_named(
                        receiver.removesuffix(".router")
                    )
                    if registered is not None:
                        self._add_event_handler(registered, call, function)

    def _add_event_handler(self, app: App, call: CallSite, caller: FunctionSummary) -> None:
        """``app.add_event_handler("startup", handler)``: the handler is a function, or the
        call of a project function that returns one (``create_start_app_handler(app)``, whose
        nested ``start_app`` it returns: the FastAPI RealWorld example's shape)."""
        event = call.first_string  # (given by position, or as ``event_type=``)
        handler = call.args[1] if len(call.args) > 1 else dict(call.keywords).get("func")
        function = None
        if handler is not None:
            model = self.model
            if handler.endswith("()"):
                maker = model.functions.get(model.resolve(handler[:-2], caller.local_types))
                returned = set(maker.returns) if maker is not None else set()
                if maker is not None and len(returned) == 1:
                    function = model.functions.get(returned.pop())
                    if function is not None:
                        self._name_app_through_maker(app, function, maker, caller)
            else:
                function = model.functions.get(model.resolve(handler, caller.local_types))
                if function is not None:
                    self._name_app_in(app, function)
        if function is None or event not in ("startup", "shutdown"):
            app.other_lifecycle = True
            return
        app.handlers_added_by_call = True
        (app.on_startup if event == "startup" else app.on_shutdown).append(function)

    def _name_app_in(self, app: App, handler: FunctionSummary) -> None:
        """The app's own variable, for a handler that can read it: nested in the factory that
        makes the app, or at module level beside a module-level app."""
        if app.at_module_level:
            beside = handler.module == app.module.name and handler.class_qualname is None
        else:
            beside = handler.qualname.startswith(f"{app.owner.qualname}.")
        if beside:
            app.handler_app_names[handler.qualname] = app.name

    def _name_app_through_maker(
        self, app: App, handler: FunctionSummary, maker: FunctionSummary, caller: FunctionSummary
    ) -> None:
        """``create_start_app_handler(application)`` returns a ``start_app`` nested in it: the
        handler reads the app by the maker's parameter that the call passes it to."""
        if not handler.qualname.startswith(f"{maker.qualname}."):
            return
        for call in caller.calls:
            if self.model.resolve(call.callee, caller.local_types) != maker.qualname:
                continue
            for index, argument in enumerate(call.args):
                if argument == app.variable and index < len(maker.params):
                    app.handler_app_names[handler.qualname] = maker.params[index]
                    return

    def app_named(self, reference: str) -> App | None:
        variable = self.model.variable_of(reference) or reference
        for app in self.apps:
            if app.variable == variable:
                return app
        return None

    def app_of(self, function: str) -> App | None:
        """The application whose requests run ``function``."""
        candidates: list[App] = []
        for entry_function in self._entries_reaching(function):
            for receiver in self._receivers(entry_function):
                app = self._app_through_routers(receiver, set())
                if app is not None and app not in candidates:
                    candidates.append(app)
        if len(candidates) == 1:
            return candidates[0]
        if not candidates and len(self.apps) == 1:
            return self.apps[0]
        return None

    def _entries_reaching(self, function: str) -> list[str]:
        entries = [function]
        for _, reason in self.requests.chain(function):
            if reason.entry.function not in entries:
                entries.append(reason.entry.function)
        return entries

    def _receivers(self, function: str) -> list[str]:
        summary = self.model.functions.get(function)
        if summary is None:
            return []
        receivers = []
        for decorator in summary.decorators:
            receiver = decorator.callee.rpartition(".")[0]
            if receiver:
                receivers.append(receiver)
        return receivers

    def _app_through_routers(self, receiver: str, seen: set[str]) -> App | None:
        app = self.app_named(receiver)
        if app is not None:
            return app
        variable = self.model.variable_of(receiver)
        if variable is None or variable in seen:
            return None
        seen.add(variable)
        for outer in self._includers().get(variable, ()):
            found = self._app_through_routers(outer, seen)
            if found is not None:
                return found
        return None

    def _includers(self) -> dict[str, list[str]]:
        """Router variable -> the receivers of the ``include_router`` calls that include it, in
        the project's order (worked out once: every finding's app is looked for through them)."""
        if self._included_by is None:
            self._included_by = {}
            for function in self.model.functions.values():
                for call in function.calls:
                    outer, _, method = call.callee.rpartition(".")
                    if method != "include_router" or not call.args or call.args[0] is None:
                        continue
                    included = self.model.variable_of(call.args[0])
                    if included is not None:
                        self._included_by.setdefault(included, []).append(outer)
        return self._included_by

    def is_websocket(self, function: str) -> bool:
        return any(
            e.function == function and e.label.startswith("websocket")
            for e in self.requests.entries
        )

    def is_entry(self, function: str) -> bool:
        """A function the framework calls (route, dependency): it may gain a Request parameter."""
        if any(
            e.function == function and e.kind in (Kind.ROUTE, Kind.DEPENDENCY)
            for e in self.requests.entries
        ):
            return True
        reason = self.requests.per_request.get(function)
        return reason is not None and reason.relation == "dependency of"

    def called_directly(self, function: str) -> bool:
        """True when project code calls the function itself (a new parameter would break it)."""
        for edges in self.requests.edges.values():
            for edge in edges:
                if edge.callee == function and edge.relation == "called by":
                    return True
        return False
