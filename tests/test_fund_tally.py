"""The funds list's count and total, and the dashboard's funds figures, read from the
funds' tally where the filters allow it, and from the entries otherwise: the same figures
either way. Run on SQLite and on PostgreSQL."""

from decimal import Decimal

import pytest

from projects.filters import FundFilterSet
from projects.models import FundEntry, FundTally, InvestmentProject, Park, Sector
from projects.units import wan_to_yi
from tests.test_project_tally import counted_by
from tests.test_project_tally import listed as listed_at

pytestmark = pytest.mark.django_db

TALLY = FundTally._meta.db_table


def answerable() -> list[dict]:
    sectors = list(Sector.objects.order_by("pk").values_list("pk", flat=True))
    parent = Park.objects.filter(children__isnull=False).distinct().first()
    owner = InvestmentProject.objects.filter(fund_entries__isnull=False).exclude(owner=None)
    return [
        {},
        {"sector": str(sectors[0])},
        {"sector": [str(sectors[0]), str(sectors[1])]},
        {"sector_group": Sector.objects.first().group},
        {"park": str(parent.pk)},
        {"park": "none"},
        {"zone": InvestmentProject.Zone.YANGTZE_DELTA},
        {"owner": str(owner.first().owner_id)},
        {"date_after": "2025-01-01", "date_before": "2025-04-30"},
        {"date_after": "2024-03-17"},
        {"date_before": "2024-11-30"},
        {"outside_province": "true"},
        {"outside_province": "false"},
        {"sector_group": Sector.objects.first().group, "outside_province": "true"},
        {"park": str(parent.pk), "date_after": "2024-07-01", "date_before": "2025-06-30"},
    ]


def from_entries(params: dict) -> tuple[int, Decimal]:
    return counted_by(FundFilterSet, "amount_wan", params)


def listed(client, params: dict) -> tuple[tuple[int, Decimal], list[str]]:
    """The funds list's summary for ``params``, and the SQL the page ran."""
    return listed_at(client, params, "/funds/")


def test_the_common_filters_are_counted_from_the_tally(demo, staff_client):
    counted = set()
    for params in answerable():
        figures, sql = listed(staff_client, params)
        assert figures == from_entries(params), params
        assert any(TALLY in statement for statement in sql), params
        counts_entries = [
            statement
            for statement in sql
            if "COUNT(" in statement and 'FROM "projects_fundentry"' in statement
        ]
        assert counts_entries == [], params
        counted.add(figures[0])
    assert len(counted) > 6  # the filters select different entries


@pytest.mark.parametrize(
    "params",
    [
        {"q": "银行"},
        {"kind": "registered_capital"},
        {"owner": "me"},
        {"sector_group": "leading", "zone": "yangtze_delta"},
        {"illustrative": "true"},
        {"date_after": "2025-13-01"},
    ],
)
def test_other_filters_are_counted_from_the_entries(demo, staff_client, params):
    figures, sql = listed(staff_client, params)
    if "date_after" not in params:
        assert figures == from_entries(params)
    assert not any(TALLY in statement for statement in sql)


def test_an_entry_moved_to_another_day_leaves_the_count_of_its_old_one(demo, staff_client):
    entry = FundEntry.objects.order_by("pk").first()
    day = {
        "date_after": entry.received_on.isoformat(),
        "date_before": entry.received_on.isoformat(),
    }
    before, _sql = listed(staff_client, day)
    FundEntry.objects.filter(pk=entry.pk).update(received_on="2000-01-01")
    after, _sql = listed(staff_client, day)
    assert after == (
        before[0] - 1,
        before[1] - wan_to_yi(entry.amount_wan).quantize(Decimal("0.01")),
    )
