from channels.auth import AuthMiddleware
from django.urls import path, re_path

from common.converters import NUMBER
from messenger import consumers

websocket_urlpatterns = [
    re_path(rf"^ws/tickets/{NUMBER}/$", consumers.TicketConsumer.as_asgi()),
    path("ws/tickets/", AuthMiddleware(consumers.TicketListConsumer.as_asgi())),
]
