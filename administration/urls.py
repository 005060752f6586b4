from django.urls import path

from administration import views

app_name = "administration"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_create, name="template-create"),
    path("templates/<int:pk>/", views.template_edit, name="template-edit"),
    path("templates/<int:pk>/fields/new/", views.template_field_add, name="template-field-add"),
    path("templates/<int:pk>/fields/<int:field_pk>/", views.template_field_edit, name="template-field-edit"),
    path("templates/<int:pk>/fields/<int:field_pk>/remove/", views.template_field_remove, name="template-field-remove"),
    path("templates/<int:pk>/fields/<int:field_pk>/move/", views.template_field_move, name="template-field-move"),
    path("codes/", views.code_list, name="codes"),
    path("codes/new/", views.code_create, name="code-create"),
    path("codes/labels/", views.code_labels, name="code-labels"),
    path("codes/<int:pk>/", views.code_edit, name="code-edit"),
    path("codes/<int:pk>/active/", views.code_set_active, name="code-set-active"),
    path("codes/<int:pk>/links/revoke/", views.code_revoke_links, name="code-revoke-links"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/invite/", views.staff_invite, name="staff-invite"),
    path("staff/<int:pk>/", views.staff_edit, name="staff-edit"),
    path("staff/<int:pk>/deactivate/", views.staff_deactivate, name="staff-deactivate"),
    path("staff/<int:pk>/reactivate/", views.staff_reactivate, name="staff-reactivate"),
    path("staff/<int:pk>/invitation/", views.staff_resend_invitation, name="staff-resend-invitation"),
    path("webhooks/", views.webhook_list, name="webhooks"),
    path("webhooks/new/", views.webhook_create, name="webhook-create"),
    path("webhooks/<int:pk>/", views.webhook_edit, name="webhook-edit"),
    path("webhooks/<int:pk>/active/", views.webhook_set_active, name="webhook-set-active"),
    path("webhooks/<int:pk>/secret/", views.webhook_rotate_secret, name="webhook-rotate-secret"),
    path("webhooks/<int:pk>/test/", views.webhook_send_test, name="webhook-send-test"),
    path("webhooks/<int:pk>/delete/", views.webhook_delete, name="webhook-delete"),
    path("webhooks/<int:pk>/deliveries/<int:delivery_pk>/resend/", views.webhook_resend, name="webhook-resend"),
]
