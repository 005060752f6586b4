"""The help pages. Each article is a template per language (``guide/<language>/<slug>.html``);
the active language picks it, German when there is none in that language."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

DEFAULT_LANGUAGE = "de"
LANGUAGES = ("de", "en")


@dataclass(frozen=True)
class Article:
    slug: str
    title: Promise

    @property
    def url(self) -> str:
        return reverse("guide:article", args=[self.slug])


# The staff articles in the order the index and the article menu show them (the product manual
# links them from the ticket page under these names).
ARTICLES = [
    Article("ticketing", _("How to use ticketing well")),
    Article("fleet", _("Fleet management")),
    Article("messenger", _("The messenger")),
]
BY_SLUG = {article.slug: article for article in ARTICLES}


def _language() -> str:
    language = (get_language() or DEFAULT_LANGUAGE).split("-")[0].lower()
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def _templates(name: str) -> list[str]:
    return [f"guide/{_language()}/{name}.html", f"guide/{DEFAULT_LANGUAGE}/{name}.html"]


@login_required
@require_GET
def index(request):
    return render(request, _templates("index"), {"articles": ARTICLES, "current": None})


@login_required
@require_GET
def article(request, slug):
    current = BY_SLUG.get(slug)
    if current is None:
        raise Http404("No such help article.")
    return render(request, _templates(slug), {"articles": ARTICLES, "current": current})


def _back_link(request) -> str:
    """Where the code user came from (``?from=``): a portal page of this site, else the start page."""
    target = request.GET.get("from", "")
    if (
        target.startswith("/c/")
        and not target.startswith(reverse("guide:portal"))
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    ):
        return target
    return reverse("portal:start")


@require_GET
def portal_help(request):
    """For code users (no account, no login): reporting, following, the chat, rating, the link."""
    return render(request, _templates("portal"), {"back_url": _back_link(request)})
