"""The companies' and parks' stored totals, the projects', the funds' and the warnings'
tallies, and the leases' next dates always equal the figures of their records,
whichever way the records change: the admin, an import, loaddata, generate_ledger, a bulk
insert, a queryset update, a delete, plain SQL. Run on SQLite and on PostgreSQL."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, Sum

from projects.models import (
    Company,
    FollowUp,
    FundEntry,
    FundTally,
    InvestmentProject,
    LandParcel,
    LeaseAgreement,
    Park,
    ProjectTally,
    Sector,
    SizeTier,
    WarningRule,
)
from projects.models import kept as kept_figures
from projects.models.tallies import FUND_KEYS, KEYS
from projects.models.warning_tally import (
    STATE_COLUMNS,
    STATES,
    WARNING_KEYS,
    WARNING_TALLY,
    WarningTallySQL,
)
from projects.roles import EDITOR
from tests.test_admin_edits import change_url, opened_form
from tests.test_followups import visit
from tests.test_funds import fund_form
from tests.test_warning_tally import card

pytestmark = pytest.mark.django_db

# The days the 红黄绿 card is compared on: before, within and after the demo's dates.
CARD_DAYS = (date(2024, 6, 30), date(2025, 4, 30), date(2025, 12, 31), date.today())


def fresh() -> dict:
    """Every company's and park's totals, worked out from the records now."""
    companies = {
        row["pk"]: (row["n"], row["total"])
        for row in Company.objects.annotate(
            n=Count("projects"), total=Sum("projects__total_investment_wan")
        ).values("pk", "n", "total")
    }
    parcels = dict(Park.objects.annotate(n=Count("parcels")).values_list("pk", "n"))
    projects = dict(Park.objects.annotate(n=Count("projects")).values_list("pk", "n"))
    parks = {pk: (parcels[pk], projects[pk]) for pk in parcels}
    return {
        "companies": companies,
        "parks": parks,
        "tally": fresh_tally(),
        "funds": fresh_fund_tally(),
        "leases": {
            lease.pk: upcoming[0][1] if (upcoming := lease.upcoming_dates()) else None
            for lease in LeaseAgreement.objects.select_related("project")
        },
        "warnings": {day: card(day, kept=False) for day in CARD_DAYS},
        **warning_rows(fresh=True),
    }


def fresh_tally() -> dict:
    """The projects' count and total (in hundredths of 万元) by the tally's key, added up
    here from every project."""
    tally: dict = {}
    for project in InvestmentProject.objects.all():
        amount = project.total_investment_wan
        band = SizeTier.for_amount(amount)
        key = (
            project.sector_id,
            project.park_id or 0,
            project.source_zone,
            project.stage,
            band.value if band else "",
            project.landed_date.year if project.landed_date else 0,
            project.signed_date.year if project.signed_date else 0,
        )
        count, cents = tally.get(key, (0, 0))
        tally[key] = (count + 1, cents + int(amount * 100))
    return tally


def fresh_fund_tally() -> dict:
    """The entries' count and total (in hundredths of 万元) by the funds' tally's key,
    added up here from every entry and its project."""
    tally: dict = {}
    for entry in FundEntry.objects.select_related("project"):
        project = entry.project
        values = {
            "sector": project.sector_id,
            "park": project.park_id or 0,
            "zone": project.source_zone,
            "owner": project.owner_id or 0,
        }
        neutral = {"sector": 0, "park": 0, "zone": "", "owner": 0}
        for dimension, value in values.items():
            key = (
                dimension,
                entry.received_on,
                entry.outside_province,
                *({**neutral, dimension: value}.values()),
            )
            count, cents = tally.get(key, (0, 0))
            tally[key] = (count + 1, cents + int(entry.amount_wan * 100))
    return tally


def warning_rows(fresh: bool) -> dict:
    """The projects' warning states and their tally's rows (those counting anything) as
    stored, or worked out afresh: the states from the projects, follow-ups and rules, the
    tally added up here from those."""
    sql = WarningTallySQL(connection.vendor)
    keys = ", ".join(WARNING_KEYS)
    with connection.cursor() as cursor:
        cursor.execute(
            sql.states("true") if fresh else f"SELECT {', '.join(STATE_COLUMNS)} FROM {STATES}"
        )
        # SQLite gives the stored days as dates, and the days worked out as text.
        states = {
            row[0]: tuple(str(value) if isinstance(value, date) else value for value in row[1:])
            for row in cursor.fetchall()
        }
        if not fresh:
            cursor.execute(
                f"SELECT {keys}, count, total_cents FROM {WARNING_TALLY} "
                f"WHERE count <> 0 OR total_cents <> 0"
            )
            tally = {
                (span, str(day), *rest[:3]): tuple(rest[3:])
                for span, day, *rest in cursor.fetchall()
            }
            return {"warning_states": states, "warning_tally": tally}
    tally: dict = {}
    for _settled, stage, park, cents, *days in states.values():
        for kind, day in zip(("watched", "flagged", "red"), days, strict=True):
            if day is None:
                continue
            first = date.fromisoformat(day)
            for span, start in (
                ("day", first),
                ("month", first.replace(day=1)),
                ("year", first.replace(month=1, day=1)),
            ):
                key = (span, str(start), kind, stage, park)
                count, total = tally.get(key, (0, 0))
                tally[key] = (count + 1, total + cents)
    return {"warning_states": states, "warning_tally": tally}


def stored() -> dict:
    return {
        "companies": {
            pk: (count, total)
            for pk, count, total in Company.objects.values_list(
                "pk", "project_count", "investment_wan"
            )
        },
        "parks": {
            pk: (parcels, projects)
            for pk, parcels, projects in Park.objects.values_list(
                "pk", "parcel_count", "project_count"
            )
        },
        "tally": {
            row[:-2]: row[-2:]
            for row in ProjectTally.objects.exclude(count=0, total_cents=0).values_list(
                *KEYS, "count", "total_cents"
            )
        },
        "funds": {
            row[:-2]: row[-2:]
            for row in FundTally.objects.exclude(count=0, total_cents=0).values_list(
                *FUND_KEYS, "count", "total_cents"
            )
        },
        "leases": dict(LeaseAgreement.objects.values_list("pk", "next_date")),
        "warnings": {day: card(day) for day in CARD_DAYS},
        **warning_rows(fresh=False),
    }


def assert_kept() -> None:
    assert stored() == fresh()


@pytest.fixture
def kept(demo):
    """The demo ledger, whose totals are checked before and after the test."""
    assert_kept()
    yield
    assert_kept()


def test_the_demo_ledger_loaded_by_loaddata_has_its_totals(kept):
    hanxi = InvestmentProject.objects.get(name="涵禧科技汽车零部件及新材料项目")
    assert hanxi.company.project_count == hanxi.company.projects.count() >= 1


def test_an_admin_edit_moves_a_project_to_another_company_and_park(kept, staff_client):
    project = InvestmentProject.objects.filter(park__isnull=False).first()
    company = Company.objects.exclude(pk=project.company_id).first()
    park = Park.objects.exclude(pk=project.park_id).first()
    url = change_url(project)
    form = opened_form(staff_client.get(url))
    form.update(company=company.pk, park=park.pk, total_investment_wan="12.34")
    response = staff_client.post(url, form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert InvestmentProject.objects.get(pk=project.pk).total_investment_wan == Decimal("123400")
    company.refresh_from_db()
    assert company.investment_wan >= Decimal("123400")


def test_a_company_added_in_the_admin_has_no_projects_and_no_total(kept, staff_client):
    response = staff_client.post("/admin/projects/company/add/", {"name": "新企业有限公司"})
    assert response.status_code == 302
    company = Company.objects.get(name="新企业有限公司")
    assert (company.project_count, company.investment_wan) == (0, None)


def test_a_project_deleted_in_the_admin(kept, staff_client):
    project = InvestmentProject.objects.filter(parcels__isnull=True, leases__isnull=True).first()
    response = staff_client.post(change_url(project).replace("change", "delete"), {"post": "yes"})
    assert response.status_code == 302
    assert not InvestmentProject.objects.filter(pk=project.pk).exists()


def test_a_save_of_a_company_read_before_its_projects_changed_keeps_the_new_totals(kept):
    """A save writes every column with what it read; the database recomputes them."""
    company = Company.objects.filter(project_count__gte=1).first()
    read_before = Company.objects.get(pk=company.pk)
    other = Company.objects.exclude(pk=company.pk).first()
    company.projects.filter(pk=company.projects.first().pk).update(company=other)
    read_before.home_region = "丽水"
    read_before.save()
    Company.objects.filter(pk=company.pk).update(project_count=99, investment_wan=1)


def import_sheet(path) -> None:
    err = io.StringIO()
    try:
        call_command("import_ledger", str(path), stdout=io.StringIO(), stderr=err)
    except CommandError:
        pytest.fail(err.getvalue())


def test_an_import_of_new_and_changed_projects(kept, staff_client, tmp_path):
    content = staff_client.get("/projects/", {"_export": "csv"}).getvalue().decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(content))
    name, company, total = (header.index(c) for c in ("项目名称", "企业", "总投资（亿元）"))
    edited = []
    for number, row in enumerate(rows[:5]):
        row[total] = str(Decimal(row[total]) + Decimal("0.01"))
        edited.append(row)
        copy = list(row)
        copy[name] = f"导入新项目{number}"
        copy[company] = f"导入新企业{number}有限公司"  # made by the import, with its project
        edited.append(copy)
    sheet = tmp_path / "projects.csv"
    with sheet.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([header, *edited])
    import_sheet(sheet)
    assert InvestmentProject.objects.filter(name__startswith="导入新项目").count() == 5
    first = InvestmentProject.objects.get(name="导入新项目0")
    assert first.company.investment_wan == first.total_investment_wan


def test_bulk_inserts_updates_and_deletes(kept):
    company, other = Company.objects.all()[:2]
    template = InvestmentProject.objects.first()
    with transaction.atomic():
        InvestmentProject.objects.bulk_create(
            [
                InvestmentProject(
                    name=f"批量项目{n}",
                    company=company,
                    sector=template.sector,
                    park=template.park,
                    total_investment_wan=Decimal("1000.55"),
                    source_zone=template.source_zone,
                )
                for n in range(30)
            ]
        )
    assert_kept()
    batch = InvestmentProject.objects.filter(name__startswith="批量项目")
    batch.update(company=other)
    assert_kept()
    batch.update(total_investment_wan=Decimal("0.01"))
    assert_kept()
    batch.update(park=None)
    assert_kept()
    batch.delete()
    assert_kept()


def test_parcels_moved_and_deleted(kept):
    parcel = LandParcel.objects.filter(projects__isnull=True).first()
    park = Park.objects.exclude(pk=parcel.park_id).first()
    LandParcel.objects.filter(pk=parcel.pk).update(park=park)
    assert_kept()
    parcel.delete()
    assert_kept()


def test_plain_sql_is_counted_too(kept):
    project = InvestmentProject.objects.first()
    table = InvestmentProject._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET total_investment_wan = total_investment_wan + 1 WHERE id = %s",
            [project.pk],
        )


def test_projects_inserted_before_their_company_are_counted_when_it_comes(kept):
    """As loaddata may insert them, foreign keys being checked at the end."""
    template = InvestmentProject.objects.first()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        pk = (Company.objects.order_by("-pk").first().pk or 0) + 1000
        InvestmentProject.objects.bulk_create(
            [
                InvestmentProject(
                    name=f"先到项目{n}",
                    company_id=pk,
                    sector=template.sector,
                    total_investment_wan=Decimal("200"),
                    source_zone=template.source_zone,
                )
                for n in range(2)
            ]
        )
        Company.objects.bulk_create([Company(pk=pk, name="后到企业有限公司")])
    assert Company.objects.get(pk=pk).project_count == 2


def test_generate_ledger_keeps_them(kept):
    call_command(
        "generate_ledger", projects=300, seed=77, stdout=io.StringIO(), stderr=io.StringIO()
    )


def test_the_migration_fills_them_for_a_ledger_already_kept(kept):
    """Made again from scratch on the demo ledger, as the migrations make them."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        for statement in kept_figures.drop_sql(vendor):
            cursor.execute(statement)
        Company.objects.update(project_count=0, investment_wan=None)
        Park.objects.update(parcel_count=0, project_count=0)
        LeaseAgreement.objects.update(next_date=None)
        for part, figures in stored().items():
            assert figures != fresh()[part]
        for statement in kept_figures.create_sql(vendor):
            cursor.execute(statement)


