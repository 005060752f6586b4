from celery import shared_task

from videosessions import services


@shared_task
def sweep() -> dict[str, int]:
    """Every minute (Celery beat): missed sessions, sessions everybody left, silent sockets."""
    return services.sweep()
