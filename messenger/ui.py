"""What the messenger panel template needs (shared by the staff and the code-user pages)."""

from django.conf import settings
from django.utils.translation import gettext as _


def panel_context(ticket) -> dict:
    return {
        "messenger_max_length": settings.MESSENGER_MAX_LENGTH,
        "messenger_i18n": {
            "reconnecting": _("Reconnecting … What you write meanwhile is sent as soon as the connection is back."),
            "retrying": _("sending again shortly …"),
            "forbidden": _("You cannot follow this conversation."),
            "seen": _("seen"),
            "sending": _("sending …"),
            "typing": _("%s is typing …"),
            "here": _("Here right now:"),
            "system": _("System"),
            "staff": _("Staff"),
            "codeUser": _("Code user"),
            "tooLong": _("This message is too long."),
        },
    }
