from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Rapporter")

    def ready(self) -> None:
        from cases.signals import events_changed

        from . import receivers

        events_changed.connect(receivers.on_events_changed, dispatch_uid="reports.refresh")

        from goals.signals import month_closed

        from . import snapshots

        month_closed.connect(snapshots.on_month_closed, dispatch_uid="reports.snapshot")
        from goals import hooks as goals_hooks

        goals_hooks.register_baseline_lookup(receivers.baseline_has_data)

        from goals.demo import register_demo_step

        from .demo import rollup_step, snapshot_step

        register_demo_step(90, "reports", rollup_step)
        register_demo_step(97, "reports-snapshots", snapshot_step)
