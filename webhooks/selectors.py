"""Reads for webhooks: the endpoints and their log for the settings area and the API, and the few
reads a webhook body needs (the ticket, an update, staff names). Administrators only: the doors
and the services ask ``webhooks.services.may_manage`` first."""

from __future__ import annotations

from datetime import datetime

from django.db.models import OuterRef, Q, QuerySet, Subquery

from common.errors import NotFound
from common.versioned_cache import VersionedValue
from fleet.models import User
from tickets.models import Ticket, TicketUpdate
from videosessions.models import VideoSession
from webhooks.models import Attempt, Delivery, DeliveryState, Endpoint

MANAGE_PERMISSION = "webhooks.change_endpoint"


def may_manage(actor) -> bool:
    """Only administrators manage webhooks (the permission comes with their role, fleet/roles.py)."""
    return bool(
        actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active
        and actor.has_perm(MANAGE_PERMISSION)
    )


def endpoints() -> QuerySet[Endpoint]:
    """Every endpoint, newest first, with its latest delivery's state and time."""
    latest = Delivery.objects.filter(endpoint=OuterRef("pk")).order_by("-created_at", "-id")
    return Endpoint.objects.select_related("created_by").annotate(
        last_delivery_state=Subquery(latest.values("state")[:1]),
        last_delivery_at=Subquery(latest.values("created_at")[:1]),
    ).order_by("-created_at", "-id")


def endpoint_for(actor, pk) -> Endpoint:
    """Fetch and authorise in one step: NotFound for anyone who may not manage webhooks."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("No such webhook endpoint.") from None
    endpoint = endpoints().filter(pk=pk).first() if may_manage(actor) else None
    if endpoint is None:
        raise NotFound("No such webhook endpoint.")
    return endpoint


def deliveries_of(endpoint: Endpoint) -> QuerySet[Delivery]:
    """Newest first, with their attempts (the log)."""
    return endpoint.deliveries.order_by("-created_at", "-id").prefetch_related("attempts")


def delivery_for(actor, endpoint: Endpoint, pk) -> Delivery:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("No such delivery.") from None
    delivery = Delivery.objects.filter(endpoint=endpoint, pk=pk).first() if may_manage(actor) else None
    if delivery is None:
        raise NotFound("No such delivery.")
    return delivery


def attempts_of(delivery: Delivery) -> QuerySet[Attempt]:
    return delivery.attempts.order_by("number", "id")


# Who subscribed to what: asked for every event (every chat message among them) and changed
# rarely, so kept in the shared cache until a service changes an endpoint and forgets it after its
# commit (``services._subscriptions_changed``).
# No secret goes into the cache: the endpoints themselves are read when an event has takers.
# In each process for a second before the shared version is asked again: a change made in another
# process (an endpoint created in the API's) reaches the events of this one within that second.
SUBSCRIPTIONS = VersionedValue("webhooks:subscriptions", what="webhook subscriptions", timeout=300, local_seconds=1)


def subscriptions() -> list[tuple[int, list[str], bool]]:
    """(id, event types, include_internal) of every active endpoint."""
    return SUBSCRIPTIONS.get(lambda: [
        (pk, list(types), internal_too) for pk, types, internal_too in
        Endpoint.objects.filter(is_active=True).order_by("id").values_list("id", "event_types", "include_internal")
    ])


def active_endpoints(ids) -> list[Endpoint]:
    """Those of ``ids`` still active, as stored now."""
    return list(Endpoint.objects.filter(pk__in=ids, is_active=True).order_by("id"))


def due_delivery_ids(now: datetime, *, limit: int = 200) -> list[int]:
    """Deliveries of active endpoints whose (next) attempt is due."""
    return list(
        Delivery.objects.filter(
            state__in=[DeliveryState.PENDING, DeliveryState.FAILED], next_attempt_at__lte=now, endpoint__is_active=True
        ).order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit]
    )


def administrators() -> list[User]:
    """Active staff who administer tickets (the Administrator role, or superusers)."""
    perm = Q(groups__permissions__codename="administer_ticket", groups__permissions__content_type__app_label="tickets")
    direct = Q(user_permissions__codename="administer_ticket", user_permissions__content_type__app_label="tickets")
    return list(User.objects.filter(is_active=True).filter(perm | direct | Q(is_superuser=True)).distinct().order_by("id"))


# --- what a body reads ------------------------------------------------------------------------------


def ticket_for_webhook(pk: int) -> Ticket | None:
    return Ticket.objects.filter(pk=pk).first()


def update_for_webhook(pk: int) -> dict | None:
    update = TicketUpdate.objects.filter(pk=pk).values("id", "kind", "text", "corrects_id").first()
    if update is None:
        return None
    return {"id": update["id"], "kind": update["kind"], "text": update["text"], "corrects": update["corrects_id"]}


def staff_names(ids) -> list[dict]:
    names = {user.pk: user.display_name for user in User.objects.filter(pk__in=ids)}
    return [{"id": pk, "name": names.get(pk, "")} for pk in ids]


def video_session_for_webhook(pk: int) -> dict | None:
    session = VideoSession.objects.filter(pk=pk).first()
    if session is None:
        return None
    moment = lambda value: value.isoformat() if value else None  # noqa: E731
    return {
        "id": session.pk, "title": session.title, "state": session.state, "visibility": session.visibility,
        "planned_at": moment(session.planned_at), "started_at": moment(session.started_at),
        "ended_at": moment(session.ended_at),
    }
