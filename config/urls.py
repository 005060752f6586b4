from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import set_language

from api import urls as api_urls
from api.errors import not_found_view
from api.views import docs as api_docs
from config import views
from fleet import urls as fleet_urls

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include(fleet_urls.auth_urlpatterns)),
    path("", include("fleet.urls")),
    path("", include((api_urls.page_urlpatterns, "api-tokens"))),
    path("", include("tickets.urls")),
    path("", include("guide.urls")),
    path("", include("portal.urls")),
    path("", include("videosessions.urls")),
    path("settings/", include("administration.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    # Staff only: the schema like every API endpoint (401/403 with the error body), the page like every staff page.
    path("api/schema/", api_docs.schema, name="api-schema"),
    path("api/docs/", api_docs.docs, name="api-docs"),
    re_path(r"^api/", not_found_view),  # every other address under /api/: the API's own 404 body
]
