from __future__ import annotations

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from goals import demo
from goals.access import caseworker_units, client_units, managed_units, roles_of
from goals.models import Membership, Unit
from trelleborg.vocabulary import Role

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture(autouse=True)
def _organisation_step_only(monkeypatch):
    # The other apps' steps (years of case events) have their own tests; these test the
    # registry and the organisation, and must stay fast.
    monkeypatch.setattr(demo, "_steps", {"organisation": demo._steps["organisation"]})


def wipe():
    from cases.models import Case, CaseEvent, Client  # the cases demo step's rows protect units

    CaseEvent.objects.all().delete()
    Case.objects.all().delete()
    Client.objects.all().delete()
    Membership.objects.all().delete()
    User.objects.all().delete()
    Unit.objects.update(parent=None)  # parents are protected: unlink before deleting
    Unit.objects.all().delete()


@pytest.fixture
def loaded(settings):
    settings.DEBUG = True
    call_command("load_demo")


def test_demo_builds_the_trelleborg_organisation(loaded):
    root = Unit.objects.get(code=demo.DEMO_ROOT_CODE)
    assert root.name == "Arbetsmarknadsförvaltningen"
    assert root.municipality_code == "1287"
    assert sorted(u.name for u in Unit.objects.filter(parent=root)) == [
        "Boendedrift – bosättning",
        "Boendedrift – ensamkommande",
        "Insats",
        "Planering och uppföljning",
        "Stödprocess Myndighet",
    ]
    assert Unit.objects.get(code="grupp-soder").path == "/amf/planering/grupp-soder/"
    caseworkers = Membership.objects.filter(role=Role.CASEWORKER).count()
    assert 20 <= caseworkers <= 30
    # a manager for every unit below the root
    for unit in Unit.objects.exclude(pk=root.pk):
        assert unit.memberships.filter(role=Role.MANAGER).count() == 1, unit.code


def test_featured_users_have_their_roles_and_the_demo_password(loaded):
    anna = authenticate(username="anna.lind", password=demo.DEMO_PASSWORD)
    assert anna is not None
    assert list(caseworker_units(anna).values_list("code", flat=True)) == ["grupp-norr"]
    maria = User.objects.get(username="maria.holm")
    assert list(managed_units(maria).values_list("code", flat=True)) == ["grupp-norr"]
    karin = User.objects.get(username="karin.ek")
    assert roles_of(karin) == {"leadership"}
    assert not client_units(karin).exists()
    assert User.objects.get(username="admin").is_superuser


def test_demo_is_deterministic(settings):
    settings.DEBUG = True
    call_command("load_demo")
    first = sorted(Membership.objects.values_list("user__username", "unit__code", "role"))
    wipe()
    call_command("load_demo")
    assert sorted(Membership.objects.values_list("user__username", "unit__code", "role")) == first


def test_load_demo_if_empty_loads_once(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo", "--if-empty")
    users = User.objects.count()
    call_command("load_demo", "--if-empty")
    assert "finns redan" in capsys.readouterr().out
    assert User.objects.count() == users
    with pytest.raises(CommandError, match="finns redan"):
        call_command("load_demo")


def test_no_demo_passwords_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=true"):
        call_command("load_demo")
    assert not Unit.objects.exists()
    call_command("load_demo", "--without-passwords")
    assert User.objects.exists()
    assert not any(user.has_usable_password() for user in User.objects.all())


def test_steps_run_in_order_in_one_transaction(settings):
    settings.DEBUG = True
    seen = []

    def later(ctx):
        seen.append(("later", sorted(ctx.units)[:1], ctx.rng.random() is not None))

    def broken(ctx):
        raise RuntimeError("boom")

    demo.register_demo_step(95, "test-later", later)
    try:
        call_command("load_demo")
        assert seen == [("later", ["amf"], True)]  # after the organisation (order 10)
        wipe()
        demo.register_demo_step(99, "test-broken", broken)
        with pytest.raises(RuntimeError):
            call_command("load_demo")
        assert not Unit.objects.exists(), "a failing step must leave nothing behind"
    finally:
        demo._steps.pop("test-later", None)
        demo._steps.pop("test-broken", None)


def test_demo_logins_print_one_sign_in_per_role(loaded, settings, capsys):
    call_command("demo_logins", "--port", "8765")
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8765/logga-in/" in out
    for username in ("anna.lind", "maria.holm", "karin.ek", "admin"):
        assert username in out
    assert demo.DEMO_PASSWORD in out
    settings.DEBUG = False
    call_command("demo_logins")
    assert demo.DEMO_PASSWORD not in capsys.readouterr().out


def test_demo_contains_no_personal_identity_numbers(loaded):
    from cases.validators import looks_like_personal_number

    for values in User.objects.values_list("username", "first_name", "last_name", "email"):
        assert not any(looks_like_personal_number(v) for v in values)
