"""The messenger in two browsers: chatting live, the page following status changes, and a
dropped connection that loses and doubles nothing."""

from playwright.sync_api import expect

from fleet.roles import Role
from messenger.models import Message
from tests.browser.helpers import open_as_staff, wait_until_live
from tests.factories import AccessCodeFactory, UserFactory, make_ticket
from tickets.choices import Status


def _open(browser, server, user, ticket):
    """The ticket page with its conversation live: the socket welcomed (on a busy machine the first
    handshake with a fresh server process can take seconds)."""
    context, page = open_as_staff(browser, server, user, ticket.get_absolute_url())
    wait_until_live(page)
    return context, page


def _ids(page):
    return [int(i) for i in page.locator("#messenger .messages .message[data-id]").evaluate_all("ns => ns.map(n => n.dataset.id)")]


def test_two_staff_chat_live_and_see_a_status_change_without_reload(browser, asgi_server, screenshot):
    mia = UserFactory(first_name="Mia", last_name="Schneider")
    moritz = UserFactory(role=Role.MODERATOR, first_name="Moritz", last_name="Berger")
    ticket = make_ticket(Status.ASSIGNED, assignees=[mia], access_code=AccessCodeFactory())
    context_a, a = _open(browser, asgi_server, mia, ticket)
    context_b, b = _open(browser, asgi_server, moritz, ticket)

    expect(a.locator("#messenger .presence")).to_contain_text("Moritz Berger")
    expect(b.locator("#messenger .presence")).to_contain_text("Mia Schneider")

    a.get_by_label("Nachricht", exact=True).fill("Ich übernehme die Rückfrage.")
    a.get_by_label("Nachricht", exact=True).press("Enter")
    expect(b.locator("#messenger .messages")).to_contain_text("Ich übernehme die Rückfrage.")

    b.get_by_label("Nachricht", exact=True).fill("Danke!")
    b.get_by_label("Nachricht", exact=True).press("Shift+Enter")
    b.get_by_label("Nachricht", exact=True).type("Siehe https://example.org/anleitung")
    b.get_by_role("button", name="Senden").click()
    reply = a.locator("#messenger .message").filter(has_text="Danke!")
    expect(reply).to_contain_text("Danke!\nSiehe https://example.org/anleitung")
    expect(reply.get_by_role("link", name="https://example.org/anleitung")).to_have_attribute("rel", "noopener noreferrer nofollow")

    # Hostile text arrives as text.
    a.get_by_label("Nachricht", exact=True).fill('<img src=x onerror="document.body.dataset.hacked=1">')
    a.get_by_label("Nachricht", exact=True).press("Enter")
    expect(b.locator("#messenger .messages")).to_contain_text("<img src=x")
    assert b.evaluate("document.body.dataset.hacked") is None

    # A status change made in one browser arrives on the other page without a reload.
    b.get_by_role("link", name="BEARBEITEN").click()
    b.locator("label.status-step", has_text="In Bearbeitung").click()
    b.get_by_role("button", name="SPEICHERN").click()
    for page in (a, b):
        expect(page.locator('#status-bar [aria-current="step"]')).to_have_text("In Bearbeitung", timeout=5000)
    expect(a.locator("#messenger .message-system").last).to_contain_text("Status geändert: Zugewiesen → In Bearbeitung")
    screenshot("messenger", of=a)

    expected = list(Message.objects.filter(ticket=ticket).order_by("id").values_list("id", flat=True))
    assert _ids(a) == expected and _ids(b) == expected
    context_a.close()
    context_b.close()


