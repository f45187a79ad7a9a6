# -*- coding: utf-8 -*-
# snapshottest: v1 - https://goo.gl/zC4yUc
from __future__ import unicode_literals

from snapshottest import Snapshot


snapshots = Snapshot()

snapshots['test_register_creates_user_profile_and_token 1'] = {
    'token': '<masked>',
    'user': {
        'date_joined': '2026-01-15T09:30:00Z',
        'email': 'Ada@example.com',
        'first_name': '',
        'id': '<masked>',
        'last_name': '',
        'name': 'Ada L.',
        'username': 'ada'
    }
}
