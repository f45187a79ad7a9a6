# -*- coding: utf-8 -*-
# snapshottest: v1 - https://goo.gl/zC4yUc
from __future__ import unicode_literals

from snapshottest import Snapshot


snapshots = Snapshot()

snapshots['test_login_by_username_returns_token_user_and_session 1'] = {
    'email': 'ada@example.com',
    'token': '<masked>',
    'user': {
        'date_joined': '2026-01-15T09:30:00Z',
        'email': 'ada@example.com',
        'first_name': 'Ada',
        'id': '<masked>',
        'last_name': 'Lovelace',
        'name': 'Ada Lovelace',
        'username': 'ada'
    },
    'user_id': '<masked>'
}
