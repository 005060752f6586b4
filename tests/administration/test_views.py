"""The settings pages over HTTP, per role (German UI)."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import translation

from fleet.roles import Role
from tests.factories import AccessCodeFactory, TemplateFieldFactory, TicketTemplateFactory, UserFactory
from tickets.models import AccessCode, TemplateField, TicketTemplate

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture(autouse=True)
def _german():
    with translation.override("de"):
        yield


@pytest.fixture
def things(crew):
    template = TicketTemplateFactory(name="Störung")
    return {
        "template": template,
        "field": TemplateFieldFactory(template=template, key="serial", label="Seriennummer"),
        "code": AccessCodeFactory(label="Presse 7", template=template),
    }


def _pages(things, crew):
    t, f, c, s = things["template"], things["field"], things["code"], crew["staff"]
    return {
        "overview": reverse("administration:overview"),
        "templates": reverse("administration:templates"),
        "template-create": reverse("administration:template-create"),
        "template-edit": reverse("administration:template-edit", args=[t.pk]),
        "template-field-edit": reverse("administration:template-field-edit", args=[t.pk, f.pk]),
        "codes": reverse("administration:codes"),
        "code-create": reverse("administration:code-create"),
        "code-edit": reverse("administration:code-edit", args=[c.pk]),
        "code-labels": reverse("administration:code-labels") + f"?ids={c.pk}",
        "staff": reverse("administration:staff"),
        "staff-invite": reverse("administration:staff-invite"),
        "staff-edit": reverse("administration:staff-edit", args=[s.pk]),
    }


# What each role may open (GET). Moderators see templates and staff read-only, and work codes.
ALLOWED = {
    "admin": set(),  # everything
    "moderator": {
        "overview", "templates", "template-edit", "codes", "code-create", "code-edit", "code-labels", "staff",
        "staff-edit",
    },
    "staff": set(),
}


@pytest.mark.parametrize("role", ["admin", "moderator", "staff"])
def test_each_page_per_role(client, crew, things, role):
    client.force_login(crew[role])
    for name, url in _pages(things, crew).items():
        response = client.get(url)
        allowed = role == "admin" or name in ALLOWED[role]
        assert response.status_code == (200 if allowed else 403), (role, name, response.status_code)
        if allowed:
            html = response.content.decode()
            assert 'class="active" aria-current="page">Einstellungen</a>' in html, name
        else:
            assert "Nicht erlaubt" in response.content.decode()


def test_anonymous_visitors_go_to_the_login_page(client, crew, things):
    for url in _pages(things, crew).values():
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_the_side_menu_shows_settings_to_administrators_and_moderators_only(client, crew):
    for role, shown in (("admin", True), ("moderator", True), ("staff", False)):
        client.force_login(crew[role])
        html = client.get(reverse("home")).content.decode()
        assert (reverse("administration:overview") in html) is shown, role
        assert reverse("admin:index") not in html


def test_overview_links_the_sections_and_the_django_admin_only_for_superusers(client, crew):
    client.force_login(crew["moderator"])
    html = client.get(reverse("administration:overview")).content.decode()
    assert "Vorlagen" in html and "Zugangscodes" in html and "Mitarbeiter" in html
    assert "Django-Verwaltung" not in html
    client.force_login(UserFactory(role=Role.ADMINISTRATOR, is_superuser=True, is_staff=True))
    html = client.get(reverse("administration:overview")).content.decode()
    assert "Django-Verwaltung" in html and reverse("admin:index") in html


def test_pages_hide_the_buttons_a_moderator_may_not_use(client, crew, things):
    client.force_login(crew["moderator"])
    html = client.get(reverse("administration:templates")).content.decode()
    assert "Neue Vorlage" not in html
    html = client.get(reverse("administration:template-edit", args=[things["template"].pk])).content.decode()
    assert "Vorlage speichern" not in html and "Feld hinzufügen" not in html and "disabled" in html
    html = client.get(reverse("administration:staff")).content.decode()
    assert "einladen" not in html
    html = client.get(reverse("administration:staff-edit", args=[crew["staff"].pk])).content.decode()
    assert "Deaktivieren" not in html and "Speichern" not in html and "/deactivate/" not in html
    html = client.get(reverse("administration:codes")).content.decode()
    assert "Neuer Zugangscode" in html and "Ausschalten" in html  # codes are theirs to work


def test_moderator_posts_to_template_and_staff_pages_are_refused(client, crew, things):
    client.force_login(crew["moderator"])
    template = things["template"]
    posts = [
        (reverse("administration:template-create"), {"name": "Neu"}),
        (reverse("administration:template-edit", args=[template.pk]), {"name": "Umbenannt"}),
        (reverse("administration:template-field-add", args=[template.pk]), {"new-key": "x", "new-label": "X"}),
        (reverse("administration:template-field-remove", args=[template.pk, things["field"].pk]), {}),
        (reverse("administration:staff-invite"), {"username": "neu", "email": "neu@example.org"}),
        (reverse("administration:staff-deactivate", args=[crew["staff"].pk]), {}),
        (reverse("administration:staff-edit", args=[crew["staff"].pk]), {"email": "x@example.org"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    template.refresh_from_db()
    assert template.name == "Störung" and TicketTemplate.objects.count() == 1
    assert TemplateField.objects.count() == 1
    assert User.objects.get(pk=crew["staff"].pk).is_active
    assert not User.objects.filter(username="neu").exists()


def test_mitarbeiter_posts_to_code_pages_are_refused(client, crew, things):
    client.force_login(crew["staff"])
    code = things["code"]
    assert client.post(reverse("administration:code-create"), {"label": "X", "template": code.template_id}).status_code == 403
    assert client.post(reverse("administration:code-set-active", args=[code.pk]), {"active": "0"}).status_code == 403
    code.refresh_from_db()
    assert code.is_active and AccessCode.objects.count() == 1


def test_admin_creates_and_edits_a_template(client, crew):
    client.force_login(crew["admin"])
    data = {
        "name": "Wartung", "description": "", "is_active": "on", "default_title": "", "default_description": "",
        "default_visibility": "public", "creation_steps": ["general", "fields"], "offer_recipients": "members",
        "offer_members": [crew["staff"].pk], "assignees_needed": "2", "offer_validity": "8", "announce_in_app": "on",
    }
    response = client.post(reverse("administration:template-create"), data)
    template = TicketTemplate.objects.get(name="Wartung")
    assert response.status_code == 302 and response["Location"] == reverse("administration:template-edit", args=[template.pk])
    assert template.offer_validity.total_seconds() == 8 * 3600 and list(template.offer_members.all()) == [crew["staff"]]
    assert template.creation_steps == ["general", "fields"] and not template.asks_feedback

    response = client.post(reverse("administration:template-edit", args=[template.pk]), {**data, "assignees_needed": "0"})
    assert response.status_code == 400
    assert "assignees_needed" in response.context["form"].errors
    template.refresh_from_db()
    assert template.assignees_needed == 2

    response = client.post(reverse("administration:template-edit", args=[template.pk]), {**data, "offer_members": []})
    assert response.status_code == 400
    assert "Wählen Sie mindestens ein Mitglied." in response.content.decode()


def test_custom_fields_add_edit_move_remove(client, crew):
    client.force_login(crew["admin"])
    template = TicketTemplateFactory()
    add = reverse("administration:template-field-add", args=[template.pk])
    assert client.post(add, {"new-key": "serial", "new-label": "Seriennummer", "new-field_type": "text"}).status_code == 302
    assert client.post(add, {"new-key": "kind", "new-label": "Art", "new-field_type": "choice", "new-choices": "Öl\nLuft"}).status_code == 302
    bad = client.post(add, {"new-key": "serial", "new-label": "Doppelt", "new-field_type": "text"})
    assert bad.status_code == 400 and "Dieser Schlüssel ist vergeben." in bad.content.decode()
    bad = client.post(add, {"new-key": "leer", "new-label": "Leer", "new-field_type": "choice", "new-choices": ""})
    assert bad.status_code == 400
    assert list(template.fields.values_list("key", flat=True)) == ["serial", "kind"]

    kind = template.fields.get(key="kind")
    client.post(reverse("administration:template-field-move", args=[template.pk, kind.pk]), {"direction": "up"})
    assert list(template.fields.values_list("key", flat=True)) == ["kind", "serial"]
    edit = reverse("administration:template-field-edit", args=[template.pk, kind.pk])
    response = client.post(edit, {"key": "kind", "label": "Störungsart", "field_type": "choice", "choices": "Öl\nLuft\nStrom", "required": "on"})
    assert response.status_code == 302
    kind.refresh_from_db()
    assert kind.label == "Störungsart" and kind.choices == ["Öl", "Luft", "Strom"] and kind.required
    client.post(reverse("administration:template-field-remove", args=[template.pk, kind.pk]))
    assert list(template.fields.values_list("key", flat=True)) == ["serial"]


def test_moderator_creates_a_code_with_pin_and_switches_it_off(client, crew, things):
    client.force_login(crew["moderator"])
    response = client.post(
        reverse("administration:code-create"),
        {"label": "Kompressor K3", "location": "Halle 1", "serial_number": "K3-001", "template": things["template"].pk, "pin": "2468"},
    )
    code = AccessCode.objects.get(label="Kompressor K3")
    assert response.status_code == 302 and code.check_pin("2468") and code.created_by == crew["moderator"]
    html = client.get(reverse("administration:codes")).content.decode()
    assert "Kompressor K3" in html and code.entry_code_display in html
    assert reverse("tickets:access-code-qr", args=[code.pk, "svg"]) in html

    response = client.post(reverse("administration:code-set-active", args=[code.pk]), {"active": "0", "next": "/settings/codes/?state=active"})
    assert response.status_code == 302 and response["Location"] == "/settings/codes/?state=active"
    code.refresh_from_db()
    assert not code.is_active
    # An outside "next" is not followed.
    response = client.post(reverse("administration:code-set-active", args=[code.pk]), {"active": "1", "next": "https://evil.example/"})
    assert response["Location"] == reverse("administration:codes")

    # Every change is in the code's history, newest first, with who made it.
    history = client.get(reverse("administration:code-edit", args=[code.pk])).context["history"]
    name = crew["moderator"].display_name
    assert [(entry.user.display_name, entry.get_change_message()) for entry in history] == [
        (name, "Eingeschaltet."), (name, "Ausgeschaltet."), (name, "Hinzugefügt."),
    ]


def test_code_list_search_and_filter(client, crew):
    client.force_login(crew["admin"])
    AccessCodeFactory(label="Presse 7", location="Halle 2")
    AccessCodeFactory(label="Tor Nord", is_active=False)
    hidden = AccessCodeFactory(label="Kran")
    url = reverse("administration:codes")
    assert [c.label for c in client.get(url, {"q": "halle"}).context["codes"]] == ["Presse 7"]
    assert [c.label for c in client.get(url, {"state": "inactive"}).context["codes"]] == ["Tor Nord"]
    assert [c.label for c in client.get(url, {"q": hidden.entry_code_display.lower()}).context["codes"]] == ["Kran"]
    assert client.get(url, {"state": "kaputt"}).status_code == 200


def test_code_edit_with_bad_input_changes_nothing(client, crew, things):
    client.force_login(crew["admin"])
    code = things["code"]
    code.set_pin("1234")
    code.save()
    url = reverse("administration:code-edit", args=[code.pk])
    for data in (
        {"label": "", "template": code.template_id},
        {"label": "Neu", "template": code.template_id, "pin": "12"},
        {"label": "Neu", "template": "999999"},
        {"label": "Neu", "template": code.template_id, "pin": "5678", "remove_pin": "on"},
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert 'class="field-error"' in response.content.decode()
    code.refresh_from_db()
    assert code.label == "Presse 7" and code.check_pin("1234")
    response = client.post(url, {"label": "Presse 8", "template": code.template_id, "is_active": "on", "remove_pin": "on"})
    assert response.status_code == 302
    code.refresh_from_db()
    assert code.label == "Presse 8" and not code.has_pin and code.is_active


def test_qr_sheet_lists_exactly_the_selected_codes(client, crew):
    client.force_login(crew["moderator"])
    a, b, c = AccessCodeFactory(label="Alpha", location="Halle A"), AccessCodeFactory(label="Beta"), AccessCodeFactory(label="Gamma")
    response = client.get(reverse("administration:code-labels"), {"ids": [a.pk, c.pk, "x", "99999"]})
    assert response.status_code == 200
    assert [code.pk for code in response.context["codes"]] == [a.pk, c.pk]
    html = response.content.decode()
    assert html.count('class="qr-label"') == 2
    assert "Alpha" in html and "Gamma" in html and "Beta" not in html
    assert a.entry_code_display in html and "Halle A" in html and "testserver/c/" in html
    assert reverse("tickets:access-code-qr", args=[a.pk, "svg"]) in html
    # Nothing chosen: back to the list with a message.
    response = client.get(reverse("administration:code-labels"))
    assert response.status_code == 302


def test_admin_invites_edits_deactivates_and_reactivates(client, crew, django_capture_on_commit_callbacks):
    client.force_login(crew["admin"])
    data = {
        "first_name": "Jonas", "last_name": "Fischer", "username": "jfischer", "email": "jonas@example.org",
        "role": "Mitarbeiter", "preferred_language": "de", "time_zone": "",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("administration:staff-invite"), data)
    assert response.status_code == 302
    member = User.objects.get(username="jfischer")
    assert len(mail.outbox) == 1 and "http://testserver/password/set/" in mail.outbox[0].body

    bad = client.post(reverse("administration:staff-invite"), {**data, "username": "JFischer", "email": "x@example.org"})
    assert bad.status_code == 400 and "Dieser Benutzername ist vergeben." in bad.content.decode()

    edit = reverse("administration:staff-edit", args=[member.pk])
    bad = client.post(edit, {**data, "time_zone": "Mars/Olympus"})
    assert bad.status_code == 400
    member.refresh_from_db()
    assert member.time_zone == ""
    response = client.post(edit, {**data, "role": "Moderator", "time_zone": "Europe/Vienna"})
    assert response.status_code == 302
    member = User.objects.get(pk=member.pk)
    assert member.role == Role.MODERATOR and member.time_zone == "Europe/Vienna"

    response = client.post(reverse("administration:staff-deactivate", args=[member.pk]), follow=True)
    assert "kann sich nicht mehr anmelden" in response.content.decode()
    assert not User.objects.get(pk=member.pk).is_active
    client.post(reverse("administration:staff-reactivate", args=[member.pk]))
    assert User.objects.get(pk=member.pk).is_active


def test_refusals_of_the_staff_rules_show_why(client, crew):
    client.force_login(crew["admin"])
    me = crew["admin"]
    response = client.post(reverse("administration:staff-deactivate", args=[me.pk]))
    assert response.status_code == 403 and "Sie können sich nicht selbst deaktivieren." in response.content.decode()
    data = {"first_name": "Anna", "last_name": "Adler", "email": me.email, "role": "Moderator", "preferred_language": "de"}
    response = client.post(reverse("administration:staff-edit", args=[me.pk]), data)
    assert response.status_code == 400
    assert "letzte Administrator" in response.content.decode()
    assert User.objects.get(pk=me.pk).role == Role.ADMINISTRATOR and User.objects.get(pk=me.pk).is_active
