"""A video call between two real Chromium pages: a staff member at a desk and a customer on a phone.

WebRTC over loopback needs a network namespace of the test's own (marker ``own_network``,
tests/browser/conftest.py runs each test inside one): the server and the browsers run in there,
Chromium's fake camera and microphone give the pictures. Each side's RTCPeerConnection must
reach "connected" and decode frames of the other's video; an annotated snapshot goes into the
ticket's updates and onto the other page at once; who leaves disappears from the list. Without a
camera (blocked) one still joins, watches, and is told so.
"""

import time

import pytest
from playwright.sync_api import expect

from tests.browser.audit import audit
from tests.browser.conftest import ARTIFACTS, CHROMIUM_ARGS
from tests.factories import PASSWORD, AccessCodeFactory, CodeUserFactory, UserFactory, make_ticket
from tests.servers import AsgiServer, database_url_for_subprocess
from portal.sessions import personal_link_token
from tickets.choices import Status, Visibility
from tickets.models import TicketUpdate
from videosessions import services
from videosessions.models import Participation, Snapshot

pytestmark = pytest.mark.own_network

CALL_ARGS = [
    *CHROMIUM_ARGS,
    "--allow-loopback-in-peer-connection",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    # Plain 127.0.0.1 candidates instead of mDNS names (nothing resolves those in the namespace).
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESK = {"viewport": {"width": 1360, "height": 900}}

# Every RTCPeerConnection the page makes, for the test to read its state and statistics.
RECORD_CONNECTIONS = """
(() => {
  const Native = window.RTCPeerConnection;
  window.__connections = [];
  window.RTCPeerConnection = class extends Native {
    constructor(...args) { super(...args); window.__connections.push(this); }
  };
})();
"""

# As if the person had blocked camera and microphone for the site.
DENY_DEVICES = """
(() => {
  navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
})();
"""

VIDEO_STATS = """
async () => {
  const out = [];
  for (const pc of window.__connections) {
    if (pc.connectionState === "closed") continue;
    let frames = 0;
    (await pc.getStats()).forEach((report) => {
      if (report.type === "inbound-rtp" && report.kind === "video") frames += report.framesDecoded || 0;
    });
    out.push({ state: pc.connectionState, frames });
  }
  return out;
}
"""


@pytest.fixture(scope="module")
def call_browser(playwright):
    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CALL_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def desk(transactional_db):
    code = AccessCodeFactory(label="Presse 7")
    staff = UserFactory(first_name="Mia", last_name="Schneider", preferred_language="en")
    ticket = make_ticket(Status.IN_PROGRESS, access_code=code, visibility=Visibility.PUBLIC, assignees=[staff], title="Pumpe leckt")
    customer = CodeUserFactory(access_code=code, display_name="Petra Huber", preferred_language="en")
    session = services.session_create(staff, ticket, title="Leck ansehen", visibility=Visibility.PUBLIC)
    session = services.session_transition(staff, session, "confirm")  # planned for now: both sides see Join
    return {"code": code, "staff": staff, "ticket": ticket, "customer": customer, "session": session}


def staff_page(browser, server, user, path, *, init_scripts=(RECORD_CONNECTIONS,)):
    context = browser.new_context(locale="en-GB", **DESK)
    for script in init_scripts:
        context.add_init_script(script)
    page = context.new_page()
    page.goto(f"{server.url}/login/?next={path}")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()  # the browser asks for English
    page.wait_for_url(f"{server.url}{path}")
    return page


def phone_page(browser, server, desk, *, init_scripts=(RECORD_CONNECTIONS,)):
    context = browser.new_context(locale="en-GB", **PHONE)
    for script in init_scripts:
        context.add_init_script(script)
    page = context.new_page()
    page.goto(f"{server.url}/c/t/{personal_link_token(desk['customer'], desk['ticket'])}/")  # signs her in
    page.goto(f"{server.url}/c/{desk['code'].token}/tickets/{desk['ticket'].number}/video/{desk['session'].pk}/")
    return page


def staff_joins_from_the_tab(browser, server, desk):
    """As staff go: sign in, the ticket's Video-Sessions tab, Join on the session's row."""
    tab = f"/tickets/{desk['ticket'].number}/video/"
    page = staff_page(browser, server, desk["staff"], tab)
    page.get_by_role("link", name=f"Join: {desk['session'].title}").click()
    page.wait_for_url(f"{server.url}{staff_path(desk)}")
    return page


def customer_joins_from_the_ticket_page(browser, server, desk):
    """As a customer goes on a phone: the personal link opens the ticket page; Join on its video card."""
    context = browser.new_context(locale="en-GB", **PHONE)
    context.add_init_script(RECORD_CONNECTIONS)
    page = context.new_page()
    page.goto(f"{server.url}/c/t/{personal_link_token(desk['customer'], desk['ticket'])}/")
    page.get_by_role("link", name=f"Join: {desk['session'].title}").click()
    page.wait_for_url(f"{server.url}/c/{desk['code'].token}/tickets/{desk['ticket'].number}/video/{desk['session'].pk}/")
    return page


def staff_path(desk) -> str:
    return f"/video/{desk['session'].pk}/"


def wait_for_video_from_the_other(page, who: str, timeout: float = 45.0) -> list[dict]:
    """Poll getStats until a connected RTCPeerConnection has decoded frames of the other's video."""
    deadline = time.monotonic() + timeout
    stats = []
    while time.monotonic() < deadline:
        stats = page.evaluate(VIDEO_STATS)
        if any(entry["state"] == "connected" and entry["frames"] > 0 for entry in stats):
            return stats
        page.wait_for_timeout(300)
    raise AssertionError(f"{who}: no connected peer with decoded video frames: {stats}")


def fits_the_screen(page):
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]}px wide on a {widths[1]}px screen"


def shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_staff_and_a_customer_on_a_phone_see_each_other_share_a_snapshot_and_one_leaves(call_browser, asgi_server, desk):
    staff = staff_joins_from_the_tab(call_browser, asgi_server, desk)
    expect(staff.get_by_role("heading", name="Leck ansehen")).to_be_visible()
    expect(staff.locator(".call-people-list")).to_contain_text("Mia Schneider (You)")
    expect(staff.get_by_role("status").first).to_have_text("Waiting for others to join …")

    phone = customer_joins_from_the_ticket_page(call_browser, asgi_server, desk)
    people = phone.locator(".call-people-list")
    expect(people).to_contain_text("Petra Huber (You)")
    expect(people).to_contain_text("Mia Schneider")  # staff names are shown to customers
    expect(staff.locator(".call-people-list")).to_contain_text("Petra Huber")

    wait_for_video_from_the_other(staff, "staff")
    wait_for_video_from_the_other(phone, "customer")
    expect(staff.locator('.tile[data-connection="connected"]')).to_have_count(1)
    expect(phone.locator('.tile[data-connection="connected"]')).to_have_count(1)
    # The phone has no screen sharing; the desk has.
    expect(phone.get_by_role("button", name="Share screen")).to_be_hidden()
    expect(staff.get_by_role("button", name="Share screen")).to_be_visible()
    expect(phone.locator(".call-notice")).to_be_hidden()  # camera and microphone are there
    fits_the_screen(phone)
    shot(phone, "video-call-phone")
    shot(staff, "video-call-desk")
    # One layout, nothing sideways, no duplicate ids, no serious accessibility violation.
    audit(staff, "video-call-audit")
    audit(phone, "video-call-portal-audit", staff=False)

    # Mute on the phone: the desk sees it in the list.
    phone.get_by_role("button", name="Mute microphone").click()
    expect(staff.locator(".call-people-list")).to_contain_text("Microphone off")

    # The staff member freezes the customer's picture, marks it and sends it.
    staff.get_by_role("button", name="Take a snapshot of Petra Huber").click()
    dialog = staff.get_by_role("dialog", name="Mark the snapshot")
    expect(dialog).to_be_visible()
    canvas = dialog.locator("canvas")
    box = canvas.bounding_box()
    staff.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.8)
    staff.mouse.down()
    staff.mouse.move(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.5, steps=8)
    staff.mouse.up()
    dialog.get_by_label("Circle").check()
    staff.mouse.move(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.3)
    staff.mouse.down()
    staff.mouse.move(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.6, steps=8)
    staff.mouse.up()
    dialog.get_by_label("Text (optional)").fill("Hier tritt das Öl aus")
    dialog.get_by_label("Public (also the customer)").check()
    # The marks are on the picture: red pixels where the arrow runs.
    red = canvas.evaluate("""(c) => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] > 230 && d[i + 1] < 90 && d[i + 2] < 80) n++; return n; }""")
    assert red > 500, f"only {red} red pixels: the marks are missing"
    shot(staff, "video-call-annotation")
    audit(staff, "video-call-annotation-audit")
    dialog.get_by_role("button", name="Send snapshot").click()
    expect(dialog).to_be_hidden()

    text = "Snapshot from the video session “Leck ansehen”: Hier tritt das Öl aus"
    for page in (staff, phone):
        item = page.locator(".snapshot-list li").first
        expect(item).to_contain_text(text)  # on the sender's page and the customer's, at once
        expect(item).to_contain_text("Public")
        image = item.locator("img")
        expect(image).to_be_visible()
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    snapshot = Snapshot.objects.select_related("update").get()
    assert snapshot.update.kind == "public" and snapshot.update.author == desk["staff"]
    assert snapshot.update.attachments.get().content_type == "image/png"
    shot(phone, "video-call-phone-snapshot")

    # …and in the ticket's service log, where the customer reads it later too.
    log = staff.context.new_page()
    log.goto(f"{asgi_server.url}/tickets/{desk['ticket'].number}/updates/")
    update = log.locator(".update", has_text="Hier tritt das Öl aus")
    expect(update).to_be_visible()
    expect(update.locator(".attachment-thumb img")).to_be_visible()
    log.close()

    # The customer leaves: the desk sees her go, and the record keeps her stay.
    phone.get_by_role("button", name="Leave").click()
    expect(phone.get_by_text("You have left the call.")).to_be_visible()
    expect(staff.locator(".call-people-list")).not_to_contain_text("Petra Huber")
    expect(staff.locator(".call-people-list li")).to_have_count(1)
    expect(staff.locator(".call-record-list li", has_text="Petra Huber")).to_contain_text("left")
    stays = list(Participation.objects.filter(session=desk["session"]).order_by("id").values_list("name", "left_at"))
    assert [name for name, _ in stays] == ["Mia Schneider", "Petra Huber"]
    assert stays[0][1] is None and stays[1][1] is not None
    assert TicketUpdate.objects.filter(ticket=desk["ticket"]).count() == 1
    shot(staff, "video-call-desk-after")


