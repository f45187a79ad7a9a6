"""The list is serialized from `.values()` rows, and reads exactly as serializing model instances did."""

from __future__ import annotations

import datetime as dt

from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

from api.models import ExampleModel
from api.v1.serializers import ExampleModelSerializer

from .conftest import LIST_URL

WHOLE_SECOND = dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.UTC)
WITH_MICROSECONDS = dt.datetime(2026, 1, 15, 9, 31, 0, 123456, tzinfo=dt.UTC)
OTHER_ZONE = dt.datetime(2026, 1, 15, 11, 32, 5, 7, tzinfo=dt.timezone(dt.timedelta(hours=2)))


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
    # The fields are built once per class and copied per serializer: no
    # request can change another's (RowListSerializer sets a time zone on them).
    first, second = ExampleModelSerializer(), ExampleModelSerializer()

    assert first.fields.keys() == second.fields.keys() == set(ExampleModelSerializer.Meta.fields)
    assert all(first.fields[name] is not second.fields[name] for name in first.fields)
