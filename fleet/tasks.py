from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from fleet import services
from fleet.models import Notification


@shared_task
def expire_offers() -> int:
    return services.offers_expire()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_email(notification_id: int) -> None:
    notification = Notification.objects.select_related("user", "ticket").filter(pk=notification_id).first()
    if notification is None or not notification.user.email:
        return
    with translation.override(notification.user.preferred_language):
        context = {"notification": notification, "user": notification.user, "base_url": settings.PUBLIC_BASE_URL}
        subject = f"[Leitstand] {notification.get_kind_display()}"
        text = render_to_string("email/notification.txt", context)
        html = render_to_string("email/notification.html", context)
    send_mail(subject, text, None, [notification.user.email], html_message=html)
