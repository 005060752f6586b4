"""The ticket number in URLs, once: ``<ticket:number>`` in ``path()`` and ``NUMBER`` in ``re_path()``
(pages, portal and sockets)."""

from django.urls import register_converter


class TicketNumberConverter:
    """Ticket numbers are ``YYYY-NNNNNN`` (``tickets.services.next_ticket_number``)."""

    regex = "[0-9]{4}-[0-9]{6}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TicketNumberConverter, "ticket")

NUMBER = rf"(?P<number>{TicketNumberConverter.regex})"
