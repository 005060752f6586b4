"""Celery application. With REDIS_URL unset, tasks run eagerly in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("leitstand")
# The app of every thread (daphne runs sync code in worker threads; webhooks.services asks
# celery.current_app whether tasks run in-process).
app.set_default()
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
