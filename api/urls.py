"""The REST API's addresses, under /api/v1/ (config/urls.py)."""

from rest_framework.routers import SimpleRouter

from api.views import fleet, messages, tickets

app_name = "api"

router = SimpleRouter()
router.register("tickets", tickets.TicketViewSet, basename="ticket")
# Under /tickets/{number}/: the fleet (fleet/, fleet/assign/ …, claim/, offers/) and the conversation.
router.register(fleet.TICKET_PREFIX, fleet.TicketFleetViewSet, basename="ticket-fleet")
router.register(rf"{fleet.TICKET_PREFIX}/messages", messages.TicketMessageViewSet, basename="ticket-message")
router.register("offers", fleet.OfferViewSet, basename="offer")

urlpatterns = router.urls
