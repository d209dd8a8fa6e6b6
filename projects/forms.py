"""Forms of the ledger's own pages, styled with Bootstrap."""

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.forms.renderers import Jinja2
from django.utils.translation import gettext_lazy as _

from projects.lockout import lockout_warning
from projects.models import AnnualTarget, Assessment, Decision, FollowUp, FundEntry, Problem
from projects.models.assessments import ASSESSMENT_FIGURES
from projects.models.staff import active_staff, staff_name
from projects.models.targets import TARGET_FIGURES
from projects.units import entered_yi, yi_to_wan
from projects.versioning import VersionedModelForm

if TYPE_CHECKING:
    # What ``LockoutWarning`` is mixed into, so that its call of ``super()`` is checked.
    LoginFormBase = auth_forms.AuthenticationForm
else:
    LoginFormBase = object

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


class BootstrapBoundField(forms.BoundField):
    """A field whose widget, once the field is in error, also carries Bootstrap's invalid
    state (``is-invalid``), beside the ``aria-invalid`` and ``aria-describedby`` (its
    message's id, ``<id>_error``) that Django gives it."""

    def build_widget_attrs(self, attrs: dict[str, Any], widget: forms.Widget | None = None) -> dict:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if self.errors and not widget.is_hidden:
            css = attrs.get("class", widget.attrs.get("class", ""))
            attrs["class"] = f"{css} is-invalid".strip()
        return attrs


class BootstrapForm:
    """Give every widget of a form the Bootstrap class that fits it, and mark the widgets
    of fields in error as invalid."""

    fields: dict[str, forms.Field]  # the form's, which this mixin comes before
    bound_field_class: type[forms.BoundField] | None = BootstrapBoundField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = bootstrap_class(field.widget)
            if css:
                field.widget.attrs["class"] = css


class FilterForm(BootstrapForm, forms.Form):
    """The form behind every filter panel.

    A range given by a pair of fields named ``…_min`` / ``…_max`` or ``…_after`` /
    ``…_before`` must not end before it starts.

    Its widgets are written from Django's Jinja2 templates of them, the same HTML as its
    own templates give: a list page renders a hundred choices or more on every request,
    and Jinja2 takes about 4 ms less of a 25 ms page. A widget of a filter therefore needs
    a Jinja2 template; django-filter's range and lookup widgets have none.
    """

    default_renderer = Jinja2()
    RANGE_ENDS = (("_min", "_max"), ("_after", "_before"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        for low_suffix, high_suffix in self.RANGE_ENDS:
            for low in self.fields:
                if not low.endswith(low_suffix):
                    continue
                high = low.removesuffix(low_suffix) + high_suffix
                low_value, high_value = cleaned.get(low), cleaned.get(high)
                if low_value is not None and high_value is not None and low_value > high_value:
                    self.add_error(high, _("不能小于“%(low)s”。") % {"low": self.fields[low].label})
        return cleaned


class YiField(forms.DecimalField):
    """An amount typed and shown in 亿元, cleaned to 万元 as the model stores it.

    It is made from the model's field (``max_digits``, ``decimal_places`` of the amount in
    万元) and takes the same amounts, written four places further left: its messages about
    digits count those typed. The stored amount it is given to show is converted; what the
    user typed is shown back as typed.
    """

    default_error_messages = {
        "invalid": _("请填写以亿元计的金额，例如 10.4。"),
        "max_digits": _("以亿元计，最多 %(max)s 位数字。"),
        "max_decimal_places": _("以亿元计，最多 %(max)s 位小数。"),
        "max_whole_digits": _("以亿元计，小数点前最多 %(max)s 位。"),
    }

    def __init__(self, *, max_digits: int, decimal_places: int, **kwargs: Any) -> None:
        super().__init__(max_digits=max_digits, decimal_places=decimal_places + 4, **kwargs)
        self.stored_unit = Decimal(1).scaleb(-decimal_places)

    def prepare_value(self, value: Any) -> Any:
        return entered_yi(value) if isinstance(value, Decimal) else value

    def clean(self, value: Any) -> Decimal | None:
        amount_yi = super().clean(value)
        return None if amount_yi is None else yi_to_wan(amount_yi).quantize(self.stored_unit)

    def has_changed(self, initial: Any, data: Any) -> bool:
        return super().has_changed(self.prepare_value(initial), data)


class ByName:
    """A field of staff accounts that offers the active ones by name, not by login."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", active_staff())
        super().__init__(**kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return staff_name(obj)


class StaffChoiceField(ByName, forms.ModelChoiceField):
    """One of the county's active staff."""


class StaffMultipleChoiceField(ByName, forms.ModelMultipleChoiceField):
    """Some of the county's active staff."""


class LockoutWarning(LoginFormBase):
    """A login form that, after a wrong password, warns when the next one would lock the
    account out (``projects.lockout``), below the error Django gives."""

    def get_invalid_login_error(self) -> ValidationError:
        error = super().get_invalid_login_error()
        # Django's login views always pass the request, without which axes refuses a login.
        assert self.request is not None
        warning = lockout_warning(self.request, self.cleaned_data["username"])
        if warning is None:
            return error
        return ValidationError([error, ValidationError(warning, code="lockout_warning")])


class LoginForm(LockoutWarning, BootstrapForm, auth_forms.AuthenticationForm):
    """Django's login form, which warns before the wrong password that locks the account."""


class AdminLoginForm(LockoutWarning, AdminAuthenticationForm):
    """The admin's login form, which warns as the site's does."""


class PasswordChangeForm(BootstrapForm, auth_forms.PasswordChangeForm):
    """Django's form for a user to change their own password, checked by the project's
    password validators."""


class DateInput(forms.DateInput):
    """A browser date picker that sends ISO dates."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class AssessmentForm(BootstrapForm, forms.ModelForm):
    """The figures a firm reports for an assessment; the verdicts are computed from them."""

    class Meta:
        model = Assessment
        fields = [
            "kind",
            "assessed_on",
            "assessor",
            *ASSESSMENT_FIGURES,
            "notes",
        ]
        widgets = {"assessed_on": DateInput, "notes": forms.Textarea(attrs={"rows": 2})}


class DecisionForm(BootstrapForm, forms.ModelForm):
    """A decision on the latest assessment of a lease."""

    class Meta:
        model = Decision
        fields = ["kind", "decided_on", "reason", "transfer_price_wan", "new_deadline"]
        widgets = {
            "decided_on": DateInput,
            "new_deadline": DateInput,
            "reason": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "transfer_price_wan": _("转为出让时填写；已缴租金按协议自动抵扣。"),
            "new_deadline": _("整改延期时填写。"),
        }


class FollowUpForm(BootstrapForm, forms.ModelForm):
    """A follow-up logged from its project's page."""

    staff = StaffMultipleChoiceField(required=False, label=_("参与人员"))

    class Meta:
        model = FollowUp
        fields = ["occurred_on", "kind", "staff", "contacts", "summary", "next_step", "next_due"]
        widgets = {
            "occurred_on": DateInput,
            "next_due": DateInput,
            "summary": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"staff": _("可多选。"), "contacts": _("企业方参加人员的姓名或职务。")}


class FundEntryForm(BootstrapForm, forms.ModelForm):
    """Funds in place recorded from their project's page, the amount typed in 亿元."""

    class Meta:
        model = FundEntry
        fields = ["received_on", "amount_wan", "kind", "outside_province", "source"]
        widgets = {"received_on": DateInput}


class UnresolvableGuard(forms.ModelForm):
    """A problem's form that lets only users with ``projects.close_unresolvable`` (the
    Managers) close a problem as 无法解决; anyone else is told so beside the status."""

    may_close_unresolvable = False  # set per user by the page or the admin
    instance: Problem

    def clean_status(self) -> str:
        status = self.cleaned_data["status"]
        closing = status == Problem.Status.UNRESOLVABLE and (
            self.instance.pk is None or self.instance.status != status
        )
        if closing and not self.may_close_unresolvable:
            raise ValidationError(
                _("只有管理人员可以将问题办结为无法解决。"), code="unresolvable_not_allowed"
            )
        return status


class ProblemRaiseForm(BootstrapForm, forms.ModelForm):
    """A problem raised from its project's page; the page dates it today and signs it."""

    class Meta:
        model = Problem
        fields = ["category", "description", "department", "due_on"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}), "due_on": DateInput}


