"""Video sessions: plan, ask for, confirm, start, end, cancel; join and leave the call; keep an
annotated snapshot in the service log; rate a finished session.

Like every service of Leitstand: the actor first, the rule from ``videosessions.rules`` (the
transitions' ``permission=``), one transaction with the session row locked, a history entry on
the ticket for what changes the session's state, and ``video.session_changed`` after commit
(open ticket pages update their Video tab; webhooks; the messenger announces a session that
starts or is asked for).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from common.actors import actor_columns, is_code_user
from common.errors import ConditionUnmet, DomainError, InvalidInput, NotFound, PermissionDenied, StaleState, WrongState
from common.events import publish_on_commit
from common.text import clean_text
from tickets import events
from tickets.attachments import sniff_content_type
from tickets.choices import HistoryAction, Visibility
from tickets.models import STARS_MAX, STARS_MIN, Ticket
from tickets.services.support import history_record, lock_ticket
from tickets.services.updates import update_post
from videosessions import rules, selectors
from videosessions.choices import Provider, SessionState
from videosessions.models import Participation, SessionFeedback, Snapshot, VideoSession

TITLE_MAX = 200
NOTE_MAX = 2000
SNAPSHOT_TEXT_MAX = 500
PLANNED_MAX_DAYS = 365  # a session is planned at most a year ahead

TRANSITIONS = ("confirm", "start", "end", "cancel", "miss")
TRANSITION_LABELS = {
    "confirm": gettext_lazy("Confirm"),
    "start": gettext_lazy("Start"),
    "end": gettext_lazy("End"),
    "cancel": gettext_lazy("Call off"),
    "miss": gettext_lazy("Mark as missed"),
}


class SessionFull(DomainError):
    """The call already has as many participants as the browsers' mesh carries."""

    code = "session_full"
    status_code = 409


def _provider() -> str:
    return Provider.JITSI if settings.VIDEO_JITSI_URL else Provider.MESH


def _new_room() -> str:
    return "leitstand-" + secrets.token_urlsafe(24)


def _lock(session: VideoSession | int) -> VideoSession:
    pk = session.pk if isinstance(session, VideoSession) else session
    try:
        return (
            VideoSession.objects.select_for_update(of=("self",))
            .select_related("ticket", "ticket__access_code", "ticket__template")
            .get(pk=pk)
        )
    except VideoSession.DoesNotExist:
        raise NotFound(_("This video session does not exist.")) from None


def _record(session: VideoSession, actor, change: str, *, old: str = "", reason: str = "") -> None:
    """The ticket's history (state changes only) and the event (every change)."""
    if old != session.state:
        history_record(
            session.ticket, actor, HistoryAction.VIDEO, field="video_session", old=old, new=session.state,
            reason=reason, data={"session_id": session.pk, "title": session.title, "change": change},
        )
    publish_on_commit(events.video_session_changed(session, actor, change=change))


def _clean_title(title) -> str:
    return clean_text(title, field="title", label=_("Title"), max_length=TITLE_MAX, required=True)


def _clean_planned(planned_at, now: datetime, *, field: str = "planned_at") -> datetime | None:
    """A session's time: not in the past (a few minutes' grace), at most PLANNED_MAX_DAYS ahead."""
    if planned_at is None or planned_at == "":
        return None
    if not isinstance(planned_at, datetime):
        raise InvalidInput(_("Enter a date and time."), errors={field: ["invalid"]})
    if timezone.is_naive(planned_at):
        planned_at = timezone.make_aware(planned_at)
    if planned_at < now - timedelta(minutes=5):
        raise InvalidInput(_("The planned time is in the past."), errors={field: ["past"]})
    if planned_at > now + timedelta(days=PLANNED_MAX_DAYS):
        raise InvalidInput(
            _("The planned time is more than a year ahead."), errors={field: ["too_far"]}
        )
    return planned_at