def test_dropped_connection_loses_and_doubles_nothing(browser, asgi_server, screenshot):
    mia = UserFactory(first_name="Mia", last_name="Schneider")
    moritz = UserFactory(role=Role.MODERATOR, first_name="Moritz", last_name="Berger")
    ticket = make_ticket(Status.IN_PROGRESS, assignees=[mia])
    context_a, a = _open(browser, asgi_server, mia, ticket)
    context_b, b = _open(browser, asgi_server, moritz, ticket)
    a.get_by_label("Nachricht", exact=True).fill("Erste Nachricht")
    a.get_by_label("Nachricht", exact=True).press("Enter")
    expect(b.locator("#messenger .messages")).to_contain_text("Erste Nachricht")

    asgi_server.stop()  # the connection drops in the middle of the conversation
    expect(a.locator("#messenger .connection-state")).to_contain_text("Verbindung wird wiederhergestellt")
    a.get_by_label("Nachricht", exact=True).fill("Geschrieben, während die Verbindung weg war")
    a.get_by_label("Nachricht", exact=True).press("Enter")
    b.get_by_label("Nachricht", exact=True).fill("Auch von mir, offline")
    b.get_by_label("Nachricht", exact=True).press("Enter")
    expect(a.locator("#messenger .message.is-pending")).to_have_count(1)
    screenshot("messenger-offline", of=a)

    asgi_server.start()  # same port: the clients reconnect by themselves and resend
    for page in (a, b):
        expect(page.locator("#messenger .connection-state")).to_be_hidden(timeout=20_000)
        expect(page.locator("#messenger .message.is-pending")).to_have_count(0, timeout=10_000)
    expected = list(Message.objects.filter(ticket=ticket, kind="text").order_by("id").values_list("text", flat=True))
    assert expected[0] == "Erste Nachricht"
    assert sorted(expected[1:]) == ["Auch von mir, offline", "Geschrieben, während die Verbindung weg war"]
    ids = list(Message.objects.filter(ticket=ticket).order_by("id").values_list("id", flat=True))
    for page in (a, b):
        expect(page.locator("#messenger .messages .message[data-id]")).to_have_count(len(ids))
        assert _ids(page) == ids
    context_a.close()
    context_b.close()


def test_message_times_read_like_the_page_in_the_readers_time_zone_not_the_browsers(browser, asgi_server):
    """A browser in Tokyo still shows the desk's (or the reader's own) zone and the page's format."""
    from zoneinfo import ZoneInfo

    from messenger import services as messenger_services

    mia = UserFactory(first_name="Mia", last_name="Schneider")
    traveller = UserFactory(role=Role.MODERATOR, first_name="Tom", last_name="Reise", time_zone="America/New_York")
    ticket = make_ticket(Status.ASSIGNED, assignees=[mia], access_code=AccessCodeFactory())
    earlier, _ = messenger_services.message_post(mia, ticket, text="Vorab eine Frage.")

    def shown(stored, zone, pattern="%d.%m.%Y %H:%M"):
        return stored.created_at.astimezone(ZoneInfo(zone)).strftime(pattern)

    context_a, a = open_as_staff(browser, asgi_server, mia, ticket.get_absolute_url(), timezone_id="Asia/Tokyo")
    context_b, b = open_as_staff(browser, asgi_server, traveller, ticket.get_absolute_url(), timezone_id="Asia/Tokyo")
    for page in (a, b):
        wait_until_live(page)

    first = f'#messenger .message[data-id="{earlier.pk}"] time'
    expect(a.locator(first)).to_have_text(shown(earlier, "Europe/Berlin"))
    expect(b.locator(first)).to_have_text(shown(earlier, "America/New_York"))

    # Live: sent in one browser, inserted in the other; the sender's own copy settles on the stored time.
    a.get_by_label("Nachricht", exact=True).fill("Teil ist bestellt.")
    a.get_by_label("Nachricht", exact=True).press("Enter")
    expect(b.locator("#messenger .messages")).to_contain_text("Teil ist bestellt.")
    live = Message.objects.get(ticket=ticket, text="Teil ist bestellt.")
    expect(a.locator(f'#messenger .message[data-id="{live.pk}"] time')).to_have_text(shown(live, "Europe/Berlin"))
    expect(b.locator(f'#messenger .message[data-id="{live.pk}"] time')).to_have_text(shown(live, "America/New_York"))
    # The page's own times use the same format and zone as the messages.
    expect(b.locator(".summary-grid")).to_contain_text(
        ticket.created_at.astimezone(ZoneInfo("America/New_York")).strftime("%d.%m.%Y %H:%M")
    )
    context_a.close()
    context_b.close()


