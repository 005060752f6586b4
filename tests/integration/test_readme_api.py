"""The README's REST API example, run as written (bash, curl, the management command) against a
real server process with the demo data: a token is made, the tickets in Zugewiesen are listed and
the first one is moved to In Bearbeitung."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.servers import AsgiServer, database_url_for_subprocess
from tickets.choices import Status
from tickets.models import Ticket, TicketHistory

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

README = Path(__file__).resolve().parents[2] / "README.md"


def _example() -> str:
    text = README.read_text()
    block = re.search(r"<!-- api example: start -->\n```sh\n(.*?)```\n<!-- api example: end -->", text, re.S)
    assert block is not None, "the README has no API example between its markers"
    return block.group(1)


def _documents(output: str) -> list:
    """curl prints each answer without a newline: the JSON documents one after the other."""
    decoder, documents, position = json.JSONDecoder(), [], 0
    while position < len(output.strip()):
        document, position = decoder.raw_decode(output, position)
        documents.append(document)
    return documents


def test_the_readme_api_example_works_against_a_server_with_the_demo_data():
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    assigned = set(Ticket.objects.filter(status=Status.ASSIGNED).values_list("number", flat=True))
    first = Ticket.objects.filter(status=Status.ASSIGNED).order_by("-created_at", "-id").first()
    server = AsgiServer(database_url=database_url_for_subprocess())
    server.start()
    try:
        script = _example().replace("http://127.0.0.1:8000", server.url).replace(".venv/bin/python", sys.executable)
        env = {**os.environ, "DATABASE_URL": database_url_for_subprocess(), "DJANGO_SETTINGS_MODULE": "config.settings"}
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script], cwd=README.parent, env=env,
            capture_output=True, text=True, timeout=120,
        )
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    listed, answer = _documents(result.stdout)
    assert {row["number"] for row in listed["results"]} == assigned
    assert (answer["number"], answer["status"]) == (first.number, "in_progress")
    first.refresh_from_db()
    assert first.status == Status.IN_PROGRESS
    assert TicketHistory.objects.filter(ticket=first, new_value="in_progress", reason="Techniker ist unterwegs").count() == 1
