from django.conf import settings

from fleet.selectors import badge_counts


def staff(request):
    """Values the base layout needs on every page: the side menu's and top bar's badges."""
    context = {"LEITSTAND_PRODUCTION": settings.PRODUCTION}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["badges"] = badge_counts(user)
    return context