def test_funds_recorded_on_a_project_page_changed_and_deleted_in_the_admin(
    kept, roles, staff_client
):
    project = InvestmentProject.objects.get(name="涵禧科技汽车零部件及新材料项目")
    response = roles[EDITOR].post(project.get_absolute_url(), fund_form(), follow=True)
    assert response.status_code == 200
    assert_kept()
    entry = project.fund_entries.get(source="银行进账单（测试）")
    other = InvestmentProject.objects.exclude(pk=project.pk).exclude(sector=project.sector).first()
    url = change_url(entry)
    form = opened_form(staff_client.get(url))
    form.update(project=other.pk, received_on="2025-03-01", amount_wan="0.75")
    form.pop("outside_province")
    response = staff_client.post(url, form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry.refresh_from_db()
    assert (entry.project, entry.amount_wan, entry.outside_province) == (other, 7500, False)
    assert_kept()
    response = staff_client.post(url.replace("change", "delete"), {"post": "yes"})
    assert response.status_code == 302
    assert not FundEntry.objects.filter(pk=entry.pk).exists()


def test_a_project_with_funds_moved_to_another_sector_park_zone_and_owner(kept, admin_user):
    project = InvestmentProject.objects.filter(fund_entries__isnull=False).first()
    project.sector = Sector.objects.exclude(pk=project.sector_id).first()
    project.park = Park.objects.exclude(pk=project.park_id).first()
    project.source_zone = next(z for z in InvestmentProject.Zone if z != project.source_zone)
    project.owner = admin_user
    project.save()
    assert_kept()
    project.name = f"{project.name}（改名）"
    project.save()  # a save that moves nothing
    assert_kept()
    with_funds = InvestmentProject.objects.filter(fund_entries__isnull=False)
    InvestmentProject.objects.filter(pk__in=with_funds.values("pk")).update(park=None, owner=None)
    assert_kept()


def test_funds_changed_in_bulk_and_by_plain_sql(kept):
    entries = FundEntry.objects.order_by("pk")
    FundEntry.objects.filter(pk__in=entries.values("pk")[:3]).update(outside_province=True)
    assert_kept()
    table = FundEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET amount_wan = amount_wan + 1, received_on = %s WHERE id = %s",
            ["2024-02-29", entries.first().pk],
        )
    assert_kept()
    FundEntry.objects.filter(pk__in=entries.values("pk")[:2]).delete()


