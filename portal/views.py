"""The code-user portal: customers reach the service through an access code, without logging in.

Unknown and inactive codes get the same friendly page (nothing reveals which codes exist); code
entry and PIN attempts are throttled per IP with django-ratelimit (shared through the cache, so
across processes with Redis), and wrong PINs per access code as well. The client address is the
one the proxy in front saw (docker-compose: nginx sets X-Real-IP, daphne reads only that). Every ticket page answers 404 unless the session's code user may
see that ticket. All changes go through the services.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language
from django_ratelimit import ALL
from django_ratelimit.core import get_usage, is_ratelimited

from common.errors import DomainError, InvalidInput, NotFound
from portal import pages
from portal import sessions as code_sessions
# The gate and the ticket page are shared with portal.video (the video sessions' doors).
from portal.pages import FEEDBACK_IDS, PROBLEM_IDS, UPDATE_IDS
from portal.pages import active_code as _active_code
from portal.pages import signed_in as _signed_in
from portal.pages import ticket_for as _ticket_for
from portal.pages import ticket_url as _ticket_url
from portal.pages import unknown as _unknown
from portal.forms import (
    EntryCodeForm,
    FeedbackForm,
    IdentityForm,
    PinForm,
    PortalTicketForm,
    ProblemForm,
)
from tickets import selectors, services
from tickets.forms import CustomFieldsForm, UpdateForm, add_domain_errors
from tickets.downloads import attachment_response

logger = logging.getLogger(__name__)

RATE_GROUP = "portal.code-entry"
PIN_RATE_GROUP = "portal.pin-per-code"
ARCHIVE_PAGE_SIZE = 20



class _CounterUnavailable(Exception):
    """The cache that counts the attempts (Redis) does not answer."""


def _counted(check):
    """Fail closed: these throttles guard guessing doors (codes, 4-digit PINs), and without a count
    a guesser would be unlimited; while the counter is away the doors say so (503) instead of
    guessing. Opening a known code's page, a signed-in code user's pages and personal links
    count nothing and keep working (docs/security.md, "Redis away")."""
    try:
        return check()
    except Exception as error:  # the cache's connection error, whatever its backend
        logger.warning("portal throttle unavailable, the cache did not answer: %s", error)
        raise _CounterUnavailable from error


def _limited(request, *, increment: bool) -> bool:
    """Per-IP throttle for guessing codes and PINs: every typed code, every PIN and every unknown
    code URL counts; opening a known code's page does not."""
    return _counted(lambda: is_ratelimited(
        request, group=RATE_GROUP, key="ip", rate=settings.PORTAL_CODE_RATE, method=is_ratelimited.ALL,
        increment=increment,
    ))


def _pin_limited(request, code, *, increment: bool = False) -> bool:
    """Per-code throttle for wrong PINs, whatever address they come from: a 4-digit PIN cannot be
    walked through from many addresses (PORTAL_PIN_RATE_PER_CODE). Only wrong PINs count; while the
    code is throttled even the right one waits (else the throttle would say which one is right)."""
    usage = _counted(lambda: get_usage(
        request, group=PIN_RATE_GROUP, key=lambda _group, _request: str(code.pk),
        rate=settings.PORTAL_PIN_RATE_PER_CODE, method=ALL, increment=increment,
    ))
    # Asked before checking a PIN (no increment): the budget is spent once `limit` wrong ones came.
    return usage is not None and usage["count"] >= usage["limit"]


def _throttled(request):
    return render(request, "portal/throttled.html", status=429)


def _counter_away(view):
    """The guessing doors answer 503 "try again shortly" while their counter is unavailable."""
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _CounterUnavailable:
            response = render(request, "portal/throttled.html", {"unavailable": True}, status=503)
            response["Retry-After"] = "60"
            return response
    wrapped.__name__, wrapped.__doc__ = view.__name__, view.__doc__
    return wrapped


# --- entering -------------------------------------------------------------------------------------


@_counter_away
def start(request):
    """Type the code printed beside the QR code."""
    form = EntryCodeForm(request.POST or None)
    if request.method == "POST":
        if _limited(request, increment=True):
            return _throttled(request)
        if form.is_valid():
            code = selectors.active_access_code(entry_code=form.cleaned_data["code"])
            if code is not None:
                return redirect(code.get_absolute_url())
            return _unknown(request)
        return render(request, "portal/start.html", {"form": form}, status=400)
    return render(request, "portal/start.html", {"form": form})