def test_a_delivery_lost_on_an_open_socket_is_fetched_without_reconnecting(browser, asgi_server):
    """Messages carry a per-ticket number: the page sees one missing, fetches exactly the gap, and
    shows every message once, in order, on the same socket."""
    from common import events
    from messenger import services as messenger_services
    from messenger.live import push_page_event

    mia = UserFactory(first_name="Mia", last_name="Schneider")
    moritz = UserFactory(role=Role.MODERATOR, first_name="Moritz", last_name="Berger")
    ticket = make_ticket(Status.ASSIGNED, assignees=[mia], access_code=AccessCodeFactory())
    context, page = _open(browser, asgi_server, mia, ticket)
    other_context, other = _open(browser, asgi_server, moritz, ticket)
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws.url))

    events.unsubscribe("messenger.message_posted", push_page_event)  # this delivery is lost on the way
    try:
        messenger_services.message_post(moritz, ticket, text="Ging verloren")
    finally:
        events.subscribe("messenger.message_posted", push_page_event)
    other.get_by_label("Nachricht", exact=True).fill("Kam an")
    other.get_by_label("Nachricht", exact=True).press("Enter")

    texts = page.locator("#messenger .message-text")
    expect(texts.filter(has_text="Kam an")).to_have_count(1)
    expect(texts.filter(has_text="Ging verloren")).to_have_count(1)  # fetched: the gap was seen
    shown = texts.evaluate_all("nodes => nodes.map(n => n.textContent)")
    assert shown.index("Ging verloren") < shown.index("Kam an")
    assert sockets == []  # no new socket: recovered on the open one
    assert _ids(page) == sorted(_ids(page)) and len(_ids(page)) == len(set(_ids(page)))
    context.close()
    other_context.close()


def test_a_message_the_busy_server_could_not_take_is_sent_again_and_arrives_once(browser, asgi_server):
    """Back-pressure as a person sees it: the server answers the first attempt with "busy" (as an
    overloaded process does, see test_consumer), the message stays in the outbox saying it is sent
    again shortly, and arrives once, for both people, without anyone pressing anything."""
    import json

    mia = UserFactory(first_name="Mia", last_name="Schneider")
    moritz = UserFactory(role=Role.MODERATOR, first_name="Moritz", last_name="Berger")
    ticket = make_ticket(Status.IN_PROGRESS, assignees=[mia])
    refused = []

    def route(ws):
        server = ws.connect_to_server()

        def from_page(message):
            frame = json.loads(message)
            if frame.get("type") == "message.send" and not refused:
                refused.append(frame["client_id"])  # the server is busy: this attempt is not taken
                ws.send(json.dumps({
                    "type": "error", "code": "busy", "frame_type": "message.send", "client_id": frame["client_id"],
                    "message": "Der Server ist ausgelastet. Gleich wird es erneut versucht …",
                }))
                return
            server.send(message)

        ws.on_message(from_page)

    context, page = open_as_staff(browser, asgi_server, mia, "/")
    page.wait_for_url(f"{asgi_server.url}/")
    context.route_web_socket("**/ws/tickets/**", route)
    page.goto(f"{asgi_server.url}{ticket.get_absolute_url()}")
    wait_until_live(page)
    other_context, other = _open(browser, asgi_server, moritz, ticket)

    page.get_by_label("Nachricht", exact=True).fill("Kommt trotzdem an")
    page.get_by_label("Nachricht", exact=True).press("Enter")
    mine = page.locator("#messenger .message", has_text="Kommt trotzdem an")
    expect(mine.locator(".message-state")).to_have_text("wird gleich erneut gesendet …")
    expect(mine.locator(".message-state")).to_have_text("", timeout=10_000)  # acknowledged: stored
    expect(page.locator("#messenger .message.is-pending")).to_have_count(0)
    expect(other.locator("#messenger .message-text").filter(has_text="Kommt trotzdem an")).to_have_count(1)
    expect(page.locator("#messenger .message-text").filter(has_text="Kommt trotzdem an")).to_have_count(1)
    stored = list(Message.objects.filter(ticket=ticket, kind="text").values_list("client_id", flat=True))
    assert stored == refused  # the refused attempt's client id, stored once
    context.close()
    other_context.close()
