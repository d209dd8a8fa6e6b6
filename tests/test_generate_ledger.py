"""The synthetic ledger generator: counts, determinism, valid rows, proportions, progress."""

import hashlib
import io
import math
from collections import Counter
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum

from projects.management.commands.generate_ledger import AS_OF, PARKS, Command, Generator
from projects.models import (
    Assessment,
    Company,
    Decision,
    FundEntry,
    IndicatorResult,
    InvestmentProject,
    LandParcel,
    LeaseAgreement,
    LeaseTarget,
    Park,
    ProjectParcel,
    Sector,
    SizeTier,
)
from projects.models.leases import add_years

pytestmark = pytest.mark.django_db

PROJECTS = 300
SEED = 4242


def generate(seed: int = SEED, projects: int = PROJECTS, **options) -> str:
    """Run the command; return what it wrote on stderr (the progress bars)."""
    stderr = io.StringIO()
    call_command(
        "generate_ledger",
        projects=projects,
        seed=seed,
        stdout=io.StringIO(),
        stderr=stderr,
        **options,
    )
    return stderr.getvalue()


def generated(seed: int = SEED) -> dict:
    """The rows a seed generated, per model, found by the tag their names carry."""
    tag = f"示例·生成S{seed}"
    named, coded = {"name__contains": f"（{tag}-"}, f"（{tag}）"
    return {
        Park: Park.objects.filter(name__endswith=coded),
        Company: Company.objects.filter(**named),
        InvestmentProject: InvestmentProject.objects.filter(**named),
        LandParcel: LandParcel.objects.filter(code__endswith=coded),
        ProjectParcel: ProjectParcel.objects.filter(parcel__code__endswith=coded),
        LeaseAgreement: LeaseAgreement.objects.filter(parcel__code__endswith=coded),
        LeaseTarget: LeaseTarget.objects.filter(lease__parcel__code__endswith=coded),
        Assessment: Assessment.objects.filter(lease__parcel__code__endswith=coded),
        IndicatorResult: IndicatorResult.objects.filter(
            assessment__lease__parcel__code__endswith=coded
        ),
        Decision: Decision.objects.filter(assessment__lease__parcel__code__endswith=coded),
        FundEntry: FundEntry.objects.filter(project__name__contains=f"（{tag}-"),
    }


# What identifies each row and what it holds, without database ids, which differ per run.
DIGEST_FIELDS = {
    Park: ("name", "kind", "parent__name", "town", "planned_area_m2", "floor_area_m2"),
    Company: ("name", "credit_code", "home_region", "above_scale"),
    InvestmentProject: (
        "name", "company__name", "sector__name", "park__name", "total_investment_wan",
        "fixed_investment_wan", "source_zone", "stage", "signed_date", "landed_date",
        "land_supplied_date", "started_date", "completed_date", "production_date",
        "terminated_date", "capacity", "expected_output_wan", "expected_tax_wan",
        "expected_jobs", "leased_manufacturing", "responsible",
    ),
    LandParcel: (
        "code", "park__name", "area_m2", "land_use", "plot_ratio_min", "plot_ratio_max",
        "supply_mode", "status", "term_years", "price_wan", "agreed_handover_date",
        "agreed_start_date", "agreed_completion_date", "handover_date", "start_date",
        "completion_date",
    ),
    ProjectParcel: ("project__name", "parcel__code"),
    LeaseAgreement: (
        "parcel__code", "project__name", "start_date", "term_years", "end_date",
        "annual_rent_wan", "rent_deductible", "start_deadline", "completion_deadline",
        "production_deadline", "remediation_deadline", "status",
    ),
    LeaseTarget: ("lease__parcel__code", "indicator", "direction", "target_value"),
    Assessment: (
        "lease__parcel__code", "kind", "assessed_on", "fixed_investment_wan", "tax_wan",
        "output_wan", "floor_area_m2", "area_m2",
    ),
    IndicatorResult: (
        "assessment__lease__parcel__code", "indicator", "target_value", "actual_value", "passed",
    ),
    Decision: (
        "assessment__lease__parcel__code", "kind", "decided_on", "transfer_price_wan",
        "rent_deduction_wan", "new_deadline",
    ),
    FundEntry: (
        "uid", "project__name", "received_on", "amount_wan", "kind", "outside_province",
    ),
}  # fmt: skip


def digest(seed: int = SEED) -> str:
    """A hash of every value the seed generated, in a fixed order."""
    sha = hashlib.sha256()
    for model, rows in generated(seed).items():
        fields = DIGEST_FIELDS[model]
        for values in rows.order_by(*fields[:2]).values_list(*fields):
            sha.update(repr(values).encode())
    return sha.hexdigest()