# --- creating ---------------------------------------------------------------------------------------


@transaction.atomic
def session_create(
    actor, ticket: Ticket | int, *, title, visibility: str = Visibility.INTERNAL, planned_at=None,
    now: datetime | None = None,
) -> VideoSession:
    """Staff plan a session (``planned_at``) or start one now (no time: planned for now; joining
    starts it). A public session needs a public ticket."""
    now = now or timezone.now()
    ticket = lock_ticket(ticket)
    if not rules.may_create(ticket, actor):
        if not rules.ticket_open_for_sessions(ticket):
            raise WrongState(
                _("This ticket is %(status)s: no video sessions can be planned.") % {"status": ticket.get_status_display()},
                current_status=ticket.status,
            )
        raise PermissionDenied(_("You are not allowed to plan video sessions on this ticket."))
    if visibility not in Visibility.values:
        raise InvalidInput(_("Choose internal or public."), errors={"visibility": ["invalid"]})
    if visibility == Visibility.PUBLIC and not rules.may_create_public(ticket, actor):
        raise InvalidInput(
            _("An internal ticket has internal video sessions only."), errors={"visibility": ["ticket_internal"]}
        )
    planned = _clean_planned(planned_at, now)
    session = VideoSession.objects.create(
        ticket=ticket, title=_clean_title(title), visibility=visibility, planned_at=planned or now,
        provider=_provider(), room=_new_room(), created_by=actor,
    )
    _record(session, actor, "created")
    return session


@transaction.atomic
def session_request(code_user, ticket: Ticket | int, *, note="", preferred_at=None, now: datetime | None = None) -> VideoSession:
    """A code user asks for a session on a public ticket; staff confirm it (with a time)."""
    now = now or timezone.now()
    ticket = lock_ticket(ticket)
    if not rules.may_request(ticket, code_user):
        if is_code_user(code_user) and rules.ticket_open_for_sessions(ticket) is False:
            raise WrongState(
                _("This ticket is %(status)s: no video session can be asked for.") % {"status": ticket.get_status_display()},
                current_status=ticket.status,
            )
        raise PermissionDenied(_("You cannot ask for a video session on this ticket."))
    note = clean_text(note, field="note", label=_("Note"), max_length=NOTE_MAX)
    if selectors.pending_request(code_user, ticket) is not None:
        raise ConditionUnmet(_("You have asked for a video session already; the service team will answer it."))
    session = VideoSession.objects.create(
        ticket=ticket, title=_("Video session requested by %(name)s") % {"name": code_user.display_name},
        visibility=Visibility.PUBLIC, planned_at=_clean_planned(preferred_at, now, field="preferred_at"), note=note,
        provider=_provider(), room=_new_room(), requested_by_code_user=code_user,
    )
    _record(session, code_user, "requested")
    return session


@transaction.atomic
def session_start_now(actor, ticket: Ticket | int, *, title=None, visibility: str | None = None,
                      now: datetime | None = None) -> VideoSession:
    """Staff start a session at once (the messenger's one click, "start now" on the tab): created
    and Läuft in one step, public where the rules make that the default. Nobody joining ends it
    after VIDEO_EMPTY_END_MINUTES (the sweep)."""
    now = now or timezone.now()
    ticket = lock_ticket(ticket)
    if visibility is None:
        visibility = rules.default_visibility(ticket, actor)
    session = session_create(actor, ticket, title=_("Video session") if title is None else title,
                             visibility=visibility, now=now)
    return session_transition(actor, session, "start", now=now)


# --- the lifecycle ----------------------------------------------------------------------------------

# What a person steers by hand (``miss`` is the sweep's).
MANUAL_TRANSITIONS = ("confirm", "start", "end", "cancel")


