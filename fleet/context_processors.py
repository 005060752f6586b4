from django.conf import settings


def staff(request):
    """Values the base layout needs on every page: the side menu's and top bar's badges."""
    context = {"LEITSTAND_PRODUCTION": settings.PRODUCTION}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from fleet.selectors import badge_counts

        context["badges"] = badge_counts(user)
    return context