@_counter_away
def code_page(request, token):
    code = _active_code(token)
    if code is None:
        if _limited(request, increment=True):
            return _throttled(request)
        return _unknown(request)
    if not code_sessions.pin_ok(request.session, code):
        return _pin(request, code)
    code_user = code_sessions.code_user_from_session(request.session, code)
    if code_user is None:
        return _identify(request, code)

    query = (request.GET.get("q") or "").strip()[:100]
    active = selectors.code_user_current_tickets(code_user)
    paginator = Paginator(selectors.code_user_archive(code_user, q=query), ARCHIVE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))  # bad → first page, too far → last page
    return render(request, "portal/code.html", {
        "code": code, "code_user": code_user, "active": active, "query": query,
        "archive": page.object_list, "page_obj": page, "paginator": paginator,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
    })


def _pin(request, code):
    form = PinForm(request.POST or None)
    if request.method == "POST" and "pin" in request.POST:
        if _limited(request, increment=True) or _pin_limited(request, code):
            return _throttled(request)
        if form.is_valid() and code.check_pin(form.cleaned_data["pin"]):
            code_sessions.pin_passed(request.session, code)
            return redirect(request.get_full_path())
        if form.is_valid():
            _pin_limited(request, code, increment=True)
            form.add_error("pin", _("This PIN is not right."))
        return render(request, "portal/pin.html", {"code": code, "form": form}, status=403)
    return render(request, "portal/pin.html", {"code": code, "form": PinForm()})


def _identify(request, code):
    form = IdentityForm(request.POST or None, initial={"preferred_language": translation.get_language() or "de"})
    status = 200
    if request.method == "POST" and "display_name" in request.POST:
        if form.is_valid():
            try:
                code_user = services.code_user_create(code, **form.cleaned_data)
            except DomainError as error:
                add_domain_errors(form, error)
                status = error.status_code
            else:
                code_sessions.sign_in_code_user(request.session, code_user)
                target = request.POST.get("next") or code.get_absolute_url()
                if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                    target = code.get_absolute_url()
                response = redirect(target)
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code_user.preferred_language, samesite="Lax")
                return response
        else:
            status = 400
    return render(request, "portal/identify.html", {"code": code, "form": form, "next": request.GET.get("next", "")}, status=status)


# --- creating a ticket ----------------------------------------------------------------------------


def new_ticket(request, token):
    signed_in = _signed_in(request, token)
    if signed_in is None:
        return redirect(f"/c/{token}/") if _active_code(token) else _unknown(request)
    code, code_user = signed_in
    template = code.template
    form = PortalTicketForm(request.POST or None, request.FILES or None, initial={
        "title": template.default_title, "description": template.default_description,
    })
    fields = CustomFieldsForm(template, request.POST or None, prefix="field")
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.ticket_report(
                code_user, template=template, title=form.cleaned_data["title"],
                description=form.cleaned_data["description"], custom_values=_non_empty(fields.values()),
                photos=form.cleaned_data["photos"],
            )
        except DomainError as error:
            add_domain_errors(fields if _names_fields(error, fields) else form, error)
            if error.errors.get("attachments"):
                form.add_error("photos", error.message)
            status = error.status_code
            if error.code == "limit_exceeded":
                messages.error(request, error.message)
        else:
            messages.success(request, _("Thank you! Your ticket %(number)s has been sent to the service desk.") % {"number": ticket.number})
            return redirect(_ticket_url(code, ticket))
    elif request.method == "POST":
        status = 400
    return render(request, "portal/new_ticket.html", {
        "code": code, "code_user": code_user, "form": form, "fields": fields,
    }, status=status)


def _non_empty(values: dict) -> dict:
    return {key: value for key, value in values.items() if value not in ("", None)}


def _names_fields(error, fields_form) -> bool:
    return any(key in fields_form.fields for key in (error.errors or {}))


# --- the public ticket page ------------------------------------------------------------------------


@require_GET
@pages.behind_gate
def attachment(request, token, number, pk):
    """A photo or file of the service log (public updates only; not theirs or a stored file that is
    gone: the portal's 404 page)."""
    _code, code_user, ticket = _ticket_for(request, token, number)
    return attachment_response(selectors.attachment_for(code_user, ticket, pk))


def ticket_page(request, token, number, *, status=200, **forms):
    try:
        code, code_user, ticket = _ticket_for(request, token, number)
    except NotFound:
        return _unknown(request)
    return pages.render_ticket_page(request, code, code_user, ticket, status=status, **forms)


