from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# The progress states in the order the status bar shows them; Abgebrochen stands apart.
PROGRESS_ORDER = [Status.DRAFT, Status.OPEN, Status.ASSIGNED, Status.IN_PROGRESS, Status.DONE, Status.CLOSED]
FINAL_STATES = [Status.CLOSED, Status.CANCELLED]
ACTIVE_STATES = [s for s in Status if s not in FINAL_STATES]


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    PUBLIC = "public", _("Public")


class CreationStep(models.TextChoices):
    """The steps of the creation wizard a template may require before a ticket is submitted."""

    GENERAL = "general", _("General information")
    FIELDS = "fields", _("Template fields")
    ACCESS = "access", _("Code and visibility")


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    CHOICE = "choice", _("Choice")
    DATE = "date", _("Date")
    CHECKBOX = "checkbox", _("Checkbox")


class OfferRecipients(models.TextChoices):
    ALL_STAFF = "all", _("All staff")
    GROUP = "group", _("Members of a group")
    MEMBERS = "members", _("Chosen members")


class UpdateKind(models.TextChoices):
    PUBLIC = "public", _("Public update")
    INTERNAL = "internal", _("Internal update")


class HistoryAction(models.TextChoices):
    CREATED = "created", _("Created")
    TRANSITION = "transition", _("Status changed")
    VISIBILITY = "visibility", _("Visibility changed")
    FIELDS = "fields", _("Fields changed")
    STEP = "step", _("Creation step completed")
    UPDATE = "update", _("Update written")
    ASSIGNMENT = "assignment", _("Assignment changed")
    OFFER = "offer", _("Offer")
    FEEDBACK = "feedback", _("Feedback")
    VIDEO = "video", _("Video session")


class VideoSessionState(models.TextChoices):
    """A video session's life (``videosessions``; here, beside the ticket's, so that the ticket's
    history can name the states)."""

    REQUESTED = "requested", pgettext_lazy("video session", "Requested")
    CONFIRMED = "confirmed", pgettext_lazy("video session", "Confirmed")
    RUNNING = "running", pgettext_lazy("video session", "Running")
    ENDED = "ended", pgettext_lazy("video session", "Ended")
    CANCELLED = "cancelled", pgettext_lazy("video session", "Cancelled")
    # Nobody joined within VIDEO_MISSED_AFTER_MINUTES of the planned start. Its own state, not
    # "Abgesagt": nobody called it off, and the record should say that the appointment was missed.
    MISSED = "missed", pgettext_lazy("video session", "Missed")
