from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Ärenden")

    def ready(self) -> None:
        from goals.demo import register_demo_step
        from goals.hooks import (
            register_case_end_lister,
            register_client_ref_checker,
            register_client_ref_lister,
            register_ended_lister,
            register_exited_checker,
            register_open_case_lister,
        )

        from . import demo
        from .access import check_client_ref
        from .goals_hooks import case_ends, client_refs_in_unit, ended_refs, exited_refs, open_cases

        register_client_ref_checker(check_client_ref)
        register_exited_checker(exited_refs)
        register_client_ref_lister(client_refs_in_unit)
        register_ended_lister(ended_refs)
        register_open_case_lister(open_cases)
        register_case_end_lister(case_ends)
        register_demo_step(20, "cases", demo.load)
        # After the months are closed (30) and their figures kept (97): one correction.
        register_demo_step(98, "cases-correction", demo.correction_step)
