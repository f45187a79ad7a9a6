"""The shared REST base (api/v1/base.py, relations.py, serializers.py) fails closed for every resource."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers
from rest_framework.relations import ManyRelatedField, RelatedField
from rest_framework.test import APIRequestFactory

from api import policy
from api.models import ExampleModel, Project, ProjectMembership, ProjectRole
from api.v1.base import PolicyModelViewSet, PolicyViewSet
from api.v1.relations import PolicyPrimaryKeyRelatedField
from api.v1.serializers import ExampleModelSerializer, PolicyModelSerializer
from api.v1.urls import router
from authentication.models import Profile

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def _request(user):
    request = APIRequestFactory().get("/api/v1/examples/")
    if user is not None:
        request.user = user
    return request


def test_the_project_field_offers_only_the_projects_the_caller_may_add_to():
    owner, editor, viewer, stranger = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    project = Project.objects.create(owner=owner, name="p")
    Project.objects.create(owner=stranger, name="theirs")
    ProjectMembership.objects.create(project=project, user=editor, role=ProjectRole.EDITOR)
    ProjectMembership.objects.create(project=project, user=viewer, role=ProjectRole.VIEWER)

    def offered(user) -> list[int]:
        field = ExampleModelSerializer(context={"request": _request(user)}).fields["project"]
        return [choice.pk for choice in field.get_queryset()]

    assert offered(owner) == offered(editor) == [project.pk]
    assert offered(viewer) == []
    assert offered(None) == []
    # With no request at all (no user): nothing, not every row.
    assert list(ExampleModelSerializer().fields["project"].get_queryset()) == []


def _related_fields(serializer: serializers.Serializer, path: str = ""):
    for name, field in serializer.fields.items():
        where = f"{path}{name}"
        if isinstance(field, serializers.Serializer):
            yield from _related_fields(field, f"{where}.")
        elif isinstance(field, ManyRelatedField):
            yield where, field.child_relation
        elif isinstance(field, RelatedField):
            yield where, field


@pytest.mark.parametrize("prefix", [prefix for prefix, _viewset, _basename in router.registry])
def test_every_writable_relation_of_every_served_serializer_comes_from_the_policy(prefix):
    viewset = next(v for p, v, _b in router.registry if p == prefix)
    serializer_class = viewset.serializer_class
    for where, field in _related_fields(serializer_class()):
        if field.read_only:
            continue
        message = f"{serializer_class.__name__}.{where} is a relation whose queryset is not the policy's"
        assert isinstance(field, PolicyPrimaryKeyRelatedField), message


def _calls_objects_all(tree: ast.AST) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "all"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "objects"
    ]


def test_no_code_in_api_reads_model_objects_all():
    """Every queryset of a serializer, filter, form, view or service starts from the policy."""
    root = Path(settings.BASE_DIR) / "api"
    found = {
        str(path.relative_to(root)): lines
        for path in root.rglob("*.py")
        if "migrations" not in path.parts and (lines := _calls_objects_all(ast.parse(path.read_text())))
    }
    assert found == {}, f"Model.objects.all() in api/: {found}; start from restrict(user, action)"


def test_the_scan_finds_objects_all():
    assert _calls_objects_all(ast.parse("Project.objects.all().filter(x=1)")) == [1]


def test_a_model_serializer_never_builds_a_relation_by_itself():
    class Careless(PolicyModelSerializer):
        class Meta:
            model = ExampleModel
            fields = ("id", "project")

    with pytest.raises(ImproperlyConfigured, match="project is a relation"):
        _ = Careless().fields


def test_a_viewset_with_no_model_or_no_policy_serves_nothing():
    class NoModel(PolicyModelViewSet):
        serializer_class = ExampleModelSerializer

    class NoPolicy(PolicyModelViewSet):
        model = Profile

    with pytest.raises(ImproperlyConfigured, match="no model"):
        NoModel.as_view({"get": "list"})
    with pytest.raises(ImproperlyConfigured, match="no policy"):
        NoPolicy.as_view({"get": "list"})
    with pytest.raises(ImproperlyConfigured, match="no policy"):
        PolicyPrimaryKeyRelatedField(model=Profile, action=policy.VIEW)


def test_every_served_viewset_is_built_on_the_policy_base():
    for prefix, viewset, _basename in router.registry:
        assert issubclass(viewset, PolicyViewSet), prefix
        assert viewset.model is not None, prefix
        policy.policy_for(viewset.model)
