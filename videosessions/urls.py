"""Staff addresses of video sessions (the code user's are in ``portal.urls``).

The ticket's tab lists and creates sessions (``views``); the call page, its snapshots and their
pictures are ``call_views``.
"""

from django.urls import path, re_path

from common.converters import NUMBER
from videosessions import call_views, views

app_name = "videosessions"

PK = r"(?P<pk>[0-9]{1,12})"

urlpatterns = [
    path("tickets/<ticket:number>/video/new/", views.create, name="create"),
    path("tickets/<ticket:number>/video/start-now/", views.start_now, name="start-now"),
    re_path(rf"^tickets/{NUMBER}/video/{PK}/(?P<name>[a-z]{{1,20}})/$", views.transition, name="transition"),
    re_path(rf"^video/{PK}/$", call_views.call_page, name="call"),
    re_path(rf"^video/{PK}/snapshots/$", call_views.snapshot_upload, name="snapshot-upload"),
    re_path(rf"^video/(?P<session_pk>[0-9]{{1,12}})/snapshots/{PK}/$", call_views.snapshot_image, name="snapshot"),
]
