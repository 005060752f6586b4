from django.conf import settings


def staff(request):
    """Values the base layout needs on every page."""
    return {"LEITSTAND_PRODUCTION": settings.PRODUCTION}
