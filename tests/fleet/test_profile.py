"""A staff member's own settings: language and time zone, used by every page afterwards."""

import pytest
from django.utils import translation

from fleet import staff_services
from fleet.models import User
from tests.factories import UserFactory
from common.errors import InvalidInput

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _german():
    with translation.override("de"):
        yield


def test_the_profile_is_reached_from_the_top_bar_and_saves_language_and_time_zone(client):
    me = UserFactory(first_name="Mia", last_name="Schneider")
    client.force_login(me)
    html = client.get("/").content.decode()
    assert 'href="/profile/"' in html
    page = client.get("/profile/")
    assert page.status_code == 200
    assert "Mein Profil" in page.content.decode()

    response = client.post("/profile/", {"preferred_language": "en", "time_zone": "America/New_York"})
    assert response.status_code == 302
    me.refresh_from_db()
    assert (me.preferred_language, me.time_zone) == ("en", "America/New_York")
    assert response.cookies["django_language"].value == "en"
    assert 'data-time-zone="America/New_York"' in client.get("/").content.decode()


def test_an_unknown_time_zone_is_refused_with_a_message_and_nothing_changes(client):
    me = UserFactory(time_zone="Europe/Vienna")
    client.force_login(me)
    response = client.post("/profile/", {"preferred_language": "de", "time_zone": "Mond/Krater"})
    assert response.status_code == 400
    assert "Mond/Krater" in response.content.decode()  # named in the select's error message
    me.refresh_from_db()
    assert me.time_zone == "Europe/Vienna"


def test_the_empty_choice_means_the_desks_time_zone(client):
    me = UserFactory(time_zone="Asia/Tokyo")
    client.force_login(me)
    client.post("/profile/", {"preferred_language": "de", "time_zone": ""})
    me.refresh_from_db()
    assert me.time_zone == ""
    assert 'data-time-zone="Europe/Berlin"' in client.get("/").content.decode()


def test_the_service_changes_only_the_own_language_and_time_zone():
    me = UserFactory(email="mia@example.org")
    with pytest.raises(InvalidInput):
        staff_services.profile_update(me, email="other@example.org")
    assert User.objects.get(pk=me.pk).email == "mia@example.org"


def test_anonymous_visitors_are_sent_to_the_login(client):
    assert client.get("/profile/")["Location"] == "/login/?next=/profile/"
