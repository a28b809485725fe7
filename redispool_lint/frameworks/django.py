"""Django, Django REST framework and Channels: views, viewsets and consumers.

Checked against Django 5.2, Django REST framework 3.18 and Channels 4.3. A class-based view's
``as_view()`` makes an instance per request, so every public method of a ``View`` or DRF
``APIView``/``ViewSet`` subclass runs per request (``dispatch``, ``get``, ``get_queryset``,
``perform_create``...). A Channels consumer is an instance per connection (``connect``,
``receive``, ``disconnect``). Function views are registered with ``path``/``re_path`` in a
URLconf, or decorated with DRF's ``@api_view``. What runs once is module level (settings,
``AppConfig.ready``): ordinary code.

Middleware is named by dotted paths in the settings' ``MIDDLEWARE`` list (``MIDDLEWARE_CLASSES``
before Django 1.10). Django loads each once per process: a class is instantiated with
``get_response`` (its ``__init__`` runs once), and its ``__call__`` and ``process_*`` hooks run
per request; a function is a factory called once with ``get_response``, and the function it
returns runs per request. Split settings add to the list (``MIDDLEWARE += [...]``,
``MIDDLEWARE.insert(0, "...")``): those paths are read too.

A view instance per request also runs its ``__init__`` per request, and DRF makes an instance of
each throttle, permission and authentication class of the view per request
(``APIView.get_throttles()``...): their methods are hooks of the request.
"""

from __future__ import annotations

from .base import EVERY_PUBLIC_METHOD, Framework, Kind, Method, Registration, Unit

#: Class-based views, by every module that exports them (as a project imports them).
_DJANGO_VIEWS = {
    "django.views": ("View",),
    "django.views.generic": (
        "ArchiveIndexView",
        "CreateView",
        "DateDetailView",
        "DayArchiveView",
        "DeleteView",
        "DetailView",
        "FormView",
        "ListView",
        "MonthArchiveView",
        "RedirectView",
        "TemplateView",
        "TodayArchiveView",
        "UpdateView",
        "View",
        "WeekArchiveView",
        "YearArchiveView",
    ),
    "django.views.generic.base": ("RedirectView", "TemplateView", "View"),
    "django.views.generic.edit": (
        "BaseCreateView",
        "BaseDeleteView",
        "BaseFormView",
        "BaseUpdateView",
        "CreateView",
        "DeleteView",
        "FormView",
        "ProcessFormView",
        "UpdateView",
    ),
    "django.views.generic.list": ("BaseListView", "ListView"),
    "django.views.generic.detail": ("BaseDetailView", "DetailView"),
    "django.views.generic.dates": (
        "ArchiveIndexView",
        "BaseArchiveIndexView",
        "BaseDateDetailView",
        "BaseDateListView",
        "BaseDayArchiveView",
        "BaseMonthArchiveView",
        "BaseTodayArchiveView",
        "BaseWeekArchiveView",
        "BaseYearArchiveView",
        "DateDetailView",
        "DayArchiveView",
        "MonthArchiveView",
        "TodayArchiveView",
        "WeekArchiveView",
        "YearArchiveView",
    ),
    "rest_framework.views": ("APIView",),
    "rest_framework.generics": (
        "CreateAPIView",
        "DestroyAPIView",
        "GenericAPIView",
        "ListAPIView",
        "ListCreateAPIView",
        "RetrieveAPIView",
        "RetrieveDestroyAPIView",
        "RetrieveUpdateAPIView",
        "RetrieveUpdateDestroyAPIView",
        "UpdateAPIView",
    ),
    "rest_framework.viewsets": (
        "GenericViewSet",
        "ModelViewSet",
        "ReadOnlyModelViewSet",
        "ViewSet",
    ),
}

#: Channels consumers (one instance per connection).
_CONSUMERS = {
    "channels.generic.websocket": (
        "AsyncJsonWebsocketConsumer",
        "AsyncWebsocketConsumer",
        "JsonWebsocketConsumer",
        "WebsocketConsumer",
    ),
    "channels.generic.http": ("AsyncHttpConsumer",),
    "channels.consumer": ("AsyncConsumer", "SyncConsumer"),
}

#: DRF's classes a view instantiates for each request (``APIView.get_throttles()`` is
#: ``[throttle() for throttle in self.throttle_classes]``, and likewise permissions and
#: authenticators): their ``__init__`` and methods run per request, as hooks of the view.
_DRF_HOOKS = {
    "rest_framework.throttling": (
        (
            "AnonRateThrottle",
            "BaseThrottle",
            "ScopedRateThrottle",
            "SimpleRateThrottle",
            "UserRateThrottle",
        ),
        "DRF throttle",
    ),
    "rest_framework.permissions": (
        ("BasePermission", "IsAdminUser", "IsAuthenticated", "IsAuthenticatedOrReadOnly"),
        "DRF permission",
    ),
    "rest_framework.authentication": (
        (
            "BaseAuthentication",
            "BasicAuthentication",
            "RemoteUserAuthentication",
            "SessionAuthentication",
            "TokenAuthentication",
        ),
        "DRF authentication",
    ),
}

#: What runs on each instance of a view, consumer or DRF hook class.
_PER_INSTANCE = frozenset({EVERY_PUBLIC_METHOD, "__init__"})

#: ``path(route, view)``: the view is the second argument (``views.index``; a class's
#: ``as_view()`` is found by its base instead).
_URL_PATTERN = (Registration(Kind.ROUTE, "view", 1, "view", with_path=True),)

#: What Django calls per request on a middleware instance (``MiddlewareMixin`` routes
#: ``__call__``/``__acall__`` to ``process_request`` and ``process_response``).
_MIDDLEWARE_METHODS = {
    name: Method(Kind.HOOK, "middleware")
    for name in (
        "__call__",
        "__acall__",
        "process_request",
        "process_view",
        "process_response",
        "process_exception",
        "process_template_response",
    )
}
_MIDDLEWARE = Registration(
    Kind.HOOK, "middleware", None, None, methods=_MIDDLEWARE_METHODS, factory=True
)

FRAMEWORK = Framework(
    name="Django",
    setting_lists={"MIDDLEWARE": _MIDDLEWARE, "MIDDLEWARE_CLASSES": _MIDDLEWARE},
    packages=("django", "rest_framework", "channels"),
    call_functions={
        "django.urls.path": _URL_PATTERN,
        "django.urls.re_path": _URL_PATTERN,
        "django.urls.conf.path": _URL_PATTERN,
        "django.urls.conf.re_path": _URL_PATTERN,
    },
    decorator_functions={
        f"{module}.api_view": Registration(Kind.ROUTE, "API view")
        for module in ("rest_framework.decorators",)
    },
    # Every public method, as ``as_view()`` dispatches to any of them, and ``__init__``: the
    # instance is made per request (per connection for a consumer).
    handler_bases={
        f"{module}.{name}": _PER_INSTANCE
        for table in (
            _DJANGO_VIEWS,
            _CONSUMERS,
            {module: names for module, (names, _) in _DRF_HOOKS.items()},
        )
        for module, names in table.items()
        for name in names
    },
    handler_hooks={
        f"{module}.{name}": label for module, (names, label) in _DRF_HOOKS.items() for name in names
    },
    # A consumer instance lives as long as its connection; an HTTP consumer's is one request.
    handler_units={
        f"{module}.{name}": Unit.CONNECTION
        for module, names in _CONSUMERS.items()
        if module != "channels.generic.http"
        for name in names
    },
)
