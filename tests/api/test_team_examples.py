"""The team's original example tests (the team's backend guide, "Testing Strategy"), verbatim.

Copied as the guide writes them, imports included: ``User`` is Django's
built-in ``django.contrib.auth.models.User``, not ``get_user_model()``. Only
the model import names our app (the guide's ``.models`` is relative to it).
Verbatim on purpose, hence no reformatting and no line-length check here.
"""

# fmt: off
# ruff: noqa: E402, F811, I001  (the guide orders and repeats its imports)

from django.test import TestCase
from django.contrib.auth.models import User
from api.models import ExampleModel

class ExampleModelTestCase(TestCase):
    def setUp(self):
        self.user = User.objects.create_user(
            username='testuser',
            email='test@example.com',
            password='testpass123'
        )

    def test_model_creation(self):
        example = ExampleModel.objects.create(
            user=self.user,
            title='Test Title',
            content='Test content'
        )
        self.assertEqual(example.title, 'Test Title')
        self.assertEqual(example.user, self.user)


from rest_framework.test import APITestCase
from rest_framework import status
from django.contrib.auth.models import User

class ExampleAPITestCase(APITestCase):
    def setUp(self):
        self.user = User.objects.create_user(
            username='testuser',
            email='test@example.com',
            password='testpass123'
        )
        self.client.force_authenticate(user=self.user)

    def test_create_example(self):
        data = {
            'title': 'Test Title',
            'content': 'Test content'
        }
        response = self.client.post('/api/v1/examples/', data)
        self.assertEqual(response.status_code, status.HTTP_201_CREATED)