def test_entries_inserted_before_their_project_are_counted_when_it_comes(kept):
    """As loaddata may insert them, foreign keys being checked at the end."""
    template = InvestmentProject.objects.first()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        pk = InvestmentProject.objects.order_by("-pk").first().pk + 1000
        FundEntry.objects.bulk_create(
            [
                FundEntry(project_id=pk, received_on=f"2025-0{n + 1}-15", amount_wan=100 + n)
                for n in range(2)
            ]
        )
        assert stored()["funds"] == fresh_fund_tally()  # no project yet: nothing counted
        InvestmentProject.objects.bulk_create(
            [
                InvestmentProject(
                    pk=pk,
                    name="后到项目",
                    company=template.company,
                    sector=template.sector,
                    total_investment_wan=Decimal("500"),
                    source_zone=template.source_zone,
                )
            ]
        )
    assert_kept()


def test_a_project_reaching_a_stage_and_a_lease_changed_move_its_next_date(kept):
    lease = (
        LeaseAgreement.objects.active()
        .filter(start_deadline__isnull=False, project__started_date__isnull=True)
        .first()
    )
    project = lease.project
    reached = [project.signed_date, project.landed_date, project.land_supplied_date]
    project.started_date = max(day for day in reached if day) + timedelta(days=1)
    project.save()
    assert_kept()
    InvestmentProject.objects.filter(pk=project.pk).update(started_date=None)
    assert_kept()
    LeaseAgreement.objects.filter(pk=lease.pk).update(start_deadline=None)
    assert_kept()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {LeaseAgreement._meta.db_table} SET status = 'reclaimed' WHERE id = %s",
            [lease.pk],
        )
    lease.refresh_from_db()
    assert lease.next_date is None


