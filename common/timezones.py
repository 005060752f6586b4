"""Which time zone a person sees dates and times in: their own setting, else the desk's TIME_ZONE."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.translation import gettext as _


@lru_cache(maxsize=1)
def time_zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def is_valid_time_zone(name: str) -> bool:
    return name in time_zone_names()


def time_zone_for(user) -> ZoneInfo:
    """Staff choose theirs (``fleet.User.time_zone``); code users and visitors get ``TIME_ZONE``."""
    name = getattr(user, "time_zone", "") or ""
    return ZoneInfo(name if is_valid_time_zone(name) else settings.TIME_ZONE)


class TimeZoneMiddleware:
    """Activate the request user's time zone for every page (after AuthenticationMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timezone.activate(time_zone_for(getattr(request, "user", None)))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def datetime_format(request):
    """Context processor: the page's date/time pattern, handed to scripts that render times."""
    return {"DATETIME_FORMAT_PATTERN": get_format("DATETIME_FORMAT")}


def time_zone_choices() -> list[tuple[str, str]]:
    """For a select: the desk's default first (stored as empty), then every IANA zone."""
    default = _("Default (%(zone)s)") % {"zone": settings.TIME_ZONE}
    return [("", default)] + [(zone, zone) for zone in time_zone_names()]
