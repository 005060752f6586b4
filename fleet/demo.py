"""Demo staff for a first start. Passwords are documented in the README; never use in production."""

from django.contrib.auth.models import Group
from django.db import transaction

from fleet.models import User
from fleet.roles import Role

DEMO_PASSWORD = "leitstand-demo"

DEMO_STAFF = [
    # username, first name, last name, role, e-mail
    ("admin", "Anna", "Adler", Role.ADMINISTRATOR),
    ("moderator", "Moritz", "Berger", Role.MODERATOR),
    ("mitarbeiter1", "Mia", "Schneider", Role.STAFF),
    ("mitarbeiter2", "Jonas", "Fischer", Role.STAFF),
    ("mitarbeiter3", "Lena", "Wagner", Role.STAFF),
]


@transaction.atomic
def seed_staff() -> dict[str, User]:
    """Create (or refresh) the demo staff; idempotent."""
    users = {}
    for username, first_name, last_name, role in DEMO_STAFF:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@leitstand.example",
                "is_staff": role == Role.ADMINISTRATOR,  # Django admin access for administrators
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role.value))
        users[username] = user
    return users