def _check_transition(session: VideoSession, actor, name: str):
    if name not in TRANSITIONS:
        raise InvalidInput(_("Unknown action."), errors={"transition": ["invalid"]})
    meta = getattr(VideoSession, name)._django_fsm
    label = TRANSITION_LABELS[name]
    if not meta.has_transition(session.state):
        raise WrongState(
            _("“%(action)s” is not possible while the video session is %(state)s.")
            % {"action": label, "state": session.get_state_display()},
            current_status=session.state,
        )
    transition = meta.get_transition(session.state)
    if not transition.has_perm(session, actor):
        raise PermissionDenied(
            _("You are not allowed to do “%(action)s” on this video session.") % {"action": label},
            current_status=session.state,
        )
    unmet = [condition for condition in transition.conditions if not condition(session)]
    if unmet:
        raise ConditionUnmet(" ".join(str(condition.reason) for condition in unmet), current_status=session.state)


def transition_allowed(actor, session: VideoSession, name: str) -> bool:
    try:
        _check_transition(session, actor, name)
    except DomainError:
        return False
    return True


def available_transitions(actor, session: VideoSession) -> list[str]:
    """The transitions this actor may do on the session now, in the order the pages show them."""
    return [name for name in MANUAL_TRANSITIONS if transition_allowed(actor, session, name)]


@transaction.atomic
def session_transition(
    actor, session: VideoSession | int, name: str, *, reason: str = "", planned_at=None,
    expected_state: str | None = None, now: datetime | None = None,
) -> VideoSession:
    """confirm (staff may fix the time: ``planned_at``, with no other transition), start, end,
    cancel (with a reason), miss (the system). ``expected_state`` guards against stale pages."""
    now = now or timezone.now()
    session = _lock(session)
    if actor is not None and not rules.may_see(actor, session):
        raise NotFound(_("This video session does not exist."))
    if expected_state is not None and session.state != expected_state:
        raise StaleState(
            _("The video session was changed meanwhile: it is now %(state)s.") % {"state": session.get_state_display()},
            current_status=session.state,
        )
    _check_transition(session, actor, name)
    reason = clean_text(reason, field="reason", label=_("Reason"), max_length=NOTE_MAX)
    old = session.state
    if planned_at not in (None, ""):
        if name != "confirm":
            raise InvalidInput(_("A time is set only when confirming."), errors={"planned_at": ["confirm_only"]})
        if is_code_user(actor):
            raise InvalidInput(_("The service team sets the time."), errors={"planned_at": ["staff_only"]})
        session.planned_at = _clean_planned(planned_at, now)
    getattr(session, name)()
    if name == "start":
        session.started_at, session.emptied_at = now, now
    elif name == "end":
        session.ended_at = now
        Participation.objects.filter(session=session, left_at__isnull=True).update(left_at=now)
    session.save()
    _record(session, actor, name, old=old, reason=reason)
    return session


# --- the call ----------------------------------------------------------------------------------------


def _open(session: VideoSession, now: datetime):
    """The stays still open; a stay whose socket gave no sign for VIDEO_STALE_SECONDS is over."""
    stale = now - timedelta(seconds=settings.VIDEO_STALE_SECONDS)
    Participation.objects.filter(session=session, left_at__isnull=True, seen_at__lt=stale).update(left_at=now)
    return Participation.objects.filter(session=session, left_at__isnull=True)


