"""Every constraint of the ledger, broken through the form a user has for it, is explained
beside a field, in Chinese and in English, and never by the constraint's name."""

import re
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from itertools import permutations

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.forms import BaseForm
from django.urls import reverse
from django.utils import timezone, translation

from projects.forms import AssessmentForm, DecisionForm
from projects.models import (
    AnnualTarget,
    Assessment,
    Company,
    Decision,
    Department,
    FundTally,
    IndicatorResult,
    InvestmentProject,
    LandParcel,
    LeaseAgreement,
    LeaseTarget,
    Park,
    Problem,
    ProjectParcel,
    ProjectTally,
    WarningRule,
    WarningTally,
)
from projects.models.assessments import ASSESSMENT_FIGURES
from tests.test_admin_edits import change_url, opened_form

pytestmark = pytest.mark.django_db

LANGUAGES = ["zh-hans", "en"]
HAN = re.compile("[\u4e00-\u9fff]")

CONSTRAINTS = [
    pytest.param(model, constraint, id=constraint.name)
    for model in apps.get_app_config("projects").get_models()
    for constraint in model._meta.constraints
]

# Constraints on values the code sets, which no form shows: the field, and the form that
# would otherwise show it (None: the model has no form at all).
SET_BY_THE_CODE: dict[str, tuple[str, type[BaseForm] | None]] = {
    # From the start date and the term, when the lease is saved.
    "lease_ends_after_start": ("end_date", None),
    # The parcel's area, copied when the assessment is recorded.
    "assessment_area_m2_non_negative": ("area_m2", AssessmentForm),
    # The rent paid, computed when the lease is converted.
    "decision_rent_deduction_wan_non_negative": ("rent_deduction_wan", DecisionForm),
    # One result per target, computed when the assessment is recorded.
    "indicator_result_unique": ("indicator", None),
    # An issued report's next version, and its period, checked by the period's form.
    "issued_report_version_unique": ("version", None),
    "issued_report_period_in_order": ("end", None),
    # The projects', the funds' and the warnings' tallies, which only the database's
    # triggers write.
    "projecttally_key": ("sector", None),
    "fundtally_key": ("sector", None),
    "warningtally_key": ("stage", None),
}


class Broken:
    """A form submitted with one constraint broken: the form as validated, the field its
    message should be beside, and the page shown (None for a form checked on its own)."""

    def __init__(self, form: BaseForm, field: str, page: str | None = None) -> None:
        self.form, self.field, self.page = form, field, page


def admin_post(client, url: str, data: dict, language: str):
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, "the admin saved a record that breaks a constraint"
    return response


def admin_change(client, record: models.Model, field: str, language: str, **changes) -> Broken:
    """The record's admin change form, saved with ``changes``."""
    url = change_url(record)
    data = {**opened_form(client.get(url)), **changes}
    response = admin_post(client, url, data, language)
    return Broken(response.context["adminform"].form, field, response.text)


def admin_copy(client, record: models.Model, field: str, language: str, **changes) -> Broken:
    """The admin add form, filled in as ``record`` with ``changes`` and without its rows."""
    data = {**opened_form(client.get(change_url(record))), **changes}
    for name in data:
        if name.endswith(("-TOTAL_FORMS", "-INITIAL_FORMS")):
            data[name] = 0
    opts = record._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    response = admin_post(client, url, data, language)
    return Broken(response.context["adminform"].form, field, response.text)


def admin_row(client, parent: models.Model, model, field: str, language: str, **row) -> Broken:
    """The parent's admin change form with one more row of ``model``'s inline."""
    url = change_url(parent)
    response = client.get(url)
    data = opened_form(response)
    (formset,) = (
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is model
    )
    prefix = formset.prefix
    count = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = count + 1
    data.update({f"{prefix}-{count}-{name}": value for name, value in row.items()})
    response = admin_post(client, url, data, language)
    (formset,) = (
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is model
    )
    return Broken(formset.forms[count], field, response.text)


def assessing_lease() -> LeaseAgreement:
    """A demo lease whose latest assessment awaits a decision."""
    return LeaseAgreement.objects.get(status=LeaseAgreement.Status.ASSESSING)


