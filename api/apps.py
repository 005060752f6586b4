from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API's own parts: personal API tokens (issue 21, first step); the endpoints follow."""

    name = "api"
    verbose_name = _("API")
