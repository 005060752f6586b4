"""Fleet actions on the Flottenmanagement tab and the offers page. Each view parses the input,
calls one fleet service and shows the result; a refused action shows why, with its status code."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from common.errors import DomainError
from fleet import selectors, services, staff_services
from fleet.forms import ForwardForm, ProfileForm, StaffChoiceForm
from fleet.models import TicketOffer
from tickets import selectors as ticket_selectors
from tickets.forms import add_domain_errors
from tickets.pages import render_ticket_page


def _fleet_tab(ticket) -> str:
    return reverse("tickets:tab", args=[ticket.number, "fleet"])


def _refused(request, ticket, error: DomainError):
    messages.error(request, error.message)
    return render_ticket_page(request, ticket, "fleet", status=error.status_code)


def _staff_action(request, number, action, success, *, form_class=StaffChoiceForm):
    """Shared shape of the actions that name a staff member (assign, unassign, offer, forward)."""
    ticket = ticket_selectors.access_ticket(request.user, number)
    form = form_class(request.POST)
    if not form.is_valid():
        errors = [*form.errors.get("user", []), *form.errors.get("from_user", [])]
        messages.error(request, " ".join(errors) or _("Please choose a staff member."))
        return render_ticket_page(request, ticket, "fleet", status=400)
    user = form.cleaned_data["user"]
    try:
        action(ticket, user, form.cleaned_data)
    except DomainError as error:
        return _refused(request, ticket, error)
    messages.success(request, success % {"name": user.display_name})
    return redirect(_fleet_tab(ticket))


@require_POST
@login_required
def assign(request, number):
    return _staff_action(
        request, number, lambda ticket, user, data: services.assignee_add(request.user, ticket, user),
        _("%(name)s is now assigned."),
    )


@require_POST
@login_required
def unassign(request, number):
    return _staff_action(
        request, number, lambda ticket, user, data: services.assignee_remove(request.user, ticket, user, reason=data["reason"]),
        _("%(name)s is no longer assigned."),
    )


@require_POST
@login_required
def send_offer(request, number):
    return _staff_action(
        request, number, lambda ticket, user, data: services.offers_send(request.user, ticket, [user]),
        _("Offer sent to %(name)s."),
    )


@require_POST
@login_required
def forward(request, number):
    """Weiterleiten: one's own place, or (administrators, moderators) the named assignee's."""
    return _staff_action(
        request, number,
        lambda ticket, user, data: services.assignee_forward(
            request.user, ticket, user, from_user=data["from_user"], reason=data["reason"],
        ),
        _("Ticket forwarded to %(name)s."), form_class=ForwardForm,
    )


@require_POST
@login_required
def release(request, number):
    ticket = ticket_selectors.access_ticket(request.user, number)
    try:
        services.assignee_release(request.user, ticket, reason=request.POST.get("reason", ""))
    except DomainError as error:
        return _refused(request, ticket, error)
    messages.success(request, _("You released the ticket."))
    return redirect(_fleet_tab(ticket))


@require_POST
@login_required
def claim(request, number):
    """Übernehmen."""
    ticket = ticket_selectors.access_ticket(request.user, number)
    try:
        services.ticket_claim(request.user, ticket)
    except DomainError as error:
        return _refused(request, ticket, error)
    messages.success(request, _("You took the ticket: it is assigned to you now."))
    return redirect(_fleet_tab(ticket))


def _offer_for(request, pk) -> TicketOffer:
    return selectors.access_offer(request.user, pk)


def _offer_refused(request, offer, error: DomainError):
    messages.error(request, error.message)
    if request.POST.get("next") == "offers":
        return _offers_page(request, status=error.status_code)
    return render_ticket_page(request, offer.ticket, "fleet", status=error.status_code)


@require_POST
@login_required
def offer_accept(request, pk):
    offer = _offer_for(request, pk)
    try:
        services.offer_accept(request.user, offer)
    except DomainError as error:
        return _offer_refused(request, offer, error)
    messages.success(request, _("You accepted ticket %(number)s. It is yours now.") % {"number": offer.ticket.number})
    return redirect(offer.ticket.get_absolute_url())


@require_POST
@login_required
def offer_decline(request, pk):
    offer = _offer_for(request, pk)
    try:
        services.offer_decline(request.user, offer, reason=request.POST.get("reason", ""))
    except DomainError as error:
        return _offer_refused(request, offer, error)
    messages.success(request, _("You declined the offer for ticket %(number)s.") % {"number": offer.ticket.number})
    return redirect("fleet:offers" if request.POST.get("next") == "offers" else _fleet_tab(offer.ticket))


@require_POST
@login_required
def offer_withdraw(request, pk):
    offer = _offer_for(request, pk)
    try:
        services.offer_withdraw(request.user, offer)
    except DomainError as error:
        return _offer_refused(request, offer, error)
    messages.success(request, _("Offer to %(name)s withdrawn.") % {"name": offer.user.display_name})
    return redirect(_fleet_tab(offer.ticket))


def _offers_page(request, status=200):
    return render(request, "fleet/offers.html", {"offers": selectors.open_offers(request.user)}, status=status)


@require_GET
@login_required
def offers(request):
    return _offers_page(request)


@login_required
def notifications(request):
    if request.method == "POST":
        services.notifications_mark_read(request.user)
        messages.success(request, _("All notifications marked as read."))
        return redirect("fleet:notifications")
    items = list(selectors.notifications_for(request.user)[:100])
    return render(request, "fleet/notifications.html", {"notifications": items})


@login_required
def profile(request):
    """A staff member's own settings: language and time zone (pages, messenger, e-mails)."""
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                user = staff_services.profile_update(user, **form.cleaned_data)
            except DomainError as error:
                add_domain_errors(form, error)
            else:
                translation.activate(user.preferred_language)
                messages.success(request, _("Your settings are saved."))
                response = redirect("fleet:profile")
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME, user.preferred_language,
                    max_age=settings.LANGUAGE_COOKIE_AGE, samesite="Lax",
                    secure=settings.LANGUAGE_COOKIE_SECURE,
                )
                return response
        return render(request, "fleet/profile.html", {"form": form}, status=400)
    form = ProfileForm(initial={"preferred_language": user.preferred_language, "time_zone": user.time_zone})
    return render(request, "fleet/profile.html", {"form": form})


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer while a username and address are locked out (AXES_LOCKOUT_CALLABLE):
    the login card saying why and for how long, 429, in the visitor's language."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)

