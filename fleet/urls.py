from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

import common.converters  # noqa: F401  (registers <ticket:…>)
from fleet import views
from fleet.forms import LoginForm, SetPasswordForm

app_name = "fleet"


urlpatterns = [
    path("offers/", views.offers, name="offers"),
    path("offers/<int:pk>/accept/", views.offer_accept, name="offer-accept"),
    path("offers/<int:pk>/decline/", views.offer_decline, name="offer-decline"),
    path("offers/<int:pk>/withdraw/", views.offer_withdraw, name="offer-withdraw"),
    path("notifications/", views.notifications, name="notifications"),
    path("profile/", views.profile, name="profile"),
    path("tickets/<ticket:number>/fleet/assign/", views.assign, name="assign"),
    path("tickets/<ticket:number>/fleet/unassign/", views.unassign, name="unassign"),
    path("tickets/<ticket:number>/fleet/offer/", views.send_offer, name="send-offer"),
    path("tickets/<ticket:number>/fleet/forward/", views.forward, name="forward"),
    path("tickets/<ticket:number>/fleet/release/", views.release, name="release"),
    path("tickets/<ticket:number>/fleet/claim/", views.claim, name="claim"),
]

# Login and logout keep their global names (settings.LOGIN_URL = "login").
auth_urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The invitation's link (fleet.staff_services.set_password_url): choose your password.
    path(
        "password/set/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            form_class=SetPasswordForm,
            template_name="registration/password_set_confirm.html",
            success_url=reverse_lazy("password-set-done"),
        ),
        name="password-set",
    ),
    path(
        "password/set/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/password_set_done.html"),
        name="password-set-done",
    ),
]
