"""Playwright with Debian's Chromium (Playwright's own browser download does not work here)."""

import os
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "tests" / "artifacts"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "de-DE", "viewport": {"width": 1360, "height": 860}}


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under tests/artifacts/ for a human to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name: str, of=None) -> Path:
        path = ARTIFACTS / f"{name}.png"
        (of or page).screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login(page, asgi_server):
    """login(user): sign in through the login page like a person would."""
    from tests.factories import PASSWORD

    def sign_in(user):
        page.goto(f"{asgi_server.url}/login/")
        page.get_by_label("Benutzername").fill(user.username)
        page.get_by_label("Passwort").fill(PASSWORD)
        page.get_by_role("button", name="Anmelden").click()
        page.wait_for_url(f"{asgi_server.url}/")
        return page

    return sign_in


# --- tests in a network namespace of their own ------------------------------------------------------
# WebRTC connects browsers over the machine's network addresses, and tests may only talk over
# 127.0.0.1. A test marked ``own_network`` therefore runs in a private network namespace that has
# nothing but loopback (``unshare -n``): the outer pytest runs each such test in a pytest of its own
# inside one and reports its outcome as the test's. Only SQLite and the in-memory channel layer are
# reachable in there, so the inner run leaves DATABASE_URL and REDIS_URL out (CI's PostgreSQL/Redis
# pass runs these tests on the embedded default too), and gets a var directory of its own.

OWN_NETWORK_ENV = "LEITSTAND_OWN_NETWORK"
OWN_NETWORK_TIMEOUT = 420  # seconds for one test, its server and its browser


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "own_network: runs inside a network namespace with only loopback (WebRTC between browsers)"
    )


def _own_network_command(nodeid: str) -> list[str]:
    import sys

    unshare = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-r", "-n"]
    return [*unshare, "sh", "-c", 'ip link set lo up && exec "$@"', "sh",
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", nodeid]


def _run_in_own_network(item) -> tuple[str, str]:
    import subprocess

    var_dir = Path(os.environ.get("LEITSTAND_VAR_DIR", "").strip() or ARTIFACTS.parents[1] / "var") / "own-network"
    env = {**os.environ, OWN_NETWORK_ENV: "1", "DJANGO_ALLOW_ASYNC_UNSAFE": "true", "LEITSTAND_VAR_DIR": str(var_dir)}
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    try:
        done = subprocess.run(
            _own_network_command(item.nodeid), cwd=item.config.rootpath, env=env, capture_output=True, text=True,
            timeout=OWN_NETWORK_TIMEOUT,
        )
    except subprocess.TimeoutExpired as error:
        output = (error.stdout or b"")[-6000:]
        return "failed", f"timed out after {OWN_NETWORK_TIMEOUT} s in its network namespace:\n{output!r}"
    except OSError as error:
        return "failed", f"could not start a network namespace (unshare, ip): {error}"
    output = done.stdout + done.stderr
    if done.returncode == 0:
        return "passed", output
    return "failed", f"the test failed in its network namespace (exit {done.returncode}):\n{output[-15000:]}"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    if item.get_closest_marker("own_network") is None or os.environ.get(OWN_NETWORK_ENV) == "1":
        return None  # an ordinary test, or already inside the namespace: run it here
    import time

    from _pytest.reports import TestReport

    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    start = time.time()
    outcome, text = _run_in_own_network(item)
    stop = time.time()
    keywords = {name: 1 for name in item.keywords}
    for when in ("setup", "call", "teardown"):
        is_call = when == "call"
        report = TestReport(
            item.nodeid, item.location, keywords, outcome if is_call else "passed",
            text if is_call and outcome == "failed" else None, when,
            sections=[("inner pytest", text)] if is_call and outcome == "passed" else [],
            duration=stop - start if is_call else 0.0, start=start, stop=stop,
        )
        item.ihook.pytest_runtest_logreport(report=report)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True
