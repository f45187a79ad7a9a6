"""The base every `/api/v1/` viewset is built on: reads through the policy, writes through services.

- ``get_queryset`` is ``restrict(model rows, request.user, VIEW)``: a viewset
  with no ``model``, or a model with no policy, serves nothing (it raises
  ``ImproperlyConfigured`` at start-up or on the first request).
- ``get_object`` looks the id up through the policy: missing, junk and
  invisible ids are one 404; for a write, an object the caller can see but
  not change (or delete) is a 403, checked before the body is read, so a
  client never fixes a body only to learn it may not send it.
- Writes call the services named in ``writes``; their errors become DRF's
  (``backend.exceptions``): ``DoesNotExist`` 404, ``PermissionDenied`` 403,
  ``ValidationError`` 400 ``{field: [...]}``.
- Detail routes are conditional (api/v1/conditional.py): GET sends a strong
  ``ETag`` and answers a matching ``If-None-Match`` with 304; PUT, PATCH and
  DELETE pass ``If-Match`` to the service as ``expected``, which checks it on
  the locked row (412 when the row changed). Every ``update``/``delete``
  service must take ``expected`` (checked at start-up).
- Pages come from the default paginator (settings: api.v1.pagination).
- ``?ordering=`` is read for every list by one backend (api.v1.ordering)
  from the viewset's ``ordering_fields``; none means not client-ordered.
- The OpenAPI error responses of every action are declared once, by
  ``backend.openapi.PolicyAutoSchema``; ``swagger_fake_view`` (schema
  generation, no user) is handled here, once.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import models
from django.http import Http404
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import Request, clone_request
from rest_framework.response import Response

from api import policy, services, versions
from backend.exceptions import NOT_FOUND
from backend.openapi import PolicyAutoSchema

from . import conditional
from .pagination import PagePagination
from .rows import RowListSerializer, row_plan


@dataclass(frozen=True)
class Writes:
    """The services a viewset writes through; each is called with the acting ``user``.

    ``create(user=, **validated_data)``, ``update(user=, <id_kwarg>=id,
    data=validated_data, expected=)``, ``delete(user=, <id_kwarg>=id, expected=)``.
    ``expected`` is the client's ``If-Match`` (``api.versions.IfMatch``) or
    None; the service calls ``api.versions.check`` on the row it locked.
    """

    id_kwarg: str
    create: Callable[..., models.Model] | None = None
    update: Callable[..., models.Model] | None = None
    delete: Callable[..., Any] | None = None


# The policy action a write needs on the object it names, checked before its body.
OBJECT_ACTIONS = {"update": policy.CHANGE, "partial_update": policy.CHANGE, "destroy": policy.DELETE}


def takes_expected(service: Callable[..., Any]) -> bool:
    return "expected" in inspect.signature(service).parameters


def check_writes(viewset: type, writes: Writes | None) -> None:
    """Fail at start-up if an update/delete service cannot take ``expected``: If-Match would be lost."""
    for name in ("update", "delete"):
        service = getattr(writes, name, None)
        if service is not None and not takes_expected(service):
            raise ImproperlyConfigured(
                f"{viewset.__name__}.writes.{name} ({service.__qualname__}) takes no `expected`: "
                "an If-Match it cannot check would be ignored (see api.versions)."
            )


def not_found() -> exceptions.NotFound:
    # NotFound (not DoesNotExist): DRF's OPTIONS metadata only swallows APIException and Http404.
    return exceptions.NotFound(NOT_FOUND)


def lookup_for_action(
    queryset: models.QuerySet | type[models.Model], *, user, action: str, pk: object
) -> models.Model:
    """``services.get_for_action`` as REST answers it: a 404 (missing, junk, invisible) or a 403.

    Unlocked (a view runs outside a transaction; the service looks the row up
    again under a lock): a row deleted between its two queries would read as
    "visible but not allowed", so a refusal is confirmed against the row
    still being there, and a row that is gone is a 404, as it is for the
    service.
    """
    if not isinstance(queryset, models.QuerySet):
        queryset = queryset._default_manager.all()
    try:
        return services.get_for_action(queryset, user=user, action=action, pk=pk)
    except ObjectDoesNotExist:
        raise not_found() from None
    except DjangoPermissionDenied as exc:
        if not policy.restrict(queryset, user, policy.VIEW).filter(pk=pk).exists():
            raise not_found() from None
        raise exceptions.PermissionDenied(str(exc)) from None


class PolicyMetadata(SimpleMetadata):
    """``OPTIONS``: a write form (``actions``) only for a write the policy lets the caller do.

    DRF's ``determine_actions`` asks ``get_object`` whether a ``PUT`` form may
    be shown, while the request's action is still ``metadata``: the lookup
    then asked for VIEW, and a viewer saw the form of a change they may not
    make. Here each method is asked as the action it routes to (``PUT`` is
    ``update``), so ``get_object`` asks the policy for CHANGE (a 403 or 404
    leaves the form out), as the write itself would.
    """

    def determine_actions(self, request: Request, view) -> dict:
        # DRF's SimpleMetadata.determine_actions, with the view's action set for each method.
        actions = {}
        action_map = getattr(view, "action_map", None) or {}
        for method in {"PUT", "POST"} & set(view.allowed_methods):
            view.request = clone_request(request, method)
            asked, view.action = view.action, action_map.get(method.lower(), view.action)
            try:
                view.check_permissions(view.request)
                if method == "PUT":
                    view.get_object()
            except (exceptions.APIException, DjangoPermissionDenied, Http404):
                continue
            else:
                actions[method] = self.get_serializer_info(view.get_serializer())
            finally:
                view.request = request
                view.action = asked
        return actions


class PolicyViewSet(viewsets.GenericViewSet):
    """A viewset over ``model``'s rows as the policy lets the caller see them."""

    metadata_class = PolicyMetadata

    model: ClassVar[type[models.Model] | None] = None
    writes: ClassVar[Writes | None] = None
    # The keys `?ordering=` accepts (api.v1.ordering.OrderingFilter); the id tie breaker is added.
    ordering_fields: ClassVar[tuple[str, ...]] = ()
    schema = PolicyAutoSchema()
    # Only digits reach the view; anything else is a 404 from the URL resolver.
    lookup_value_regex = "[0-9]+"

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        # Fail closed, and loudly at start-up (the URL conf builds every view).
        if cls.model is None:
            raise ImproperlyConfigured(f"{cls.__name__} has no model: it would serve nothing.")
        policy.policy_for(cls.model)
        check_writes(cls, cls.writes)
        return super().as_view(actions, **initkwargs)

    def base_queryset(self) -> models.QuerySet:
        """The model's rows before the policy: override to add select_related/only/annotations."""
        assert self.model is not None  # as_view checked it
        return self.model._default_manager.all()

    def get_queryset(self) -> models.QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user
            return self.base_queryset().none()
        return policy.restrict(self.base_queryset(), self.request.user, policy.VIEW)

    def object_id(self) -> str:
        return self.kwargs[self.lookup_url_kwarg or self.lookup_field]

    def get_object(self) -> models.Model:
        action = OBJECT_ACTIONS.get(self.action, policy.VIEW)
        instance = lookup_for_action(
            self.get_queryset(), user=self.request.user, action=action, pk=self.object_id()
        )
        self.check_object_permissions(self.request, instance)
        return instance

    def shown(self, instance: models.Model) -> models.Model:
        """``instance`` as a GET shows it (the list's annotations and related rows), after a write.

        A write may leave the row out of the caller's sight (a project's owner
        taking an editor's example out of the project): then the service's
        instance is shown as it is, never a 404 for a write that happened.
        """
        return self.get_queryset().filter(pk=instance.pk).first() or instance

    def write_service(self, name: str) -> Callable[..., Any]:
        service = getattr(self.writes, name, None)
        if service is None:
            raise ImproperlyConfigured(f"{type(self).__name__}.writes has no {name} service.")
        return service


class PolicyModelViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    PolicyViewSet,
):
    """List, retrieve, create, update (PUT and PATCH) and delete, every write through ``writes``."""

    # backend.openapi documents ETag, If-None-Match, If-Match, 304 and 412 on the detail routes.
    conditional_requests: ClassVar[bool] = True

    def list(self, request: Request, *args, **kwargs) -> Response:
        # DRF's ListModelMixin.list, except that the page is read as rows of
        # the shown columns (`.values()`) when the serializer lists with
        # RowListSerializer and every shown field can be read from a row
        # (api/v1/rows.py); the body is the same either way.
        serializer = self.get_serializer([], many=True)
        queryset = self.filter_queryset(self.get_queryset())
        if isinstance(serializer, RowListSerializer):
            serializer.row_plan = row_plan(serializer.child, annotations=queryset.query.annotations)
            if serializer.row_plan is not None:
                if isinstance(self.paginator, PagePagination):
                    self.paginator.count_queryset = queryset
                queryset = queryset.values(*serializer.row_plan.columns)
        page = self.paginate_queryset(queryset)
        serializer.instance = queryset if page is None else page
        if page is None:
            return Response(serializer.data)
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        instance = self.get_object()
        data = self.get_serializer(instance).data
        etag = conditional.entity_tag(instance, data, request)
        # The representation depends on the caller: shared caches must not keep it,
        # and the client revalidates (a 304 costs no body).
        headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
        condition = conditional.if_none_match(request)
        if condition is not None and condition.weakly_match(etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(data, headers=headers)

    def write(self, name: str, **kwargs: Any) -> Any:
        """Call the ``name`` service with the request's ``If-Match`` as ``expected``."""
        expected = conditional.if_match(self.request)
        try:
            return self.write_service(name)(user=self.request.user, expected=expected, **kwargs)
        except versions.PreconditionFailed as exc:
            raise conditional.PreconditionFailed(str(exc)) from None

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.write_service("create")(user=request.user, **serializer.validated_data)
        return Response(self.get_serializer(self.shown(instance)).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args, **kwargs) -> Response:
        partial = kwargs.pop("partial", False)
        # Looked up first: a missing or invisible id is a 404 and a forbidden one a 403,
        # whatever the body holds.
        instance = self.get_object()
        conditional.if_match(request)  # a malformed If-Match is a 400 before the body is read
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        assert self.writes is not None
        updated = self.shown(
            self.write("update", **{self.writes.id_kwarg: self.object_id()}, data=serializer.validated_data)
        )
        data = self.get_serializer(updated).data
        # RFC 9110 9.3.4: no validator in a PUT's answer, as the stored representation is not the
        # request's content (ids, timestamps); a PATCH answer's ETag is the new one (RFC 5789).
        headers = {"ETag": conditional.entity_tag(updated, data, request)} if partial else None
        return Response(data, headers=headers)

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        assert self.writes is not None
        try:
            conditional.if_match(request)
        except conditional.MalformedPrecondition:
            # The permission answer first, as for PUT and PATCH: an id the caller may not
            # delete is a 404 or a 403 whatever the header holds (the lookup costs a query
            # only here; otherwise the service's own locked lookup answers).
            self.get_object()
            raise
        self.write("delete", **{self.writes.id_kwarg: self.object_id()})
        return Response(status=status.HTTP_204_NO_CONTENT)
