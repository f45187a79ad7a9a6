"""Records every write to a row of a policy-registered model, in the writing transaction.

Hooked at Django's save layer (``pre_save``/``post_save``/``pre_delete``/
``post_delete``, recording the models ``api.policy.register`` knows at that
moment), not in each service: a model registered tomorrow is recorded without
code of its own,
and so is every path that saves through the ORM (services, admin, commands,
cascades). What does not send signals is caught here too where Django hides
it: a deletion's ``SET NULL`` on registered rows pointing at the deleted one
is an UPDATE without signals, recorded in ``pre_delete``. A raw
``QuerySet.update()`` on a registered model would escape; the resource matrix
(tests/matrix/engine.py) fails for any route whose changed rows have no entry.

Sensitive fields are never stored (``SENSITIVE``): a field whose name holds
``password``, ``token``, ``secret``, ``key`` or ``email``, and ``invitee``
(whom an invited username resolved to: inviting must not tell whether a name
exists). A changed sensitive field shows as ``"[redacted]"`` before and after.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from . import context
from .models import Action, AuditEntry

ENTRY_ATTRIBUTE = "_audit_entry_id"  # read by audit.outbox.event_id_of

SENSITIVE = re.compile(r"password|token|secret|key|email|invitee")
REDACTED = "[redacted]"
# Kept on the instance between pre_save and post_save: the row as the database had it.
_BEFORE = "_audit_before"


def _fields(model: type[models.Model]) -> list[models.Field]:
    # Generated columns (an example's search vector) are the database's, never written by anyone.
    return [f for f in model._meta.concrete_fields if not isinstance(f, models.GeneratedField)]


def _values(instance: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in _fields(type(instance))}


def _stored(name: str, value: Any) -> Any:
    return REDACTED if SENSITIVE.search(name) else value


def _diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list[Any]]:
    names = list((after or before or {}).keys())
    changes = {}
    for name in names:
        old = None if before is None else before.get(name)
        new = None if after is None else after.get(name)
        if before is not None and after is not None and old == new:
            continue
        changes[name] = [_stored(name, old), _stored(name, new)]
    return changes


def _related(field: models.Field) -> type[models.Model] | None:
    target = field.related_model if field.is_relation else None
    return target if isinstance(target, type) else None


def label_of(model: type[models.Model]) -> str:
    """The label entries name a model by: its concrete model's, so a proxy's rows share its history."""
    return (model._meta.concrete_model or model)._meta.label_lower


def _project_id(model: type[models.Model], values: dict[str, Any], pk: Any) -> int | None:
    """The project a row is in: itself, its ``project_id``, or its parent row's (one hop)."""
    from api.models import Project

    if issubclass(model, Project):
        return pk
    if "project_id" in values:
        return values["project_id"]
    for field in _fields(model):
        target = _related(field)
        if target is not None and any(f.attname == "project_id" for f in _fields(target)):
            key = values.get(field.attname)
            if key is not None:
                return target._base_manager.filter(pk=key).values_list("project_id", flat=True).first()
    return None


def _row_owner_id(model: type[models.Model], values: dict[str, Any]) -> int | None:
    """The user whose row it is: its first foreign key to the user model (author, owner, member)."""
    user_model = settings.AUTH_USER_MODEL.lower()
    for field in _fields(model):
        target = _related(field)
        if target is not None and target._meta.label_lower == user_model:
            return values.get(field.attname)
    return None


def record(
    instance: models.Model, action: str, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> AuditEntry:
    model = type(instance)
    state = after if after is not None else before or {}
    entry = AuditEntry.objects.create(
        actor_id=context.current_actor_id(),
        surface=context.current_surface(),
        request_id=context.current_request(),
        action=action,
        resource=label_of(model),
        object_id=str(instance.pk),
        project_id=_project_id(model, state, instance.pk),
        row_owner_id=_row_owner_id(model, state),
        changes=_diff(before, after),
    )
    # The live announcement of this write, sent on commit, carries this id (audit.outbox).
    setattr(instance, ENTRY_ATTRIBUTE, entry.pk)
    return entry


def _on_pre_save(sender: type[models.Model], instance: models.Model, raw: bool, **kwargs: Any) -> None:
    if raw or not _is_registered(sender) or instance._state.adding or instance.pk is None:
        return
    names = [f.attname for f in _fields(sender)]
    setattr(instance, _BEFORE, sender._base_manager.filter(pk=instance.pk).values(*names).first())


def _on_post_save(
    sender: type[models.Model], instance: models.Model, created: bool, raw: bool, **kwargs: Any
) -> None:
    if raw or not _is_registered(sender):
        return
    before = None if created else instance.__dict__.pop(_BEFORE, None)
    record(instance, Action.CREATE if created else Action.UPDATE, before, _values(instance))


def _on_pre_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """Record the SET NULL updates this delete will make to registered rows (they send no signals)."""
    for relation in sender._meta.related_objects:
        if relation.on_delete is not models.SET_NULL or not _is_registered(relation.related_model):
            continue
        field = relation.field
        for row in relation.related_model._base_manager.filter(**{field.name: instance.pk}):
            before = _values(row)
            record(row, Action.UPDATE, before, {**before, field.attname: None})


def _on_post_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if _is_registered(sender):
        record(instance, Action.DELETE, _values(instance), None)


def _is_registered(model: type[models.Model]) -> bool:
    """Registered with the policy now (a model registered after start-up included), the history aside."""
    from api.policy import _registry

    return model is not AuditEntry and (model in _registry or model._meta.concrete_model in _registry)


def registered_models() -> list[type[models.Model]]:
    from api.policy import _registry

    return [model for model in _registry if model is not AuditEntry]


def connect() -> None:
    """Receive every model's saves and deletes; each receiver records only registered models'.

    Connected for all senders rather than per model at start-up, so a model
    registered later (a new resource's app, a test's throwaway model) is
    recorded too, with no code of its own.
    """
    pre_save.connect(_on_pre_save, dispatch_uid="audit:pre_save")
    post_save.connect(_on_post_save, dispatch_uid="audit:post_save")
    pre_delete.connect(_on_pre_delete, dispatch_uid="audit:pre_delete")
    post_delete.connect(_on_post_delete, dispatch_uid="audit:post_delete")
