from django.urls import path, re_path

from messenger import consumers

websocket_urlpatterns = [
    re_path(r"^ws/tickets/(?P<number>[0-9]{4}-[0-9]{6})/$", consumers.TicketConsumer.as_asgi()),
    path("ws/tickets/", consumers.TicketListConsumer.as_asgi()),
]
