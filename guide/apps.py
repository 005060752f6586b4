from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuideConfig(AppConfig):
    """The in-app help: the manual's articles as pages of the product (staff at /help/, code users
    at /c/help/), one template per article and language under templates/guide/<language>/."""

    name = "guide"
    verbose_name = _("Help")
