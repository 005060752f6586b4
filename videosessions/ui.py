"""The rows of a ticket's video sessions as the pages show them: each with what the rules say this
actor may do on it now (``services.available_transitions``), who is in the call, how long it took.
``videosessions.pages`` adds the forms; the templates only render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.models import Ticket
from videosessions import rules, selectors, services
from videosessions.choices import OPEN_STATES, SessionState
from videosessions.models import VideoSession

JOINABLE = (SessionState.CONFIRMED, SessionState.RUNNING)


def format_duration(duration: timedelta | None) -> str:
    if duration is None:
        return ""
    minutes = max(int(duration.total_seconds() // 60), 0)
    if minutes < 1:
        return _("under 1 min")
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


@dataclass
class Action:
    name: str
    label: str
    form: object = None  # confirm: the time, as planned or asked for (videosessions.pages)


@dataclass
class SessionRow:
    session: VideoSession
    planned: str
    state_label: str
    visibility_label: str
    in_call: list[str] = field(default_factory=list)
    took_part: list[str] = field(default_factory=list)
    duration: str = ""
    actions: list[Action] = field(default_factory=list)
    join_url: str = ""
    join_external: bool = False
    requested_by: str = ""
    feedback: object = None
    rating_form: object = None  # the customer's rating (videosessions.pages)

    @property
    def pk(self) -> int:
        return self.session.pk

    @property
    def state(self) -> str:
        return self.session.state


def _tab_order(session: VideoSession):
    """Running first, then what comes next (soonest first), then the past (latest first)."""
    if session.state == SessionState.RUNNING:
        return (0, 0.0)
    if session.state in OPEN_STATES:
        when = session.planned_at or session.created_at
        return (1, when.timestamp())
    when = session.ended_at or session.planned_at or session.created_at
    return (2, -when.timestamp())


def _feedback_of(session: VideoSession):
    try:
        return session.feedback
    except VideoSession.feedback.RelatedObjectDoesNotExist:
        return None


def _join(actor, session: VideoSession, call_url) -> tuple[str, bool]:
    if session.state not in JOINABLE or not rules.may_join(session, actor):
        return "", False
    external = selectors.jitsi_link(session)
    return (external, True) if external else (call_url(session), False)


def _duration(session: VideoSession, now: datetime) -> str:
    if session.state == SessionState.RUNNING and session.started_at:
        return format_duration(now - session.started_at)
    return format_duration(session.duration)


def _row(actor, session: VideoSession, *, now: datetime, call_url, actions=None) -> SessionRow:
    stays = list(session.participations.all())
    took_part = list(dict.fromkeys(stay.name for stay in stays))
    join_url, external = _join(actor, session, call_url)
    names = services.available_transitions(actor, session)
    if actions is not None:
        names = [name for name in names if name in actions]
    return SessionRow(
        session=session,
        planned=services.planned_display(session),
        state_label=session.get_state_display(),
        visibility_label=session.get_visibility_display(),
        in_call=[stay.name for stay in stays if stay.left_at is None] if session.state == SessionState.RUNNING else [],
        took_part=took_part,
        duration=_duration(session, now),
        actions=[Action(name, str(services.TRANSITION_LABELS[name])) for name in names],
        join_url=join_url,
        join_external=external,
        requested_by=session.requested_by_code_user.display_name if session.requested_by_code_user else "",
        feedback=_feedback_of(session),
    )


def rows(actor, ticket: Ticket, *, call_url, actions=None) -> list[SessionRow]:
    """The ticket's sessions the actor sees: running first, then what comes next, then the past.
    ``call_url(session)`` is the door's call page; ``actions`` narrows the buttons a door offers."""
    now = timezone.now()
    sessions = sorted(selectors.sessions_for(actor, ticket), key=_tab_order)
    return [_row(actor, session, now=now, call_url=call_url, actions=actions) for session in sessions]
