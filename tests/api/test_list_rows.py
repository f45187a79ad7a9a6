"""The list is serialized from `.values()` rows, and reads exactly as serializing model instances did."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

from api.models import ExampleModel
from api.v1.rows import RowListSerializer, row_columns
from api.v1.views import ExampleModelViewSet
from authentication.models import User

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