class ProblemProgressForm(BootstrapForm, UnresolvableGuard, VersionedModelForm):
    """A problem moved on from its page: its status with the result and the date it was
    closed, and its escalation, which only goes up. 无法解决 is offered only to those who
    may close a problem so; a save over someone else's since the page was opened is
    refused, keeping what was typed."""

    class Meta:
        model = Problem
        fields = ["status", "escalation", "resolution", "closed_on"]
        widgets = {"resolution": forms.Textarea(attrs={"rows": 2}), "closed_on": DateInput}
        help_texts = {"closed_on": _("已解决或无法解决时填写。")}

    def __init__(self, *args: Any, may_close_unresolvable: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.may_close_unresolvable = may_close_unresolvable
        unresolvable = Problem.Status.UNRESOLVABLE
        if not may_close_unresolvable and self.instance.status != unresolvable:
            status = self.fields["status"]
            assert isinstance(status, forms.ChoiceField)
            status.choices = [
                (value, label) for value, label in Problem.Status.choices if value != unresolvable
            ]

    def clean_escalation(self) -> int:
        level = self.cleaned_data["escalation"]
        if level < self.instance.escalation:
            raise ValidationError(
                _("督办层级只能提高，不能降低（现为%(level)s）。")
                % {"level": self.instance.get_escalation_display()},
                code="escalation_lowered",
            )
        return level


class TargetForm(BootstrapForm, VersionedModelForm):
    """A unit's annual target, set on the targets page: the year, the kind of unit and the
    one field that names the unit, and the figures, amounts typed in 亿元. A save over
    someone else's since the page was opened is refused, keeping what was typed."""

    staff = StaffChoiceField(required=False, label=_("责任人"))

    class Meta:
        model = AnnualTarget
        fields = ["year", "unit", "zone", "park", "staff", *TARGET_FIGURES]
        help_texts = {
            "unit": _("全县不选考核对象；其余类别在下方对应一栏选择，另两栏留空。"),
            "park": _("一级园区，其下级园区计入其中。"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A target set for someone since deactivated stays theirs when it is changed.
        if self.instance.staff_id is not None:
            staff = self.fields["staff"]
            assert isinstance(staff, StaffChoiceField)
            own = get_user_model().objects.filter(pk=self.instance.staff_id)
            staff.queryset = active_staff() | own
