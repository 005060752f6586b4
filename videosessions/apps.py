from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VideosessionsConfig(AppConfig):
    name = "videosessions"
    verbose_name = _("Video sessions")
