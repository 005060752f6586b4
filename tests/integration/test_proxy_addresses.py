"""Finding 1 of issue 24: behind the proxy, the PIN throttle counts the address nginx saw. daphne
runs with the web service's own arguments from docker-compose.yml and is sent what nginx sends
(deploy/nginx.conf sets X-Real-IP itself); a client rotating its own X-Forwarded-For gets no more
guesses."""

import re
from pathlib import Path

import httpx
import pytest
import yaml

from tests.factories import AccessCodeFactory, TicketTemplateFactory
from tests.servers import AsgiServer, database_url_for_subprocess

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[2]


def _web_proxy_args() -> list[str]:
    """The options of the web service's daphne command in docker-compose.yml (the proxy's among them)."""
    command = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]["command"]
    args = command[command.index("-p") + 2:-1]
    assert args[:3] == ["--proxy-headers", "--proxy-headers-host", "X-Real-IP"]
    return args


def _as_nginx_sends(client_headers: dict[str, str], remote_addr: str) -> dict[str, str]:
    """The headers nginx passes on for a request from ``remote_addr`` that carried ``client_headers``:
    deploy/nginx.conf's proxy_set_header lines replace the client's own values."""
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "$proxy_add_x_forwarded_for" not in conf  # never the client's list with ours appended
    sent = dict(client_headers)
    for name, value in re.findall(r"^\s*proxy_set_header\s+(\S+)\s+(\S+);", conf, flags=re.M):
        if value == "$remote_addr":
            sent[name] = remote_addr
    assert sent.get("X-Real-IP") == remote_addr and sent.get("X-Forwarded-For") == remote_addr
    return sent


@pytest.fixture
def proxied_server(transactional_db):
    server = AsgiServer(
        database_url=database_url_for_subprocess(), daphne_args=_web_proxy_args(),
        extra_env={"PORTAL_CODE_RATE": "3/h", "PORTAL_PIN_RATE_PER_CODE": "1000/h"},
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_rotating_x_forwarded_for_behind_nginx_gives_no_extra_pin_guesses(proxied_server):
    code = AccessCodeFactory(template=TicketTemplateFactory())
    code.set_pin("2468")
    code.save()
    with httpx.Client(base_url=proxied_server.url, timeout=10) as client:
        page = client.get(code.get_absolute_url()).text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        statuses = []
        for attempt in range(5):
            forged = {"X-Forwarded-For": f"10.0.{attempt}.1", "X-Real-IP": f"10.0.{attempt}.2"}
            response = client.post(
                code.get_absolute_url(), data={"csrfmiddlewaretoken": token, "pin": f"000{attempt}"},
                headers={**_as_nginx_sends(forged, "203.0.113.7"), "Referer": proxied_server.url},
            )
            statuses.append(response.status_code)
        assert statuses == [403, 403, 403, 429, 429]
        assert "zu viele Versuche" in response.text
        # Another client (another address as nginx saw it) still has its own attempts.
        other = client.post(
            code.get_absolute_url(), data={"csrfmiddlewaretoken": token, "pin": "2468"},
            headers={**_as_nginx_sends({}, "198.51.100.9"), "Referer": proxied_server.url},
        )
        assert other.status_code == 302


def test_daphne_ignores_a_forged_x_forwarded_for_and_reads_only_x_real_ip(proxied_server):
    """Even a request that reaches daphne with a client-chosen X-Forwarded-For list (a proxy
    appending instead of overwriting) is counted by the X-Real-IP nginx set."""
    code = AccessCodeFactory(template=TicketTemplateFactory())
    code.set_pin("2468")
    code.save()
    with httpx.Client(base_url=proxied_server.url, timeout=10) as client:
        page = client.get(code.get_absolute_url()).text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        statuses = [
            client.post(
                code.get_absolute_url(), data={"csrfmiddlewaretoken": token, "pin": "0000"},
                headers={"X-Real-IP": "203.0.113.8", "X-Forwarded-For": f"10.1.{attempt}.1, 203.0.113.8",
                         "Referer": proxied_server.url},
            ).status_code
            for attempt in range(4)
        ]
    assert statuses == [403, 403, 403, 429]
