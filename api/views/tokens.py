"""The personal API token page (``/profile/tokens/``, under Mein Profil): a staff member lists,
makes and revokes their own tokens. Each view parses the input, calls ``api.services`` or
``api.selectors`` and renders; the rules live in the services.

A new token is shown once, in the answer to the POST that made it (never stored, never
redirected to, and that answer is not cached)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from api import selectors, services
from api.forms import TokenForm
from common.errors import DomainError
from common.links import absolute_url
from tickets.forms import add_domain_errors

# Where a client finds the tickets (the REST API's first endpoint): for the example on the page.
EXAMPLE_PATH = "/api/v1/tickets/"


def _page(request, form, *, status=200, created=None, raw_token=None):
    tokens = selectors.tokens_by_state(request.user)
    context = {"form": form, "active_tokens": tokens.active, "ended_tokens": tokens.ended, "created": created}
    if raw_token is not None:
        context["raw_token"] = raw_token
        context["example_url"] = absolute_url(EXAMPLE_PATH, base_url=request.build_absolute_uri("/"))
    return render(request, "api/tokens.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def token_list(request):
    """The list and the form; a POST makes a token and shows it, this once."""
    if request.method == "GET":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        token, raw = services.token_create(request.user, **form.cleaned_data)
    except DomainError as error:
        add_domain_errors(form, error)
        return _page(request, form, status=error.status_code)
    response = _page(request, TokenForm(), created=token, raw_token=raw)
    add_never_cache_headers(response)  # the token must not stay in any cache
    return response


@require_POST
@login_required
def token_revoke(request, pk):
    token = services.token_revoke(request.user, pk)  # someone else's: NotFound, the 404 page
    messages.success(request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name})
    return redirect(reverse("api-tokens:list") + "#ended-tokens")
