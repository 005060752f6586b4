"""What the pages of video sessions show, for every door; the rules stay in ``videosessions.rules``
and the services, this only asks them and shapes the answers for the templates.

- The rows of a ticket's sessions (the staff tab, the customer's card): each with what the rules say
  this actor may do on it now (``services.available_transitions``), who is in the call, how long it
  took. ``videosessions.pages`` adds the forms.
- The call page, for both of its doors (staff: ``videosessions.call_views``; code users:
  ``portal.video``): one template, one script, the same record and snapshots, and one way to answer
  a snapshot upload.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.actors import is_code_user
from common.errors import DomainError, InvalidInput
from tickets import permissions
from tickets.models import Ticket
from videosessions import rules, selectors, services
from videosessions.choices import OPEN_STATES, Provider, SessionState
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
    """A transition's button on a session row: where its form posts, what it says, how it looks
    (the doors in ``videosessions.pages`` choose label and look; the rules chose the action)."""

    name: str
    label: str
    url: str = ""
    look: str = ""  # "button-primary", "button-quiet" or plain
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


def _row(actor, session: VideoSession, *, now: datetime, call_url, transition_url, actions=None) -> SessionRow:
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
        actions=[Action(name, str(services.TRANSITION_LABELS[name]), url=transition_url(session, name)) for name in names],
        join_url=join_url,
        join_external=external,
        requested_by=session.requested_by_code_user.display_name if session.requested_by_code_user else "",
        feedback=_feedback_of(session),
    )


def rows(actor, ticket: Ticket, *, call_url, transition_url, actions=None) -> list[SessionRow]:
    """The ticket's sessions the actor sees: running first, then what comes next, then the past.
    ``call_url(session)`` is the door's call page, ``transition_url(session, name)`` where its
    buttons post; ``actions`` narrows the buttons a door offers."""
    now = timezone.now()
    sessions = sorted(selectors.sessions_for(actor, ticket), key=_tab_order)
    return [
        _row(actor, session, now=now, call_url=call_url, transition_url=transition_url, actions=actions)
        for session in sessions
    ]


# --- the call page ------------------------------------------------------------------------------------

# The page's sentinel in the snapshot picture's address (the script puts the snapshot's id there).
SNAPSHOT_ID_SENTINEL = 0


def _kind(actor) -> str:
    return "code_user" if is_code_user(actor) else "staff"


def refusal(actor, session: VideoSession) -> str:
    """Why this person cannot join the call now (empty when they can): the same words as the
    service that refuses the socket (``services.session_join``)."""
    if session.is_final:
        return _("This video session is %(state)s: it cannot be joined.") % {"state": session.get_state_display()}
    if not rules.may_join(session, actor):
        return _("This video session has not been confirmed yet: it can be joined once the service team confirms it.")
    return ""


def record(actor, session: VideoSession) -> list[dict]:
    """Who joined and left when, with names as the person may see them (code users: staff only)."""
    viewer = _kind(actor)
    rows = []
    for stay in session.participations.all():
        own = (stay.code_user_id == actor.pk) if viewer == "code_user" else (stay.user_id == actor.pk)
        name = stay.name if own or permissions.sees_name(viewer, stay.kind) else _("Customer")
        rows.append({"peer": stay.pk, "name": name, "kind": stay.kind, "joined_at": stay.joined_at, "left_at": stay.left_at})
    return rows


def shown_snapshots(actor, session: VideoSession, url_of) -> list[dict]:
    """The session's snapshots this person may see, with the picture's address of their door."""
    return [
        {"id": snapshot.pk, "url": url_of(snapshot.pk), "text": snapshot.update.text,
         "public": snapshot.update.kind == "public", "created_at": snapshot.created_at}
        for snapshot in session.snapshots.all()
        if rules.may_see_snapshot(session, actor, snapshot)
    ]


def call_context(request, actor, session: VideoSession, *, base_template: str, back_url: str, chat_url: str,
                 upload_url: str, snapshot_url_of) -> dict:
    """The template's context: the session, whether (and how) this person joins, the record, the
    snapshots, and the script's configuration (``json_script``)."""
    why_not = refusal(actor, session)
    jitsi = session.provider == Provider.JITSI
    joinable = not why_not and not jitsi
    snapshot_pattern = snapshot_url_of(SNAPSHOT_ID_SENTINEL)
    config = {
        "wsPath": f"/ws/video/{session.pk}/",
        "uploadUrl": upload_url,
        "snapshotUrl": snapshot_pattern,
        "snapshotSentinel": f"/{SNAPSHOT_ID_SENTINEL}/",
        "chatUrl": chat_url,
        "backUrl": back_url,
        "kind": _kind(actor),
        "textMax": services.SNAPSHOT_TEXT_MAX,
        "i18n": call_i18n(),
    }
    duration = session.duration
    return {
        "base_template": base_template,
        "session": session,
        "ticket": session.ticket,
        "viewer_kind": _kind(actor),
        "joinable": joinable,
        "refusal": why_not,
        "jitsi": jitsi,
        "jitsi_link": selectors.jitsi_link(session) if jitsi and not why_not else None,
        "running": session.state == SessionState.RUNNING,
        "duration_minutes": int(duration.total_seconds() // 60) if duration else None,
        "record": record(actor, session),
        "snapshots": shown_snapshots(actor, session, snapshot_url_of),
        "back_url": back_url,
        "chat_url": chat_url,
        "call_config": config,
        "text_max": services.SNAPSHOT_TEXT_MAX,
        "mesh_max": settings.VIDEO_MESH_MAX,
    }


def call_i18n() -> dict:
    return {
        "connecting": _("Connecting to the call …"),
        "reconnecting": _("The connection to the call was lost. Reconnecting …"),
        "you": _("You"),
        "customer": _("Customer"),
        "staff": _("Staff"),
        "waiting": _("Waiting for others to join …"),
        "joinedAt": _("joined"),
        "leftAt": _("left"),
        "connected": _("connected"),
        "connectingPeer": _("connecting …"),
        "failed": _("connection failed"),
        "micOff": _("Microphone off"),
        "camOff": _("Camera off"),
        "sharing": _("Sharing the screen"),
        "mute": _("Mute microphone"),
        "unmute": _("Unmute microphone"),
        "cameraOff": _("Turn camera off"),
        "cameraOn": _("Turn camera on"),
        "shareScreen": _("Share screen"),
        "stopSharing": _("Stop sharing"),
        "denied": _(
            "Camera and microphone are blocked for this page. You are in the call to watch and listen only. "
            "Allow them in the browser's settings and join again, or write in the chat."
        ),
        "missing": _(
            "No camera or microphone was found. You are in the call to watch and listen only; "
            "you can write in the chat."
        ),
        "unsupported": _("This browser cannot take part in video calls. Please use a current browser, or write in the chat."),
        "noCamera": _("No camera was found: the others hear you but do not see you."),
        "noMicrophone": _("No microphone was found: the others see you but do not hear you. You can write in the chat."),
        "running": str(SessionState.RUNNING.label),
        "runningFor": _("running for %(minutes)s min."),
        "public": _("Public"),
        "internal": _("Internal"),
        "left": _("You have left the call."),
        "ended": _("The video session has ended."),
        "revoked": _("You can no longer take part in this call."),
        "snapshotFrom": _("Snapshot by %(name)s"),
        "snapshotFailed": _("The snapshot could not be sent."),
        "snapshotSent": _("Snapshot sent: it is in the ticket's updates."),
        "noFrame": _("There is no picture to freeze yet."),
        "snapshot": _("Snapshot"),
        "snapshotOf": _("Take a snapshot of %(name)s"),
    }


# --- the snapshot upload (both doors) ------------------------------------------------------------------


def _error(error: DomainError) -> JsonResponse:
    return JsonResponse(
        {"error": str(error.message), "code": error.code, "errors": error.errors}, status=error.status_code
    )


def snapshot_upload_response(request, actor, session: VideoSession, snapshot_url_of) -> JsonResponse:
    """POST multipart: ``image`` (PNG or JPEG, at most VIDEO_SNAPSHOT_MAX_BYTES), ``text``, ``public``
    ("1" or "0"). 201 with the snapshot, or the domain's error as JSON (400 for bad input)."""
    try:
        image = request.FILES.get("image")
        if image is None:
            raise InvalidInput(_("The snapshot has no picture."), errors={"image": ["required"]})
        if image.size > settings.VIDEO_SNAPSHOT_MAX_BYTES:
            raise InvalidInput(
                _("The snapshot is too large: at most %(mb)d MB.") % {"mb": settings.VIDEO_SNAPSHOT_MAX_BYTES // (1024 * 1024)},
                errors={"image": ["too_large"]},
            )
        public = request.POST.get("public", "0")
        if public not in ("0", "1"):
            raise InvalidInput(_("Choose internal or public."), errors={"public": ["invalid"]})
        snapshot = services.snapshot_store(
            actor, session, image=image, text=request.POST.get("text", ""), public=public == "1"
        )
    except DomainError as error:
        return _error(error)
    return JsonResponse(
        {"id": snapshot.pk, "url": snapshot_url_of(snapshot.pk), "text": snapshot.update.text,
         "public": snapshot.update.kind == "public"},
        status=201,
    )
