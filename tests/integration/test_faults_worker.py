"""A Celery worker is killed (SIGKILL) in the middle of sending an e-mail (issue 24, "Faults").

The test runs its own redis-server (the broker), a real worker, and a small SMTP server on
127.0.0.1 that it controls: the first delivery is held after the message's data arrived, before
the server's "250 OK" (the worker is inside the task, inside its transaction, waiting for the mail
server). Then the worker is killed, a new worker starts, and the e-mail must arrive exactly once:
the message comes back (``acks_late``; Redis hands it on after the visibility timeout, 3 s here),
and the outbox row, locked and marked sent in the sending transaction, is sent once
(common.outbox). Afterwards nothing is left in the broker that could send it again.

The change itself is made by a real process (a status change through the services, whose
subscriber puts the customer's status e-mail into the outbox and prompts the worker).
"""

from __future__ import annotations

import email
import email.policy
import os
import socket
import socketserver
import subprocess
import sys
import threading

import pytest

from common.models import OutgoingEmail
from common.outbox import send_pending_emails
from tests.factories import AccessCodeFactory, CodeUserFactory, UserFactory, make_ticket
from tests.servers import (
    BASE_DIR,
    CeleryWorker,
    RedisServer,
    database_url_for_subprocess,
    redis_namespace,
    wait_for,
)
from tickets.choices import Status

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]


class SmtpReceiver(socketserver.ThreadingTCPServer):
    """Just enough SMTP for Django's backend. ``hold`` set: a message's data is read and then not
    answered (the sender waits) until the connection goes away; such a message is not accepted,
    as a real mail server discards what it did not confirm. ``accepted`` holds what was confirmed."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SmtpSession)
        self.port = self.server_address[1]
        self.hold = threading.Event()
        self.held = threading.Event()  # a message is being held now
        self.accepted: list[email.message.Message] = []
        self.lock = threading.Lock()


class _SmtpSession(socketserver.StreamRequestHandler):
    timeout = 60  # s: a silent client does not keep a thread forever

    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        server: SmtpReceiver = self.server
        self._reply("220 127.0.0.1 test SMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self._reply("250 127.0.0.1")
            elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                self._reply("250 OK")
            elif command == "DATA":
                self._reply("354 go ahead")
                data = b""
                while not data.endswith(b"\r\n.\r\n"):
                    chunk = self.rfile.readline()
                    if not chunk:
                        return
                    data += chunk
                if server.hold.is_set():
                    server.held.set()
                    self.rfile.read()  # until the sender goes away (killed): never confirmed
                    return
                with server.lock:
                    server.accepted.append(email.message_from_bytes(data[:-5], policy=email.policy.default))
                self._reply("250 OK queued")
            elif command == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("502 not implemented")


@pytest.fixture
def smtp():
    receiver = SmtpReceiver()
    thread = threading.Thread(target=receiver.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.shutdown()
        receiver.server_close()
        thread.join(timeout=5)


def _redis(port: int, *command: str) -> str:
    """One Redis command over a raw socket (integer and simple replies only)."""
    parts = [f"*{len(command)}\r\n"] + [f"${len(c.encode())}\r\n{c}\r\n" for c in command]
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall("".join(parts).encode())
        return sock.recv(64).decode().strip()


def test_a_worker_killed_mid_send_sends_the_e_mail_exactly_once_after_a_restart(smtp):
    code = AccessCodeFactory(label="Presse 7")
    petra = CodeUserFactory(access_code=code, display_name="Petra Huber", email="petra@example.org")
    ticket = make_ticket(Status.IN_PROGRESS, code_user=petra, assignees=[UserFactory()])
    OutgoingEmail.objects.all().delete()  # what making the ticket queued (in-process) is not this test's
    moderator = UserFactory(role="Moderator")

    redis = RedisServer()
    redis.start()
    env = {
        **redis_namespace(redis.url),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}", "CELERY_VISIBILITY_TIMEOUT": "3",
    }
    workers = []
    try:
        smtp.hold.set()
        first = CeleryWorker(database_url=database_url_for_subprocess(), extra_env=env)
        workers.append(first)
        first.start()
        # The change, by a real process with this Redis as its broker: the status e-mail is queued.
        script = (
            "import django; django.setup()\n"
            "from fleet.models import User\n"
            "from tickets import services\n"
            "from tickets.models import Ticket\n"
            f"services.ticket_transition(User.objects.get(pk={moderator.pk}), Ticket.objects.get(pk={ticket.pk}), 'finish')\n"
        )
        run_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": database_url_for_subprocess(), **env}
        run_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        result = subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, env=run_env, capture_output=True,
                                text=True, timeout=90)
        assert result.returncode == 0, result.stderr
        wait_for(smtp.held.is_set, timeout=60, message="the worker to be inside the send")

        first.process.kill()  # SIGKILL: no goodbye, no acknowledgement, its transaction rolls back
        first.process.wait(timeout=10)
        assert list(OutgoingEmail.objects.values_list("to", "sent_at")) == [("petra@example.org", None)]
        assert smtp.accepted == []

        smtp.hold.clear()
        second = CeleryWorker(database_url=database_url_for_subprocess(), extra_env=env)
        workers.append(second)
        second.start()
        wait_for(lambda: smtp.accepted, timeout=60, message="the e-mail after the restart")
        # Nothing left that could send it again: no message queued, none unacknowledged.
        wait_for(lambda: _redis(redis.port, "HLEN", "unacked") == ":0", timeout=20, message="the ack")
        assert _redis(redis.port, "LLEN", "celery") == ":0"
    finally:
        for worker in workers:
            worker.stop()
        redis.stop()

    assert [str(m["To"]) for m in smtp.accepted] == ["petra@example.org"]
    assert str(smtp.accepted[0]["Subject"]).strip() == f"[Leitstand] Ihr Ticket {ticket.number} ist jetzt „Fertig“"
    row = OutgoingEmail.objects.get()
    assert row.sent_at is not None
    assert send_pending_emails(min_age_seconds=0) == 0  # the sweep finds nothing left to send
    assert len(smtp.accepted) == 1
