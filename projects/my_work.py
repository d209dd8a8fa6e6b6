"""「我的待办」 on the home page: what the user looking has to do, each part read with its
list's own filter set on the parameters of the link it shows, so that a count opens
exactly its rows."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters import FilterSet
from django_stubs_ext import StrOrPromise

from projects.filters import FollowUpFilterSet, ProblemFilterSet, ProjectFilterSet
from projects.models import FollowUp, InvestmentProject, Problem
from projects.roles import LoggedInRequest

# How far ahead the next steps due are looked for; the overdue ones are included.
NEXT_STEPS_DAYS = 14
# How many rows each part lists before pointing to its list for the rest.
ROWS = 5


@dataclass
class Part:
    """One part of 「我的待办」: its rows (the first few), their count and their list."""

    kind: str  # which rows these are: "projects", "problems" or "next_steps"
    title: StrOrPromise
    count: int
    url: str
    rows: list = field(default_factory=list)
    filterset: FilterSet | None = None  # the rows' filter set, for what it read (the rules)


def part(
    request: LoggedInRequest,
    kind: str,
    title: StrOrPromise,
    filterset_class: type[FilterSet],
    queryset: QuerySet,
    list_name: str,
    params: dict,
    order: tuple[str, ...],
) -> Part | None:
    """The rows of a list the user may view for ``params``, in ``order``, or None for a
    list they may not view."""
    opts = queryset.model._meta
    if not request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
        return None
    filterset = filterset_class(params, queryset=queryset, request=request)
    if not filterset.is_valid():
        raise ValueError(f"parameters rejected: {filterset.errors.as_json()}")
    found = filterset.qs.order_by(*order)
    url = f"{reverse(list_name)}?{urlencode(params)}"
    rows = list(found[: ROWS + 1])  # one more tells whether they must be counted
    count = len(rows) if len(rows) <= ROWS else found.count()
    return Part(kind, title, count, url, rows[:ROWS], filterset)


def my_work(request: LoggedInRequest) -> list[Part]:
    """The projects the user answers for that carry a warning today, their projects' open
    problems past due, and the open next steps of follow-ups they took part in, due within
    ``NEXT_STEPS_DAYS`` days or overdue."""
    parts = [
        part(
            request,
            "projects",
            _("预警的项目"),
            ProjectFilterSet,
            InvestmentProject.objects.all(),
            "projects:project_list",
            {"owner": "me", "warning": "any"},
            ("warning_level", "stage_since", "pk"),  # red before yellow, the longest first
        ),
        part(
            request,
            "problems",
            _("逾期的问题"),
            ProblemFilterSet,
            Problem.objects.select_related("project", "department"),
            "projects:problem_list",
            {"owner": "me", "overdue": "true"},
            ("due_on", "pk"),
        ),
        part(
            request,
            "next_steps",
            _("到期的下一步工作"),
            FollowUpFilterSet,
            FollowUp.objects.select_related("project"),
            "projects:followup_list",
            {"staff": "me", "next_due_within": NEXT_STEPS_DAYS},
            ("next_due", "pk"),
        ),
    ]
    return [found for found in parts if found is not None]
