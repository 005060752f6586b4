"""Per-ticket permissions of assignees (django-guardian object permissions).

Becoming an assignee grants these; releasing, forwarding or unassigning revokes them.
"""

from guardian.shortcuts import assign_perm, remove_perm

ASSIGNEE_TICKET_PERMISSIONS = ["tickets.work_ticket", "tickets.change_ticket"]


def grant_assignee_permissions(user, ticket) -> None:
    for perm in ASSIGNEE_TICKET_PERMISSIONS:
        assign_perm(perm, user, ticket)


def revoke_assignee_permissions(user, ticket) -> None:
    for perm in ASSIGNEE_TICKET_PERMISSIONS:
        remove_perm(perm, user, ticket)
