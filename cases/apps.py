from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Ärenden")

    def ready(self) -> None:
        from goals.hooks import register_client_ref_checker

        from .access import check_client_ref

        register_client_ref_checker(check_client_ref)

        from goals.hooks import register_client_ref_lister, register_exited_checker

        from .goals_hooks import client_refs_in_unit, exited_refs

        register_exited_checker(exited_refs)
        register_client_ref_lister(client_refs_in_unit)
