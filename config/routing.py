"""WebSocket routes of all apps, collected in one list for config.asgi."""

from messenger.routing import websocket_urlpatterns as messenger_routes

websocket_urlpatterns = [*messenger_routes]
