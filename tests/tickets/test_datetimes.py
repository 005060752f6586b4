"""One date/time format and one time zone (the reader's setting, default TIME_ZONE) on every page."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from tests.factories import UserFactory, make_ticket
from tickets.choices import Status
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

# 2026-12-01 23:43 UTC: 00:43 on the next day in Berlin, 18:43 the same day in New York.
MOMENT = datetime(2026, 12, 1, 23, 43, tzinfo=ZoneInfo("UTC"))


def _ticket_at_moment():
    ticket = make_ticket(Status.OPEN, title="Uhrzeit")
    Ticket.objects.filter(pk=ticket.pk).update(created_at=MOMENT, updated_at=MOMENT, status_changed_at=MOMENT)
    return ticket


def _times(html):
    return re.findall(r"\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}|\d{4}-\d{2}-\d{2} \d{2}:\d{2}", html)


def test_detail_page_shows_every_time_in_one_format_in_the_desks_time_zone(client):
    ticket = _ticket_at_moment()
    client.force_login(UserFactory())
    with translation.override("de"):
        html = client.get(ticket.get_absolute_url()).content.decode()
    assert "02.12.2026 00:43" in html
    assert "2. Dezember 2026" not in html
    # Each time once: the summary card (created, last change), the Allgemein tab (last status change).
    assert _times(html) == ["02.12.2026 00:43"] * 3
    assert html.count("<dt>Erstellt</dt>") == 1 and html.count("<dt>Letzte Änderung</dt>") == 1
    assert 'data-time-zone="Europe/Berlin" data-datetime-format="d.m.Y H:i"' in html


def test_a_staff_members_own_time_zone_wins(client):
    ticket = _ticket_at_moment()
    client.force_login(UserFactory(time_zone="America/New_York"))
    html = client.get(ticket.get_absolute_url()).content.decode()
    assert "01.12.2026 18:43" in html
    assert "02.12.2026 00:43" not in html
    assert 'data-time-zone="America/New_York"' in html


def test_an_unknown_stored_time_zone_falls_back_to_the_desks(client):
    ticket = _ticket_at_moment()
    client.force_login(UserFactory(time_zone="Mars/Olympus_Mons"))
    html = client.get(ticket.get_absolute_url()).content.decode()
    assert "02.12.2026 00:43" in html
    assert 'data-time-zone="Europe/Berlin"' in html


def test_english_pages_use_one_unambiguous_24_hour_format(client):
    ticket = _ticket_at_moment()
    client.force_login(UserFactory(preferred_language="en"))
    client.cookies["django_language"] = "en"
    html = client.get(ticket.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en"' in html
    assert _times(html) == ["2026-12-02 00:43"] * 3
    assert 'data-datetime-format="Y-m-d H:i"' in html


def test_the_list_uses_the_same_format(client):
    _ticket_at_moment()
    client.force_login(UserFactory())
    html = client.get("/tickets/").content.decode()
    assert '<time datetime="2026-12-02T00:43:00+01:00">02.12.2026 00:43</time>' in html