def _act(request, token, number, action, success, *, form_name=None, form=None):
    try:
        code, code_user, ticket = _ticket_for(request, token, number)
    except NotFound:
        return _unknown(request)
    try:
        action(code_user, ticket)
    except DomainError as error:
        if form is not None and error.errors:
            add_domain_errors(form, error)  # next to the field
        else:
            messages.error(request, error.message)
        return ticket_page(request, token, number, status=error.status_code, **({form_name: form} if form_name else {}))
    messages.success(request, success)
    return redirect(_ticket_url(code, ticket))


@require_POST
def post_update(request, token, number):
    form = UpdateForm(request.POST, request.FILES, auto_id=UPDATE_IDS)
    if not form.is_valid():
        return ticket_page(request, token, number, status=400, update_form=form)
    return _act(
        request, token, number,
        lambda cu, t: services.update_post(cu, t, text=form.cleaned_data["text"], attachments=form.cleaned_data["attachments"]),
        _("Thank you, your update has been added."), form_name="update_form", form=form,
    )


@require_POST
def cancel(request, token, number):
    return _act(request, token, number, lambda cu, t: services.ticket_cancel(cu, t), _("Your ticket has been cancelled."))


@require_POST
def give_feedback(request, token, number):
    form = FeedbackForm(request.POST, auto_id=FEEDBACK_IDS)
    if not form.is_valid():
        return ticket_page(request, token, number, status=400, feedback_form=form)
    return _act(
        request, token, number,
        lambda cu, t: services.feedback_submit(cu, t, stars=form.cleaned_data["stars"], text=form.cleaned_data["text"]),
        _("Thank you for your feedback! The ticket is now closed."), form_name="feedback_form", form=form,
    )


@require_POST
def problem_persists(request, token, number):
    form = ProblemForm(request.POST, auto_id=PROBLEM_IDS)
    if not form.is_valid():
        return ticket_page(request, token, number, status=400, problem_form=form)
    return _act(
        request, token, number,
        lambda cu, t: services.feedback_problem_persists(cu, t, text=form.cleaned_data["text"]),
        _("Thank you. We are working on it again."), form_name="problem_form", form=form,
    )


@require_POST
def switch_language(request):
    """The language switcher of the portal: Django's set_language, and the code user's e-mails and
    notices follow the choice."""
    response = django_set_language(request)
    try:
        services.code_users_set_language(code_sessions.code_user_ids(request.session), request.POST.get("language", ""))
    except InvalidInput:
        pass  # Django's set_language ignores an unknown language too; so do we
    return response


@require_http_methods(["GET", "POST"])
def personal_link(request, signed):
    """A bookmarked personal link: signs the code user in on this device and opens their ticket.
    On a device that has not passed the code's PIN, the link asks for it first (the POST of that
    form comes back here, throttled like every PIN). Expired and revoked links say so."""
    try:
        found = code_sessions.resolve_personal_link(signed)
    except code_sessions.PersonalLinkEnded:
        return render(request, "portal/unknown.html", {"entry_form": EntryCodeForm(), "link_ended": True}, status=410)
    if found is None:
        return _unknown(request)
    code_user, ticket = found
    if not code_sessions.pin_ok(request.session, code_user.access_code):
        return _pin(request, code_user.access_code)
    code_sessions.sign_in_code_user(request.session, code_user, link_version=code_user.access_code.links_version)
    services.ticket_follow(code_user, ticket)  # following it through the link: they take part
    response = redirect(_ticket_url(code_user.access_code, ticket))
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code_user.preferred_language, samesite="Lax")
    return response


@csrf_exempt  # the one-click unsubscribe of mail programs (RFC 8058) posts without a session
@require_http_methods(["GET", "POST"])
def unsubscribe(request, signed):
    """The link in every customer e-mail: GET asks (mail scanners follow links), POST stops the
    e-mails about that ticket. A tampered link gets the friendly 404."""
    participant = code_sessions.resolve_unsubscribe(signed)
    if participant is None:
        return _unknown(request)
    done = participant.unsubscribed_at is not None
    if request.method == "POST" and not done:
        participant = services.participant_unsubscribe(participant)
        done = True
    with translation.override(participant.code_user.preferred_language):
        return render(request, "portal/unsubscribe.html", {"participant": participant, "ticket": participant.ticket, "done": done})