def signed_in_march(name: str) -> InvestmentProject:
    """A project signed on 2025-03-01 that got no further: green on 2025-04-30 with a
    follow-up in the 30 days before, yellow without one."""
    return InvestmentProject.objects.create(
        name=name,
        company=Company.objects.create(name=f"{name}有限公司"),
        sector=Sector.objects.first(),
        total_investment_wan=Decimal(15000),
        source_zone=InvestmentProject.Zone.OTHER,
        stage=InvestmentProject.Stage.SIGNED,
        signed_date=date(2025, 3, 1),
    )


def test_follow_ups_recorded_on_a_project_page_moved_in_the_admin_and_deleted(
    kept, roles, staff_client
):
    project, other = signed_in_march("跟踪测试甲"), signed_in_march("跟踪测试乙")
    response = roles[EDITOR].post(project.get_absolute_url(), visit(occurred_on="2025-04-20"))
    assert response.status_code == 302
    assert_kept()
    follow_up = project.follow_ups.get()
    url = change_url(follow_up)
    form = opened_form(staff_client.get(url))
    form.update(project=other.pk, occurred_on="2025-04-25")
    response = staff_client.post(url, form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert_kept()
    response = staff_client.post(url.replace("change", "delete"), {"post": "yes"})
    assert response.status_code == 302
    assert not FollowUp.objects.filter(pk=follow_up.pk).exists()


def test_follow_ups_in_bulk_and_by_plain_sql(kept):
    projects = [signed_in_march(f"批量跟踪测试{i}") for i in range(6)]
    FollowUp.objects.bulk_create(
        FollowUp(project=project, occurred_on=date(2025, 4, 1) + timedelta(days=i), kind="call")
        for i, project in enumerate(projects)
    )
    assert_kept()
    FollowUp.objects.filter(project__in=projects[:3]).update(project=projects[5])
    assert_kept()
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {FollowUp._meta.db_table} WHERE project_id = %s", [projects[5].pk]
        )
    assert_kept()
    FollowUp.objects.filter(project__in=projects).delete()


def test_warning_rules_changed_in_the_admin_loaded_and_deleted(kept, staff_client):
    rule = WarningRule.objects.get(kind=WarningRule.Kind.IN_STAGE, stage="landed")
    url = change_url(rule)
    form = opened_form(staff_client.get(url))
    form.update(yellow_days="20", red_days="40")
    response = staff_client.post(url, form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert_kept()
    WarningRule.objects.filter(kind=WarningRule.Kind.AGREED_DATE).delete()
    assert_kept()
    call_command("loaddata", "fixtures/warningrules.json", verbosity=0)
    assert_kept()