def assess(client, field: str, language: str, **changes) -> Broken:
    """The lease page's assessment form, every figure reported, with ``changes``."""
    lease = assessing_lease()
    data = {
        "action": "assess",
        "assess-kind": Assessment.Kind.ANNUAL,
        "assess-assessed_on": timezone.localdate().isoformat(),
        "assess-assessor": "县经济商务局",
        **{f"assess-{figure}": "1000" for figure in ASSESSMENT_FIGURES},
        **{f"assess-{name}": value for name, value in changes.items()},
    }
    response = client.post(lease.get_absolute_url(), data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, "the page recorded an assessment that breaks a rule"
    return Broken(response.context["assess_form"], field, response.text)


def decide(client, field: str, language: str, **changes) -> Broken:
    """The lease page's decision form with ``changes``."""
    data = {
        "action": "decide",
        "decide-decided_on": timezone.localdate().isoformat(),
        "decide-reason": "考核结果",
        **{f"decide-{name}": value for name, value in changes.items()},
    }
    url = assessing_lease().get_absolute_url()
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, "the page took a decision that breaks a rule"
    return Broken(response.context["decide_form"], field, response.text)


def in_production() -> InvestmentProject:
    """A demo project with every stage date, and a fixed investment."""
    return InvestmentProject.objects.filter(
        stage=InvestmentProject.Stage.IN_PRODUCTION, fixed_investment_wan__isnull=False
    ).first()


def parcel_with_every_date() -> LandParcel:
    dates = [field.name for field in LandParcel._meta.fields if isinstance(field, models.DateField)]
    return LandParcel.objects.filter(**{f"{name}__isnull": False for name in dates}).first()


def leasing() -> LeaseAgreement:
    return LeaseAgreement.objects.filter(
        status=LeaseAgreement.Status.LEASING, start_deadline__isnull=False
    ).first()


Case = Callable[..., Broken]

# How a user breaks each constraint that is not of a family below, by its name.
CASES: dict[str, Case] = {}


def case(name: str) -> Callable[[Case], Case]:
    def register(function: Case) -> Case:
        CASES[name] = function
        return function

    return register


@case("park_not_own_parent")
def park_its_own_parent(client, language):
    park = Park.objects.first()
    return admin_change(client, park, "parent", language, parent=park.pk)


@case("parcel_term_years_positive")
def parcel_of_no_years(client, language):
    return admin_change(client, parcel_with_every_date(), "term_years", language, term_years=0)


@case("parcel_plot_ratio_min_not_above_max")
def plot_ratio_upside_down(client, language):
    return admin_change(
        client,
        parcel_with_every_date(),
        "plot_ratio_max",
        language,
        plot_ratio_min="3.00",
        plot_ratio_max="2.00",
    )


@case("company_credit_code_unique")
def credit_code_taken(client, language):
    company = Company.objects.exclude(credit_code="").first()
    return admin_copy(client, company, "credit_code", language, name="另一家企业")


@case("project_fixed_not_above_total")
def fixed_above_total(client, language):
    project = in_production()
    more = project.total_investment_wan + 1
    return admin_change(
        client, project, "fixed_investment_wan", language, fixed_investment_wan=more
    )


@case("project_signed_date_not_after_terminated_date")
def terminated_before_signed(client, language):
    project = in_production()
    return admin_change(
        client,
        project,
        "terminated_date",
        language,
        stage=InvestmentProject.Stage.TERMINATED,
        terminated_date=project.signed_date - timedelta(days=1),
    )


@case("project_parcel_unique")
def parcel_linked_twice(client, language):
    link = ProjectParcel.objects.first()
    return admin_row(client, link.project, ProjectParcel, "parcel", language, parcel=link.parcel_id)


@case("lease_term_positive")
def lease_of_no_years(client, language):
    return admin_change(client, leasing(), "term_years", language, term_years=0)


@case("lease_one_active_per_parcel")
def second_lease_of_a_parcel(client, language):
    lease = leasing()
    later = lease.start_date + timedelta(days=1)
    return admin_copy(client, lease, "parcel", language, start_date=later)


@case("lease_target_unique")
def indicator_targeted_twice(client, language):
    target = LeaseTarget.objects.first()
    return admin_row(
        client,
        target.lease,
        LeaseTarget,
        "indicator",
        language,
        indicator=target.indicator,
        direction=target.direction,
        target_value="1",
    )


@case("assessment_unique_per_day")
def second_assessment_of_the_day(client, language):
    latest = assessing_lease().assessments.latest("assessed_on")
    return assess(client, "assessed_on", language, kind=latest.kind, assessed_on=latest.assessed_on)


def move_on(client, field: str, language: str, **changes) -> Broken:
    """An open demo problem's page, its form sent with ``changes``."""
    problem = Problem.objects.filter(status=Problem.Status.OPEN).order_by("pk").first()
    data = {
        "progress-status": problem.status,
        "progress-escalation": problem.escalation,
        "progress-resolution": "",
        "progress-closed_on": "",
        **{f"progress-{name}": value for name, value in changes.items()},
    }
    response = client.post(problem.get_absolute_url(), data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, "the page saved a problem that breaks a rule"
    return Broken(response.context["progress_form"], field, response.text)


@case("problem_closed_dated")
def problem_closed_undated(client, language):
    return move_on(client, "closed_on", language, status="resolved", resolution="已解决。")


@case("problem_closed_explained")
def problem_closed_unexplained(client, language):
    return move_on(client, "resolution", language, status="resolved", closed_on="2026-11-01")


@case("problem_closed_not_before_raised")
def problem_closed_before_raised(client, language):
    changes = {"status": "resolved", "resolution": "已解决。", "closed_on": "2000-01-01"}
    return move_on(client, "closed_on", language, **changes)


@case("problem_due_not_before_raised")
def problem_due_before_raised(client, language):
    project = InvestmentProject.objects.order_by("pk").first()
    data = {
        "action": "problem",
        "problem-category": "land",
        "problem-description": "用地指标尚未落实。",
        "problem-department": Department.objects.order_by("pk").first().pk,
        "problem-due_on": "2000-01-01",
    }
    response = client.post(project.get_absolute_url(), data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, "the page saved a problem that breaks a rule"
    return Broken(response.context["problem_form"], "due_on", response.text)


def planned_out_of_order(earlier: str, later: str) -> Case:
    def broken(client, language):
        day = timezone.localdate()
        changes = {earlier: day, later: day - timedelta(days=1)}
        return admin_change(client, in_production(), later, language, **changes)

    return broken


for earlier, later in (
    ("planned_started_date", "planned_completed_date"),
    ("planned_completed_date", "planned_production_date"),
    ("planned_started_date", "planned_production_date"),
):
    CASES[f"project_{earlier}_not_after_{later}"] = planned_out_of_order(earlier, later)


def stage_rule() -> WarningRule:
    return WarningRule.objects.filter(kind=WarningRule.Kind.IN_STAGE).order_by("pk").first()


@case("warningrule_unique")
def second_rule_for_a_stage(client, language):
    return admin_copy(client, stage_rule(), "stage", language)


@case("warningrule_red_after_yellow")
def red_before_yellow(client, language):
    return admin_change(client, stage_rule(), "red_days", language, yellow_days=90, red_days=30)


@case("warningrule_has_days")
def rule_of_no_days(client, language):
    return admin_change(client, stage_rule(), "yellow_days", language, yellow_days="", red_days="")


@case("decision_convert_has_price")
def conversion_without_a_price(client, language):
    return decide(client, "transfer_price_wan", language, kind=Decision.Kind.CONVERT)


@case("decision_remediate_has_deadline")
def remediation_without_a_deadline(client, language):
    return decide(client, "new_deadline", language, kind=Decision.Kind.REMEDIATE)


def log_follow_up(client, field: str, language: str, **changes) -> Broken:
    """The project page's follow-up form, a call with a next step, with ``changes``."""
    project = InvestmentProject.objects.order_by("pk").first()
    data = {
        "occurred_on": timezone.localdate().isoformat(),
        "kind": "call",
        "summary": "电话联系企业",
        "next_step": "报送用地材料",
        **changes,
    }
    data = {"action": "follow_up", **{f"follow_up-{key}": value for key, value in data.items()}}
    response = client.post(project.get_absolute_url(), data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, "the page logged a follow-up that breaks a rule"
    return Broken(response.context["follow_up_form"], field, response.text)


@case("followup_next_due_not_before_occurred")
def next_step_due_before_the_follow_up(client, language):
    yesterday = timezone.localdate() - timedelta(days=1)
    return log_follow_up(client, "next_due", language, next_due=yesterday.isoformat())


@case("followup_next_due_with_step")
def due_date_without_a_next_step(client, language):
    today = timezone.localdate().isoformat()
    return log_follow_up(client, "next_due", language, next_step="", next_due=today)


def record_funds(client, field: str, language: str, **changes) -> Broken:
    """The project page's funds form, an entry of today, with ``changes``."""
    project = InvestmentProject.objects.order_by("pk").first()
    data = {"received_on": timezone.localdate().isoformat(), "amount_wan": "1", **changes}
    data = {"action": "fund", **{f"fund-{key}": value for key, value in data.items()}}
    response = client.post(project.get_absolute_url(), data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, "the page recorded funds that break a rule"
    return Broken(response.context["fund_form"], field, response.text)


@case("fundentry_amount_wan_positive")
def funds_of_nothing(client, language):
    return record_funds(client, "amount_wan", language, amount_wan="0")


def second_target(unit: str, field: str) -> Case:
    """The targets page's form, filled in as an existing target of the unit."""

    def broken(client, language):
        target = AnnualTarget.objects.filter(unit=unit).order_by("pk").first()
        form = client.get(reverse("projects:target_edit", args=[target.pk])).context["form"]
        data = {
            field.html_name: field.value()
            for field in form
            if field.name != "version" and field.value() is not None
        }
        url = reverse("projects:target_add")
        response = client.post(url, data, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, "the page saved a second target of a unit"
        return Broken(response.context["form"], field, response.text)

    return broken


for unit, field in (("county", "year"), ("zone", "zone"), ("park", "park"), ("staff", "staff")):
    CASES[f"target_{unit}_once_a_year"] = second_target(unit, field)


# The record each model's forms are tried on, and the form it is edited through, which
# is saved with ``changes`` that break a rule of ``field``.
RECORDS: dict[type[models.Model], Callable[[], models.Model]] = {
    Park: lambda: Park.objects.first(),
    LandParcel: parcel_with_every_date,
    InvestmentProject: in_production,
    LeaseAgreement: leasing,
}
EDITED_THROUGH: dict[type[models.Model], Case] = {
    **{
        model: lambda client, field, language, model=model, **changes: admin_change(
            client, RECORDS[model](), field, language, **changes
        )
        for model in RECORDS
    },
    Assessment: assess,
    Decision: lambda client, field, language, **changes: decide(
        client, field, language, **{"kind": "convert", "transfer_price_wan": "1", **changes}
    ),
}


def family_case(model: type[models.Model], name: str) -> Case | None:
    """How a user breaks a constraint made by a helper of ``projects.models.fields``: a
    negative amount, or a later step's date before an earlier step's."""
    edit = EDITED_THROUGH[model]
    fields = [field.name for field in model._meta.fields]

    def named(rule: str) -> bool:  # the helpers name a constraint "<model>_<rule>"
        _model, _, rest = name.partition("_")
        return rest == rule

    for field in fields:
        if named(f"{field}_non_negative"):
            return partial(edit, field=field, **{field: "-1"})
    for earlier, later in permutations(fields, 2):
        if named(f"{earlier}_not_after_{later}"):
            day = getattr(RECORDS[model](), earlier) - timedelta(days=1)
            return partial(edit, field=later, **{later: day})
    return None


@pytest.fixture
def staff(demo, client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("model, constraint", CONSTRAINTS)
def test_a_broken_constraint_is_explained_beside_a_field(staff, model, constraint, language):
    if constraint.name in SET_BY_THE_CODE:
        pytest.skip("on values the code sets, which no form shows (tested below)")
    case = CASES.get(constraint.name) or family_case(model, constraint.name)
    assert case is not None, f"say how a user breaks {constraint.name} through a form"
    broken = case(staff, language=language)
    with translation.override(language):
        beside = [str(message) for message in broken.form.errors.get(broken.field, [])]
        shown = [str(message) for errors in broken.form.errors.values() for message in errors]
    assert beside, f"nothing beside {broken.field}: {broken.form.errors}"
    for message in beside:
        assert bool(HAN.search(message)) == (language != "en"), message
    for message in shown:
        assert constraint.name not in message
    if broken.page is not None:
        assert constraint.name not in broken.page


@pytest.mark.parametrize("model, constraint", CONSTRAINTS)
def test_every_constraint_has_a_message_of_its_own_in_both_languages(model, constraint):
    messages = {}
    for language in LANGUAGES:
        with translation.override(language):
            messages[language] = constraint.get_violation_error_message()
        assert messages[language] != constraint.default_violation_error_message % {
            "name": constraint.name
        }
        assert constraint.name not in messages[language]
    assert HAN.search(messages["zh-hans"]) and not HAN.search(messages["en"])


@pytest.mark.parametrize("name", SET_BY_THE_CODE)
def test_a_constraint_on_values_the_code_sets_is_on_no_form(name):
    field, form = SET_BY_THE_CODE[name]
    (model,) = {
        model
        for model in apps.get_app_config("projects").get_models()
        for constraint in model._meta.constraints
        if constraint.name == name
    }
    if form is not None:
        assert form._meta.model is model
        assert field not in form.base_fields
    elif model in admin.site._registry or model in (ProjectTally, FundTally, WarningTally):
        assert not model._meta.get_field(field).editable
    else:
        assert model is IndicatorResult


def test_every_field_a_model_names_for_its_constraints_is_one_of_its_constraints():
    for model in apps.get_app_config("projects").get_models():
        names = {constraint.name for constraint in model._meta.constraints}
        for name, field in getattr(model, "constraint_fields", {}).items():
            assert name in names, f"{model.__name__} names no constraint {name}"
            model._meta.get_field(field)
