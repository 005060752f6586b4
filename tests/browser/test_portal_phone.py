"""A customer on a phone: the QR code opens the portal on a small screen, in English."""

import pytest
from playwright.sync_api import expect

from tests.factories import AccessCodeFactory, TemplateFieldFactory, TicketTemplateFactory, UserFactory, png_bytes
from tickets.choices import FieldType
from tickets.models import CodeUser, Ticket

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def _fits_the_screen(page):
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page is {width[0]}px wide on a {width[1]}px screen"


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="en-GB", **PHONE)
    yield context.new_page()
    context.close()


def test_customer_reports_from_a_phone_in_english(phone, asgi_server, screenshot):
    template = TicketTemplateFactory(name="Störung", asks_feedback=True)
    TemplateFieldFactory(template=template, key="area", label="Bereich", field_type=FieldType.CHOICE, choices=["Halle A", "Halle B"])
    code = AccessCodeFactory(template=template, label="Presse 7", location="Halle A")
    UserFactory()  # someone to receive the offer

    phone.goto(f"{asgi_server.url}{code.get_absolute_url()}")
    _fits_the_screen(phone)
    expect(phone.locator("html")).to_have_attribute("lang", "en")  # the phone's language
    expect(phone.get_by_role("radio", name="English")).to_be_checked()  # …is offered as her choice
    phone.get_by_label("Your name").fill("Sam Smith")
    phone.get_by_role("button", name="Continue").click()
    expect(phone.get_by_role("heading", name="Presse 7")).to_be_visible()
    _fits_the_screen(phone)
    screenshot("phone-code", of=phone)

    phone.get_by_role("link", name="Report a new problem").click()
    phone.get_by_label("Title").fill("Light flickers")
    phone.get_by_label("Bereich").select_option("Halle B")
    phone.get_by_label("Photos (optional)").set_input_files([{"name": "flicker.png", "mimeType": "image/png", "buffer": png_bytes()}])
    _fits_the_screen(phone)
    screenshot("phone-new-ticket", of=phone)
    phone.get_by_role("button", name="Send ticket").click()

    expect(phone.get_by_role("status")).to_contain_text("has been sent to the service desk")
    ticket = Ticket.objects.get(title="Light flickers")
    expect(phone.locator('#status-bar [aria-current="step"]')).to_have_text("Open")
    expect(phone.get_by_role("link", name="flicker.png")).to_be_visible()
    photo = phone.locator(".attachment-thumb img")  # a preview beside the file's link
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")  # the photo itself loads
    _fits_the_screen(phone)
    # The messenger sits below the ticket on a phone: a link at the top leads there.
    phone.get_by_role("link", name="To the messenger").click()
    expect(phone.get_by_label("Message", exact=True)).to_be_in_viewport()
    phone.get_by_label("Message", exact=True).fill("It started this morning.")
    phone.get_by_role("button", name="Send", exact=True).click()
    expect(phone.locator("#messenger .message.is-mine")).to_contain_text("It started this morning.")
    screenshot("phone-ticket", of=phone)
    assert ticket.messages.get(author_code_user__display_name="Sam Smith").text == "It started this morning."

    # She switches to German: the page, and her e-mails from now on.
    phone.get_by_role("button", name="DE", exact=True).click()  # exact: not "Ask for a viDEo session"
    expect(phone.locator("html")).to_have_attribute("lang", "de")
    expect(phone.locator('#status-bar [aria-current="step"]')).to_have_text("Offen")
    assert CodeUser.objects.get(display_name="Sam Smith").preferred_language == "de"
