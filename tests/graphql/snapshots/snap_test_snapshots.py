# -*- coding: utf-8 -*-
# snapshottest: v1 - https://goo.gl/zC4yUc
from __future__ import unicode_literals

from snapshottest import Snapshot


snapshots = Snapshot()

snapshots['test_create_example 1'] = {
    'data': {
        'createExample': {
            '__typename': 'Example',
            'content': 'Body',
            'createdAt': '2024-05-06T07:08:09+00:00',
            'id': '<new id>',
            'owner': {
                'id': '9000101',
                'name': 'Ada',
                'username': 'alice'
            },
            'project': None,
            'title': 'Created',
            'updatedAt': '2024-05-06T07:08:09+00:00'
        }
    }
}

snapshots['test_delete_example_returns_the_deleted_data 1'] = {
    'data': {
        'deleteExample': {
            '__typename': 'Example',
            'content': 'Hello world',
            'createdAt': '2024-05-06T07:08:09+00:00',
            'id': '9000001',
            'owner': {
                'id': '9000101',
                'name': 'Ada',
                'username': 'alice'
            },
            'project': None,
            'title': 'First',
            'updatedAt': '2024-05-06T07:08:09+00:00'
        }
    }
}

snapshots['test_example_by_id_own_and_foreign 1'] = {
    'data': {
        'foreign': None,
        'own': {
            'content': 'Hello world',
            'createdAt': '2024-05-06T07:08:09+00:00',
            'id': '9000001',
            'owner': {
                'id': '9000101',
                'name': 'Ada',
                'username': 'alice'
            },
            'project': None,
            'title': 'First',
            'updatedAt': '2024-05-06T07:08:09+00:00'
        }
    }
}

snapshots['test_examples_page 1'] = {
    'data': {
        'examples': {
            'pageInfo': {
                'limit': 5,
                'offset': 0
            },
            'results': [
                {
                    'content': '',
                    'createdAt': '2024-05-06T07:08:09+00:00',
                    'id': '9000002',
                    'owner': {
                        'id': '9000101',
                        'name': 'Ada',
                        'username': 'alice'
                    },
                    'project': None,
                    'title': 'Second',
                    'updatedAt': '2024-05-06T07:08:09+00:00'
                },
                {
                    'content': 'Hello world',
                    'createdAt': '2024-05-06T07:08:09+00:00',
                    'id': '9000001',
                    'owner': {
                        'id': '9000101',
                        'name': 'Ada',
                        'username': 'alice'
                    },
                    'project': None,
                    'title': 'First',
                    'updatedAt': '2024-05-06T07:08:09+00:00'
                }
            ],
            'totalCount': 2
        }
    }
}

snapshots['test_http_error_shapes 1'] = {
    'bad_token': {
        'body': {
            'errors': [
                {
                    'extensions': {
                        'code': 'UNAUTHENTICATED'
                    },
                    'message': 'Invalid token.'
                }
            ]
        },
        'headers': {
            'Content-Type': 'application/json',
            'WWW-Authenticate': 'Token'
        },
        'status': 401
    },
    'get_mutation': {
        'body': {
            'errors': [
                {
                    'extensions': {
                        'code': 'METHOD_NOT_ALLOWED'
                    },
                    'message': 'mutations are not allowed when using GET'
                }
            ]
        },
        'headers': {
            'Allow': 'POST',
            'Content-Type': 'application/json'
        },
        'status': 405
    },
    'malformed_json': {
        'body': {
            'errors': [
                {
                    'extensions': {
                        'code': 'BAD_REQUEST'
                    },
                    'message': 'JSON parse error - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)'
                }
            ]
        },
        'headers': {
            'Content-Type': 'application/json'
        },
        'status': 400
    },
    'session_without_csrf': {
        'body': {
            'errors': [
                {
                    'extensions': {
                        'code': 'CSRF_FAILED'
                    },
                    'message': 'CSRF Failed: CSRF token missing.'
                }
            ]
        },
        'headers': {
            'Content-Type': 'application/json'
        },
        'status': 403
    },
    'too_large': {
        'body': {
            'errors': [
                {
                    'extensions': {
                        'code': 'PAYLOAD_TOO_LARGE'
                    },
                    'message': 'Request body too large (limit 1048576 bytes).'
                }
            ]
        },
        'headers': {
            'Content-Type': 'application/json'
        },
        'status': 413
    }
}

