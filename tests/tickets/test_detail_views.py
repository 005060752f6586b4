"""The ticket detail page: status bar, tabs, edit mode, updates; errors as clear messages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import make_ticket
from tickets.choices import Status
from tickets.models import Ticket, TicketHistory, TicketUpdate


@pytest.fixture(autouse=True)
def _german():
    """Page tests check the German UI (domain tests in this folder use English)."""
    from django.utils import translation

    with translation.override("de"):
        yield


pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


def test_detail_shows_summary_status_bar_and_tabs(client, cast, ticket_in):
    ticket = ticket_in(Status.ASSIGNED)
    html = _login(client, cast.other_staff).get(ticket.get_absolute_url()).content.decode()
    assert ticket.number in html and ticket.title in html
    for label in ("Entwurf", "Offen", "Zugewiesen", "In Bearbeitung", "Fertig", "Geschlossen", "Abgebrochen"):
        assert label in html
    assert 'aria-current="step"><span>Zugewiesen' in html
    for tab in ("Allgemein", "Updates", "Interne Updates", "Flottenmanagement", "Video-Sessions", "Verlauf"):
        assert tab in html
    assert 'id="messenger"' in html
    assert "Öffentlich" in html


@pytest.mark.parametrize("tab", ["updates", "internal", "fleet", "video", "history"])
def test_each_tab_has_its_own_url(client, cast, ticket_in, tab):
    ticket = ticket_in(Status.IN_PROGRESS)
    response = _login(client, cast.assignee).get(reverse("tickets:tab", args=[ticket.number, tab]))
    assert response.status_code == 200
    assert f'href="/tickets/{ticket.number}/{tab}/"\n               class="tab active" aria-current="page"' in response.content.decode()


def test_unknown_ticket_and_unknown_tab_are_404(client, cast):
    _login(client, cast.admin)
    assert client.get("/tickets/2099-000001/").status_code == 404
    ticket = make_ticket(Status.OPEN)
    assert client.get(f"/tickets/{ticket.number}/secret/").status_code == 404


def test_edit_button_only_for_those_who_may_change_something(client, cast, ticket_in):
    ticket = ticket_in(Status.ASSIGNED)
    assert "BEARBEITEN" not in _login(client, cast.other_staff).get(ticket.get_absolute_url()).content.decode()
    assert "BEARBEITEN" in _login(client, cast.assignee).get(ticket.get_absolute_url()).content.decode()


def test_edit_mode_enables_only_reachable_states_with_reasons(client, cast, ticket_in):
    ticket = ticket_in(Status.ASSIGNED)
    html = _login(client, cast.assignee).get(ticket.get_absolute_url() + "?edit=1").content.decode()
    states = ("draft", "open", "assigned", "in_progress", "done", "closed", "cancelled")
    enabled = [v for v in states if _is_enabled(html, v)]
    # current, release (the only assignee), start, close early (with a reason), cancel
    assert enabled == ["open", "assigned", "in_progress", "closed", "cancelled"]
    assert "SPEICHERN" in html
    # Why not, as tooltips: Entwurf and Fertig cannot be reached from Zugewiesen.
    assert html.count('title="Von „Zugewiesen“ aus nicht erreichbar."') == 2
    assert 'title="Das ist der aktuelle Fortschritt-Status."' in html


def _is_enabled(html, value):
    start = html.index(f'name="target_status" value="{value}"')
    tag = html[start: html.index(">", start)]
    return "disabled" not in tag


def test_saving_a_new_state_runs_the_transition(client, cast, ticket_in):
    ticket = ticket_in(Status.ASSIGNED)
    response = _login(client, cast.assignee).post(
        reverse("tickets:change-status", args=[ticket.number]),
        {"target_status": "in_progress", "expected_status": "assigned", "visibility": "public", "reason": "Vor Ort"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert TicketHistory.objects.filter(ticket=ticket, new_value="in_progress", reason="Vor Ort").exists()
    assert "Gespeichert." in client.get(response["Location"]).content.decode()


def test_state_and_visibility_change_together_or_not_at_all(client, cast, ticket_in):
    ticket = ticket_in(Status.DONE)
    # The code user may close, but this staff member may not switch visibility: nothing changes.
    response = _login(client, cast.other_staff).post(
        reverse("tickets:change-status", args=[ticket.number]),
        {"target_status": "closed", "expected_status": "done", "visibility": "internal"},
    )
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert (ticket.status, ticket.visibility) == (Status.DONE, "public")

    response = client.post(
        reverse("tickets:change-status", args=[ticket.number]),
        {"target_status": "done", "expected_status": "done", "visibility": "internal"},
    )
    assert response.status_code == 403
    assert "nicht berechtigt" in response.content.decode()


def test_forbidden_state_shows_a_message_and_403(client, cast, ticket_in):
    ticket = ticket_in(Status.ASSIGNED)
    response = _login(client, cast.other_staff).post(
        reverse("tickets:change-status", args=[ticket.number]), {"target_status": "in_progress", "expected_status": "assigned"}
    )
    assert response.status_code == 403
    assert "nicht berechtigt" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.ASSIGNED


def test_unreachable_state_is_409(client, cast, ticket_in):
    ticket = ticket_in(Status.ASSIGNED)
    response = _login(client, cast.assignee).post(
        reverse("tickets:change-status", args=[ticket.number]), {"target_status": "done", "expected_status": "assigned"}
    )
    assert response.status_code == 409
    assert "kann von" in response.content.decode() or "nicht erreicht" in response.content.decode()


def test_stale_status_change_says_so_and_shows_the_current_state(client, cast, ticket_in):
    from tickets import services

    ticket = ticket_in(Status.ASSIGNED)
    services.ticket_start(cast.moderator, ticket)  # someone else moved it meanwhile
    response = _login(client, cast.assignee).post(
        reverse("tickets:change-status", args=[ticket.number]), {"target_status": "cancelled", "expected_status": "assigned"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "inzwischen geändert" in html
    assert 'data-status="in_progress"' in html
    assert Ticket.objects.get(pk=ticket.pk).status == Status.IN_PROGRESS


def test_garbage_status_form_is_400_not_500(client, cast, ticket_in):
    ticket = ticket_in(Status.ASSIGNED)
    response = _login(client, cast.assignee).post(
        reverse("tickets:change-status", args=[ticket.number]), {"target_status": "<script>", "visibility": "x"}
    )
    assert response.status_code == 400
    assert Ticket.objects.get(pk=ticket.pk).status == Status.ASSIGNED


def test_status_bar_partial_for_polling(client, cast, ticket_in):
    ticket = ticket_in(Status.OPEN)
    _login(client, cast.other_staff)
    from fleet import services as fleet_services

    fleet_services.assignee_add(cast.moderator, ticket, cast.assignee)  # automatic: Offen → Zugewiesen
    response = client.get(reverse("tickets:status-bar", args=[ticket.number]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-status="assigned"' in html and "<html" not in html


def test_writing_public_and_internal_updates(client, cast, ticket_in, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ticket = ticket_in(Status.IN_PROGRESS)
    _login(client, cast.assignee)
    url = reverse("tickets:post-update", args=[ticket.number])
    response = client.post(url, {"text": "Teil getauscht.", "internal": "0",
                                 "attachments": [SimpleUploadedFile("foto.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)]})
    assert response.status_code == 302 and response["Location"].endswith("/updates/")
    response = client.post(url, {"text": "Nur für uns.", "internal": "1"})
    assert response["Location"].endswith("/internal/")
    public = client.get(response["Location"].replace("/internal/", "/updates/")).content.decode()
    assert "Teil getauscht." in public and "foto.png" in public and "Nur für uns." not in public
    internal = client.get(response["Location"]).content.decode()
    assert "Nur für uns." in internal and "Teil getauscht." not in internal


def test_update_errors_keep_the_text_and_say_what_is_wrong(client, cast, ticket_in, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ticket = ticket_in(Status.IN_PROGRESS)
    _login(client, cast.assignee)
    response = client.post(
        reverse("tickets:post-update", args=[ticket.number]),
        {"text": "Mein langer Bericht", "attachments": [SimpleUploadedFile("x.exe", b"MZ\x90")]},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Mein langer Bericht" in html
    assert "x.exe" in html and "Dateityp" in html
    assert not TicketUpdate.objects.filter(ticket=ticket).exists()


def test_hostile_update_text_is_escaped(client, cast, ticket_in):
    ticket = ticket_in(Status.IN_PROGRESS)
    _login(client, cast.assignee).post(
        reverse("tickets:post-update", args=[ticket.number]), {"text": "<script>alert(1)</script>"}
    )
    html = client.get(reverse("tickets:tab", args=[ticket.number, "updates"])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_staff_not_on_the_ticket_get_no_update_form_and_a_403_on_post(client, cast, ticket_in):
    ticket = ticket_in(Status.IN_PROGRESS)
    _login(client, cast.other_staff)
    assert "Update veröffentlichen" not in client.get(reverse("tickets:tab", args=[ticket.number, "updates"])).content.decode()
    response = client.post(reverse("tickets:post-update", args=[ticket.number]), {"text": "Hallo"})
    assert response.status_code == 403
    assert not TicketUpdate.objects.filter(ticket=ticket).exists()


def test_get_on_post_endpoints_is_405(client, cast, ticket_in):
    ticket = ticket_in(Status.OPEN)
    _login(client, cast.admin)
    assert client.get(reverse("tickets:change-status", args=[ticket.number])).status_code == 405
    assert client.get(reverse("tickets:post-update", args=[ticket.number])).status_code == 405


def test_detail_costs_a_constant_number_of_queries(client, cast, ticket_in, django_assert_max_num_queries):
    from tickets import services

    ticket = ticket_in(Status.IN_PROGRESS)
    services.update_post(cast.assignee, ticket, text="Erstes Update")
    _login(client, cast.assignee)
    url = reverse("tickets:tab", args=[ticket.number, "updates"])
    client.get(url)
    with django_assert_max_num_queries(40) as small:
        client.get(url)
    for i in range(15):
        services.update_post(cast.assignee, ticket, text=f"Update {i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_an_oversized_upload_is_refused_with_413_before_it_is_read(client, cast, ticket_in, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    settings.ATTACHMENT_MAX_FILES = 1
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    ticket = ticket_in(Status.IN_PROGRESS)
    _login(client, cast.assignee)
    response = client.post(
        reverse("tickets:post-update", args=[ticket.number]),
        {"text": "Riesig", "attachments": [SimpleUploadedFile("gross.png", b"\x89PNG\r\n\x1a\n" + b"0" * 5000)]},
    )
    assert response.status_code == 413
    assert "zu groß" in response.content.decode()
    assert not TicketUpdate.objects.filter(ticket=ticket).exists()


def test_history_tab_names_fields_and_states_in_words(client, cast, ticket_in):
    ticket = ticket_in(Status.IN_PROGRESS)
    html = _login(client, cast.assignee).get(reverse("tickets:tab", args=[ticket.number, "history"])).content.decode()
    assert "<del>Zugewiesen</del> → <ins>In Bearbeitung</ins>" in html
    assert "Fortschritt-Status" in html
    assert "in_progress" not in html.split('id="tab-heading"')[1]


def test_the_status_bar_has_the_manuals_two_rows(client, cast, ticket_in):
    ticket = ticket_in(Status.IN_PROGRESS)
    client = _login(client, cast.assignee)
    html = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    bar = html.split('id="status-bar"', 1)[1].split("</section>", 1)[0]
    assert '<span class="status-row-label" id="progress-status-label">Fortschritt-Status</span>' in bar
    assert '<span class="status-row-label" id="visibility-status-label">Sichtbarkeit-Status</span>' in bar
    editing = client.get(reverse("tickets:detail", args=[ticket.number]), {"edit": "1"}).content.decode()
    bar = editing.split('id="status-bar"', 1)[1].split("</section>", 1)[0]
    assert '<legend class="status-row-label">Fortschritt-Status<span class="visually-hidden">' in bar
