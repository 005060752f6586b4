"""fleet.staff_services: invitations, roles, deactivation."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import translation

from common.errors import InvalidInput, PermissionDenied, WrongState
from fleet import services as fleet_services
from fleet import staff_services
from fleet.models import Notification, OfferStatus, TicketOffer
from fleet.roles import Role
from tests.factories import TicketTemplateFactory, UserFactory, make_ticket
from tickets.choices import Status

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _invite(actor, **changes):
    data = {
        "username": "jfischer", "first_name": "Jonas", "last_name": "Fischer", "email": "jonas@example.org",
        "role": Role.STAFF, "preferred_language": "en", "time_zone": "Europe/Vienna",
        "base_url": "http://testserver/",
    }
    return staff_services.staff_invite(actor, **{**data, **changes})


def test_invitation_creates_an_active_member_without_password_and_mails_a_working_link(
    crew, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member = _invite(crew["admin"])
    member.refresh_from_db()
    assert member.is_active and not member.has_usable_password()
    assert member.role == Role.STAFF and member.time_zone == "Europe/Vienna" and member.preferred_language == "en"

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["jonas@example.org"]
    assert "jfischer" in message.body and "Anna Adler" in message.body
    link = re.search(r"http://testserver(/password/set/\S+/)", message.body).group(1)

    page = client.get(link, follow=True)
    assert page.status_code == 200 and page.context["validlink"]
    form_url = page.redirect_chain[-1][0]
    done = client.post(form_url, {"new_password1": "Werkbank-Schraube-42", "new_password2": "Werkbank-Schraube-42"})
    assert done.status_code == 302
    member.refresh_from_db()
    assert member.check_password("Werkbank-Schraube-42")
    # Through the login page (django-axes needs the request: client.login() is refused with it).
    assert client.post("/login/", {"username": "jfischer", "password": "Werkbank-Schraube-42"}).status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)

    # The link works once.
    client.logout()
    assert client.get(link, follow=True).context["validlink"] is False


def test_an_invitation_while_the_mail_server_is_away_goes_out_with_the_sweep(
    crew, settings, django_capture_on_commit_callbacks
):
    """The invitation is stored in the outbox with the new member; the mail server refusing the
    connection (nothing listens on the port) leaves it owed, and the sweep sends it once."""
    from common.models import OutgoingEmail
    from common.outbox import send_pending_emails
    from tests.servers import refusing_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with refusing_port() as port, django_capture_on_commit_callbacks(execute=True):
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
        member = _invite(crew["admin"])
    [owed] = OutgoingEmail.objects.all()
    assert (owed.to, owed.sent_at) == ("jonas@example.org", None)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the mail server is back
    assert send_pending_emails(min_age_seconds=0) == 1
    assert [m.to for m in mail.outbox] == [["jonas@example.org"]]
    assert "/password/set/" in mail.outbox[0].body and member.username in mail.outbox[0].body
    assert send_pending_emails(min_age_seconds=0) == 0


def test_the_invitation_speaks_the_members_language(crew, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(crew["admin"], preferred_language="de")
    assert "Passwort" in mail.outbox[0].body


@pytest.mark.parametrize("role", ["moderator", "staff"])
def test_only_administrators_invite_and_change_staff(crew, role, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(PermissionDenied):
            _invite(crew[role])
    assert not User.objects.filter(username="jfischer").exists() and not mail.outbox
    with pytest.raises(PermissionDenied):
        staff_services.staff_set_role(crew[role], crew["staff"], Role.ADMINISTRATOR)
    with pytest.raises(PermissionDenied):
        staff_services.staff_deactivate(crew[role], crew["staff"])
    with pytest.raises(PermissionDenied):
        staff_services.staff_update(crew[role], crew["staff"], first_name="X")
    assert User.objects.get(pk=crew["staff"].pk).role == Role.STAFF


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"username": ""}, "username"),
        ({"username": "mit leerzeichen"}, "username"),
        ({"email": ""}, "email"),
        ({"email": "kein-mail"}, "email"),
        ({"role": "Chef"}, "role"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"preferred_language": "fr"}, "preferred_language"),
        ({"first_name": "", "last_name": ""}, "last_name"),
    ],
)
def test_bad_invitations_name_the_field_and_create_nobody(crew, changes, field):
    before = User.objects.count()
    with pytest.raises(InvalidInput) as error:
        _invite(crew["admin"], **changes)
    assert field in error.value.errors
    assert User.objects.count() == before


def test_taken_username_and_email_are_refused(crew):
    with pytest.raises(InvalidInput) as error:
        _invite(crew["admin"], username=crew["staff"].username.upper())
    assert "username" in error.value.errors
    with pytest.raises(InvalidInput) as error:
        _invite(crew["admin"], email=crew["staff"].email.upper())
    assert "email" in error.value.errors


def test_role_change_and_profile(crew):
    member = staff_services.staff_set_role(crew["admin"], crew["staff"], Role.MODERATOR)
    assert User.objects.get(pk=member.pk).role == Role.MODERATOR
    assert User.objects.get(pk=member.pk).groups.count() == 1
    member = staff_services.staff_update(
        crew["admin"], member, first_name="Mia", last_name="Schmidt", email="mia@example.org",
        preferred_language="en", time_zone="", role=Role.STAFF,
    )
    member = User.objects.get(pk=member.pk)
    assert (member.last_name, member.email, member.preferred_language, member.role) == (
        "Schmidt", "mia@example.org", "en", Role.STAFF
    )
    assert member.has_perm("tickets.view_ticket") and not member.has_perm("tickets.moderate_ticket")


def test_the_last_administrator_stays_one(crew):
    admin = crew["admin"]
    with pytest.raises(WrongState) as error:
        staff_services.staff_set_role(admin, admin, Role.MODERATOR)
    assert "role" in error.value.errors
    with pytest.raises(WrongState):
        staff_services.staff_update(admin, admin, first_name="Anna", last_name="Adler", email="a@example.org", role=Role.STAFF)
    assert User.objects.get(pk=admin.pk).role == Role.ADMINISTRATOR
    assert User.objects.get(pk=admin.pk).email != "a@example.org"  # nothing changed

    second = UserFactory(role=Role.ADMINISTRATOR)
    staff_services.staff_set_role(admin, admin, Role.MODERATOR)  # now there is another one
    assert User.objects.get(pk=admin.pk).role == Role.MODERATOR
    # The last one left cannot step down either.
    with pytest.raises(WrongState):
        staff_services.staff_set_role(second, second, Role.STAFF)


def test_an_active_superuser_counts_as_an_administrator(crew):
    root = UserFactory(role=None, is_superuser=True)
    # Anna is not the last administrator while the superuser is active.
    staff_services.staff_deactivate(root, crew["admin"])
    assert not User.objects.get(pk=crew["admin"].pk).is_active


def test_nobody_deactivates_themselves(crew):
    with pytest.raises(PermissionDenied):
        staff_services.staff_deactivate(crew["admin"], crew["admin"])
    assert User.objects.get(pk=crew["admin"].pk).is_active


def test_deactivation_withdraws_open_offers_and_tells_the_assignments(crew):
    template = TicketTemplateFactory(assignees_needed=2)
    mia = crew["staff"]
    offered = [make_ticket(Status.OPEN, template=template, title=f"Pumpe {n}") for n in range(2)]
    for ticket in offered:
        fleet_services.offers_send(crew["moderator"], ticket, [mia]) if not TicketOffer.objects.filter(
            ticket=ticket, user=mia, status=OfferStatus.PENDING
        ).exists() else None
    make_ticket(Status.IN_PROGRESS, template=template, assignees=[mia])
    make_ticket(Status.CLOSED, template=template, assignees=[mia])  # finished: not counted

    result = staff_services.staff_deactivate(crew["admin"], mia)

    assert result.offers_withdrawn == 2
    assert result.still_assigned == 1
    assert not TicketOffer.objects.filter(user=mia, status=OfferStatus.PENDING).exists()
    assert TicketOffer.objects.filter(user=mia, status=OfferStatus.WITHDRAWN).count() == 2
    assert Notification.objects.filter(user=mia, kind="offer_withdrawn").count() == 2
    mia = User.objects.get(pk=mia.pk)
    assert not mia.is_active
    # Offers no longer go to them.
    later = make_ticket(Status.OPEN, template=template)
    assert not TicketOffer.objects.filter(ticket=later, user=mia).exists()

    with pytest.raises(WrongState):
        staff_services.staff_deactivate(crew["admin"], mia)
    staff_services.staff_reactivate(crew["admin"], mia)
    assert User.objects.get(pk=mia.pk).is_active
    with pytest.raises(WrongState):
        staff_services.staff_reactivate(crew["admin"], mia)
