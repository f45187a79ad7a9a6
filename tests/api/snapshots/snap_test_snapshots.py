# -*- coding: utf-8 -*-
# snapshottest: v1 - https://goo.gl/zC4yUc
from __future__ import unicode_literals

from snapshottest import Snapshot


snapshots = Snapshot()

snapshots['test_create 1'] = {
    'body': {
        'content': 'Body',
        'created_at': '2024-05-17T10:30:00Z',
        'id': '<new id>',
        'owner': {
            'id': '<id of alice>',
            'name': 'alice',
            'username': 'alice'
        },
        'project': None,
        'title': 'Created',
        'updated_at': '2024-05-17T10:30:00Z'
    },
    'status': 201
}

snapshots['test_detail 1'] = {
    'body': {
        'content': '''Some longer content
with two lines.''',
        'created_at': '2024-05-17T09:01:00Z',
        'id': 9000002,
        'owner': {
            'id': '<id of alice>',
            'name': 'alice',
            'username': 'alice'
        },
        'project': None,
        'title': 'Second note',
        'updated_at': '2024-05-17T09:01:00Z'
    },
    'status': 200
}

snapshots['test_error_bad_limit 1'] = {
    'body': {
        'limit': [
            'limit must be a positive integer.'
        ]
    },
    'status': 400
}

snapshots['test_error_bad_list_parameters 1'] = {
    'body': {
        'created_after': [
            'Enter a valid ISO 8601 date-time, such as 2024-01-31T12:00:00Z.'
        ],
        'created_before': [
            'Enter a valid ISO 8601 date-time, such as 2024-01-31T12:00:00Z.'
        ],
        'ordering': [
            '`owner` is not one of the available choices: created_at, updated_at, title (`-` before a key for descending).'
        ]
    },
    'status': 400
}

snapshots['test_error_bad_offset 1'] = {
    'body': {
        'offset': [
            'offset must be an integer.'
        ]
    },
    'status': 400
}

snapshots['test_error_malformed_json 1'] = {
    'body': {
        'detail': 'JSON parse error - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)'
    },
    'status': 400
}

snapshots['test_error_not_found 1'] = {
    'body': {
        'detail': 'Not found.'
    },
    'status': 404
}

snapshots['test_error_not_found_on_duplicate 1'] = {
    'body': {
        'detail': 'Not found.'
    },
    'status': 404
}

snapshots['test_error_unauthenticated 1'] = {
    'body': {
        'detail': 'Authentication credentials were not provided.'
    },
    'status': 401
}

snapshots['test_error_validation 1'] = {
    'body': {
        'content': [
            'This field may not be null.'
        ],
        'title': [
            'Ensure this field has no more than 200 characters.'
        ]
    },
    'status': 400
}

snapshots['test_list 1'] = {
    'body': {
        'count': 3,
        'next': None,
        'previous': None,
        'results': [
            {
                'content': '',
                'created_at': '2024-05-17T09:02:00Z',
                'id': 9000003,
                'owner': {
                    'id': '<id of alice>',
                    'name': 'alice',
                    'username': 'alice'
                },
                'project': None,
                'title': 'Third note',
                'updated_at': '2024-05-17T09:02:00Z'
            },
            {
                'content': '''Some longer content
with two lines.''',
                'created_at': '2024-05-17T09:01:00Z',
                'id': 9000002,
                'owner': {
                    'id': '<id of alice>',
                    'name': 'alice',
                    'username': 'alice'
                },
                'project': None,
                'title': 'Second note',
                'updated_at': '2024-05-17T09:01:00Z'
            },
            {
                'content': 'Hello',
                'created_at': '2024-05-17T09:00:00Z',
                'id': 9000001,
                'owner': {
                    'id': '<id of alice>',
                    'name': 'alice',
                    'username': 'alice'
                },
                'project': None,
                'title': 'First note',
                'updated_at': '2024-05-17T09:00:00Z'
            }
        ]
    },
    'status': 200
}

snapshots['test_list_second_page 1'] = {
    'body': {
        'count': 3,
        'next': 'http://testserver/api/v1/examples/?limit=1&offset=2',
        'previous': 'http://testserver/api/v1/examples/?limit=1',
        'results': [
            {
                'content': '''Some longer content
with two lines.''',
                'created_at': '2024-05-17T09:01:00Z',
                'id': 9000002,
                'owner': {
                    'id': '<id of alice>',
                    'name': 'alice',
                    'username': 'alice'
                },
                'project': None,
                'title': 'Second note',
                'updated_at': '2024-05-17T09:01:00Z'
            }
        ]
    },
    'status': 200
}

snapshots['test_update 1'] = {
    'body': {
        'content': 'Hello',
        'created_at': '2024-05-17T09:00:00Z',
        'id': 9000001,
        'owner': {
            'id': '<id of alice>',
            'name': 'alice',
            'username': 'alice'
        },
        'project': None,
        'title': 'Renamed',
        'updated_at': '2024-05-17T10:30:00Z'
    },
    'status': 200
}
