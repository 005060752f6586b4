from django.urls import path, re_path

from common.converters import NUMBER
from portal import video, views as portal

app_name = "portal"

TOKEN = r"(?P<token>[A-Za-z0-9_-]{20,64})"
PK = r"(?P<pk>[0-9]{1,12})"

urlpatterns = [
    path("c/", portal.start, name="start"),
    path("c/language/", portal.switch_language, name="language"),
    re_path(r"^c/t/(?P<signed>[A-Za-z0-9_:.\-]{10,300})/$", portal.personal_link, name="link"),
    re_path(r"^c/unsubscribe/(?P<signed>[A-Za-z0-9_:.\-]{10,300})/$", portal.unsubscribe, name="unsubscribe"),
    re_path(rf"^c/{TOKEN}/$", portal.code_page, name="code"),
    re_path(rf"^c/{TOKEN}/new/$", portal.new_ticket, name="new-ticket"),
    re_path(rf"^c/{TOKEN}/tickets/{NUMBER}/$", portal.ticket_page, name="ticket"),
    re_path(rf"^c/{TOKEN}/tickets/{NUMBER}/updates/$", portal.post_update, name="post-update"),
    re_path(rf"^c/{TOKEN}/tickets/{NUMBER}/attachments/(?P<pk>[0-9]{{1,12}})/$", portal.attachment, name="attachment"),
    re_path(rf"^c/{TOKEN}/tickets/{NUMBER}/cancel/$", portal.cancel, name="cancel"),
    re_path(rf"^c/{TOKEN}/tickets/{NUMBER}/feedback/$", portal.give_feedback, name="feedback"),
    re_path(rf"^c/{TOKEN}/tickets/{NUMBER}/problem/$", portal.problem_persists, name="problem"),
    # video sessions (portal.video)
    re_path(rf"^c/{TOKEN}/tickets/{NUMBER}/video/$", video.request_session, name="video-request"),
    re_path(rf"^c/{TOKEN}/tickets/{NUMBER}/video/{PK}/$", video.call_page, name="video-call"),
    re_path(rf"^c/{TOKEN}/tickets/{NUMBER}/video/{PK}/rate/$", video.rate, name="video-rate"),
    re_path(rf"^c/{TOKEN}/tickets/{NUMBER}/video/{PK}/snapshots/$", video.snapshot_upload, name="video-snapshot-upload"),
    re_path(rf"^c/{TOKEN}/tickets/{NUMBER}/video/{PK}/snapshots/(?P<snapshot>[0-9]{{1,12}})/$", video.snapshot_image, name="video-snapshot"),
    re_path(rf"^c/{TOKEN}/tickets/{NUMBER}/video/{PK}/(?P<name>[a-z]{{1,20}})/$", video.transition, name="video-transition"),
]
