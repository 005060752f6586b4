"""Managing the staff: invitations, roles, profiles, deactivation.

Each function takes the acting staff member first and checks the model permission of their role
(``fleet/roles.py``: ``fleet.add_user`` to invite, ``fleet.change_user`` for the rest). Rules:
- nobody deactivates themselves;
- the last active administrator stays one (no role change, no deactivation);
- deactivating withdraws the member's open ticket offers (``fleet.services.offer_withdraw``) and
  tells how many tickets they are still assigned to.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from common import outbox
from common.errors import InvalidInput, PermissionDenied, WrongState
from common.languages import is_language
from common.links import absolute_url
from common.text import strip_text
from common.timezones import is_valid_time_zone
from fleet import services as fleet_services
from fleet.models import Assignment, OfferStatus, TicketOffer, User
from fleet.roles import ROLE_ORDER, Role
from tickets import lifecycle
from tickets.choices import FINAL_STATES


PROFILE_FIELDS = ("first_name", "last_name", "email", "preferred_language", "time_zone")


def _require(actor, perm: str) -> None:
    if not lifecycle.is_staff(actor) or not actor.has_perm(perm):
        raise PermissionDenied(_("Only administrators manage staff members."))


def _refetch(member: User) -> User:
    return User.objects.select_for_update().get(pk=member.pk)


# --- validation ----------------------------------------------------------------------------------


def _clean_role(role) -> Role:
    if role not in Role.values:
        raise InvalidInput(_("Please choose a role."), errors={"role": [_("Please choose a role.")]})
    return Role(role)


def _apply_profile(member: User, data: dict) -> None:
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown setting."), errors={name: ["invalid"] for name in unknown})
    for name in PROFILE_FIELDS:
        if name in data:
            value = data[name]
            setattr(member, name, strip_text(value))
    errors: dict[str, list[str]] = {}
    if not member.email:
        errors["email"] = [_("An e-mail address is needed (the invitation and notices go there).")]
    elif User.objects.filter(email__iexact=member.email).exclude(pk=member.pk).exists():
        errors["email"] = [_("Another staff member already uses this e-mail address.")]
    if not is_language(member.preferred_language):
        errors["preferred_language"] = [_("This language is not available.")]
    if member.time_zone and not is_valid_time_zone(member.time_zone):
        errors["time_zone"] = [_("Unknown time zone. Choose one from the list, e.g. Europe/Berlin.")]
    if not (member.first_name or member.last_name):
        errors["last_name"] = [_("Please give a name.")]
    if errors:
        raise InvalidInput(_("Please check the marked fields."), errors=errors)
    try:
        member.full_clean(exclude=["password"])
    except ValidationError as error:
        raise InvalidInput(_("Please check the marked fields."), errors=error.message_dict) from None


def _active_administrators():
    in_group = User.groups.through.objects.filter(group__name=Role.ADMINISTRATOR.value).values("user_id")
    # A subquery rather than a join: no duplicates, so the rows can be locked (no DISTINCT).
    return User.objects.filter(is_active=True).filter(Q(is_superuser=True) | Q(pk__in=in_group))


def _refuse_last_administrator(member: User, message: str) -> None:
    """Called (inside the transaction) before ``member`` stops being an active administrator."""
    if member.role != Role.ADMINISTRATOR or not member.is_active:
        return
    # Lock the administrators' rows: two administrators demoting each other at once queue up.
    others = [pk for pk in _active_administrators().select_for_update().values_list("pk", flat=True) if pk != member.pk]
    if not others:
        raise WrongState(message, errors={"role": [message]})


def _set_role(member: User, role: Role) -> None:
    member.groups.remove(*Group.objects.filter(name__in=[r.value for r in ROLE_ORDER]).exclude(name=role.value))
    member.groups.add(Group.objects.get(name=role.value))
    member.__dict__.pop("role", None)  # the cached property


# --- invitation ---------------------------------------------------------------------------------


def set_password_url(member: User, *, base_url: str | None = None) -> str:
    """The one-time link of the invitation (Django's password reset token: it stops working once
    the password is set, or after ``PASSWORD_RESET_TIMEOUT``)."""
    path = reverse(
        "password-set",
        kwargs={"uidb64": urlsafe_base64_encode(force_bytes(member.pk)), "token": default_token_generator.make_token(member)},
    )
    return absolute_url(path, base_url=base_url)


def _queue_invitation(member: User, base_url: str | None, invited_by: str) -> None:
    """The invitation e-mail, through the outbox (``common.outbox``): stored with the change and
    sent after the commit; with the mail server or the broker away, the sweep sends it later.
    Every invitation (a resend too) is an e-mail of its own."""
    with translation.override(member.preferred_language):
        context = {
            "member": member,
            "url": set_password_url(member, base_url=base_url),
            "invited_by": invited_by,
            "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        }
        subject = _("[Leitstand] You are invited")
        text = render_to_string("email/invitation.txt", context)
    outbox.queue_email(key=f"invitation:{member.pk}:{uuid.uuid4().hex}", to=member.email, subject=subject, text=text)


@transaction.atomic
def staff_invite(
    actor,
    *,
    username: str,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    preferred_language: str = "de",
    time_zone: str = "",
    base_url: str | None = None,
) -> User:
    """Create an active staff member without a usable password and e-mail them a link to set one."""
    _require(actor, "fleet.add_user")
    role = _clean_role(role)
    username = (username or "").strip()
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput(_("This username is taken."), errors={"username": [_("This username is taken.")]})
    member = User(username=username, is_active=True)
    member.set_unusable_password()
    _apply_profile(
        member,
        {"first_name": first_name, "last_name": last_name, "email": email,
         "preferred_language": preferred_language, "time_zone": time_zone},
    )
    member.save()
    _set_role(member, role)
    invited_by = actor.display_name
    _queue_invitation(member, base_url, invited_by)
    return member


def staff_resend_invitation(actor, member: User, *, base_url: str | None = None) -> None:
    """Send the set-password link again (for someone who has not set a password yet)."""
    _require(actor, "fleet.add_user")
    if member.has_usable_password():
        raise WrongState(_("%(name)s has already set a password.") % {"name": member.display_name})
    if not member.is_active:
        raise WrongState(_("%(name)s is deactivated.") % {"name": member.display_name})
    _queue_invitation(member, base_url, actor.display_name)


# --- role and profile ------------------------------------------------------------------------------


@transaction.atomic
def staff_set_role(actor, member: User, role: str) -> User:
    _require(actor, "fleet.change_user")
    role = _clean_role(role)
    member = _refetch(member)
    if member.role != role:
        _refuse_last_administrator(member, _("%(name)s is the last administrator: give someone else the role first.")
                                   % {"name": member.display_name})
        _set_role(member, role)
    return member


@transaction.atomic
def staff_update(actor, member: User, *, role: str | None = None, **profile) -> User:
    """Change name, e-mail, language and time zone, and the role when given."""
    _require(actor, "fleet.change_user")
    member = _refetch(member)
    _apply_profile(member, profile)
    if role is not None:
        role = _clean_role(role)
        if member.role != role:
            _refuse_last_administrator(
                member,
                _("%(name)s is the last administrator: give someone else the role first.") % {"name": member.display_name},
            )
    member.save()
    if role is not None and member.role != role:
        _set_role(member, role)
    return member


# --- one's own profile ---------------------------------------------------------------------------

OWN_PROFILE_FIELDS = ("preferred_language", "time_zone")


@transaction.atomic
def profile_update(member: User, **profile) -> User:
    """A staff member sets their own language and time zone (no permission needed for oneself)."""
    if not lifecycle.is_staff(member):
        raise PermissionDenied(_("Only staff members have a profile."))
    unknown = set(profile) - set(OWN_PROFILE_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown setting."), errors={name: [_("Unknown setting.")] for name in unknown})
    member = _refetch(member)
    _apply_profile(member, profile)
    member.save(update_fields=list(profile))
    return member


# --- deactivation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deactivation:
    member: User
    offers_withdrawn: int
    still_assigned: int  # active tickets they are still an assignee of (reassign them)


@transaction.atomic
def staff_deactivate(actor, member: User) -> Deactivation:
    """The member can no longer log in; their open offers are withdrawn. Assignments stay (a
    moderator reassigns them), and the answer says how many there are."""
    _require(actor, "fleet.change_user")
    if member.pk == actor.pk:
        raise PermissionDenied(_("You cannot deactivate yourself."))
    member = _refetch(member)
    if not member.is_active:
        raise WrongState(_("%(name)s is already deactivated.") % {"name": member.display_name})
    _refuse_last_administrator(
        member, _("%(name)s is the last administrator and cannot be deactivated.") % {"name": member.display_name}
    )
    withdrawn = 0
    pending = TicketOffer.objects.filter(user=member, status=OfferStatus.PENDING).order_by("pk")
    for offer in list(pending):
        try:
            fleet_services.offer_withdraw(actor, offer)
        except WrongState:
            continue  # expired meanwhile: the periodic expiry marks it
        withdrawn += 1
    member.is_active = False
    member.save(update_fields=["is_active"])
    assigned = Assignment.objects.filter(user=member).exclude(ticket__status__in=FINAL_STATES).count()
    return Deactivation(member, withdrawn, assigned)


@transaction.atomic
def staff_reactivate(actor, member: User) -> User:
    _require(actor, "fleet.change_user")
    member = _refetch(member)
    if member.is_active:
        raise WrongState(_("%(name)s is already active.") % {"name": member.display_name})
    member.is_active = True
    member.save(update_fields=["is_active"])
    return member
