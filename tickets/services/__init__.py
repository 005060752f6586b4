"""Every change to tickets goes through these functions, one module per topic.

Each takes the acting user (a staff member, a code user, or None for the system) first, checks
permission with the access rules (``tickets.permissions``, ``tickets.lifecycle``), changes the
database in one transaction, writes the ticket history and publishes exactly one domain event
after commit (``common.event_catalogue``). Pages, the REST API, WebSocket consumers, Celery tasks
and the admin call them; they only parse input and render the result.

- ``editing``: creating a ticket, general information, template fields, the wizard's steps
- ``transitions``: the lifecycle (options with reasons, a transition, the status bar's SPEICHERN)
- ``visibility``: Intern / Öffentlich
- ``updates``: the public service log and internal updates, with attachments
- ``reports``: a code user's report from the portal (create, submit, photos)
- ``access_codes``: access codes and code users
- ``templates``: ticket templates and their custom fields
- ``participation``: which code users take part in a ticket, and their e-mail digest
- ``feedback``: the code user's rating, "problem not solved", closing without an answer
- ``support``: the row lock, the history record and the event, shared by all of them
"""

from tickets.services.access_codes import (  # noqa: F401
    access_code_create,
    access_code_revoke_links,
    access_code_set_active,
    access_code_set_pin,
    access_code_update,
    code_user_create,
    code_users_set_language,
    validate_pin,
)
from tickets.services.editing import (  # noqa: F401
    DESCRIPTION_MAX,
    TITLE_MAX,
    next_ticket_number,
    ticket_complete_access_step,
    ticket_create,
    ticket_update_fields,
)
from tickets.services.feedback import feedback_problem_persists, feedback_submit, tickets_autoclose  # noqa: F401
from tickets.services.participation import (  # noqa: F401
    digest_schedule,
    digest_sent,
    digest_start,
    participant_seen,
    participant_unsubscribe,
    participate,
    ticket_follow,
)
from tickets.services.reports import ticket_create_complete, ticket_report  # noqa: F401
from tickets.services.support import history_record, lock_ticket, require_staff  # noqa: F401
from tickets.services.templates import (  # noqa: F401
    FIELD_FIELDS,
    MAX_ASSIGNEES,
    MAX_OFFER_VALIDITY,
    TEMPLATE_FIELDS,
    template_create,
    template_field_add,
    template_field_move,
    template_field_remove,
    template_field_update,
    template_update,
)
from tickets.services.transitions import (  # noqa: F401
    TRANSITION_LABELS,
    TRANSITIONS,
    TransitionOption,
    ticket_available_transitions,
    ticket_cancel,
    ticket_close,
    ticket_finish,
    ticket_move_to,
    ticket_reopen,
    ticket_save_status,
    ticket_start,
    ticket_submit,
    ticket_transition,
    ticket_transition_options,
)
from tickets.services.updates import update_post  # noqa: F401
from tickets.services.visibility import ticket_set_visibility  # noqa: F401