def test_without_camera_and_microphone_one_still_joins_to_watch(call_browser, asgi_server, desk):
    staff = staff_page(call_browser, asgi_server, desk["staff"], staff_path(desk))
    expect(staff.locator(".call-people-list")).to_contain_text("Mia Schneider (You)")
    phone = phone_page(call_browser, asgi_server, desk, init_scripts=(RECORD_CONNECTIONS, DENY_DEVICES))
    expect(phone.get_by_role("alert")).to_contain_text("Camera and microphone are blocked for this page.")
    expect(phone.get_by_role("alert").get_by_role("link", name="To the chat")).to_have_attribute(
        "href", f"/c/{desk['code'].token}/tickets/{desk['ticket'].number}/#messenger"
    )
    expect(phone.locator(".call-people-list")).to_contain_text("Mia Schneider")
    expect(phone.get_by_role("button", name="Mute microphone")).to_be_disabled()
    expect(staff.locator(".call-people-list")).to_contain_text("Petra Huber")
    expect(staff.locator(".call-people-list")).to_contain_text("Microphone off")
    wait_for_video_from_the_other(phone, "customer without devices")  # she watches the staff member
    fits_the_screen(phone)
    shot(phone, "video-call-phone-no-camera")

    # She marks what she sees on the phone; a code user's snapshot goes into the public log.
    phone.get_by_role("button", name="Take a snapshot of Mia Schneider").click()
    dialog = phone.get_by_role("dialog", name="Mark the snapshot")
    expect(dialog.get_by_label("Public (also the customer)")).to_have_count(0)  # no choice for code users
    box = dialog.locator("canvas").bounding_box()
    phone.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.8)
    phone.mouse.down()
    phone.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.4, steps=6)
    phone.mouse.up()
    dialog.get_by_label("Text (optional)").fill("Dieses Ventil?")
    shot(phone, "video-call-phone-annotation")
    dialog.get_by_role("button", name="Send snapshot").click()
    expect(staff.locator(".snapshot-list li").first).to_contain_text("Dieses Ventil?")
    update = Snapshot.objects.select_related("update").get().update
    assert update.kind == "public" and update.author_code_user == desk["customer"]


def test_the_call_refuses_who_comes_past_the_limit(call_browser, desk):
    server = AsgiServer(database_url=database_url_for_subprocess(), extra_env={"VIDEO_MESH_MAX": "1"})
    server.start()
    try:
        staff = staff_page(call_browser, server, desk["staff"], staff_path(desk))
        expect(staff.locator(".call-people-list")).to_contain_text("Mia Schneider (You)")
        phone = phone_page(call_browser, server, desk)
        expect(phone.get_by_role("alert")).to_contain_text("This call is full: at most 1 person can take part")
        expect(phone.get_by_role("button", name="Leave")).to_be_hidden()
        expect(staff.locator(".call-people-list li")).to_have_count(1)
    finally:
        server.stop()


def test_after_a_server_restart_both_pages_reconnect_and_see_each_other_again(call_browser, desk):
    server = AsgiServer(database_url=database_url_for_subprocess())
    server.start()
    try:
        staff = staff_page(call_browser, server, desk["staff"], staff_path(desk))
        expect(staff.locator(".call-people-list")).to_contain_text("Mia Schneider (You)")
        phone = phone_page(call_browser, server, desk)
        wait_for_video_from_the_other(staff, "staff")
        server.stop()
        expect(staff.get_by_role("status").first).to_have_text("The connection to the call was lost. Reconnecting …")
        expect(phone.get_by_role("status").first).to_have_text("The connection to the call was lost. Reconnecting …")
        server = AsgiServer(database_url=database_url_for_subprocess(), port=server.port)
        server.start()
        # Backoff with jitter (at most 10 s): both come back, meet again, and the video flows anew.
        expect(staff.locator(".call-people-list li")).to_have_count(2, timeout=30000)
        expect(phone.locator(".call-people-list li")).to_have_count(2, timeout=30000)
        for page, who in ((staff, "staff"), (phone, "customer")):
            page.evaluate("() => { window.__connections = window.__connections.filter((pc) => pc.connectionState !== 'closed'); }")
            wait_for_video_from_the_other(page, who)
        expect(staff.locator(".call-people-list")).to_contain_text("Petra Huber")
    finally:
        server.stop()
