from django.urls import re_path

from tickets import views

app_name = "tickets"

urlpatterns = [
    re_path(r"^codes/(?P<pk>[0-9]+)/qr\.(?P<fmt>svg|png)$", views.access_code_qr, name="access-code-qr"),
]
