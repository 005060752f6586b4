"""schemathesis against the live OpenAPI schema: every operation with generated requests (valid
ones and broken ones), through the real Django application in this process and the test database.
No answer may be a server error or disagree with the schema (status code, content type, headers,
body). Bounded: a fixed number of examples per operation, derandomised (the same cases every run).

A second test runs workflows: sequences of calls along the links schemathesis infers from the
schema (a created template's id into its fields, a ticket's number into its sub-resources …).

Generated path parameters are mapped onto objects that exist (most of the time: the rest keep
their made-up value and must answer the schema's 404), so the cases reach the handlers and not
only the router.
"""

import hashlib
from datetime import timedelta

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api import services as api_services
from api.models import TokenScope
from fleet.roles import Role
from tests.factories import AccessCodeFactory, CodeUserFactory, TemplateFieldFactory, TicketTemplateFactory, UserFactory, make_ticket, png_bytes
from tickets import services
from tickets.choices import Status
from tickets.models import Attachment
from videosessions import services as video_services

EXAMPLES_PER_OPERATION = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

pytestmark = [pytest.mark.django_db, pytest.mark.schema_fuzz]


class World:
    """What exists while schemathesis runs: tickets in every state, templates, codes, files."""

    def __init__(self):
        admin = UserFactory(role=Role.ADMINISTRATOR)
        self.token = api_services.token_create(
            admin, name="schemathesis", scope=TokenScope.WRITE, expires_at=timezone.now() + timedelta(days=1)
        )[1]
        self.auth_headers = {"Authorization": f"Bearer {self.token}"}
        template = TicketTemplateFactory(assignees_needed=2)
        TemplateFieldFactory(template=template, key="serial", label="Seriennummer")
        code = AccessCodeFactory(template=template)
        code_user = CodeUserFactory(access_code=code)
        worker = UserFactory()
        tickets = [make_ticket(status, template=template, access_code=code, assignees=[admin, worker])
                   for status in (Status.DRAFT, Status.OPEN, Status.IN_PROGRESS, Status.DONE, Status.CLOSED)]
        tickets.append(make_ticket(Status.DONE, code_user=code_user, assignees=[worker]))
        services.feedback_submit(code_user, tickets[-1], stars=5, text="Danke")
        update = services.update_post(worker, tickets[2], text="Foto", attachments=[
            SimpleUploadedFile("foto.png", png_bytes(), content_type="image/png")
        ])
        # Video sessions on the ticket In Bearbeitung: planned, running (with a snapshot) and ended.
        planned = video_services.session_create(worker, tickets[2], title="Geplant", planned_at=timezone.now() + timedelta(days=1))
        running = video_services.session_create(worker, tickets[2], title="Läuft", visibility="public")
        video_services.session_join(worker, running, channel="schemathesis")
        video_services.snapshot_store(worker, running, image=SimpleUploadedFile("s.png", png_bytes(), content_type="image/png"))
        ended = video_services.session_create(worker, tickets[2], title="Vorbei")
        video_services.session_transition(worker, ended, "start")
        video_services.session_transition(worker, ended, "end")
        self.values = {
            "number": [t.number for t in tickets],
            "id": [template.pk, code.pk, Attachment.objects.get(update=update).pk, planned.pk, running.pk, ended.pk],
            "field_id": list(template.fields.values_list("pk", flat=True)),
            "name": ["start", "finish", "close", "reopen", "cancel", "submit", "confirm", "end"],
        }
        # Fields of request bodies that name other objects.
        self.body_values = {"template": [template.pk], "access_code": [code.pk], "corrects": [update.pk]}

    def real(self, name, generated, values=None):
        """A real value for most generated ones (chosen by the generated value: repeatable)."""
        choices = (values or self.values).get(name)
        if not choices:
            return generated
        index = int(hashlib.sha256(repr(generated).encode()).hexdigest(), 16) % (len(choices) + 1)
        return generated if index == len(choices) else choices[index]


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def wsgi_app(db):
    """Django's WSGI application on the test database: like Django's test client, requests must
    not close the test's connection when they finish."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(wsgi_app, world):
    # The schema is for staff only: read with the staff token the calls use.
    schema = schemathesis.openapi.from_wsgi("/api/schema/?lang=en", wsgi_app, headers=world.auth_headers)
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_every_generated_request_as_its_schema_says(case, world, settings_override):
    for name, value in list((case.path_parameters or {}).items()):
        case.path_parameters[name] = world.real(name, value)
    if isinstance(case.body, dict):
        for name in world.body_values.keys() & case.body.keys():
            case.body[name] = world.real(name, case.body[name], world.body_values)
    response = case.call(headers={"Authorization": f"Bearer {world.token}"})
    case.validate_response(response, checks=CHECKS)


@pytest.fixture
def settings_override(settings):
    settings.API_THROTTLE_RATES = {"token": "1000000/minute", "user": "1000000/minute"}


@pytest.mark.parametrize("steps", [6])
def test_workflows_through_the_schemas_links_answer_as_the_schema_says(world, wsgi_app, settings_override, steps):
    """Stateful: sequences of calls where one answer feeds the next (e.g. a created ticket's number
    into its transitions, updates and messages), as schemathesis infers them from the schema."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/?lang=en", wsgi_app, headers=world.auth_headers)
    token = world.token

    class Workflow(schema.as_state_machine()):
        """Each scenario starts from the same data: its changes are rolled back at its end (a
        savepoint), so a scenario's answers never depend on what an earlier one changed (Hypothesis
        refuses a walk whose enabled steps change between runs as "flaky")."""

        def setup(self):
            self._scenario = transaction.atomic()
            self._scenario.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self._scenario.__exit__(None, None, None)

        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": f"Bearer {token}"}}

        def validate_response(self, response, case, additional_checks=(), **kwargs):
            case.validate_response(response, checks=CHECKS)

    Workflow.run(settings=settings(
        max_examples=25, stateful_step_count=steps, deadline=None, derandomize=True, database=None,
        suppress_health_check=list(HealthCheck),
    ))
