"""Roles are Django groups; this module names them and builds them.

Predicates that decide who may do what live in each app's ``rules.py`` and
ask ``has_role``; docs/roles.md is the table they implement.
"""

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission

CITIZEN = "citizen"
MODERATOR = "moderator"
PLANNER = "planner"
EDITOR = "editor"
ROLES = (CITIZEN, MODERATOR, PLANNER, EDITOR)
ADMIN_ROLES = (MODERATOR, PLANNER, EDITOR)

# (app_label, codename) granted to each role on top of its name.
_ADMIN_ACCESS = ("wagtailadmin", "access_admin")
ROLE_PERMISSIONS = {
    CITIZEN: [],
    MODERATOR: [
        _ADMIN_ACCESS,
        # The word filter's lists and the site's moderation policy, in the admin.
        ("moderation", "add_filteredword"),
        ("moderation", "change_filteredword"),
        ("moderation", "delete_filteredword"),
        ("moderation", "change_moderationsettings"),
    ],
    PLANNER: [_ADMIN_ACCESS],
    EDITOR: [
        _ADMIN_ACCESS,
        ("wagtaildocs", "add_document"),
        ("wagtaildocs", "change_document"),
        ("wagtaildocs", "choose_document"),
        ("wagtailimages", "add_image"),
        ("wagtailimages", "change_image"),
        ("wagtailimages", "choose_image"),
    ],
}
# Page-tree permissions for editors, granted on the site's root page.
EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")


def has_role(user, role):
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return role in _role_names(user)


def _role_names(user):
    # Cached on the user object: a request asks several predicates.
    if not hasattr(user, "_puente_roles"):
        user._puente_roles = frozenset(user.groups.values_list("name", flat=True))
    return user._puente_roles


def _permission(app_label, codename):
    """The permission, created first if its app's model permissions are not
    there yet: migrate sends post_migrate to accounts before the apps listed
    after it (moderation) have had theirs created."""
    lookup = {"content_type__app_label": app_label, "codename": codename}
    permission = Permission.objects.filter(**lookup).first()
    if permission is None:
        try:
            app_config = apps.get_app_config(app_label)
        except LookupError:
            return None
        create_permissions(app_config, verbosity=0)
        permission = Permission.objects.filter(**lookup).first()
    return permission


def ensure_role_groups(**kwargs):
    """Create the role groups with their permissions; safe to run again."""
    from wagtail.models import GroupCollectionPermission, GroupPagePermission, Page

    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, codename in ROLE_PERMISSIONS[role]:
            permission = _permission(app_label, codename)
            if permission:
                group.permissions.add(permission)

    editor = Group.objects.get(name=EDITOR)
    root = Page.get_first_root_node()
    if root is not None:
        for codename in EDITOR_PAGE_PERMISSIONS:
            permission = Permission.objects.filter(
                content_type__app_label="wagtailcore", codename=codename
            ).first()
            if permission:
                GroupPagePermission.objects.get_or_create(
                    group=editor, page=root, permission=permission
                )
    from wagtail.models import Collection

    collection = Collection.get_first_root_node()
    if collection is not None:
        for app_label, codename in ROLE_PERMISSIONS[EDITOR]:
            if app_label in ("wagtaildocs", "wagtailimages"):
                permission = Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                )
                GroupCollectionPermission.objects.get_or_create(
                    group=editor, collection=collection, permission=permission
                )
