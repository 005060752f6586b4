from django.contrib.auth import views as auth_views
from django.urls import path, re_path, reverse_lazy

from fleet import views
from fleet.forms import LoginForm, SetPasswordForm

app_name = "fleet"

NUMBER = r"(?P<number>[0-9]{4}-[0-9]{6})"

urlpatterns = [
    path("offers/", views.offers, name="offers"),
    path("offers/<int:pk>/accept/", views.offer_accept, name="offer-accept"),
    path("offers/<int:pk>/decline/", views.offer_decline, name="offer-decline"),
    path("offers/<int:pk>/withdraw/", views.offer_withdraw, name="offer-withdraw"),
    path("notifications/", views.notifications, name="notifications"),
    path("profile/", views.profile, name="profile"),
    re_path(rf"^tickets/{NUMBER}/fleet/assign/$", views.assign, name="assign"),
    re_path(rf"^tickets/{NUMBER}/fleet/unassign/$", views.unassign, name="unassign"),
    re_path(rf"^tickets/{NUMBER}/fleet/offer/$", views.send_offer, name="send-offer"),
    re_path(rf"^tickets/{NUMBER}/fleet/forward/$", views.forward, name="forward"),
    re_path(rf"^tickets/{NUMBER}/fleet/release/$", views.release, name="release"),
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
