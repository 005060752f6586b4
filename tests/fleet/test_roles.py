import pytest
from django.contrib.auth.models import Group, Permission

from fleet.roles import ROLE_ORDER, Role, permissions_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_three_roles_exist_after_migrating():
    assert set(Group.objects.values_list("name", flat=True)) >= {"Administrator", "Moderator", "Mitarbeiter"}


@pytest.mark.parametrize("role", ROLE_ORDER)
def test_each_role_holds_exactly_its_mapped_permissions(role):
    group = Group.objects.get(name=role.value)
    expected = set(permissions_for(role, Permission).values_list("pk", flat=True))
    assert expected, f"{role} maps to no existing permission"
    assert set(group.permissions.values_list("pk", flat=True)) == expected


def test_administrator_may_manage_staff_and_a_staff_member_may_not():
    admin = UserFactory(role=Role.ADMINISTRATOR)
    staff = UserFactory(role=Role.STAFF)
    assert admin.has_perm("fleet.change_user")
    assert admin.has_perm("fleet.add_user")
    assert not staff.has_perm("fleet.change_user")
    assert staff.has_perm("fleet.view_user")


def test_role_is_the_highest_group_of_a_user():
    user = UserFactory(role=Role.STAFF)
    assert user.role == Role.STAFF
    user.groups.add(Group.objects.get(name=Role.MODERATOR.value))
    user = type(user).objects.get(pk=user.pk)
    assert user.role == Role.MODERATOR


def test_user_without_group_has_no_role():
    assert UserFactory(role=None).role is None


def test_guardian_is_an_authentication_backend(settings):
    from django.utils.module_loading import import_string
    from guardian.backends import ObjectPermissionBackend

    assert "common.object_permissions.ObjectPermissionBackend" in settings.AUTHENTICATION_BACKENDS
    assert issubclass(import_string("common.object_permissions.ObjectPermissionBackend"), ObjectPermissionBackend)
    assert settings.AUTH_USER_MODEL == "fleet.User"
