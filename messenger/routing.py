"""WebSocket routes of the messenger (the per-ticket consumer arrives with the messenger issue)."""

websocket_urlpatterns: list = []