def digest_of_a_run(**options) -> str:
    """Generate, hash and roll back, so the same seed can be generated again."""
    with transaction.atomic():
        generate(**options)
        result = digest()
        transaction.set_rollback(True)
    return result


class TestCounts:
    def test_writes_the_projects_asked_for_with_their_companies_parks_and_land(self):
        projects_before = InvestmentProject.objects.count()
        generate()
        rows = generated()
        assert rows[InvestmentProject].count() == PROJECTS
        assert InvestmentProject.objects.count() == projects_before + PROJECTS
        assert rows[Company].count() == math.ceil(PROJECTS * 0.8)
        assert rows[Park].count() == len(PARKS)
        assert rows[Park].filter(parent=None).count() == 4
        assert rows[Park].filter(parent__parent__isnull=False).exists()  # 小微园 in sub-parks
        parcels = rows[LandParcel].count()
        assert 0.4 * PROJECTS < parcels < 0.9 * PROJECTS
        # Every parcel is used by its project, but land taken back (收回).
        reclaimed = rows[LeaseAgreement].filter(status=LeaseAgreement.Status.RECLAIMED)
        assert reclaimed.exists()
        assert rows[ProjectParcel].count() == parcels - reclaimed.count()
        still_counted = rows[InvestmentProject].filter(
            leases__in=reclaimed, leased_manufacturing=True
        )
        assert not still_counted.exists()
        assert rows[LeaseAgreement].exists()
        assert rows[LeaseTarget].count() >= 2 * rows[LeaseAgreement].count()

    def test_each_signed_project_gets_three_funds_entries_within_its_total(self):
        generate()
        rows = generated()
        signed = rows[InvestmentProject].filter(signed_date__isnull=False)
        assert rows[FundEntry].count() == 3 * signed.count() > 0
        assert not rows[FundEntry].filter(project__signed_date__isnull=True).exists()
        assert not rows[FundEntry].filter(received_on__lt=F("project__signed_date")).exists()
        totals = signed.annotate(funds=Sum("fund_entries__amount_wan"))
        assert not totals.filter(funds__gt=F("total_investment_wan")).exists()
        assert rows[FundEntry].filter(outside_province=True).exists()

    def test_every_generated_row_is_marked_illustrative(self):
        generate()
        for model, rows in generated().items():
            if any(field.name == "illustrative" for field in model._meta.fields):
                assert not rows.filter(illustrative=False).exists(), model

    def test_projects_use_the_existing_sectors(self):
        sectors = set(Sector.objects.values_list("pk", flat=True))
        generate()
        used = set(generated()[InvestmentProject].values_list("sector", flat=True))
        assert used <= sectors
        assert len(used) == len(sectors)
        assert Sector.objects.count() == len(sectors)

    def test_an_empty_ledger_gets_the_twelve_sectors_of_the_fixture(self, empty_ledger):
        generate()
        assert Sector.objects.count() == 12
        assert Sector.objects.filter(name="短途交通", group="leading").exists()

    def test_a_seed_used_already_is_refused_and_another_seed_is_not(self):
        generate()
        with pytest.raises(CommandError, match="already generated"):
            generate()
        generate(seed=SEED + 1, projects=10)
        assert generated(SEED + 1)[InvestmentProject].count() == 10


class TestDeterminism:
    def test_the_same_seed_gives_the_same_rows(self):
        assert digest_of_a_run() == digest_of_a_run()

    def test_the_rows_do_not_depend_on_the_batch_size(self):
        assert digest_of_a_run(batch_size=7) == digest_of_a_run()

    def test_another_seed_gives_other_rows(self):
        first = digest_of_a_run()
        with transaction.atomic():
            generate(seed=SEED + 1)
            other = digest(SEED + 1)
            transaction.set_rollback(True)
        assert other != first


class TestFailure:
    """A run is one transaction: a failure part-way, drawing the rows or writing them,
    reaches the caller and leaves nothing written."""

    @pytest.mark.parametrize(
        "owner, method, calls_before",
        # 20 projects a batch: the fourth batch drawn, or the third batch's fourth write
        # (each batch writes nine kinds of rows).
        [(Generator, "chunk", 3), (Command, "write", 2 * 9 + 3)],
        ids=["drawing the rows", "writing them"],
    )
    def test_a_run_failing_half_way_writes_nothing(self, monkeypatch, owner, method, calls_before):
        original, calls = getattr(owner, method), Counter()

        def failing_after_some_batches(*args, **kwargs):
            calls[method] += 1
            if calls[method] > calls_before:
                raise RuntimeError("磁盘已满")
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, method, failing_after_some_batches)
        with pytest.raises(RuntimeError, match="磁盘已满"):
            generate(batch_size=20)
        assert calls[method] == calls_before + 1
        assert all(not rows.exists() for rows in generated().values())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's constraint modes")
