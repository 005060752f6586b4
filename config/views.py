from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@login_required
def home(request):
    """The start page of a logged-in staff member."""
    return render(request, "home.html")


@require_GET
def health(request):
    """Liveness and readiness: answers only when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
