"""Who reacts to which domain event, and in which order: one list for the whole project.

Subscribers of one event run in the order given here, after the transaction commits
(``common.events``); every name is an event of the catalogue (``tickets/events.py``). The order matters where two subscribers write into the
same conversation: the messenger's status notice ("… → Fertig") comes before the request for
feedback. Registered once by ``config.apps.ConfigConfig.ready`` (the last installed app).
"""

from tickets.events import CATALOGUE
from tickets.selectors import FINAL_COUNTS_EVENTS
from webhooks.catalogue import SOURCES as WEBHOOK_SOURCES

SUBSCRIPTIONS: list[tuple[str, str]] = [
    # A ticket became Offen (submitted, or released by its last assignee): offers go out.
    ("ticket.transitioned", "fleet.services.send_offers_on_open"),
    # Every status change of a public ticket: a system message in its conversation …
    ("ticket.transitioned", "messenger.services.post_status_notice"),
    # … then, when it became Fertig and its template asks for it, the request for a rating …
    ("ticket.transitioned", "messenger.services.request_feedback_on_done"),
    # … and an e-mail to the code user who opened it (a Celery task).
    ("ticket.transitioned", "portal.emails.email_code_user_on_status_change"),
    # Staff answered a public ticket: the participating customers hear by e-mail (batched).
    ("messenger.message_posted", "portal.emails.queue_customer_emails"),
    ("ticket.update_posted", "portal.emails.queue_customer_emails"),
    # A new assignee's unread count, taken again now that the assignment is committed.
    ("fleet.assignee_added", "messenger.services.unread_settle"),
    ("fleet.forwarded", "messenger.services.unread_settle"),
    # Who took, released or forwarded a public ticket: a notice with names in its conversation.
    ("fleet.assignee_added", "messenger.services.post_fleet_notice"),
    ("fleet.assignee_removed", "messenger.services.post_fleet_notice"),
    ("fleet.forwarded", "messenger.services.post_fleet_notice"),
    # Video sessions: the call closes when its session ends; code users leave calls they may no longer see.
    ("video.session_changed", "videosessions.live.push_call_event"),
    ("ticket.visibility_changed", "videosessions.live.revoke_code_users"),
    ("ticket.changed", "videosessions.live.revoke_code_users"),
    ("access_code.switched", "videosessions.live.revoke_code_users"),
    # … and the conversation announces a session that starts or is asked for.
    ("video.session_changed", "messenger.services.post_video_notice"),
    # The staff list's cached counts of Geschlossen/Abgebrochen are outdated.
    *[(name, "tickets.selectors.forget_final_counts") for name in FINAL_COUNTS_EVENTS],
    # Every event that makes a webhook type: deliveries to the endpoints that subscribed (sent by a
    # Celery task or, in-process, a background thread: the action never waits for an endpoint).
    *[(name, "webhooks.services.queue_deliveries") for name in CATALOGUE if name in WEBHOOK_SOURCES],
    # Last, for every event of the catalogue: the open ticket pages and lists update themselves.
    *[(name, "messenger.live.push_page_event") for name in CATALOGUE],
]
