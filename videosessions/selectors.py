"""Reading video sessions: a ticket's sessions as the actor may see them, one session by id, who is
in its call, and the ICE servers the browsers get."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from common.errors import NotFound
from tickets import permissions
from tickets.models import Ticket
from videosessions import rules
from videosessions.choices import Provider, SessionState
from videosessions.models import Participation, Snapshot, VideoSession


def sessions_for(actor, ticket: Ticket) -> QuerySet[VideoSession]:
    """The ticket's sessions the actor may see (code users: the public ones), newest first, with
    their stays and snapshots: the tab's rows in a constant number of queries."""
    if not permissions.can_see(actor, ticket):
        return VideoSession.objects.none()
    return (
        VideoSession.objects.filter(ticket=ticket)
        .filter(rules.visible_filter(actor))
        .select_related("ticket", "created_by", "requested_by_code_user", "feedback")
        .prefetch_related(
            Prefetch("participations", queryset=Participation.objects.order_by("joined_at", "id")),
            Prefetch("snapshots", queryset=Snapshot.objects.select_related("update").prefetch_related("update__attachments")),
        )
        .annotate(open_count=Count("participations", filter=Q(participations__left_at__isnull=True)))
    )


def session_for(actor, ticket: Ticket, pk) -> VideoSession:
    """One session of the ticket, or NotFound (also when the actor may not see it)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(_("This video session does not exist.")) from None
    session = sessions_for(actor, ticket).filter(pk=pk).first()
    if session is None:
        raise NotFound(_("This video session does not exist."))
    return session


def pending_request(code_user, ticket: Ticket) -> VideoSession | None:
    """The code user's request on this ticket that staff have not answered yet (one at a time)."""
    return VideoSession.objects.filter(
        ticket=ticket, requested_by_code_user=code_user, state=SessionState.REQUESTED
    ).first()


def session_by_id(pk: int) -> VideoSession | None:
    return VideoSession.objects.select_related("ticket", "ticket__access_code", "ticket__template").filter(pk=pk).first()


def in_call(session: VideoSession) -> list[Participation]:
    return list(Participation.objects.filter(session=session, left_at__isnull=True).select_related("user", "code_user"))


def jitsi_link(session: VideoSession) -> str | None:
    """The external room's address (only for who may join: the room name is the key)."""
    if session.provider != Provider.JITSI or not settings.VIDEO_JITSI_URL:
        return None
    return f"{settings.VIDEO_JITSI_URL}/{session.room}"


def join_link(actor, session: VideoSession) -> str | None:
    """Where the actor joins the call now: the Jitsi room's address, or the call page's path (the
    browsers' mesh); None when they may not join it now (``rules.may_join``)."""
    if not rules.may_join(session, actor):
        return None
    return jitsi_link(session) or reverse("videosessions:call", args=[session.pk])


def snapshots_seen_by(actor, session: VideoSession) -> list[Snapshot]:
    """The session's snapshots the actor may see (``rules.may_see_snapshot``), oldest first; with
    ``sessions_for``'s prefetch no further query for staff."""
    return [snapshot for snapshot in session.snapshots.all() if rules.may_see_snapshot(session, actor, snapshot)]


def ice_servers(key: str, *, now: float | None = None) -> list[dict]:
    """RTCPeerConnection's iceServers: the STUN URLs, and the TURN URLs with credentials, time-limited
    from the shared secret (coturn's REST scheme: user "<expiry>:<key>", password
    base64(HMAC-SHA1(secret, user))) or the fixed ones."""
    servers: list[dict] = []
    if settings.VIDEO_STUN_URLS:
        servers.append({"urls": list(settings.VIDEO_STUN_URLS)})
    if settings.VIDEO_TURN_URLS:
        if settings.VIDEO_TURN_SECRET:
            expiry = int(now if now is not None else time.time()) + settings.VIDEO_TURN_TTL_SECONDS
            username = f"{expiry}:{key}"
            digest = hmac.new(settings.VIDEO_TURN_SECRET.encode(), username.encode(), hashlib.sha1).digest()
            servers.append({"urls": list(settings.VIDEO_TURN_URLS), "username": username,
                            "credential": base64.b64encode(digest).decode()})
        elif settings.VIDEO_TURN_USERNAME:
            servers.append({"urls": list(settings.VIDEO_TURN_URLS), "username": settings.VIDEO_TURN_USERNAME,
                            "credential": settings.VIDEO_TURN_PASSWORD})
    return servers


def running_session_ids(*, ticket_id: int | None = None, access_code_id: int | None = None) -> list[int]:
    sessions = VideoSession.objects.filter(state=SessionState.RUNNING)
    if ticket_id is not None:
        sessions = sessions.filter(ticket_id=ticket_id)
    if access_code_id is not None:
        sessions = sessions.filter(ticket__access_code_id=access_code_id)
    return list(sessions.values_list("pk", flat=True))


def snapshot_to_announce(actor, session: VideoSession, pk: int) -> Snapshot:
    """The snapshot its author shows to the call (``rules.may_announce_snapshot``); for anyone
    else, as for a snapshot that does not exist, NotFound."""
    snapshot = Snapshot.objects.select_related("update").filter(session=session, pk=pk).first()
    if snapshot is None or not rules.may_announce_snapshot(session, actor, snapshot):
        raise NotFound(_("This snapshot does not exist."))
    return snapshot


def snapshot_for(actor, session: VideoSession, pk) -> Snapshot:
    """A snapshot's picture: for who sees its update, or who was in the call it came from."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(_("This snapshot does not exist.")) from None
    snapshot = Snapshot.objects.select_related("update").prefetch_related("update__attachments").filter(session=session, pk=pk).first()
    if snapshot is None or not rules.may_see_snapshot(session, actor, snapshot):
        raise NotFound(_("This snapshot does not exist."))
    return snapshot


def snapshot_url(snapshot: Snapshot) -> str:
    return reverse("videosessions:snapshot", args=[snapshot.session_id, snapshot.pk])
