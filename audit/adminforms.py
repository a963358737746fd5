"""The personal-number and identifier rules on every admin form (issue 13 point 4).

The admin edits free text (decision rationales, follow-up texts, planned actions, unit
names, …) through ModelForms the apps declare. Rather than each app remembering the rule
on each form, every registered ModelAdmin's form and every inline's form gets
`trelleborg.validation.PersonalNumberFormMixin` once the admin has discovered them
(AuditConfig.ready runs after the admin's own ready). Client references are identifiers:
the whole identifier rule applies to them.
"""

from __future__ import annotations

from django.contrib import admin

from trelleborg.validation import PersonalNumberFormMixin

IDENTIFIER_FIELDS = ("ref", "client_ref")


def _protected(form: type) -> type:
    if issubclass(form, PersonalNumberFormMixin):
        return form
    return type(
        form.__name__,
        (PersonalNumberFormMixin, form),
        {"identifier_fields": IDENTIFIER_FIELDS, "__module__": form.__module__},
    )


def protect_admin_forms(site: admin.AdminSite = admin.site) -> None:
    for model_admin in site._registry.values():
        model_admin.form = _protected(model_admin.form)
        if getattr(model_admin, "add_form", None) is not None:  # the user admin's add page
            model_admin.add_form = _protected(model_admin.add_form)
        for inline in model_admin.inlines:
            inline.form = _protected(inline.form)
