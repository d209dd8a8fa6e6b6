"""Boundaries of parks and parcels: GeoJSON polygons in longitude/latitude, checked,
measured on the ellipsoid and transformed from the projected systems land files use.

A boundary is stored as a GeoJSON Polygon or MultiPolygon (RFC 7946: longitude, then
latitude, in degrees of WGS84; CGCS2000 differs from it by centimetres) in a JSON field,
which SQLite and PostgreSQL both hold, so no spatial database is needed.
"""

import math
from decimal import Decimal
from typing import Any

import shapely
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from pyproj import CRS, Geod, Transformer
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

# A box well around Jinyun County (about 120.09° E, 28.66° N): a boundary outside it has
# its coordinates swapped, in the wrong system, or belongs to another county.
JINYUN_BOX = (119.6, 28.2, 120.6, 29.1)  # west, south, east, north
# More vertices than any parcel drawn by hand has; a page would carry them all.
MAX_VERTICES = 10_000
# Seven decimals of a degree are about a centimetre: finer digits are noise.
DECIMALS = 7
# Recorded and drawn areas further apart than this share of the recorded one are flagged.
AREA_TOLERANCE = Decimal("0.05")

GEOD = Geod(ellps="WGS84")
LONLAT = CRS.from_epsg(4326)
POLYGON_TYPES = ("Polygon", "MultiPolygon")


def invalid(message: Any, code: str, **params: Any) -> ValidationError:
    return ValidationError(message, code=code, params=params)


def polygons_of(value: dict) -> list:
    """The rings of each polygon of a Polygon or MultiPolygon's coordinates."""
    coordinates = value.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        raise invalid(_("边界缺少坐标。"), "no_coordinates")
    return [coordinates] if value["type"] == "Polygon" else coordinates


def check_rings(value: dict) -> None:
    """Refuse rings that are not lists of at least four [longitude, latitude] positions,
    the last repeating the first."""
    vertices = 0
    for polygon in polygons_of(value):
        if not isinstance(polygon, list) or not polygon:
            raise invalid(_("边界的多边形没有坐标环。"), "no_rings")
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 4:
                raise invalid(_("边界的每个坐标环至少要有4个点（首尾相同）。"), "short_ring")
            for position in ring:
                if (
                    not isinstance(position, list)
                    or len(position) not in (2, 3)
                    or not all(
                        isinstance(number, int | float) and not isinstance(number, bool)
                        for number in position
                    )
                    or not all(math.isfinite(number) for number in position)
                ):
                    raise invalid(_("边界的坐标应为[经度, 纬度]数值对。"), "bad_position")
            if ring[0][:2] != ring[-1][:2]:
                raise invalid(_("边界的坐标环没有闭合：最后一个点应与第一个点相同。"), "open_ring")
            vertices += len(ring)
    if vertices > MAX_VERTICES:
        raise invalid(
            _("边界有%(count)s个点，最多%(limit)s个。请先简化。"),
            "too_many_vertices",
            count=f"{vertices:,}",
            limit=f"{MAX_VERTICES:,}",
        )


def validate_boundary(value: Any) -> None:
    """Refuse anything but a valid GeoJSON Polygon or MultiPolygon inside ``JINYUN_BOX``,
    saying what is wrong."""
    if value is None:
        return
    if not isinstance(value, dict) or value.get("type") not in POLYGON_TYPES:
        raise invalid(_("边界应为GeoJSON的Polygon或MultiPolygon（经纬度）。"), "not_polygon")
    check_rings(value)
    geometry = shape(value)
    if not geometry.is_valid:
        raise invalid(
            _("边界无效（%(reason)s），常见原因是边线自相交或多边形重叠。"),
            "self_intersection",
            reason=shapely.is_valid_reason(geometry),
        )
    if geometry.is_empty or geometry.area == 0:
        raise invalid(_("边界的面积为零。"), "empty")
    west, south, east, north = JINYUN_BOX
    min_x, min_y, max_x, max_y = geometry.bounds
    if min_x < west or max_x > east or min_y < south or max_y > north:
        raise invalid(
            _(
                "边界不在缙云县附近（经度%(west)s–%(east)s，纬度%(south)s–%(north)s）："
                "请检查坐标是否为经纬度、经度在前。"
            ),
            "outside_jinyun",
            west=west,
            east=east,
            south=south,
            north=north,
        )


def geodesic_area_m2(value: dict | None) -> Decimal | None:
    """The area of a boundary on the ellipsoid, in m² with two decimals; None without one."""
    if not value:
        return None
    area, _perimeter = GEOD.geometry_area_perimeter(shape(value))
    return Decimal(abs(area)).quantize(Decimal("0.01"))


def area_differs(recorded_m2: Decimal | None, drawn_m2: Decimal | None) -> bool | None:
    """Whether the drawn area is more than ``AREA_TOLERANCE`` away from the recorded one;
    None when either is missing."""
    if recorded_m2 is None or drawn_m2 is None:
        return None
    return abs(drawn_m2 - recorded_m2) > recorded_m2 * AREA_TOLERANCE


def rounded(geometry: BaseGeometry) -> dict:
    """A geometry as GeoJSON with ``DECIMALS`` decimals, lists rather than tuples."""
    return {
        "type": geometry.geom_type,
        "coordinates": rounded_coordinates(mapping(geometry)["coordinates"]),
    }


def rounded_coordinates(coordinates: Any) -> Any:
    """Nested coordinates with ``DECIMALS`` decimals and without heights."""
    if isinstance(coordinates[0], int | float):
        return [round(number, DECIMALS) for number in coordinates[:2]]
    return [rounded_coordinates(part) for part in coordinates]


def to_lonlat(geometry: BaseGeometry, crs: CRS) -> BaseGeometry:
    """The geometry, in coordinates of ``crs``, as longitude/latitude."""
    if crs.is_geographic and crs.equals(LONLAT, ignore_axis_order=True):
        return geometry
    transformer = Transformer.from_crs(crs, LONLAT, always_xy=True)
    return shapely.transform(geometry, transformer.transform, interleaved=False)


def describe(value: Any) -> str:
    """A boundary in a few words, as a history shows it rather than its coordinates."""
    if not isinstance(value, dict) or value.get("type") not in POLYGON_TYPES:
        return str(value)
    try:
        count = sum(len(ring) for polygon in polygons_of(value) for ring in polygon)
    except (ValidationError, TypeError):
        return str(value)
    return str(_("%(type)s，%(count)s个点") % {"type": value["type"], "count": f"{count:,}"})
