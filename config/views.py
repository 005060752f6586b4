from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tickets import selectors
from tickets.choices import PROGRESS_ORDER, Status


@login_required
def home(request):
    """The start page of a logged-in staff member: where the tickets stand."""
    tickets = selectors.tickets_for_staff(request.user)
    counts = dict(tickets.order_by().values_list("status").annotate(n=Count("id")))
    status_cards = [(status, counts.get(status, 0)) for status in [*PROGRESS_ORDER, Status.CANCELLED]]
    mine = selectors.tickets_assigned_to(request.user, tickets).exclude(status__in=[Status.CLOSED, Status.CANCELLED]).count()
    return render(request, "home.html", {"status_cards": status_cards, "my_active_tickets": mine})


@require_GET
def health(request):
    """Liveness and readiness: answers only when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
