"""The list is serialized from `.values()` rows, and reads exactly as serializing model instances did."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

from api import policy
from api.models import ExampleModel, Project, ProjectMembership, ProjectRole
from api.v1.rows import RowListSerializer, row_columns, row_plan
from api.v1.serializers import SHOWN_PROJECT
from api.v1.serializers import ExampleModelSerializer as ProductExampleSerializer
from api.v1.views import ExampleModelViewSet, example_list_queryset
from authentication.models import Profile, User

from .conftest import LIST_URL

WHOLE_SECOND = dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.UTC)
WITH_MICROSECONDS = dt.datetime(2026, 1, 15, 9, 31, 0, 123456, tzinfo=dt.UTC)
OTHER_ZONE = dt.datetime(2026, 1, 15, 11, 32, 5, 7, tzinfo=dt.timezone(dt.timedelta(hours=2)))


# The example's own serializer has a nested owner (a public_user), so it lists
# from instances; the fast path is proven on the plain columns of the same model,
# served by the same view.
EXAMPLE_FIELDS = ("id", "title", "content", "created_at", "updated_at")


class ExampleModelSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExampleModel
        fields = EXAMPLE_FIELDS
        list_serializer_class = RowListSerializer


@pytest.fixture(autouse=True)
def _plain_columns(monkeypatch):
    monkeypatch.setattr(ExampleModelViewSet, "serializer_class", ExampleModelSerializer)


def make_rows(user) -> None:
    texts = ["plain", "é 漢字 😀", 'quote " and \\ backslash', "line\u2028separator", ""]
    for n, when in enumerate((WHOLE_SECOND, WITH_MICROSECONDS, OTHER_ZONE)):
        example = ExampleModel.objects.create(user=user, title=f"t{n} {texts[n]}", content=texts[n + 1])
        ExampleModel.objects.filter(pk=example.pk).update(created_at=when, updated_at=when)


def test_list_body_is_what_serializing_instances_gives(auth_client, user):
    make_rows(user)
    instances = list(ExampleModel.objects.filter(user=user).order_by("-created_at", "-id"))
    expected = DRFJSONRenderer().render(ExampleModelSerializer(instances, many=True).data)

    response = auth_client.get(LIST_URL)

    results_bytes = response.content.split(b'"results":', 1)[1][:-1]
    assert results_bytes == expected


def test_date_times_keep_drfs_format(auth_client, user):
    make_rows(user)

    results = auth_client.get(LIST_URL).json()["results"]

    assert [row["created_at"] for row in results] == [
        "2026-01-15T09:32:05.000007Z",
        "2026-01-15T09:31:00.123456Z",
        "2026-01-15T09:30:00Z",
    ]


def test_many_instances_still_serialize_as_before(user):
    make_rows(user)
    instances = list(ExampleModel.objects.filter(user=user))
    rows = list(ExampleModel.objects.filter(user=user).values(*ExampleModelSerializer.Meta.fields))

    from_instances = ExampleModelSerializer(instances, many=True).data
    from_rows = ExampleModelSerializer(rows, many=True).data

    assert from_rows == from_instances == [ExampleModelSerializer(item).data for item in instances]


def test_each_serializer_gets_its_own_fields():
    # No request can change another's fields (RowListSerializer sets a time zone on them).
    first, second = ExampleModelSerializer(), ExampleModelSerializer()

    assert first.fields.keys() == second.fields.keys() == set(ExampleModelSerializer.Meta.fields)
    assert all(first.fields[name] is not second.fields[name] for name in first.fields)


# What a team adds next, on a serializer of the same list: each must make the
# list fall back to DRF's path with model instances, and answer exactly what
# DRF answers (a related field once got a bare integer and answered 500, and a
# child's own to_representation was skipped).


class WithOwner(ExampleModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(source="user", read_only=True)

    class Meta(ExampleModelSerializer.Meta):
        fields = (*EXAMPLE_FIELDS, "owner")


class WithOwnerName(ExampleModelSerializer):
    owner_name = serializers.CharField(source="user.username", read_only=True)

    class Meta(ExampleModelSerializer.Meta):
        fields = (*EXAMPLE_FIELDS, "owner_name")


class WithComputed(ExampleModelSerializer):
    shout = serializers.SerializerMethodField()

    class Meta(ExampleModelSerializer.Meta):
        fields = (*EXAMPLE_FIELDS, "shout")

    def get_shout(self, example: ExampleModel) -> str:
        return example.title.upper()


class WithOwnRepresentation(ExampleModelSerializer):
    def to_representation(self, instance):
        return {**super().to_representation(instance), "kind": "example"}


@pytest.mark.parametrize("serializer_class", [WithOwner, WithOwnerName, WithComputed, WithOwnRepresentation])
def test_a_serializer_with_more_than_plain_columns_lists_as_drf_does(
    auth_client, user, monkeypatch, serializer_class
):
    make_rows(user)
    monkeypatch.setattr(ExampleModelViewSet, "serializer_class", serializer_class)
    instances = list(ExampleModel.objects.filter(user=user).order_by("-created_at", "-id"))
    expected = serializer_class(instances, many=True).data

    response = auth_client.get(LIST_URL)

    assert response.status_code == 200, response.content
    assert response.json()["results"] == expected
    assert row_columns(serializer_class()) is None


def test_plain_columns_are_read_as_rows_in_one_query(auth_client, user):
    make_rows(user)
    assert row_columns(ExampleModelSerializer()) == EXAMPLE_FIELDS

    with CaptureQueriesContext(connection) as queries:
        assert auth_client.get(LIST_URL).status_code == 200

    page_query = queries.captured_queries[-1]["sql"]
    assert "LIMIT" in page_query
    assert "user_id" not in page_query.split("FROM")[0]  # only the shown columns


class Gadget(models.Model):
    """Never migrated; only its fields are looked at."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=50)
    manual = models.FileField(blank=True)

    class Meta:
        app_label = "rows_guard"
        managed = False

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return f"{self.name} ({self.owner.username})"


class GadgetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Gadget
        fields = ("id", "name")
        list_serializer_class = RowListSerializer


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ("owner", None),  # a foreign key
        ("manual", None),  # a file: a row holds the name, not a FieldFile
        ("label", serializers.ReadOnlyField()),  # a computed property
    ],
)
def test_a_foreign_key_a_file_or_a_property_needs_model_instances(extra, field):
    declared = {extra: field} if field is not None else {}
    meta = type("Meta", (GadgetSerializer.Meta,), {"fields": ("id", "name", extra)})
    serializer_class = type("GadgetWithExtra", (GadgetSerializer,), {**declared, "Meta": meta})
    ada = User(id=7, username="ada")
    gadgets = [
        Gadget(id=1, owner=ada, name="lamp", manual="manuals/lamp.pdf"),
        Gadget(id=2, owner=ada, name="fan"),
    ]

    assert row_columns(GadgetSerializer()) == ("id", "name")
    assert row_columns(serializer_class()) is None
    # From instances, the list says what DRF's own ListSerializer says.
    assert serializer_class(gadgets, many=True).data == [serializer_class(gadget).data for gadget in gadgets]


def test_rows_for_a_serializer_that_needs_instances_are_refused_loudly():
    with pytest.raises(TypeError, match="needs model instances"):
        _ = WithOwner([{"id": 1, "title": "t", "user": 3}], many=True).data


# The product's own example list: a nested public_user over the author (a
# select_related foreign key, a declared computed `name`) and the project's id
# from the policy's annotation, all read from rows.


@pytest.fixture
def _product_serializer(monkeypatch):
    monkeypatch.setattr(ExampleModelViewSet, "serializer_class", ProductExampleSerializer)


def make_team_rows(user) -> None:
    """Examples with a project shown, one hidden (the caller left it), authors with and without names."""
    bob = User.objects.create(username="bob", first_name="Bob", last_name="Stone")
    carol = User.objects.create(username="carol")
    Profile.objects.filter(user=carol).update(display_name="Carol ✓")
    shared = Project.objects.create(name="shared", owner=bob)
    hidden = Project.objects.create(name="hidden", owner=carol)
    ProjectMembership.objects.create(project=shared, user=user, role=ProjectRole.EDITOR)
    ExampleModel.objects.create(user=user, title="mine", content="a")
    ExampleModel.objects.create(user=bob, project=shared, title="bob's", content="b")
    ExampleModel.objects.create(user=user, project=shared, title="mine, shared", content="c")
    ExampleModel.objects.create(user=user, project=hidden, title="mine, hidden project", content="d")
    Profile.objects.filter(user=user).update(display_name="Alice ✓")


@pytest.mark.usefixtures("_product_serializer")
def test_the_example_list_is_read_from_rows_and_says_what_instances_say(auth_client, user):
    make_team_rows(user)
    queryset = policy.restrict(example_list_queryset(user), user, policy.VIEW)
    plan = row_plan(ProductExampleSerializer(), annotations=queryset.query.annotations)
    assert plan is not None
    assert SHOWN_PROJECT in plan.columns
    assert "user__profile__display_name" in plan.columns
    expected = DRFJSONRenderer().render(ProductExampleSerializer(list(queryset), many=True).data)

    with CaptureQueriesContext(connection) as queries:
        response = auth_client.get(LIST_URL)

    assert response.status_code == 200
    assert response.content.split(b'"results":', 1)[1][:-1] == expected
    results = response.json()["results"]
    assert {row["title"]: row["project"] is None for row in results} == {
        "mine": True,
        "bob's": False,
        "mine, shared": False,
        "mine, hidden project": True,
    }
    assert {row["owner"]["name"] for row in results} == {"Alice ✓", "Bob Stone"}
    assert len(queries) == 3  # token, count, page: the author in the page's own query
    count_query = queries.captured_queries[1]["sql"]
    assert "COUNT" in count_query
    assert "auth_user" not in count_query  # the author's columns join the page only, as select_related did


def test_without_its_annotation_the_project_field_needs_instances(user):
    # PolicyPrimaryKeyRelatedField reads `shown_from` only where the queryset has it.
    assert row_plan(ProductExampleSerializer(), annotations=()) is None
    assert row_plan(ProductExampleSerializer(), annotations=(SHOWN_PROJECT,)) is not None