@transaction.atomic
def session_join(actor, session: VideoSession | int, *, channel: str, now: datetime | None = None) -> Participation:
    """Enter the call (the socket's ``channel`` is where the others' signals go). The first one in
    starts the session; the mesh holds VIDEO_MESH_MAX people, the next is refused clearly."""
    now = now or timezone.now()
    session = _lock(session)
    if not rules.may_see(actor, session):
        raise NotFound(_("This video session does not exist."))
    if session.is_final:
        raise WrongState(
            _("This video session is %(state)s: it cannot be joined.") % {"state": session.get_state_display()},
            current_status=session.state,
        )
    if session.state != SessionState.RUNNING and not rules.ticket_takes_calls(session):
        raise ConditionUnmet(str(rules.ticket_takes_calls.reason), current_status=session.state)
    if not rules.may_join(session, actor):
        raise WrongState(
            _("This video session has not been confirmed yet: it can be joined once the service team confirms it."),
            current_status=session.state,
        )
    if session.provider == Provider.MESH and _open(session, now).count() >= settings.VIDEO_MESH_MAX:
        raise SessionFull(
            ngettext(
                "This call is full: at most %(count)d person can take part in a call in the browser. Please try again later or ask the service team.",
                "This call is full: at most %(count)d people can take part in a call in the browser. Please try again later or ask the service team.",
                settings.VIDEO_MESH_MAX,
            ) % {"count": settings.VIDEO_MESH_MAX},
            current_status=session.state,
        )
    if session.state != SessionState.RUNNING:
        old = session.state
        session.start()
        session.started_at = now
        session.save()
        _record(session, actor, "start", old=old)
    session.emptied_at = None
    session.save(update_fields=["emptied_at"])
    participation = Participation.objects.create(
        session=session, name=actor.display_name, channel=channel, joined_at=now, seen_at=now,
        **actor_columns(actor, user_field="user", code_user_field="code_user"),
    )
    _record(session, actor, "joined", old=session.state)
    return participation


@transaction.atomic
def session_leave(participation_id: int, *, now: datetime | None = None) -> None:
    """Out of the call (every exit of the socket comes here, once)."""
    now = now or timezone.now()
    participation = Participation.objects.select_related("user", "code_user").filter(pk=participation_id).first()
    if participation is None or participation.left_at is not None:
        return
    session = _lock(participation.session_id)
    Participation.objects.filter(pk=participation.pk).update(left_at=now)
    if session.state == SessionState.RUNNING and not _open(session, now).exists():
        session.emptied_at = now
        session.save(update_fields=["emptied_at"])
    _record(session, participation.user or participation.code_user, "left", old=session.state)


def session_leave_replaced(actor, session: VideoSession, participation_id: int, *, now: datetime | None = None) -> bool:
    """A page that lost its socket comes back naming its previous stay: that stay is over now (not
    only once its socket's silence makes it stale), so the others stop seeing a ghost and the call
    has its place free. Only the person's own open stay in this session; False for anything else."""
    if actor is None:
        return False
    own = Participation.objects.filter(
        pk=participation_id, session=session, left_at__isnull=True,
        **actor_columns(actor, user_field="user", code_user_field="code_user"),
    ).exists()
    if own:
        session_leave(participation_id, now=now)
    return own


def session_seen(participation_id: int, *, now: datetime | None = None) -> bool:
    """The socket is alive (its pings); False when its stay was ended meanwhile (the session ended)."""
    now = now or timezone.now()
    return bool(Participation.objects.filter(pk=participation_id, left_at__isnull=True).update(seen_at=now))


# --- snapshots ---------------------------------------------------------------------------------------


def _snapshot_text(session: VideoSession, text: str) -> str:
    heading = _("Snapshot from the video session “%(title)s”") % {"title": session.title}
    return f"{heading}: {text}" if text else heading


