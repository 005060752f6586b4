"""WebSocket routes of all apps, collected in one list for config.asgi."""

from messenger.routing import websocket_urlpatterns as messenger_routes
from videosessions.routing import websocket_urlpatterns as video_routes

websocket_urlpatterns = [*messenger_routes, *video_routes]
