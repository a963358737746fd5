from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Integrationer")

    def ready(self) -> None:
        from goals.demo import register_demo_step

        from . import demo

        register_demo_step(95, "integrations", demo.load)
