# -*- coding: utf-8 -*-
# snapshottest: v1 - https://goo.gl/zC4yUc
from __future__ import unicode_literals

from snapshottest import Snapshot


snapshots = Snapshot()

snapshots['test_get_user 1'] = {
    'date_joined': '2026-01-15T09:30:00Z',
    'email': 'ada@example.com',
    'first_name': 'Ada',
    'id': '<masked>',
    'last_name': 'Lovelace',
    'name': 'Ada Lovelace',
    'username': 'ada'
}