@pytest.mark.parametrize(
    ("profile_name", "first", "last"),
    [("", "", ""), ("", "Ada", ""), ("", "Ada", "L"), ("Countess", "Ada", "L")],
)
def test_public_user_name_from_columns_is_the_methods(db, profile_name, first, last):
    ada = User.objects.create(username="ada", first_name=first, last_name=last)
    Profile.objects.filter(user=ada).update(display_name=profile_name)
    example = ExampleModel.objects.create(user=ada, title="t")
    instances = list(example_list_queryset(ada).filter(pk=example.pk))
    rows = list(
        example_list_queryset(ada)
        .filter(pk=example.pk)
        .values(*row_columns(ProductExampleSerializer(), (SHOWN_PROJECT,)))
    )

    assert (
        ProductExampleSerializer(rows, many=True).data == ProductExampleSerializer(instances, many=True).data
    )


# Nested serializers: what a team adds next inside one must make the list fall
# back to instances, and a null relation must read as DRF reads it.


class Part(models.Model):
    """Never migrated; a part of a Gadget (nullable), for nested serializers."""

    gadget = models.ForeignKey(Gadget, null=True, on_delete=models.CASCADE, related_name="parts")
    name = models.CharField(max_length=50)

    class Meta:
        app_label = "rows_guard"
        managed = False

    def __str__(self) -> str:
        return self.name


class NestedGadget(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


def part_serializer(nested: serializers.Field) -> type[serializers.ModelSerializer]:
    meta = type(
        "Meta",
        (),
        {"model": Part, "fields": ("id", "name", "gadget"), "list_serializer_class": RowListSerializer},
    )
    return type("PartSerializer", (serializers.ModelSerializer,), {"gadget": nested, "Meta": meta})


def test_a_nested_serializer_of_plain_columns_reads_rows_and_null_is_null():
    serializer_class = part_serializer(NestedGadget(read_only=True))
    ada = User(id=7, username="ada")
    parts = [
        Part(id=1, name="bulb", gadget=Gadget(id=3, owner=ada, name="lamp")),
        Part(id=2, name="loose", gadget=None),
    ]
    rows = [
        {"id": 1, "name": "bulb", "gadget__id": 3, "gadget__name": "lamp"},
        {"id": 2, "name": "loose", "gadget__id": None, "gadget__name": None},
    ]

    assert row_columns(serializer_class()) == ("id", "name", "gadget__id", "gadget__name")
    assert serializer_class(rows, many=True).data == serializer_class(parts, many=True).data
    assert serializer_class(rows, many=True).data[1]["gadget"] is None


class NestedWithOwner(NestedGadget):
    owner = serializers.PrimaryKeyRelatedField(read_only=True)  # a foreign key inside


class NestedWithFile(NestedGadget):
    manual = serializers.FileField(read_only=True)  # a file inside


class NestedWithComputed(NestedGadget):
    shout = serializers.SerializerMethodField()  # undeclared: not in row_computed

    def get_shout(self, gadget) -> str:
        return gadget.name.upper()


class NestedWithProperty(NestedGadget):
    label = serializers.CharField(read_only=True)  # a property of the model


class NestedWithOwnRepresentation(NestedGadget):
    def to_representation(self, instance):
        return {**super().to_representation(instance), "kind": "gadget"}


class NestedWithOwnAttribute(NestedGadget):
    def get_attribute(self, instance):
        return instance.gadget  # a hook a row would skip


@pytest.mark.parametrize(
    "nested",
    [
        NestedWithOwnAttribute(read_only=True),
        NestedWithOwner(read_only=True),
        NestedWithFile(read_only=True),
        NestedWithComputed(read_only=True),
        NestedWithProperty(read_only=True),
        NestedWithOwnRepresentation(read_only=True),
        NestedGadget(),  # writable nested
    ],
    ids=["own-get-attribute", "foreign-key", "file", "method", "property", "own-representation", "writable"],
)
def test_a_nested_serializer_with_more_than_plain_columns_needs_instances(nested):
    serializer_class = part_serializer(nested)
    ada = User(id=7, username="ada")
    parts = [Part(id=1, name="bulb", gadget=Gadget(id=3, owner=ada, name="lamp", manual="m.pdf"))]

    assert row_columns(serializer_class()) is None
    assert serializer_class(parts, many=True).data == [serializer_class(part).data for part in parts]


def test_a_nested_list_or_a_reverse_relation_needs_instances():
    meta = type(
        "Meta",
        (),
        {"model": Gadget, "fields": ("id", "name", "parts"), "list_serializer_class": RowListSerializer},
    )
    nested_list = type(
        "GadgetParts",
        (serializers.ModelSerializer,),
        {"parts": NestedGadget(many=True, read_only=True), "Meta": meta},
    )
    reverse_one = type(
        "GadgetPart", (serializers.ModelSerializer,), {"parts": NestedGadget(read_only=True), "Meta": meta}
    )

    assert row_columns(nested_list()) is None
    assert row_columns(reverse_one()) is None
