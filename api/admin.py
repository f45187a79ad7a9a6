from django.contrib import admin
from django.db import transaction

from .events import EventKind, announce_example
from .models import Comment, ExampleModel, Project, ProjectMembership


@admin.register(ExampleModel)
class ExampleModelAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "user", "project", "created_at", "updated_at"]
    list_select_related = ["user", "project"]
    search_fields = ["title", "content", "user__username", "user__email"]
    list_filter = [("created_at", admin.DateFieldListFilter), ("updated_at", admin.DateFieldListFilter)]
    date_hierarchy = "created_at"
    raw_id_fields = ["user", "project"]
    readonly_fields = ["created_at", "updated_at"]
    ordering = ["-created_at", "-id"]

    # The admin writes through the ORM (a superuser may change any row, which
    # the services' policy checks would refuse), so it announces its example
    # writes here, with the same function the services use (api.events): live
    # subscribers see an admin's change like anyone else's. Django's admin
    # runs these inside its own transaction; the message leaves on commit.

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        announce_example(EventKind.UPDATED if change else EventKind.CREATED, obj)

    def delete_model(self, request, obj):
        with transaction.atomic():
            announce_example(EventKind.DELETED, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for example in queryset:
                announce_example(EventKind.DELETED, example)
            super().delete_queryset(request, queryset)


class ProjectMembershipInline(admin.TabularInline):
    model = ProjectMembership
    extra = 0
    raw_id_fields = ["user"]
    readonly_fields = ["added_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "owner", "created_at", "updated_at"]
    list_select_related = ["owner"]
    search_fields = ["name", "description", "owner__username", "owner__email"]
    list_filter = [("created_at", admin.DateFieldListFilter)]
    date_hierarchy = "created_at"
    raw_id_fields = ["owner"]
    readonly_fields = ["created_at", "updated_at"]
    ordering = ["-created_at", "-id"]
    inlines = [ProjectMembershipInline]


@admin.register(ProjectMembership)
class ProjectMembershipAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "user", "role", "added_at"]
    list_select_related = ["project", "user"]
    search_fields = ["project__name", "user__username", "user__email"]
    list_filter = ["role"]
    raw_id_fields = ["project", "user"]
    readonly_fields = ["added_at"]
    ordering = ["-added_at", "-id"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["id", "example", "user", "created_at", "updated_at"]
    list_select_related = ["example", "user"]
    search_fields = ["body", "user__username"]
    raw_id_fields = ["example", "user"]
    readonly_fields = ["created_at", "updated_at"]