class TestForeignKeys:
    """The load checks foreign keys statement by statement, and leaves them deferred, as
    Django declares them, for the rest of the caller's transaction."""

    ORPHAN = "INSERT INTO projects_projectparcel (project_id, parcel_id) VALUES (%s, %s)"

    def orphan_link(self) -> None:
        """A link to a project and a parcel that do not exist (yet)."""
        with connection.cursor() as cursor:
            cursor.execute(self.ORPHAN, [10**12, 10**12])

    def test_a_row_referring_to_no_row_fails_at_once_during_the_load(self, monkeypatch):
        original = Command.write_projects

        def with_an_orphan(command, *args):
            self.orphan_link()
            return original(command, *args)

        monkeypatch.setattr(Command, "write_projects", with_an_orphan)
        with pytest.raises(IntegrityError, match="projects_projectparcel"):
            generate(projects=5)
        assert all(not rows.exists() for rows in generated().values())

    def test_after_the_load_a_reference_is_checked_at_commit_again(self):
        with transaction.atomic():
            generate(projects=5)
            self.orphan_link()  # would fail here if checked at once
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM projects_projectparcel WHERE project_id = %s", [10**12])
                assert cursor.rowcount == 1  # stored, to be checked at commit


class TestValidity:
    def test_every_generated_row_passes_full_clean(self):
        generate()
        cleaned = 0
        for rows in generated().values():
            for row in rows:
                row.full_clean()  # raises ValidationError naming the record's field
                cleaned += 1
        assert cleaned > 2 * PROJECTS

    def test_lease_end_dates_are_what_save_would_compute(self):
        generate()
        for lease in generated()[LeaseAgreement]:
            assert lease.end_date == add_years(lease.start_date, lease.term_years)

    def test_a_lease_status_follows_its_decision(self):
        generate()
        status_after = {
            Decision.Kind.CONVERT: LeaseAgreement.Status.CONVERTED,
            Decision.Kind.REMEDIATE: LeaseAgreement.Status.REMEDIATION,
            Decision.Kind.RECLAIM: LeaseAgreement.Status.RECLAIMED,
        }
        decisions = generated()[Decision].select_related("assessment__lease")
        assert decisions.exists()
        for decision in decisions:
            assert decision.assessment.lease.status == status_after[decision.kind]
            assert decision.assessment.passed == (decision.kind == Decision.Kind.CONVERT)

    def test_dates_fall_between_2015_and_the_generators_as_of_date(self):
        generate()
        projects = generated()[InvestmentProject]
        for field in ("signed_date", "landed_date", "production_date", "terminated_date"):
            dates = [d for d in projects.values_list(field, flat=True) if d is not None]
            assert dates, field
            assert date(2015, 1, 1) <= min(dates) and max(dates) <= AS_OF, field


class TestDistributions:
    def test_most_projects_are_small_with_a_long_tail(self):
        generate()
        amounts = generated()[InvestmentProject].values_list("total_investment_wan", flat=True)
        tiers = Counter(SizeTier.for_amount(amount) for amount in amounts)
        assert 0.6 < tiers[SizeTier.BELOW_100M] / PROJECTS < 0.8
        assert 0.2 < (tiers[SizeTier.FROM_100M] + tiers[SizeTier.FROM_1B]) / PROJECTS < 0.4
        assert 1 <= tiers[SizeTier.FROM_1B] <= 0.03 * PROJECTS

    def test_every_stage_and_zone_occurs_and_most_projects_have_landed(self):
        generate()
        projects = generated()[InvestmentProject]
        stages = Counter(projects.values_list("stage", flat=True))
        assert set(stages) == set(InvestmentProject.Stage.values)
        assert stages[InvestmentProject.Stage.IN_PRODUCTION] == max(stages.values())
        zones = Counter(projects.values_list("source_zone", flat=True))
        assert zones.most_common(1)[0][0] == InvestmentProject.Zone.YANGTZE_DELTA
        assert projects.filter(landed_date__isnull=False).count() > 0.7 * PROJECTS


class TestProgress:
    def test_progress_bars_are_written_to_stderr(self):
        stderr = generate()
        assert "companies" in stderr
        lines = [line for line in stderr.splitlines() if line.startswith("projects")]
        assert lines and "100%" in lines[-1]
        assert f"{PROJECTS:,}/{PROJECTS:,}" in lines[-1]
