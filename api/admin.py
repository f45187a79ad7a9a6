from django.contrib import admin

from .models import ExampleModel, Project, ProjectMembership


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
