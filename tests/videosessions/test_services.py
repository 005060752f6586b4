"""Video sessions on the domain layer: the state machine, who may do what, the participant limit,
snapshots into the service log, the rating, the sweep. Real database, no mocks."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from common.errors import ConditionUnmet, InvalidInput, NotFound, PermissionDenied, WrongState
from tests.factories import png_bytes
from tickets import services as ticket_services
from tickets.choices import HistoryAction, UpdateKind, Visibility
from tickets.models import TicketHistory
from videosessions import rules, selectors, services
from videosessions.choices import SessionState
from videosessions.models import Participation

pytestmark = pytest.mark.django_db


def _public_session(desk, **kwargs):
    return services.session_create(desk["assignee"], desk["ticket"], title="Pumpe ansehen", visibility=Visibility.PUBLIC, **kwargs)


def test_staff_start_one_now_and_the_first_one_in_starts_it(desk, django_capture_on_commit_callbacks):
    session = _public_session(desk)
    assert session.state == SessionState.REQUESTED and session.planned_at is not None
    assert session.room.startswith("leitstand-") and len(session.room) > 30
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        participation = services.session_join(desk["assignee"], session, channel="c1")
    session.refresh_from_db()
    assert session.state == SessionState.RUNNING and session.started_at is not None
    assert participation.name == "Paula Pfeiffer" and participation.kind == "staff"
    history = TicketHistory.objects.filter(ticket=desk["ticket"], action=HistoryAction.VIDEO).order_by("id")
    assert [(h.old_value, h.new_value) for h in history] == [("", "requested"), ("requested", "running")]
    assert history.last().new_display == "Läuft"
    assert len(callbacks) == 2  # started, joined


def test_a_code_user_asks_for_one_staff_confirm_it_and_then_the_customer_may_join(desk):
    customer = desk["customer"]
    requested = services.session_request(customer, desk["ticket"], note="Bitte morgen früh")
    assert (requested.state, requested.visibility, requested.requested_by_code_user) == (SessionState.REQUESTED, Visibility.PUBLIC, customer)
    with pytest.raises(ConditionUnmet, match="bereits eine Video-Session angefragt"):
        services.session_request(customer, desk["ticket"])
    with pytest.raises(WrongState, match="noch nicht bestätigt"):
        services.session_join(customer, requested, channel="c1")
    with pytest.raises(PermissionDenied):
        services.session_transition(customer, requested, "confirm")  # their own request: staff confirm
    planned = timezone.now() + timedelta(hours=2)
    confirmed = services.session_transition(desk["staff"], requested, "confirm", planned_at=planned)
    assert confirmed.state == SessionState.CONFIRMED and confirmed.planned_at == planned
    services.session_join(customer, confirmed, channel="c2")
    confirmed.refresh_from_db()
    assert confirmed.state == SessionState.RUNNING


def test_a_customer_confirms_what_staff_planned_and_may_call_off_only_their_own_request(desk):
    planned = _public_session(desk, planned_at=timezone.now() + timedelta(days=1))
    with pytest.raises(PermissionDenied):
        services.session_transition(desk["customer"], planned, "cancel", reason="passt nicht")
    assert services.session_transition(desk["customer"], planned, "confirm").state == SessionState.CONFIRMED
    own = services.session_request(desk["customer"], desk["ticket"])
    assert services.session_transition(desk["customer"], own, "cancel", reason="erledigt").state == SessionState.CANCELLED


def test_code_users_see_public_sessions_of_their_tickets_only(desk):
    public = _public_session(desk)
    internal = services.session_create(desk["assignee"], desk["ticket"], title="Intern besprechen")
    customer, stranger = desk["customer"], desk["stranger"]
    assert list(selectors.sessions_for(customer, desk["ticket"])) == [public]
    assert list(selectors.sessions_for(stranger, desk["ticket"])) == []
    assert set(selectors.sessions_for(desk["staff"], desk["ticket"])) == {public, internal}
    for actor, session in ((customer, internal), (stranger, public)):
        with pytest.raises(NotFound):
            services.session_join(actor, session, channel="x")
    with pytest.raises(InvalidInput, match="nur interne Video-Sessions"):
        services.session_create(desk["assignee"], desk["internal_ticket"], title="x", visibility=Visibility.PUBLIC)
    with pytest.raises(PermissionDenied):
        services.session_request(customer, desk["internal_ticket"])


def test_the_mesh_holds_four_people_and_the_fifth_hears_so(desk, settings):
    settings.VIDEO_MESH_MAX = 4
    session = _public_session(desk)
    for index, actor in enumerate([desk["assignee"], desk["staff"], desk["moderator"], desk["customer"]]):
        services.session_join(actor, session, channel=f"c{index}")
    with pytest.raises(services.SessionFull, match="höchstens 4 Personen"):
        services.session_join(desk["assignee"], session, channel="c5")
    first = Participation.objects.filter(session=session).order_by("id").first()
    services.session_leave(first.pk)
    services.session_join(desk["assignee"], session, channel="c6")  # a place came free


def test_a_stay_whose_socket_went_silent_frees_its_place(desk, settings):
    settings.VIDEO_MESH_MAX, settings.VIDEO_STALE_SECONDS = 1, 90
    session = _public_session(desk)
    start = timezone.now()
    services.session_join(desk["assignee"], session, channel="c1", now=start)
    with pytest.raises(services.SessionFull):
        services.session_join(desk["staff"], session, channel="c2", now=start + timedelta(seconds=60))
    services.session_join(desk["staff"], session, channel="c2", now=start + timedelta(seconds=91))


def test_ended_cancelled_and_missed_sessions_refuse_joins(desk):
    ended = _public_session(desk)
    services.session_join(desk["assignee"], ended, channel="c1")
    services.session_transition(desk["assignee"], ended, "end")
    cancelled = services.session_transition(desk["assignee"], _public_session(desk), "cancel", reason="Kunde nicht da")
    for session in (ended, cancelled):
        with pytest.raises(WrongState, match="Eine Teilnahme ist nicht möglich"):
            services.session_join(desk["customer"], session, channel="c9")
    ended.refresh_from_db()
    assert ended.state == SessionState.ENDED and ended.duration is not None
    assert not Participation.objects.filter(session=ended, left_at__isnull=True).exists()
    with pytest.raises(WrongState, match="ist nicht möglich, solange die Video-Session Beendet ist"):
        services.session_transition(desk["assignee"], ended, "cancel")


def test_the_sweep_marks_missed_sessions_and_ends_empty_ones(desk, settings):
    settings.VIDEO_MISSED_AFTER_MINUTES, settings.VIDEO_EMPTY_END_MINUTES = 30, 10
    now = timezone.now()
    missed = _public_session(desk, planned_at=now + timedelta(minutes=1))
    running = _public_session(desk)
    stay = services.session_join(desk["assignee"], running, channel="c1", now=now)
    services.session_leave(stay.pk, now=now + timedelta(minutes=1))
    assert services.sweep(now=now + timedelta(minutes=5)) == {"missed": 0, "ended": 0}
    assert services.sweep(now=now + timedelta(minutes=40)) == {"missed": 1, "ended": 1}
    missed.refresh_from_db()
    running.refresh_from_db()
    assert (missed.state, running.state) == (SessionState.MISSED, SessionState.ENDED)
    assert missed.get_state_display() == "Verpasst"
    with pytest.raises(PermissionDenied):  # only the system marks a session missed
        services.session_transition(desk["assignee"], _public_session(desk), "miss")


def _png(name="snapshot.png"):
    return SimpleUploadedFile(name, png_bytes("Ventil"), content_type="image/png")


def test_a_snapshot_lands_in_the_service_log_internal_by_default(desk):
    session = _public_session(desk)
    services.session_join(desk["assignee"], session, channel="c1")
    snapshot = services.snapshot_store(desk["assignee"], session, image=_png(), text="Dieses Ventil tauschen")
    assert snapshot.update.kind == UpdateKind.INTERNAL
    assert snapshot.update.text == "Schnappschuss aus der Video-Session „Pumpe ansehen“: Dieses Ventil tauschen"
    assert [a.content_type for a in snapshot.update.attachments.all()] == ["image/png"]
    public = services.snapshot_store(desk["assignee"], session, image=_png(), public=True)
    assert public.update.kind == UpdateKind.PUBLIC
    # The customer's snapshots are public; a staff member who may not write updates keeps none.
    services.session_join(desk["customer"], session, channel="c2")
    assert services.snapshot_store(desk["customer"], session, image=_png()).update.kind == UpdateKind.PUBLIC
    with pytest.raises(PermissionDenied):
        services.snapshot_store(desk["staff"], session, image=_png())
    with pytest.raises(InvalidInput, match="PNG oder JPEG"):
        services.snapshot_store(desk["assignee"], session, image=SimpleUploadedFile("x.txt", b"hallo"))
    # Who was in the call sees the internal one; a code user who was not does not.
    assert rules.may_see_snapshot(session, desk["customer"], snapshot)


def test_a_finished_session_is_rated_once_when_the_template_asks(desk):
    template = desk["ticket"].template
    template.asks_feedback = True
    template.save()
    session = _public_session(desk)
    with pytest.raises(WrongState):
        services.session_rate(desk["customer"], session, stars=5)
    services.session_join(desk["customer"], services.session_transition(desk["customer"], session, "confirm"), channel="c")
    services.session_transition(desk["assignee"], session, "end")
    with pytest.raises(InvalidInput, match="zwischen 1 und 5 Sternen"):
        services.session_rate(desk["customer"], session, stars=6)
    feedback = services.session_rate(desk["customer"], session, stars=4, text="Sehr hilfreich")
    assert feedback.stars_display == "★★★★☆"
    with pytest.raises(WrongState, match="bereits bewertet"):
        services.session_rate(desk["customer"], session, stars=5)


def test_turn_credentials_follow_the_coturn_rest_scheme(settings):
    settings.VIDEO_STUN_URLS = ["stun:turn.example.org:3478"]
    settings.VIDEO_TURN_URLS = ["turn:turn.example.org:3478?transport=udp"]
    settings.VIDEO_TURN_SECRET, settings.VIDEO_TURN_TTL_SECONDS = "geheim", 3600
    servers = selectors.ice_servers("p7", now=1_700_000_000)
    assert servers == [
        {"urls": ["stun:turn.example.org:3478"]},
        # base64(HMAC-SHA1("geheim", "1700003600:p7")) by openssl dgst -sha1 -hmac, as coturn checks it
        {"urls": ["turn:turn.example.org:3478?transport=udp"], "username": "1700003600:p7",
         "credential": "13YRgEztJXMXjQb8po2BUFPILo0="},
    ]


def test_available_transitions_are_what_the_actor_may_do_now(desk):
    staff, customer = desk["assignee"], desk["customer"]
    planned = _public_session(desk, planned_at=timezone.now() + timedelta(hours=1))
    assert services.available_transitions(staff, planned) == ["confirm", "start", "cancel"]
    assert services.available_transitions(customer, planned) == ["confirm"]  # what staff planned
    assert services.available_transitions(desk["stranger"], planned) == []
    requested = services.session_request(customer, desk["ticket"])
    assert services.available_transitions(customer, requested) == ["cancel"]  # their own request
    confirmed = services.session_transition(staff, requested, "confirm")
    assert services.available_transitions(customer, confirmed) == ["start", "cancel"]
    running = services.session_transition(staff, confirmed, "start")
    assert services.available_transitions(staff, running) == ["end"]
    assert services.available_transitions(customer, running) == []
    ended = services.session_transition(staff, running, "end")
    assert services.available_transitions(staff, ended) == []


def test_start_now_is_public_on_a_public_ticket_and_internal_on_an_internal_one(desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        public = services.session_start_now(desk["assignee"], desk["ticket"])
    assert (public.state, public.visibility, public.title) == (SessionState.RUNNING, Visibility.PUBLIC, "Video-Session")
    assert public.started_at is not None and len(callbacks) == 2  # created, started
    internal = services.session_start_now(desk["assignee"], desk["internal_ticket"], title="Intern")
    assert (internal.state, internal.visibility) == (SessionState.RUNNING, Visibility.INTERNAL)
    assert rules.default_visibility(desk["ticket"], desk["assignee"]) == Visibility.PUBLIC
    assert rules.visibility_choices(desk["internal_ticket"], desk["assignee"]) == [Visibility.INTERNAL]
    with pytest.raises(PermissionDenied):
        services.session_start_now(desk["customer"], desk["ticket"])


def test_a_closed_tickets_sessions_are_wound_down_not_started(desk):
    """One rule (rules.ticket_takes_calls) for every door: once the ticket is closed nobody confirms,
    starts or joins a session that is not running; it is called off, ended, or missed by the sweep."""
    planned = _public_session(desk, planned_at=timezone.now() + timedelta(hours=1))
    running = _public_session(desk)
    services.session_join(desk["assignee"], running, channel="c1")
    for name in ("finish", "close"):
        ticket_services.ticket_transition(desk["assignee"], desk["ticket"], name)
    planned.refresh_from_db()
    assert services.available_transitions(desk["moderator"], planned) == ["cancel"]
    assert not rules.may_join(planned, desk["assignee"]) and not rules.may_join(planned, desk["customer"])
    assert selectors.join_link(desk["assignee"], planned) is None
    with pytest.raises(ConditionUnmet, match="Das Ticket wird nicht mehr bearbeitet"):
        services.session_join(desk["assignee"], planned, channel="c2")
    with pytest.raises(ConditionUnmet):
        services.session_transition(desk["customer"], planned, "confirm")
    assert services.session_join(desk["moderator"], running, channel="c3").left_at is None  # a running call goes on
    assert services.sweep(now=timezone.now() + timedelta(hours=2))["missed"] == 1
    assert services.session_transition(desk["assignee"], running, "end").state == SessionState.ENDED


def test_a_session_is_planned_at_most_a_year_ahead(desk):
    now = timezone.now()
    services.session_create(desk["assignee"], desk["ticket"], title="ok", planned_at=now + timedelta(days=365), now=now)
    with pytest.raises(InvalidInput, match="mehr als ein Jahr") as refused:
        services.session_create(desk["assignee"], desk["ticket"], title="zu weit", planned_at=now + timedelta(days=366), now=now)
    assert refused.value.errors == {"planned_at": ["too_far"]}
    with pytest.raises(InvalidInput) as refused:
        services.session_request(desk["customer"], desk["ticket"], preferred_at=now + timedelta(days=400), now=now)
    assert refused.value.errors == {"preferred_at": ["too_far"]}
    with pytest.raises(InvalidInput) as refused:
        _public_session(desk, planned_at=now + timedelta(days=366), now=now)
    assert refused.value.errors == {"planned_at": ["too_far"]}
    assert _public_session(desk, planned_at=now + timedelta(days=365), now=now).planned_at == now + timedelta(days=365)
    requested = services.session_request(desk["customer"], desk["ticket"])
    with pytest.raises(InvalidInput) as refused:
        services.session_transition(desk["assignee"], requested, "confirm", planned_at=now + timedelta(days=400))
    assert refused.value.errors == {"planned_at": ["too_far"]}
    with pytest.raises(InvalidInput) as refused:
        services.session_transition(desk["assignee"], requested, "start", planned_at=now + timedelta(days=1))
    assert refused.value.errors == {"planned_at": ["confirm_only"]}
    requested.refresh_from_db()
    assert (requested.state, requested.planned_at) == (SessionState.REQUESTED, None)
