"""The API app's URLs. ``page_urlpatterns``: the staff member's token page under Mein Profil
(included by config/urls.py with the namespace ``api-tokens``)."""

from django.urls import path

from api.views import tokens

page_urlpatterns = [
    path("profile/tokens/", tokens.token_list, name="list"),
    path("profile/tokens/<int:pk>/revoke/", tokens.token_revoke, name="revoke"),
]
