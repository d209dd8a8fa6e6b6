"""Forms of the ledger's own pages, styled with Bootstrap."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm

# Widgets that render a list of choices themselves and take no single CSS class.
CHOICE_LISTS = (forms.CheckboxSelectMultiple, forms.RadioSelect)


def bootstrap_class(widget: forms.Widget) -> str:
    """The Bootstrap class for one widget."""
    if isinstance(widget, CHOICE_LISTS):
        return ""
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


class BootstrapForm:
    """Give every widget of a form the Bootstrap class that fits it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = bootstrap_class(field.widget)
            if css:
                field.widget.attrs["class"] = css


class FilterForm(BootstrapForm, forms.Form):
    """The form behind every filter panel."""


class LoginForm(BootstrapForm, AuthenticationForm):
    """Django's login form."""
