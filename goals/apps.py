from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GoalsConfig(AppConfig):
    name = "goals"
    verbose_name = _("Organisation och mål")

    def ready(self) -> None:
        from .demo import organisation_step, register_demo_step

        register_demo_step(10, "organisation", organisation_step)

        from .demo_cycle import cycle_step

        register_demo_step(30, "goals-cycle", cycle_step)
