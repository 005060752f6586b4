"""The REST API's addresses, under /api/v1/ (config/urls.py)."""

from rest_framework.routers import SimpleRouter

from api.views import tickets

app_name = "api"

router = SimpleRouter()
router.register("tickets", tickets.TicketViewSet, basename="ticket")

urlpatterns = router.urls
