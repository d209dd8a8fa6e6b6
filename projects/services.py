"""Operations that change several records at once, each in one transaction.

A 先租后供 assessment writes the assessment, a result per target and the lease's status;
a decision writes the decision, the lease and the parcel. Every rule is checked before
anything is written, and a failure part-way leaves nothing changed.
"""

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from projects.models import (
    Assessment,
    Decision,
    IndicatorResult,
    LandParcel,
    LeaseAgreement,
)
from projects.models.assessments import ASSESSMENT_FIGURES

# The reason the history of a project gives for the reclamation of its land. It is
# stored as written here and translated when shown (``projects.history``).
LAND_TAKEN_BACK = gettext_noop("先租后供用地收回")


def locked_lease(lease: LeaseAgreement) -> LeaseAgreement:
    """The lease re-read and locked, so two people cannot change it at the same time."""
    return (
        LeaseAgreement.objects.select_for_update()
        .select_related("parcel", "project")
        .get(pk=lease.pk)
    )


def refuse_unless_active(lease: LeaseAgreement) -> None:
    if not lease.is_active:
        raise ValidationError(
            _("协议已%(status)s，不能再考核或作出决定。"),
            params={"status": lease.get_status_display()},
            code="lease_closed",
        )


def record_assessment(
    lease: LeaseAgreement,
    *,
    kind: str,
    assessed_on: date,
    assessor: str,
    notes: str = "",
    **figures: Decimal | None,
) -> Assessment:
    """Record an assessment from reported figures and judge every target of the lease.

    Each indicator is computed with the parcel's area as it is today, which the assessment
    keeps. Every figure a target is computed from must be reported (``Assessment``).
    """
    unknown = set(figures) - set(ASSESSMENT_FIGURES)
    if unknown:
        raise TypeError(f"unknown assessment figures: {sorted(unknown)}")
    with transaction.atomic():
        lease = locked_lease(lease)
        refuse_unless_active(lease)
        area_m2 = lease.parcel.area_m2
        if not area_m2:
            raise ValidationError(
                _("地块%(code)s的面积缺失或为0，无法计算亩均指标。请先在地块中填写面积。"),
                params={"code": lease.parcel.code},
                code="parcel_area_missing",
            )
        targets = list(lease.targets.all())
        if not targets:
            raise ValidationError(
                _("协议尚未设定考核指标，请先在协议中填写目标值。"), code="no_targets"
            )
        assessment = Assessment(
            lease=lease,
            kind=kind,
            assessed_on=assessed_on,
            assessor=assessor,
            notes=notes,
            area_m2=area_m2,
            **figures,
        )
        assessment.full_clean()
        assessment.save()
        IndicatorResult.objects.bulk_create(assessment.held_to(targets))
        lease.status = LeaseAgreement.Status.ASSESSING
        lease.save(update_fields=["status"])
    return assessment


def decide(
    assessment: Assessment,
    *,
    kind: str,
    decided_on: date,
    reason: str,
    user: User | None = None,
    transfer_price_wan: Decimal | None = None,
    new_deadline: date | None = None,
) -> Decision:
    """Decide on the lease's latest assessment and carry the decision through.

    转为出让 needs a passed assessment and a transfer price; the rent paid is deducted when
    the lease says so, the lease becomes 已转出让 and a leased parcel 已供地.
    整改延期 needs a failed assessment and a later deadline; the lease enters remediation.
    收回 needs a failed assessment; the lease becomes 已收回, the parcel returns to 储备 and
    the project gives it up (``take_back_land``).
    A missing price or deadline, and dates out of order, are refused by ``Decision``.
    """
    with transaction.atomic():
        lease = locked_lease(assessment.lease)
        refuse_unless_active(lease)
        if Decision.objects.filter(assessment=assessment).exists():
            raise ValidationError(_("这次考核已经作出过决定，不能重复决定。"), code="decided")
        latest = lease.assessments.latest("assessed_on", "pk")  # this one at least
        if latest.pk != assessment.pk:
            raise ValidationError(
                _("只能对最近一次考核（%(latest)s）作出决定。"),
                params={"latest": latest.assessed_on.isoformat()},
                code="not_latest",
            )
        passed = assessment.passed
        decision = Decision(
            assessment=assessment,
            kind=kind,
            decided_on=decided_on,
            reason=reason,
            decided_by=user,
        )
        parcel = lease.parcel
        if kind == Decision.Kind.CONVERT:
            if not passed:
                raise ValidationError(
                    _("考核未全部达标，不能转为出让。可以整改延期或收回。"), code="not_passed"
                )
            decision.transfer_price_wan = transfer_price_wan
            decision.rent_deduction_wan = (
                lease.rent_paid_wan(decided_on) if lease.rent_deductible else Decimal(0)
            )
            lease.status = LeaseAgreement.Status.CONVERTED
            if parcel.status == LandParcel.Status.LEASED:
                parcel.status = LandParcel.Status.SUPPLIED
            parcel.price_wan = transfer_price_wan
        elif kind == Decision.Kind.REMEDIATE:
            if passed:
                raise ValidationError(_("考核已全部达标，无需整改。"), code="passed")
            decision.new_deadline = new_deadline
            lease.status = LeaseAgreement.Status.REMEDIATION
            lease.remediation_deadline = new_deadline
        elif kind == Decision.Kind.RECLAIM:
            if passed:
                raise ValidationError(_("考核已全部达标，不能收回。"), code="passed")
            lease.status = LeaseAgreement.Status.RECLAIMED
            parcel.status = LandParcel.Status.RESERVE
        else:
            raise ValidationError({"kind": _("未知的决定类型。")})
        decision.full_clean()
        decision.save()
        lease.save(update_fields=["status", "remediation_deadline"])
        parcel.save(update_fields=["status", "price_wan"])
        if kind == Decision.Kind.RECLAIM:
            take_back_land(lease)
    return decision


def take_back_land(lease: LeaseAgreement) -> None:
    """Carry the reclamation (收回) of a lease through to its project.

    The project no longer uses the parcel. From the decision on, it counts as a leased
    manufacturing project (租赁制造业项目, as the dashboard and the projects list count
    them) only while it holds another lease that was not reclaimed. Its history records
    the change, with the reason.
    """
    project = lease.project
    project.parcels.remove(lease.parcel)
    project.leased_manufacturing = (
        project.leased_manufacturing
        and project.leases.exclude(status=LeaseAgreement.Status.RECLAIMED).exists()
    )
    # django-simple-history's documented way to give a save its reason, an attribute that
    # no model declares.
    project._change_reason = LAND_TAKEN_BACK  # type: ignore[attr-defined]
    project.save(update_fields=["leased_manufacturing"])
