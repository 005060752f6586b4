from django.urls import path, re_path

from common.converters import NUMBER
from tickets.views import archive, attachments, codes, detail, list as list_views, wizard

app_name = "tickets"

urlpatterns = [
    path("tickets/", list_views.ticket_list, name="list"),
    path("tickets/new/", wizard.start, name="create"),
    path("tickets/archive/", archive.ticket_archive, name="archive"),
    path("tickets/<ticket:number>/", detail.ticket_detail, name="detail"),
    re_path(rf"^tickets/{NUMBER}/(?P<tab>updates|internal|fleet|video|history)/$", detail.ticket_detail, name="tab"),
    path("tickets/<ticket:number>/status/", detail.change_status, name="change-status"),
    path("tickets/<ticket:number>/status-bar/", detail.status_bar, name="status-bar"),
    path("tickets/<ticket:number>/updates/new/", detail.post_update, name="post-update"),
    re_path(rf"^tickets/{NUMBER}/attachments/(?P<pk>[0-9]{{1,12}})/$", attachments.staff_attachment, name="attachment"),
    re_path(rf"^tickets/{NUMBER}/wizard/(?P<step>general|fields|access|summary)/$", wizard.step, name="wizard"),
    re_path(r"^codes/(?P<pk>[0-9]+)/qr\.(?P<fmt>svg|png)$", codes.access_code_qr, name="access-code-qr"),
]
