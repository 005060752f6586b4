"""Tickets, their templates, updates, history, feedback and access codes, one module per topic.

The progress status is a django-fsm state machine (see ``tickets.lifecycle`` for who may do
what). Nothing here sends messages or e-mails: the services publish domain events after commit.
Everything is importable from ``tickets.models`` (the migrations name some functions there).
"""

from tickets.models.access import (  # noqa: F401
    ENTRY_CODE_ALPHABET,
    AccessCode,
    CodeUser,
    generate_entry_code,
    generate_token,
    normalize_entry_code,
)
from tickets.models.feedback import FEEDBACK_TEXT_MAX, STARS_MAX, STARS_MIN, Feedback, stars_display  # noqa: F401
from tickets.models.log import AppendOnlyModel, Attachment, TicketHistory, TicketUpdate, attachment_path  # noqa: F401
from tickets.models.templates import (  # noqa: F401
    TemplateField,
    TicketTemplate,
    _all_steps,  # the migrations name it
)
from tickets.models.ticket import Ticket, TicketGroupObjectPermission, TicketNumberSequence, TicketUserObjectPermission  # noqa: F401
from tickets.models.participation import ParticipationKind, TicketParticipant  # noqa: F401
