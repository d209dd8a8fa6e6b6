"""Units of money and land, and the one place where they are converted.

Money is stored in 万元 (10⁴ CNY) and shown in 亿元 (10⁸ CNY) with two decimals, the
way the county's reports quote it. Land is stored in square metres and shown in 亩:
1 亩 = 10,000 m² / 15 (≈ 666.67 m²), so one 公顷 is exactly 15 亩.
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import overload

WAN_PER_YI = Decimal(10000)
M2_PER_MU = Decimal(10000) / Decimal(15)
TWO_PLACES = Decimal("0.01")


@overload
def wan_to_yi(amount_wan: Decimal | int, exact: bool = False) -> Decimal: ...
@overload
def wan_to_yi(amount_wan: None, exact: bool = False) -> None: ...
def wan_to_yi(amount_wan: Decimal | int | None, exact: bool = False) -> Decimal | None:
    """Convert an amount in 万元 to 亿元, rounded half up to two decimals.

    ``exact`` keeps every digit (万元 to 亿元 is a shift of four places), for exports that
    must import back unchanged.
    """
    if amount_wan is None:
        return None
    amount_yi = Decimal(amount_wan).scaleb(-4)
    if exact:
        return amount_yi.normalize() if amount_yi else Decimal(0)
    return amount_yi.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def entered_yi(amount_wan: Decimal) -> Decimal:
    """An amount in 万元 in 亿元 as staff type and read it in the admin: two decimals, or
    more where the stored amount has them, so that nothing stored is rounded away
    (150,000 万元 is 15.00 亿元, 1,191.67 万元 is 0.119167)."""
    exact = wan_to_yi(amount_wan, exact=True)
    rounded = exact.quantize(TWO_PLACES)
    return rounded if rounded == exact else exact


def yi_to_wan(amount_yi: Decimal) -> Decimal:
    """Convert an amount in 亿元 (as users type it) to 万元 (as it is stored)."""
    return Decimal(amount_yi) * WAN_PER_YI


@overload
def m2_to_mu(area_m2: Decimal | int) -> Decimal: ...
@overload
def m2_to_mu(area_m2: None) -> None: ...
def m2_to_mu(area_m2: Decimal | int | None) -> Decimal | None:
    """Convert an area in m² to 亩, rounded half up to two decimals."""
    if area_m2 is None:
        return None
    return (Decimal(area_m2) / M2_PER_MU).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def mu_to_m2(area_mu: Decimal) -> Decimal:
    """Convert an area in 亩 to m² (unrounded, for range filters on the stored m²)."""
    return Decimal(area_mu) * M2_PER_MU
