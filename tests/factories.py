import factory
from django.contrib.auth.models import Group

from fleet.models import User
from fleet.roles import Role

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    """A staff member; `role=` picks the group (Mitarbeiter by default, None for no role)."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"staff{n}")
    first_name = factory.Faker("first_name", locale="de_DE")
    last_name = factory.Faker("last_name", locale="de_DE")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(PASSWORD)

    @classmethod
    def _create(cls, model_class, *args, role=Role.STAFF, **kwargs):
        user = super()._create(model_class, *args, **kwargs)
        if role is not None:
            user.groups.add(Group.objects.get(name=Role(role).value))
        return user
