from django.urls import path, re_path

from common.converters import NUMBER
from portal import views as portal

app_name = "portal"

TOKEN = r"(?P<token>[A-Za-z0-9_-]{20,64})"

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
]
