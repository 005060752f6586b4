"""The API app's addresses: ``urlpatterns`` are the REST API under /api/v1/ (namespace ``api``);
``page_urlpatterns`` the staff member's token page under Mein Profil (namespace ``api-tokens``).
Both are included by config/urls.py."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from api.views import fleet, messages, records, settings, tickets, tokens, video_sessions, webhooks
from api.views.tickets import TICKET_NUMBER

app_name = "api"

router = SimpleRouter()
router.register("tickets", tickets.TicketViewSet, basename="ticket")
router.register("templates", settings.TemplateViewSet, basename="template")
router.register("access-codes", settings.AccessCodeViewSet, basename="access-code")
# Under /tickets/{number}/: the fleet (fleet/, fleet/assign/ …, claim/, offers/), the conversation and the
# video sessions.
router.register(fleet.TICKET_PREFIX, fleet.TicketFleetViewSet, basename="ticket-fleet")
router.register(rf"{fleet.TICKET_PREFIX}/messages", messages.TicketMessageViewSet, basename="ticket-message")
router.register(rf"{fleet.TICKET_PREFIX}/video-sessions", video_sessions.VideoSessionViewSet, basename="ticket-video-session")
router.register("offers", fleet.OfferViewSet, basename="offer")
router.register("webhooks", webhooks.EndpointViewSet, basename="webhook")

TICKET = rf"^tickets/(?P<number>{TICKET_NUMBER})/"

urlpatterns = [
    *router.urls,
    re_path(TICKET + r"updates/$", records.UpdateViewSet.as_view({"get": "list", "post": "create"}), name="ticket-updates"),
    re_path(TICKET + r"attachments/(?P<pk>[0-9]{1,9})/$", records.AttachmentView.as_view(), name="ticket-attachment"),
    re_path(TICKET + r"history/$", records.HistoryView.as_view(), name="ticket-history"),
    re_path(TICKET + r"feedback/$", records.FeedbackView.as_view(), name="ticket-feedback"),
]

page_urlpatterns = [
    path("profile/tokens/", tokens.token_list, name="list"),
    path("profile/tokens/<int:pk>/revoke/", tokens.token_revoke, name="revoke"),
]