snapshots['test_limit_error_shapes 1'] = {
    'aliases': {
        'data': None,
        'errors': [
            {
                'extensions': {
                    'code': 'ALIAS_LIMIT_EXCEEDED',
                    'found': 16,
                    'limit': 15
                },
                'message': '16 aliases found. Allowed: 15'
            }
        ]
    },
    'depth': {
        'data': None,
        'errors': [
            {
                'extensions': {
                    'code': 'DEPTH_LIMIT_EXCEEDED',
                    'found': 11,
                    'limit': 10
                },
                'message': "'Deep' exceeds maximum operation depth of 10"
            }
        ]
    },
    'tokens': {
        'data': None,
        'errors': [
            {
                'extensions': {
                    'code': 'TOKEN_LIMIT_EXCEEDED',
                    'limit': 2000
                },
                'locations': [
                    {
                        'column': 5999,
                        'line': 1
                    }
                ],
                'message': 'Syntax Error: Document contains more than 2000 tokens. Parsing aborted.'
            }
        ]
    }
}

snapshots['test_masked_error_shape 1'] = {
    'data': None,
    'errors': [
        {
            'extensions': {
                'code': 'INTERNAL_SERVER_ERROR'
            },
            'locations': [
                {
                    'column': 12,
                    'line': 1
                }
            ],
            'message': 'Unexpected error.',
            'path': [
                'duplicateExample'
            ]
        }
    ]
}

snapshots['test_me 1'] = {
    'data': {
        'me': {
            'dateJoined': '2024-05-06T07:08:09+00:00',
            'email': 'alice@example.com',
            'id': '9000101',
            'name': 'Ada',
            'profile': {
                'displayName': 'Ada'
            },
            'username': 'alice'
        }
    }
}

snapshots['test_me_anonymous 1'] = {
    'data': {
        'me': None
    }
}

snapshots['test_not_found_shape 1'] = {
    'data': {
        'duplicateExample': {
            '__typename': 'OperationInfo',
            'messages': [
                {
                    'code': 'not_found',
                    'field': None,
                    'kind': 'ERROR',
                    'message': 'Not found.'
                }
            ]
        }
    }
}

snapshots['test_pagination_error_shape 1'] = {
    'data': None,
    'errors': [
        {
            'extensions': {
                'code': 'BAD_USER_INPUT',
                'field': 'pagination.offset'
            },
            'locations': [
                {
                    'column': 3,
                    'line': 1
                }
            ],
            'message': 'offset must be between 0 and 2147483647.',
            'path': [
                'examples'
            ]
        }
    ]
}

snapshots['test_unauthenticated_shape 1'] = {
    'data': None,
    'errors': [
        {
            'extensions': {
                'code': 'UNAUTHENTICATED'
            },
            'message': 'Authentication required: send `Authorization: Token <key>` or log in.'
        }
    ]
}

snapshots['test_update_example 1'] = {
    'data': {
        'updateExample': {
            '__typename': 'Example',
            'content': '',
            'createdAt': '2024-05-06T07:08:09+00:00',
            'id': '9000002',
            'owner': {
                'id': '9000101',
                'name': 'Ada',
                'username': 'alice'
            },
            'project': None,
            'title': 'Renamed',
            'updatedAt': '2024-05-06T07:08:09+00:00'
        }
    }
}

snapshots['test_update_profile 1'] = {
    'data': {
        'updateProfile': {
            '__typename': 'Profile',
            'bio': 'Hi',
            'displayName': 'Ada',
            'timezone': 'Europe/Paris',
            'updatedAt': '2024-05-06T07:08:09+00:00'
        }
    }
}

snapshots['test_validation_error_shape 1'] = {
    'example': {
        'data': {
            'createExample': {
                '__typename': 'OperationInfo',
                'messages': [
                    {
                        'code': 'blank',
                        'field': 'title',
                        'kind': 'VALIDATION',
                        'message': 'This field cannot be blank.'
                    }
                ]
            }
        }
    },
    'profile': {
        'data': {
            'updateProfile': {
                '__typename': 'OperationInfo',
                'messages': [
                    {
                        'code': 'max_length',
                        'field': 'displayName',
                        'kind': 'VALIDATION',
                        'message': 'Ensure this value has at most 150 characters (it has 151).'
                    },
                    {
                        'code': 'invalid_timezone',
                        'field': 'timezone',
                        'kind': 'VALIDATION',
                        'message': 'Unknown time zone Nowhere; use an IANA name such as Europe/Paris.'
                    }
                ]
            }
        }
    }
}
