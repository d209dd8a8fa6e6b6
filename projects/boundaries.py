"""Importing boundaries of parcels and parks from GeoJSON or a zipped Shapefile.

A feature is matched to a parcel by its code (property ``code`` or ``地块编号``) or to a
park by its name (``name``, ``园区`` or ``名称``). Its coordinates are read in the file's
system (a Shapefile's ``.prj``; a GeoJSON's legacy ``crs`` member, or longitude/latitude)
and transformed to longitude/latitude. Every feature is checked before anything is
written; one that cannot be imported is reported by its number and the reason, and then
nothing is imported: a file is imported whole, in one transaction, or not at all.
"""

import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

import shapefile
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.errors import GEOSException
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from projects import geometry
from projects.models import LandParcel, Park

MAX_FILE_BYTES = 8 * 2**20
# A Shapefile's members unpacked; a zip bomb would be gigabytes.
MAX_UNPACKED_BYTES = 64 * 2**20
MAX_FEATURES = 20_000
PARCEL_KEYS = ("code", "地块编号")
PARK_KEYS = ("name", "园区", "名称")
CHANGE_REASON = "导入边界"


class BoundaryFileError(ValueError):
    """A file that cannot be read at all: not GeoJSON, no Shapefile in the zip, no .prj."""


@dataclass
class SourceFeature:
    """A feature as read from the file: its number (from 1), its properties, and its
    geometry in longitude/latitude, or why it has none."""

    number: int
    properties: dict
    geometry: BaseGeometry | None = None
    error: str = ""


@dataclass
class PlannedRow:
    """A feature matched to its record, with the boundary it would be given."""

    number: int
    record: LandParcel | Park
    boundary: dict
    area_m2: Decimal | None

    @property
    def recorded_m2(self) -> Decimal | None:
        return self.record.area_m2 if isinstance(self.record, LandParcel) else None

    @property
    def area_mismatch(self) -> bool | None:
        return geometry.area_differs(self.recorded_m2, self.area_m2)


@dataclass
class Plan:
    """What an import would do: the rows it would write, and the features it refuses."""

    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def read_crs(text: str) -> CRS:
    try:
        return CRS.from_user_input(text)
    except CRSError:
        raise BoundaryFileError(_("无法识别文件的坐标系：%(crs)s") % {"crs": text[:200]}) from None


def read_geojson(data: bytes) -> list[SourceFeature]:
    """The features of a GeoJSON FeatureCollection or Feature."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BoundaryFileError(_("文件不是有效的GeoJSON（UTF-8编码的JSON）。")) from None
    if not isinstance(document, dict) or document.get("type") not in (
        "FeatureCollection",
        "Feature",
    ):
        raise BoundaryFileError(_("GeoJSON应为FeatureCollection或Feature。"))
    crs = geometry.LONLAT
    named = (document.get("crs") or {}).get("properties", {}).get("name")
    if isinstance(named, str) and named:
        crs = read_crs(named)
    raw = document.get("features") if document["type"] == "FeatureCollection" else [document]
    if not isinstance(raw, list):
        raise BoundaryFileError(_("GeoJSON的features应为列表。"))
    return [
        feature_of(
            number,
            item.get("properties") if isinstance(item, dict) else None,
            item.get("geometry") if isinstance(item, dict) else None,
            crs,
        )
        for number, item in enumerate(check_count(raw), start=1)
    ]


def check_count(items: list) -> list:
    if len(items) > MAX_FEATURES:
        raise BoundaryFileError(
            _("文件有%(count)s个要素，最多导入%(limit)s个。")
            % {"count": f"{len(items):,}", "limit": f"{MAX_FEATURES:,}"}
        )
    return items


def feature_of(number: int, properties: Any, raw: Any, crs: CRS) -> SourceFeature:
    """A feature with its geometry transformed to longitude/latitude, or the reason not."""
    feature = SourceFeature(number, properties if isinstance(properties, dict) else {})
    if not isinstance(raw, dict) or raw.get("type") not in geometry.POLYGON_TYPES:
        feature.error = _("几何类型应为Polygon或MultiPolygon。")
        return feature
    try:
        feature.geometry = geometry.to_lonlat(shape(raw), crs)
    except (GEOSException, ValueError, TypeError, IndexError, KeyError, AttributeError):
        feature.error = _("坐标无法读取。")
    return feature


def shapefile_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """The zip's members of its one Shapefile, by suffix (.shp, .shx, .dbf, .prj, .cpg)."""
    names = [name for name in archive.namelist() if not name.endswith("/")]
    shps = [name for name in names if name.lower().endswith(".shp")]
    if len(shps) != 1:
        raise BoundaryFileError(_("压缩包里应有且只有一个.shp文件。"))
    stem = shps[0][:-4]
    members = {
        PurePosixPath(name).suffix.lower(): name
        for name in names
        if name[: len(stem)] == stem and len(name) == len(stem) + 4
    }
    for needed in (".shx", ".dbf"):
        if needed not in members:
            raise BoundaryFileError(
                _("压缩包里缺少%(file)s文件。") % {"file": PurePosixPath(stem).name + needed}
            )
    if ".prj" not in members:
        raise BoundaryFileError(_("压缩包里缺少.prj文件，无法知道坐标系。请连同.prj一起压缩。"))
    return members


