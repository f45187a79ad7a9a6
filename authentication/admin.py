"""The admin's users: Django's own UserAdmin and forms, with the profile inline and the identity rules.

Django's forms check usernames case-sensitively on change and allow ``@``;
the database's case-insensitive indexes would then answer an IntegrityError
(a 500). These forms turn every identity rule into a field error first.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import User

from .identity import email_taken, username_taken, validate_username
from .models import Profile

USERNAME_TAKEN = "A user with that username already exists."
EMAIL_TAKEN = "A user with that email already exists."


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ["display_name", "bio", "timezone", "updated_at"]
    readonly_fields = ["updated_at"]


def _clean_username(form: forms.ModelForm) -> str:
    username = form.cleaned_data["username"]
    validate_username(username)
    if username_taken(username, exclude_pk=form.instance.pk):
        raise forms.ValidationError(USERNAME_TAKEN, code="unique")
    return username


class UserAddForm(AdminUserCreationForm):
    def clean_username(self) -> str:
        return _clean_username(self)


class UserEditForm(UserChangeForm):
    def clean_username(self) -> str:
        return _clean_username(self)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if email and email_taken(email, exclude_pk=self.instance.pk):
            raise forms.ValidationError(EMAIL_TAKEN, code="unique")
        return email


# django.contrib.auth registers User with its UserAdmin; ours replaces it.
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserAddForm
    form = UserEditForm
    list_select_related = ["profile"]

    def get_inlines(self, request, obj):
        # On "add" the profile is created by the post_save signal; an inline
        # would try to insert a second one.
        return [ProfileInline] if obj is not None else []
