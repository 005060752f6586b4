"""Per-object permissions (django-guardian) asked once per request, not once per question.

guardian's backend builds a new ``ObjectPermissionChecker`` for every ``user.has_perm(perm, obj)``,
and each checker reads the user's and the groups' permissions on that object again (two queries).
A ticket's detail page asks five questions of the rules (may work, may edit, may change the
visibility, which transitions …): ten identical queries. Here, while an HTTP request runs
(``ObjectPermissionMemoMiddleware``), one checker per user is kept, so each (user, object) is read
once; outside a request (sockets, tasks, the shell) every question reads the database, as before.

A grant or revoke (``fleet.permissions``, guardian's ``assign_perm``/``remove_perm``: a saved or
deleted object-permission row) or a change of someone's groups empties the request's memo at once,
so a service that grants and then asks within one request reads the new answer.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save
from guardian.backends import ObjectPermissionBackend as GuardianBackend
from guardian.backends import check_support
from guardian.core import ObjectPermissionChecker
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

_memo: ContextVar[dict | None] = ContextVar("object_permission_memo", default=None)


class ObjectPermissionBackend(GuardianBackend):
    """guardian's backend, with the checkers kept for the current request (see the module)."""

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        memo = _memo.get()
        if memo is None or obj is None:
            return super().has_perm(user_obj, perm, obj)
        # guardian's own has_perm also raises for a permission of another app than the object's (a
        # programming error the callers here do not make); the checker compares the codename only.
        supported, user = check_support(user_obj, obj)
        if not supported:
            return False
        key = (type(user), user.pk)
        checker = memo.get(key)
        if checker is None:
            checker = memo[key] = ObjectPermissionChecker(user)
        return checker.has_perm(perm, obj)


@contextmanager
def permission_memo():
    """Keep the answers while the block runs (a request; tests)."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def forget(**kwargs) -> None:
    """Signal receiver: an object permission or a group membership changed."""
    memo = _memo.get()
    if memo:
        memo.clear()


class ObjectPermissionMemoMiddleware:
    """Runs each request inside ``permission_memo`` (after the authentication middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with permission_memo():
            return self.get_response(request)


def connect_signals() -> None:
    """From ``CommonConfig.ready``: every guardian object-permission model, and users' groups."""
    for model in apps.get_models():
        if issubclass(model, (UserObjectPermissionBase, GroupObjectPermissionBase)):
            post_save.connect(forget, sender=model, dispatch_uid=f"object-permission-memo-save-{model._meta.label}")
            post_delete.connect(forget, sender=model, dispatch_uid=f"object-permission-memo-delete-{model._meta.label}")
    m2m_changed.connect(forget, sender=get_user_model().groups.through, dispatch_uid="object-permission-memo-groups")
