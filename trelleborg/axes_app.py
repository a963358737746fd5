"""django-axes under a Swedish name in the admin (issue 15: the "Axes" section was English),
and the start-up hook that gives fields without verbose_name Swedish labels (field_labels).

Axes names its app after the package and ships no Swedish catalogue; its model and field
names are translated in locale/sv (the UI's own msgids are Swedish and need no sv catalogue).
"""

from __future__ import annotations

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AxesAppConfig):
    verbose_name = _("Inloggningsspärr")

    def ready(self) -> None:
        super().ready()
        # Every model is loaded before any ready() runs; this is the project's own config
        # that runs once at start-up, so the admin's field labels are set here too.
        from trelleborg import field_labels

        field_labels.apply()
