from django.urls import path

from guide import views

app_name = "guide"

urlpatterns = [
    path("help/", views.index, name="index"),
    path("help/<slug:slug>/", views.article, name="article"),
    # The code users' page lives beside the portal's (/c/…) and needs no login, like them.
    path("c/help/", views.portal_help, name="portal"),
]
