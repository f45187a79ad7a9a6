"""The team's original example tests, kept unchanged apart from imports.

Verbatim on purpose, hence no reformatting and no line-length check here.
"""
# fmt: off

from django.contrib.auth import get_user_model
from django.test import TestCase
from rest_framework import status
from rest_framework.test import APITestCase

from api.models import ExampleModel

User = get_user_model()


class ExampleModelTestCase(TestCase):
    def setUp(self):
        self.user = User.objects.create_user(username='testuser', email='test@example.com', password='testpass123')
    def test_model_creation(self):
        example = ExampleModel.objects.create(user=self.user, title='Test Title', content='Test content')
        self.assertEqual(example.title, 'Test Title')
        self.assertEqual(example.user, self.user)

class ExampleAPITestCase(APITestCase):
    def setUp(self):
        self.user = User.objects.create_user(username='testuser', email='test@example.com', password='testpass123')
        self.client.force_authenticate(user=self.user)
    def test_create_example(self):
        data = {'title': 'Test Title', 'content': 'Test content'}
        response = self.client.post('/api/v1/examples/', data)
        self.assertEqual(response.status_code, status.HTTP_201_CREATED)
