"""Who reacts to which domain event, and in which order: one list for the whole project.

Subscribers of one event run in the order given here (then those of "*"), after the
transaction commits (``common.events``). The order matters where two subscribers write into the
same conversation: the messenger's status notice ("… → Fertig") comes before the request for
feedback. Registered once by ``config.apps.ConfigConfig.ready`` (the last installed app).
"""

SUBSCRIPTIONS: list[tuple[str, str]] = [
    # A ticket became Offen (submitted, or released by its last assignee): offers go out.
    ("ticket.transitioned", "fleet.services.send_offers_on_open"),
    # Every status change of a public ticket: a system message in its conversation …
    ("ticket.transitioned", "messenger.services.post_status_notice"),
    # … then, when it became Fertig and its template asks for it, the request for a rating …
    ("ticket.transitioned", "messenger.services.request_feedback_on_done"),
    # … and an e-mail to the code user who opened it (a Celery task).
    ("ticket.transitioned", "portal.emails.email_code_user_on_status_change"),
    # Every event: the open ticket pages and lists update themselves.
    ("*", "messenger.live.push_page_event"),
]
