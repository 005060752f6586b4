"""The floor for ``bench_messenger``: the least a Channels application can do for a chat's fan-out.

A bare ASGI application, no Django project: one WebSocket route ``ws/floor/<ticket>/`` whose
consumer joins the group ``floor.<ticket>`` on connect and, for every frame
``{"type": "message.send", "text", "client_id"}``, does one ``group_send`` of it to the group
(every member, the sender included, forwards it to its socket as ``chat.message``, as Leitstand
does) and acknowledges it to the sender. It stores nothing and checks no one. The channel layer is
Leitstand's own ``CHANNEL_LAYERS`` (``config.settings``, read from the same ``REDIS_URL``,
``CHANNEL_LAYER_BACKEND`` and ``CHANNEL_LAYER_PREFIX``), so the comparison differs only in what
Leitstand does on top: sessions, permissions, storing, numbering, presence.

Run by the bench as ``python -m daphne -b 127.0.0.1 -p PORT bench.floor:application``.
"""

from __future__ import annotations

import json

import django
from django.conf import settings

if not settings.configured:
    from config import settings as leitstand  # reading the environment only; no Django setup

    if not leitstand.REDIS_URL:
        raise SystemExit("bench.floor needs REDIS_URL: two processes share their groups through Redis")
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-floor-no-secrets-here",
        ALLOWED_HOSTS=["127.0.0.1"],
        INSTALLED_APPS=[],
        DATABASES={},
        USE_TZ=True,
        CHANNEL_LAYERS=leitstand.CHANNEL_LAYERS,
        LOGGING=leitstand.LOGGING,
    )
    django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402  (needs settings)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402


class FloorConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.group = f"floor.{self.scope['url_route']['kwargs']['ticket']}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send(text_data=json.dumps({"type": "hello"}))

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        try:
            frame = json.loads(text_data if text_data is not None else bytes_data)
        except (TypeError, ValueError):
            frame = None
        if not isinstance(frame, dict) or frame.get("type") != "message.send":
            await self.send(text_data=json.dumps({"type": "error", "code": "unknown_type"}))
            return
        message = {"text": frame.get("text"), "client_id": frame.get("client_id")}
        await self.channel_layer.group_send(self.group, {"type": "chat.message", "message": message})
        await self.send(text_data=json.dumps({"type": "message.ack", "client_id": message["client_id"]}))

    async def chat_message(self, event):
        await self.send(text_data=json.dumps({"type": "chat.message", "message": event["message"]}))


async def health(scope, receive, send):
    """GET /health/ (or anything over HTTP): 200, so the bench knows the process is up."""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


application = ProtocolTypeRouter(
    {
        "http": health,
        "websocket": URLRouter([path("ws/floor/<str:ticket>/", FloorConsumer.as_asgi())]),
    }
)
