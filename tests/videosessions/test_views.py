"""Video sessions through the pages (Django test client, real database): the staff tab (list,
plan, start now, each transition allowed and refused), the messenger's one-click start, and the
customer's card on the portal (ask, call off, join, rate). German pages, exact texts and codes;
a refused request stores nothing."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation

from messenger.models import Message
from portal.sessions import sign_in_code_user
from tests.factories import CodeUserFactory, UserFactory, make_ticket
from tickets.choices import HistoryAction, Status, Visibility
from tickets.models import TicketHistory
from videosessions import services
from videosessions.choices import SessionState
from videosessions.models import SessionFeedback, VideoSession

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _german():
    cache.clear()  # the portal's throttle counters
    with translation.override("de"):
        yield


def _local(dt) -> str:
    """What a datetime-local input sends."""
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def _tab(ticket) -> str:
    return reverse("tickets:tab", args=[ticket.number, "video"])


def _create_url(ticket) -> str:
    return reverse("videosessions:create", args=[ticket.number])


def _transition_url(session, name) -> str:
    return reverse("videosessions:transition", args=[session.ticket.number, session.pk, name])


def _html(response) -> str:
    return response.content.decode()


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def staff_client(client, desk):
    client.force_login(desk["assignee"])
    return client


def _portal(client, customer):
    session = client.session
    sign_in_code_user(session, customer)  # a new session key, as on the identity form
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


def _ticket_page(desk, ticket=None) -> str:
    return reverse("portal:ticket", args=[desk["code"].token, (ticket or desk["ticket"]).number])


def _portal_url(desk, name, *args, ticket=None) -> str:
    return reverse(f"portal:{name}", args=[desk["code"].token, (ticket or desk["ticket"]).number, *args])


def _plan(desk, *, title="Pumpe ansehen", visibility=Visibility.PUBLIC, in_hours=2, ticket=None):
    return services.session_create(
        desk["assignee"], ticket or desk["ticket"], title=title, visibility=visibility,
        planned_at=timezone.now() + timedelta(hours=in_hours),
    )


# --- the staff tab ---------------------------------------------------------------------------------


def test_the_tab_lists_sessions_upcoming_first_with_state_visibility_and_people(staff_client, desk):
    later = _plan(desk, title="Später ansehen", in_hours=30)
    soon = _plan(desk, title="Gleich ansehen", visibility=Visibility.INTERNAL, in_hours=1)
    running = services.session_start_now(desk["assignee"], desk["ticket"], title="Läuft gerade")
    services.session_join(desk["assignee"], running, channel="c1")
    services.session_join(desk["customer"], running, channel="c2")
    past = _plan(desk, title="Vorbei")
    services.session_transition(desk["assignee"], past, "cancel")

    response = staff_client.get(_tab(desk["ticket"]))
    html = _html(response)
    assert response.status_code == 200
    titles = [t for t in ("Läuft gerade", "Gleich ansehen", "Später ansehen", "Vorbei")]
    positions = [html.index(f'class="video-title">{t}<') for t in titles]
    assert positions == sorted(positions)  # running, then the soonest, then the past
    row = html[html.index(f'id="video-session-{running.pk}"'):html.index(f'id="video-session-{soon.pk}"')]
    assert '<span class="video-state video-state-running">Läuft</span>' in row
    assert "Öffentlich" in row
    assert "<dt>Jetzt im Call</dt><dd>Paula Pfeiffer, Eva Kunde</dd>" in row
    assert f'href="{reverse("videosessions:call", args=[running.pk])}"' in row and ">Beitreten<" in row
    assert 'aria-label="Beenden: Läuft gerade"' in row
    soon_row = html[html.index(f'id="video-session-{soon.pk}"'):html.index(f'id="video-session-{later.pk}"')]
    assert "Angefragt" in soon_row and "Intern" in soon_row and services.planned_display(soon) in soon_row
    # Exactly the transitions allowed now: a planned session can be confirmed, started, called off.
    assert [label for label in ("Bestätigen", "Starten", "Absagen", "Beenden") if f'aria-label="{label}: Gleich ansehen"' in soon_row] == [
        "Bestätigen", "Starten", "Absagen"]
    assert ">Beitreten<" not in soon_row  # not yet confirmed
    past_row = html[html.index(f'id="video-session-{past.pk}"'):]
    past_row = past_row[:past_row.index("</li>")]
    assert "Abgesagt" in past_row and "<form" not in past_row


def test_the_tab_without_sessions_says_so_and_offers_the_form(staff_client, desk):
    html = _html(staff_client.get(_tab(desk["ticket"])))
    assert "Zu diesem Ticket gibt es noch keine Video-Sessions." in html
    assert "Neue Video-Session" in html
    # A public ticket: both visibilities offered, public chosen.
    assert '<input type="radio" name="visibility" value="internal" id="video_visibility_0" required>' in html
    assert '<input type="radio" name="visibility" value="public" id="video_visibility_1" required checked>' in html


def test_staff_plan_a_session_and_see_it_listed(staff_client, desk):
    when = timezone.now() + timedelta(days=2)
    response = staff_client.post(_create_url(desk["ticket"]), {
        "title": "Pumpe gemeinsam ansehen", "when": "planned", "planned_at": _local(when), "visibility": "public",
    }, follow=True)
    session = VideoSession.objects.get()
    assert response.redirect_chain == [(_tab(desk["ticket"]), 302)]
    assert (session.title, session.visibility, session.state, session.created_by) == (
        "Pumpe gemeinsam ansehen", Visibility.PUBLIC, SessionState.REQUESTED, desk["assignee"])
    assert _local(session.planned_at) == _local(when)
    assert _messages(response) == [f"Video-Session „Pumpe gemeinsam ansehen“ geplant für {services.planned_display(session)}."]
    assert 'class="video-title">Pumpe gemeinsam ansehen<' in _html(response)


def test_start_now_from_the_tab_starts_it_and_opens_the_call(staff_client, desk):
    response = staff_client.post(_create_url(desk["ticket"]), {"title": "Sofort", "when": "now", "visibility": "internal"})
    session = VideoSession.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("videosessions:call", args=[session.pk])
    assert (session.state, session.visibility, session.started_at is not None) == (SessionState.RUNNING, Visibility.INTERNAL, True)


def test_the_messengers_one_click_start_is_public_on_a_public_ticket_and_announced(
    staff_client, desk, django_capture_on_commit_callbacks
):
    html = _html(staff_client.get(desk["ticket"].get_absolute_url()))
    assert f'action="{reverse("videosessions:start-now", args=[desk["ticket"].number])}"' in html
    assert ">Video-Session starten<" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("videosessions:start-now", args=[desk["ticket"].number]))
    session = VideoSession.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("videosessions:call", args=[session.pk])
    assert (session.title, session.state, session.visibility) == ("Video-Session", SessionState.RUNNING, Visibility.PUBLIC)
    notice = Message.objects.filter(ticket=desk["ticket"]).last()
    assert notice.data == {"event": "video", "change": "start", "title": "Video-Session", "session_id": session.pk}


def test_the_one_click_start_on_an_internal_ticket_is_internal_and_not_announced(
    staff_client, desk, django_capture_on_commit_callbacks
):
    ticket = desk["internal_ticket"]
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("videosessions:start-now", args=[ticket.number]))
    assert VideoSession.objects.get().visibility == Visibility.INTERNAL
    assert not Message.objects.filter(ticket=ticket, data__event="video").exists()


def test_the_portal_panel_has_no_start_button(client, desk):
    html = _html(_portal(client, desk["customer"]).get(_ticket_page(desk)))
    assert "Video-Session starten" not in html and "start-now" not in html


def test_an_internal_ticket_offers_internal_sessions_only_and_refuses_public_ones(staff_client, desk):
    ticket = desk["internal_ticket"]
    html = _html(staff_client.get(_tab(ticket)))
    assert 'value="internal"' in html and 'value="public"' not in html
    assert "Ein internes Ticket hat nur interne Video-Sessions." in html
    response = staff_client.post(_create_url(ticket), {
        "title": "x", "when": "planned", "planned_at": _local(timezone.now() + timedelta(hours=1)), "visibility": "public",
    })
    assert response.status_code == 400
    assert not VideoSession.objects.exists()
    assert ('<p class="field-error" id="video_visibility-error" role="alert">'
            "Ein internes Ticket hat nur interne Video-Sessions.</p>") in _html(response)


@pytest.mark.parametrize(("data", "message"), [
    ({"planned_at": "morgen früh"}, "Geben Sie Datum und Uhrzeit ein."),
    ({"planned_at": "2026-02-30T10:00"}, "Geben Sie Datum und Uhrzeit ein."),
    ({"planned_at": ""}, "Geben Sie Datum und Uhrzeit ein."),
    ({"title": "x" * 201}, "Titel darf höchstens 200 Zeichen lang sein."),
    ({"title": "   "}, "Titel ist erforderlich."),
    ({"planned_at": "past"}, "Der geplante Zeitpunkt liegt in der Vergangenheit."),
    ({"planned_at": "far"}, "Der geplante Zeitpunkt liegt mehr als ein Jahr in der Zukunft."),
    ({"visibility": "everyone"}, "Wählen Sie intern oder öffentlich."),
    ({"when": "sometime"}, "Wählen Sie jetzt oder einen Zeitpunkt."),
])
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_stored(staff_client, desk, data, message):
    times = {"past": timezone.now() - timedelta(hours=1), "far": timezone.now() + timedelta(days=366)}
    post = {"title": "Pumpe ansehen", "when": "planned", "planned_at": _local(timezone.now() + timedelta(hours=1)),
            "visibility": "public", **data}
    if post["planned_at"] in times:
        post["planned_at"] = _local(times[post["planned_at"]])
    response = staff_client.post(_create_url(desk["ticket"]), post)
    assert response.status_code == 400
    assert message in _html(response)
    assert 'class="field-error"' in _html(response)
    assert not VideoSession.objects.exists()
    assert response.context["tab"] == "video"


def test_no_new_sessions_on_a_closed_ticket(client, desk):
    closed = make_ticket(Status.CLOSED, access_code=desk["code"])
    moderator = UserFactory(role="Moderator")
    client.force_login(moderator)
    assert "Neue Video-Session" not in _html(client.get(_tab(closed)))
    response = client.post(_create_url(closed), {"title": "x", "when": "now", "visibility": "internal"})
    assert response.status_code == 409
    assert "Dieses Ticket ist Geschlossen: Es können keine Video-Sessions geplant werden." in _messages(response)
    response = client.post(reverse("videosessions:start-now", args=[closed.number]))
    assert response.status_code == 409 and not VideoSession.objects.exists()


@pytest.mark.parametrize(("setup", "name", "state"), [
    ([], "confirm", SessionState.CONFIRMED),
    ([], "start", SessionState.RUNNING),
    ([], "cancel", SessionState.CANCELLED),
    (["confirm"], "start", SessionState.RUNNING),
    (["confirm"], "cancel", SessionState.CANCELLED),
    (["start"], "end", SessionState.ENDED),
])
def test_each_allowed_transition(staff_client, desk, setup, name, state):
    session = _plan(desk)
    for step in setup:
        services.session_transition(desk["assignee"], session, step)
    response = staff_client.post(_transition_url(session, name), follow=True)
    session.refresh_from_db()
    assert session.state == state
    assert response.redirect_chain == [(_tab(desk["ticket"]), 302)]
    labels = {"confirm": "bestätigt", "start": "gestartet", "cancel": "abgesagt", "end": "beendet"}
    assert _messages(response) == [f"Video-Session „Pumpe ansehen“ {labels[name]}."]
    assert TicketHistory.objects.filter(ticket=desk["ticket"], action=HistoryAction.VIDEO, new_value=state).exists()


def test_confirming_may_set_the_time(staff_client, desk):
    session = services.session_request(desk["customer"], desk["ticket"], note="Bitte vormittags")
    when = timezone.now() + timedelta(days=1)
    html = _html(staff_client.get(_tab(desk["ticket"])))
    assert f'id="video_confirm_{session.pk}_planned_at"' in html and "Eva Kunde (Code-Nutzer)" in html
    staff_client.post(_transition_url(session, "confirm"), {"planned_at": _local(when)})
    session.refresh_from_db()
    assert session.state == SessionState.CONFIRMED and _local(session.planned_at) == _local(when)


@pytest.mark.parametrize(("setup", "name", "status", "message"), [
    ([], "end", 409, "„Beenden“ ist nicht möglich, solange die Video-Session Angefragt ist."),
    (["start", "end"], "start", 409, "„Starten“ ist nicht möglich, solange die Video-Session Beendet ist."),
    ([], "miss", 403, "Sie dürfen „Als verpasst markieren“ bei dieser Video-Session nicht ausführen."),
    ([], "explode", 400, "Unbekannte Aktion."),
])
def test_refused_transitions_say_why_with_their_status_and_change_nothing(staff_client, desk, setup, name, status, message):
    session = _plan(desk)
    for step in setup:
        services.session_transition(desk["assignee"], session, step)
    before = VideoSession.objects.get(pk=session.pk).state
    response = staff_client.post(_transition_url(session, name))
    assert response.status_code == status
    assert _messages(response) == [message]
    assert VideoSession.objects.get(pk=session.pk).state == before


def test_a_bad_time_while_confirming_is_refused(staff_client, desk):
    session = _plan(desk)
    response = staff_client.post(_transition_url(session, "confirm"), {"planned_at": "bald"})
    assert response.status_code == 400 and _messages(response) == ["Geben Sie Datum und Uhrzeit ein."]
    session.refresh_from_db()
    assert session.state == SessionState.REQUESTED


def test_a_session_of_another_ticket_or_none_at_all_is_404(staff_client, desk):
    other = _plan(desk, ticket=desk["internal_ticket"], visibility=Visibility.INTERNAL)
    url = reverse("videosessions:transition", args=[desk["ticket"].number, other.pk, "cancel"])
    assert staff_client.post(url).status_code == 404
    url = reverse("videosessions:transition", args=[desk["ticket"].number, 999999, "cancel"])
    assert staff_client.post(url).status_code == 404
    other.refresh_from_db()
    assert other.state == SessionState.REQUESTED


def test_staff_pages_want_a_login_and_a_post(client, desk):
    session = _plan(desk)
    for url in (_create_url(desk["ticket"]), reverse("videosessions:start-now", args=[desk["ticket"].number]),
                _transition_url(session, "cancel")):
        response = client.post(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    client.force_login(desk["assignee"])
    assert client.get(_create_url(desk["ticket"])).status_code == 405
    assert client.get(_transition_url(session, "cancel")).status_code == 405
    assert not VideoSession.objects.exclude(pk=session.pk).exists()


def test_the_staff_views_check_csrf(desk):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(desk["assignee"])
    response = client.post(_create_url(desk["ticket"]), {"title": "x", "when": "now", "visibility": "internal"})
    assert response.status_code == 403 and not VideoSession.objects.exists()


# --- the customer's card ------------------------------------------------------------------------------


def test_code_users_see_the_public_sessions_only(client, desk):
    public = _plan(desk, title="Öffentlich ansehen")
    _plan(desk, title="Intern besprechen", visibility=Visibility.INTERNAL)
    html = _html(_portal(client, desk["customer"]).get(_ticket_page(desk)))
    assert "Öffentlich ansehen" in html and "Intern besprechen" not in html
    row = html[html.index(f'id="video-session-{public.pk}"'):]
    assert "Angefragt" in row and services.planned_display(public) in row
    # Staff planned it: the customer may confirm it; no one may join before that.
    assert 'aria-label="Bestätigen: Öffentlich ansehen"' in row and ">Beitreten<" not in row.split("</li>")[0]


def test_a_portal_without_sessions_says_so_and_offers_to_ask(client, desk):
    html = _html(_portal(client, desk["customer"]).get(_ticket_page(desk)))
    assert "Zu diesem Ticket gibt es gerade keine Video-Session." in html
    assert f'action="{_portal_url(desk, "video-request")}"' in html


def test_a_customer_asks_for_a_session_and_calls_it_off(client, desk):
    _portal(client, desk["customer"])
    when = timezone.now() + timedelta(days=1)
    response = client.post(_portal_url(desk, "video-request"), {"note": "Das Geräusch zeigen", "preferred_at": _local(when)})
    assert response.status_code == 302 and response["Location"] == _ticket_page(desk) + "#video"
    session = VideoSession.objects.get()
    assert (session.state, session.visibility, session.note, session.requested_by_code_user) == (
        SessionState.REQUESTED, Visibility.PUBLIC, "Das Geräusch zeigen", desk["customer"])
    assert _local(session.planned_at) == _local(when)
    page = client.get(_ticket_page(desk))
    html = _html(page)
    assert _messages(page) == ["Danke: Ihre Anfrage für eine Video-Session ist gesendet. Das Service-Team bestätigt einen Termin."]
    assert "Sie haben eine Video-Session angefragt. Das Service-Team bestätigt einen Termin." in html
    assert f'action="{_portal_url(desk, "video-request")}"' not in html  # one request at a time
    assert "Das Geräusch zeigen" in html and "Wunschtermin" in html
    cancel = _portal_url(desk, "video-transition", session.pk, "cancel")
    assert f'action="{cancel}"' in html and "Anfrage absagen" in html
    response = client.post(cancel)
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.state == SessionState.CANCELLED
    assert f'action="{_portal_url(desk, "video-request")}"' in _html(client.get(_ticket_page(desk)))


def test_asking_twice_is_refused_with_409(client, desk):
    services.session_request(desk["customer"], desk["ticket"])
    response = _portal(client, desk["customer"]).post(_portal_url(desk, "video-request"), {"note": "noch einmal"})
    assert response.status_code == 409
    assert "Sie haben bereits eine Video-Session angefragt" in _html(response)
    assert VideoSession.objects.count() == 1


@pytest.mark.parametrize(("data", "message"), [
    ({"preferred_at": "irgendwann"}, "Geben Sie Datum und Uhrzeit ein."),
    ({"preferred_at": "past"}, "Der geplante Zeitpunkt liegt in der Vergangenheit."),
    ({"preferred_at": "far"}, "Der geplante Zeitpunkt liegt mehr als ein Jahr in der Zukunft."),
    ({"note": "x" * 2001}, "Notiz darf höchstens 2000 Zeichen lang sein."),
])
def test_a_bad_request_is_refused_next_to_the_field(client, desk, data, message):
    times = {"past": timezone.now() - timedelta(days=1), "far": timezone.now() + timedelta(days=400)}
    if data.get("preferred_at") in times:
        data = {**data, "preferred_at": _local(times[data["preferred_at"]])}
    response = _portal(client, desk["customer"]).post(_portal_url(desk, "video-request"), data)
    assert response.status_code == 400
    html = _html(response)
    assert message in html and 'class="field-error"' in html
    assert not VideoSession.objects.exists()


def test_a_customer_may_not_call_off_what_staff_planned_but_may_confirm_it(client, desk):
    session = _plan(desk)
    _portal(client, desk["customer"])
    response = client.post(_portal_url(desk, "video-transition", session.pk, "cancel"))
    assert response.status_code == 403
    assert "Sie dürfen „Absagen“ bei dieser Video-Session nicht ausführen." in _html(response)
    session.refresh_from_db()
    assert session.state == SessionState.REQUESTED
    response = client.post(_portal_url(desk, "video-transition", session.pk, "confirm"), follow=True)
    session.refresh_from_db()
    assert session.state == SessionState.CONFIRMED
    assert _messages(response) == ["Danke: Die Video-Session ist bestätigt."]
    html = _html(response)
    assert f'href="{_portal_url(desk, "video-call", session.pk)}"' in html and ">Beitreten<" in html


def test_unknown_transition_names_are_400_in_the_portal(client, desk):
    session = services.session_request(desk["customer"], desk["ticket"])
    response = _portal(client, desk["customer"]).post(_portal_url(desk, "video-transition", session.pk, "explode"))
    assert response.status_code == 400 and "Unbekannte Aktion." in _html(response)


def test_code_users_of_another_code_and_internal_sessions_get_the_friendly_404(client, desk):
    internal = _plan(desk, visibility=Visibility.INTERNAL)
    public = _plan(desk)
    stranger = _portal(client, desk["stranger"])
    not_found = "Das haben wir nicht gefunden"
    for url in (_portal_url(desk, "video-request"), _portal_url(desk, "video-transition", public.pk, "confirm"),
                _portal_url(desk, "video-rate", public.pk)):
        response = stranger.post(url, {"stars": "5"})
        assert response.status_code == 404 and not_found in _html(response)
    client.logout()
    customer = _portal(client, desk["customer"])
    for url in (_portal_url(desk, "video-transition", internal.pk, "confirm"), _portal_url(desk, "video-rate", internal.pk)):
        response = customer.post(url, {"stars": "5"})
        assert response.status_code == 404 and not_found in _html(response)
    assert VideoSession.objects.count() == 2
    assert set(VideoSession.objects.values_list("state", flat=True)) == {SessionState.REQUESTED}


def test_without_a_code_session_the_doors_are_404(client, desk):
    response = client.post(_portal_url(desk, "video-request"), {"note": "x"})
    assert response.status_code == 404 and not VideoSession.objects.exists()
    assert client.get(_portal_url(desk, "video-request")).status_code == 405


def _ended(desk):
    session = _plan(desk, title="Erledigt")
    services.session_join(desk["assignee"], session, channel="c1")
    return services.session_transition(desk["assignee"], session, "end")


def test_a_finished_session_is_rated_once_then_thanks(client, desk):
    desk["ticket"].template.asks_feedback = True
    desk["ticket"].template.save()
    session = _ended(desk)
    _portal(client, desk["customer"])
    html = _html(client.get(_ticket_page(desk)))
    rate_url = _portal_url(desk, "video-rate", session.pk)
    assert f'action="{rate_url}"' in html and "Wie war die Video-Session?" in html
    response = client.post(rate_url, {"stars": "4", "text": "Hat geholfen"}, follow=True)
    assert response.redirect_chain == [(_ticket_page(desk) + "#video", 302)]
    assert _messages(response) == ["Danke für Ihre Bewertung der Video-Session!"]
    feedback = SessionFeedback.objects.get()
    assert (feedback.session, feedback.stars, feedback.text, feedback.code_user) == (session, 4, "Hat geholfen", desk["customer"])
    html = _html(response)
    assert f'action="{rate_url}"' not in html and "Danke für Ihre Bewertung!" in html
    again = client.post(rate_url, {"stars": "1"})
    assert again.status_code == 409 and "Diese Video-Session wurde bereits bewertet." in _html(again)
    assert SessionFeedback.objects.get().stars == 4
    # Another customer of the code sees that it was rated, not a thank-you, and no form.
    client.logout()
    other = _html(_portal(client, CodeUserFactory(access_code=desk["code"], display_name="Otto Kunde")).get(_ticket_page(desk)))
    assert "Bewertet:" in other and "Danke für Ihre Bewertung!" not in other and f'action="{rate_url}"' not in other
    # Staff see the rating on the tab.
    client.force_login(desk["assignee"])
    assert "„Hat geholfen“" in _html(client.get(_tab(desk["ticket"])))


@pytest.mark.parametrize("stars", ["0", "6", "viele", ""])
def test_bad_stars_are_refused(client, desk, stars):
    desk["ticket"].template.asks_feedback = True
    desk["ticket"].template.save()
    session = _ended(desk)
    response = _portal(client, desk["customer"]).post(_portal_url(desk, "video-rate", session.pk), {"stars": stars})
    assert response.status_code == 400
    assert "Bitte wählen Sie ein bis fünf Sterne." in _html(response)
    assert not SessionFeedback.objects.exists()


def test_no_rating_when_the_template_asks_for_no_feedback(client, desk):
    desk["ticket"].template.asks_feedback = False
    desk["ticket"].template.save()
    session = _ended(desk)
    _portal(client, desk["customer"])
    rate_url = _portal_url(desk, "video-rate", session.pk)
    assert f'action="{rate_url}"' not in _html(client.get(_ticket_page(desk)))
    response = client.post(rate_url, {"stars": "5"})
    assert response.status_code == 409 and "Diese Video-Session kann nicht bewertet werden." in _html(response)
    assert not SessionFeedback.objects.exists()


def test_a_running_session_can_be_joined_from_the_portal(client, desk):
    session = services.session_start_now(desk["assignee"], desk["ticket"], title="Jetzt")
    html = _html(_portal(client, desk["customer"]).get(_ticket_page(desk)))
    row = html[html.index(f'id="video-session-{session.pk}"'):].split("</li>")[0]
    assert "Läuft" in row and f'href="{_portal_url(desk, "video-call", session.pk)}"' in row
    assert "<form" not in row  # the customer neither ends nor calls off a running session


def test_the_join_link_is_the_jitsi_room_with_the_jitsi_provider(staff_client, desk, settings):
    settings.VIDEO_JITSI_URL = "https://meet.example.org"
    session = _plan(desk)
    services.session_transition(desk["assignee"], session, "confirm")
    html = _html(staff_client.get(_tab(desk["ticket"])))
    assert f'href="https://meet.example.org/{session.room}" target="_blank" rel="noopener noreferrer"' in html
