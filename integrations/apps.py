from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Integrationer")

    def ready(self) -> None:
        from cases.signals import events_changed
        from goals.demo import register_demo_step

        from . import demo, tasks

        register_demo_step(95, "integrations", demo.load)
        events_changed.connect(tasks.on_events_changed, dispatch_uid="integrations-figures")
