from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tickets import selectors
from tickets.choices import PROGRESS_ORDER, Status


@login_required
def home(request):
    """The start page of a logged-in staff member: where the tickets stand."""
    counts = selectors.status_counts(request.user)
    status_cards = [(status, counts.get(status, 0)) for status in [*PROGRESS_ORDER, Status.CANCELLED]]
    return render(request, "home.html", {"status_cards": status_cards, "my_active_tickets": selectors.my_active_count(request.user)})


@require_GET
def health(request):
    """Liveness and readiness: answers only when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
