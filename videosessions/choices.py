from django.db import models
from django.utils.translation import pgettext_lazy

from tickets.choices import VideoSessionState


SessionState = VideoSessionState  # declared in tickets.choices (the ticket's history names the states)

# Sessions that can still be joined (a requested one only by staff, which starts it).
OPEN_STATES = (SessionState.REQUESTED, SessionState.CONFIRMED, SessionState.RUNNING)
FINAL_STATES = (SessionState.ENDED, SessionState.CANCELLED, SessionState.MISSED)


class Provider(models.TextChoices):
    """Where the call takes place: the browsers among themselves (a WebRTC mesh of up to
    VIDEO_MESH_MAX participants), or an external room service (a Jitsi Meet server)."""

    MESH = "mesh", pgettext_lazy("video provider", "In the browser")
    JITSI = "jitsi", pgettext_lazy("video provider", "Jitsi Meet")