def read_shapefile(data: bytes) -> list[SourceFeature]:
    """The features of a zipped Shapefile, in the system its .prj names."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise BoundaryFileError(_("文件不是有效的zip压缩包。")) from None
    with archive:
        if sum(member.file_size for member in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise BoundaryFileError(_("压缩包解压后太大。"))
        members = shapefile_members(archive)
        parts = {suffix: archive.read(name) for suffix, name in members.items()}
    crs = read_crs(parts[".prj"].decode("utf-8", "replace"))
    # Chinese Shapefiles without a .cpg are usually in GBK.
    encodings = [parts[".cpg"].decode("ascii", "replace").strip()] if ".cpg" in parts else []
    for encoding in [*encodings, "utf-8", "gb18030"]:
        try:
            return shapefile_features(parts, encoding, crs)
        except (UnicodeDecodeError, LookupError):
            continue
    raise BoundaryFileError(_("无法读取Shapefile的属性表（.dbf）的文字编码。"))


def shapefile_features(parts: dict[str, bytes], encoding: str, crs: CRS) -> list[SourceFeature]:
    try:
        reader = shapefile.Reader(
            shp=io.BytesIO(parts[".shp"]),
            shx=io.BytesIO(parts[".shx"]),
            dbf=io.BytesIO(parts[".dbf"]),
            encoding=encoding,
        )
    except shapefile.ShapefileException as error:
        raise BoundaryFileError(_("Shapefile无法读取：%(error)s") % {"error": error}) from None
    with reader:
        check_count([None] * len(reader))
        features = []
        for number, record in enumerate(reader.iterShapeRecords(), start=1):
            raw = (
                None if record.shape.shapeType == shapefile.NULL else record.shape.__geo_interface__
            )
            features.append(feature_of(number, record.record.as_dict(), raw, crs))
        return features


def read_file(name: str, data: bytes, limit: int | None = MAX_FILE_BYTES) -> list[SourceFeature]:
    """The features of a GeoJSON file (.geojson, .json) or a zipped Shapefile (.zip), if
    within ``limit`` bytes (the admin's; the shell's command reads any size)."""
    if limit is not None and len(data) > limit:
        raise BoundaryFileError(
            _("文件超过%(limit)s MB。更大的文件请在服务器上用 %(command)s 导入。")
            % {"limit": limit // 2**20, "command": "manage.py import_boundaries"}
        )
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".zip":
        return read_shapefile(data)
    if suffix in (".geojson", ".json"):
        return read_geojson(data)
    raise BoundaryFileError(_("请上传GeoJSON文件（.geojson）或压缩的Shapefile（.zip）。"))


def key_of(properties: dict, keys: Iterable[str]) -> str:
    for key in keys:
        value = properties.get(key)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def plan(features: list[SourceFeature], models: Iterable[type[Model]] = (LandParcel, Park)) -> Plan:
    """Match each feature to its record and check its boundary, reading the records in one
    query per model."""
    models = tuple(models)
    lookups: list[tuple[type[Model], tuple[str, ...], str]] = []
    if LandParcel in models:
        lookups.append((LandParcel, PARCEL_KEYS, "code"))
    if Park in models:
        lookups.append((Park, PARK_KEYS, "name"))
    wanted: dict[type[Model], set[str]] = {model: set() for model, _keys, _field in lookups}
    keyed = []
    for feature in features:
        found = next(
            (
                (model, key)
                for model, keys, _f in lookups
                if (key := key_of(feature.properties, keys))
            ),
            None,
        )
        keyed.append((feature, found))
        if found:
            wanted[found[0]].add(found[1])
    records: dict[type[Model], dict[str, Any]] = {
        model: model._default_manager.in_bulk(wanted[model], field_name=field_name)
        for model, _keys, field_name in lookups
    }
    result = Plan()
    seen: dict[tuple[type[Model], str], int] = {}
    for feature, found in keyed:
        reason = feature.error or boundary_error(feature, found, records, seen, lookups)
        if reason:
            result.errors.append((feature.number, reason))
            continue
        assert found is not None and feature.geometry is not None
        boundary = geometry.rounded(feature.geometry)
        result.rows.append(
            PlannedRow(
                feature.number,
                records[found[0]][found[1]],
                boundary,
                geometry.geodesic_area_m2(boundary),
            )
        )
    return result


def boundary_error(
    feature: SourceFeature,
    found: tuple[type[Model], str] | None,
    records: dict,
    seen: dict,
    lookups: list,
) -> str:
    """Why a feature cannot be imported, or an empty string."""
    if found is None:
        names = "、".join(key for _model, keys, _field in lookups for key in keys)
        return _("没有可用于匹配的属性（%(keys)s）。") % {"keys": names}
    model, key = found
    if key not in records[model]:
        if model is LandParcel:
            return _("台账中没有编号为“%(key)s”的地块。") % {"key": key}
        return _("台账中没有名为“%(key)s”的园区。") % {"key": key}
    if found in seen:
        return _("与第%(number)s个要素重复：“%(key)s”。") % {"number": seen[found], "key": key}
    seen[found] = feature.number
    assert feature.geometry is not None
    try:
        geometry.validate_boundary(geometry.rounded(feature.geometry))
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


def import_features(
    features: list[SourceFeature],
    models: Iterable[type[Model]] = (LandParcel, Park),
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Plan:
    """Write the boundaries of every feature, or of none if any feature is refused, in one
    transaction; with ``dry_run``, only check them. ``progress`` is told (done, total)."""
    with transaction.atomic():
        result = plan(features, models)
        if result.errors or dry_run:
            return result
        total = len(result.rows)
        for done, row in enumerate(result.rows, start=1):
            record = row.record
            record.boundary = row.boundary
            record.boundary_illustrative = False
            fields = ["boundary", "boundary_illustrative"]
            if isinstance(record, LandParcel):
                fields.append("boundary_area_m2")
            # django-simple-history writes this reason into the history record of the save.
            record._change_reason = CHANGE_REASON  # type: ignore[union-attr]
            record.save(update_fields=fields)
            if progress is not None:
                progress(done, total)
    return result
