"""The REST API's addresses, under /api/v1/ (config/urls.py)."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from api.views import records, settings, tickets
from api.views.tickets import TICKET_NUMBER

app_name = "api"

router = SimpleRouter()
router.register("tickets", tickets.TicketViewSet, basename="ticket")
router.register("templates", settings.TemplateViewSet, basename="template")
router.register("access-codes", settings.AccessCodeViewSet, basename="access-code")

TICKET = rf"^tickets/(?P<number>{TICKET_NUMBER})/"

urlpatterns = [
    *router.urls,
    re_path(TICKET + r"updates/$", records.UpdateViewSet.as_view({"get": "list", "post": "create"}), name="ticket-updates"),
    re_path(TICKET + r"attachments/(?P<pk>[0-9]{1,9})/$", records.AttachmentView.as_view(), name="ticket-attachment"),
    re_path(TICKET + r"history/$", records.HistoryView.as_view(), name="ticket-history"),
    re_path(TICKET + r"feedback/$", records.FeedbackView.as_view(), name="ticket-feedback"),
]
