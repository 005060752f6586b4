"""The languages of the product, once: ``settings.LANGUAGES``; pickers show each in its own
language ("Deutsch", "English"), so people find theirs whatever the page's language."""

from django.conf import settings
from django.utils.translation import get_language_info


def language_choices() -> list[tuple[str, str]]:
    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


def is_language(code) -> bool:
    return code in dict(settings.LANGUAGES)
