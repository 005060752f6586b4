from django.urls import path

from videosessions import consumers

websocket_urlpatterns = [
    path("ws/video/<int:session_id>/", consumers.VideoConsumer.as_asgi()),
]
