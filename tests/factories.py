"""factory_boy factories shared by the suite."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from cases.models import Case, CaseEvent, Client
from goals.models import Membership, Unit
from trelleborg.vocabulary import Program, Role, Source


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="sv_SE")
    last_name = factory.Faker("last_name", locale="sv_SE")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.django.Password("test-password-123")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"unit-{n}")
    name = factory.LazyAttribute(lambda u: f"Enhet {u.code}")
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from goals.services import unit_save

        return unit_save(unit=model_class(*args, **kwargs))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = Role.CASEWORKER


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    organisation = factory.SubFactory(UnitFactory)
    ref = factory.Sequence(lambda n: f"K-{n:05d}")


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    unit = factory.SubFactory(UnitFactory)
    organisation = factory.LazyAttribute(lambda c: c.unit.root())
    client = factory.SubFactory(ClientFactory, organisation=factory.SelfAttribute("..organisation"))
    case_number = factory.Sequence(lambda n: f"A{n:06d}")
    program = Program.FORSORJNINGSSTOD


class CaseEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseEvent

    case = factory.SubFactory(CaseFactory)
    unit = factory.LazyAttribute(lambda e: e.case.unit)
    organisation = factory.LazyAttribute(lambda e: e.case.organisation)
    event_id = factory.Sequence(lambda n: f"ev-{n}")
    event_type = "application_received"
    occurred_on = dt.date(2018, 1, 15)
    reason = ""
    decision_mode = factory.LazyAttribute(lambda e: "manual" if e.event_type == "decision" else "")
    program = factory.LazyAttribute(lambda e: e.case.program)
    source = Source.IMPORT