@transaction.atomic
def snapshot_store(actor, session: VideoSession | int, *, image, text="", public: bool = False) -> Snapshot:
    """An annotated still from the call becomes an update of the ticket with the picture attached:
    internal by default, public on choice (code users' snapshots are public)."""
    session = _lock(session)
    if not rules.may_see(actor, session):
        raise NotFound(_("This video session does not exist."))
    if session.state != SessionState.RUNNING:
        raise WrongState(_("Snapshots are taken during the call."), current_status=session.state)
    if is_code_user(actor):
        public = True
    if not rules.may_store_snapshot(session, actor, public=public):
        if public and session.visibility != Visibility.PUBLIC:
            raise InvalidInput(
                _("Snapshots of an internal video session stay internal."), errors={"public": ["internal_session"]}
            )
        raise PermissionDenied(_("You are not allowed to add snapshots to this ticket's updates."))
    text = clean_text(text, field="text", label=_("Text"), max_length=SNAPSHOT_TEXT_MAX)
    if image is None:
        raise InvalidInput(_("The snapshot has no picture."), errors={"image": ["required"]})
    if sniff_content_type(image) not in ("image/png", "image/jpeg"):
        raise InvalidInput(_("A snapshot must be a picture (PNG or JPEG)."), errors={"image": ["type"]})
    update = update_post(actor, session.ticket, text=_snapshot_text(session, text), internal=not public, attachments=[image])
    snapshot = Snapshot.objects.create(session=session, update=update)
    _record(session, actor, "snapshot", old=session.state)
    return snapshot


# --- the customer's rating ------------------------------------------------------------------------------


@transaction.atomic
def session_rate(code_user, session: VideoSession | int, *, stars, text="") -> SessionFeedback:
    session = _lock(session)
    if not rules.may_see(code_user, session):
        raise NotFound(_("This video session does not exist."))
    if not rules.may_rate(session, code_user):
        raise WrongState(_("This video session cannot be rated."), current_status=session.state)
    if SessionFeedback.objects.filter(session=session).exists():
        raise WrongState(_("This video session has been rated already."), current_status=session.state)
    if isinstance(stars, bool) or not isinstance(stars, int) or not STARS_MIN <= stars <= STARS_MAX:
        raise InvalidInput(
            _("Choose between %(min)d and %(max)d stars.") % {"min": STARS_MIN, "max": STARS_MAX}, errors={"stars": ["range"]}
        )
    text = clean_text(text, field="text", label=_("Text"), max_length=2000)
    feedback = SessionFeedback.objects.create(session=session, code_user=code_user, stars=stars, text=text)
    history_record(
        session.ticket, code_user, HistoryAction.VIDEO, field="video_feedback", new=feedback.stars_display,
        reason=text, data={"session_id": session.pk, "title": session.title, "change": "rated"},
    )
    publish_on_commit(events.video_session_changed(session, code_user, change="rated"))
    return feedback


# --- the sweep (Celery beat) --------------------------------------------------------------------------------


def sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Sessions nobody joined within VIDEO_MISSED_AFTER_MINUTES of their planned time become
    Verpasst; running sessions everybody left VIDEO_EMPTY_END_MINUTES ago end; stays whose socket
    went silent are closed. Returns the counts."""
    now = now or timezone.now()
    counts = {"missed": 0, "ended": 0}
    missed_before = now - timedelta(minutes=settings.VIDEO_MISSED_AFTER_MINUTES)
    for pk in VideoSession.objects.filter(
        state__in=[SessionState.REQUESTED, SessionState.CONFIRMED], planned_at__lt=missed_before
    ).values_list("pk", flat=True):
        try:
            session_transition(None, pk, "miss", now=now)
            counts["missed"] += 1
        except DomainError:
            pass  # started or called off meanwhile
    stale = now - timedelta(seconds=settings.VIDEO_STALE_SECONDS)
    Participation.objects.filter(left_at__isnull=True, seen_at__lt=stale).update(left_at=now)
    empty_before = now - timedelta(minutes=settings.VIDEO_EMPTY_END_MINUTES)
    for pk in VideoSession.objects.filter(state=SessionState.RUNNING, emptied_at__lt=empty_before).values_list("pk", flat=True):
        with transaction.atomic():
            session = _lock(pk)
            if session.state != SessionState.RUNNING or _open(session, now).exists():
                continue
        try:
            session_transition(None, pk, "end", now=now)
            counts["ended"] += 1
        except DomainError:
            pass
    return counts


def planned_display(session: VideoSession) -> str:
    return date_format(timezone.localtime(session.planned_at), "SHORT_DATETIME_FORMAT") if session.planned_at else ""
