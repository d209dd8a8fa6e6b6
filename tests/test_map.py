"""Boundaries of parks and parcels: checks, areas, the map's pages and GeoJSON, imports."""

import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.http import QueryDict
from django.test import Client
from pyproj import Geod

from projects import admin_import, boundaries
from projects.filters import ParcelFilterSet
from projects.models import LandParcel, Park
from projects.roles import VIEWER, sync_roles

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "boundaries"
GEOD = Geod(ellps="WGS84")
# About 100 m × 100 m near the county seat: 10,000 m², 15 亩.
SQUARE = [[120.09, 28.66], [120.091022, 28.66], [120.091022, 28.660904], [120.09, 28.660904]]


def polygon(*positions: list[float]) -> dict:
    return {"type": "Polygon", "coordinates": [[*positions, positions[0]]]}


def boundary_error(value: object) -> list[str]:
    parcel = LandParcel.objects.first()
    parcel.boundary = value
    with pytest.raises(ValidationError) as raised:
        parcel.full_clean()
    return raised.value.message_dict["boundary"]


@pytest.fixture(autouse=True)
def preview_folder(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "previews"
    monkeypatch.setattr(admin_import, "PREVIEW_FOLDER", folder)
    return folder


@pytest.fixture
def reader(demo, django_user_model) -> Client:
    sync_roles()
    user = django_user_model.objects.create_user("reader")
    user.groups.add(Group.objects.get(name=VIEWER))
    client = Client()
    client.force_login(user)
    return client


def test_it_refuses_a_self_intersecting_boundary_beside_the_field(demo):
    a, b, c, d = SQUARE
    (message,) = boundary_error(polygon(a, c, b, d))  # a bow tie
    assert "自相交" in message


def test_it_refuses_open_rings_swapped_coordinates_and_other_shapes(demo):
    assert "闭合" in boundary_error({"type": "Polygon", "coordinates": [SQUARE]})[0]
    swapped = polygon(*[[lat, lon] for lon, lat in SQUARE])
    assert "不在缙云县附近" in boundary_error(swapped)[0]
    assert "Polygon" in boundary_error({"type": "Point", "coordinates": [120.09, 28.66]})[0]
    assert "数值" in boundary_error(polygon(["120.09", 28.66], *SQUARE[1:]))[0]


def test_it_measures_the_boundary_on_save_and_flags_an_area_off_by_more_than_5_percent(demo):
    parcel = LandParcel.objects.get(code="缙云经济开发区2025-1号")
    parcel.boundary = polygon(*SQUARE)
    parcel.area_m2 = Decimal(10000)
    parcel.save()
    parcel.refresh_from_db()
    assert abs(parcel.boundary_area_m2 - 10000) < 30
    assert parcel.area_mismatch is False
    parcel.area_m2 = Decimal(9000)
    parcel.save()
    assert parcel.area_mismatch is True


def test_the_demo_boundaries_keep_to_the_recorded_areas_but_the_one_drawn_off(demo):
    assert not LandParcel.objects.filter(boundary__isnull=True).exists()
    assert not Park.objects.filter(boundary__isnull=True).exists()
    flagged = ParcelFilterSet({"area_mismatch": "true"}, LandParcel.objects.all()).qs
    assert [parcel.code for parcel in flagged] == ["缙云经济开发区2026-9号"]
    assert all(parcel.boundary_illustrative for parcel in LandParcel.objects.all())


def test_the_parcels_list_filters_on_the_area_mismatch(reader):
    page = reader.get("/parcels/", {"area_mismatch": "true"}).content.decode()
    assert "缙云经济开发区2026-9号" in page and "缙云经济开发区2025-1号" not in page


def test_the_parcel_page_shows_both_areas_and_the_flag(reader):
    parcel = LandParcel.objects.get(code="缙云经济开发区2026-9号")
    page = reader.get(parcel.get_absolute_url()).content.decode()
    assert "边界面积（亩）" in page and "与登记面积相差超过5%" in page
    assert 'id="map-features"' in page and "vendor/leaflet/leaflet.js" in page


def test_the_geojson_holds_exactly_the_parcels_the_list_counts(reader):
    query = {"supply_mode": "lease_first", "status": "in_production", "area_min": "50"}
    collection = reader.get("/map/parcels.geojson", query).json()
    listed = ParcelFilterSet(QueryDict(urlencode(query)), LandParcel.objects.all()).qs
    assert sorted(f["properties"]["code"] for f in collection["features"]) == sorted(
        parcel.code for parcel in listed
    )
    assert {f["properties"]["supply_mode_label"] for f in collection["features"]} == {"先租后供"}
    park = Park.objects.get(name="舒洪园区")
    in_park = reader.get("/map/parcels.geojson", {"park": park.pk}).json()["features"]
    assert {f["properties"]["park"] for f in in_park} == {"舒洪园区"}


def test_the_geojson_needs_a_login_and_the_view_permission(demo, django_user_model):
    anonymous = Client()
    assert anonymous.get("/map/parcels.geojson").status_code == 302
    nobody = Client()
    nobody.force_login(django_user_model.objects.create_user("nobody"))
    assert nobody.get("/map/parcels.geojson").status_code == 403
    assert nobody.get("/map/parks.geojson").status_code == 403
    assert nobody.get("/map/").status_code == 403


def test_a_wrong_filter_is_a_400_naming_it(reader):
    response = reader.get("/map/parcels.geojson", {"area_min": "many"})
    assert response.status_code == 400 and "area_min" in response.json()["errors"]


def test_the_parks_geojson_takes_the_parks_filters(reader):
    features = reader.get("/map/parks.geojson", {"kind": "micro_park"}).json()["features"]
    micro_parks = Park.objects.filter(kind="micro_park").values_list("name", flat=True)
    assert sorted(f["properties"]["name"] for f in features) == sorted(micro_parks)


def test_the_map_page_sums_the_filtered_parcels_in_mu_and_fetches_them(reader):
    page = reader.get("/map/", {"supply_mode": "lease_first"}).content.decode()
    count = LandParcel.objects.filter(supply_mode="lease_first").count()
    assert f"共 <strong>{count}</strong> 个地块" in page
    assert 'data-parcels-url="/map/parcels.geojson?supply_mode=lease_first"' in page
    assert "<script>" not in page  # the script is a static file; data goes by json_script


def test_the_map_page_speaks_english(reader):
    reader.cookies["django_language"] = "en"
    page = reader.get("/map/").content.decode()
    assert "Investment map" in page and "By status" in page


def test_the_parcels_list_links_to_the_map_with_its_filters(reader):
    page = reader.get("/parcels/", {"status": "reserve", "page": "1", "sort": "code"})
    assert 'href="/map/?status=reserve"' in page.content.decode()


def test_the_sample_shapefile_lands_within_a_metre_of_the_sample_geojson(demo):
    projected = boundaries.read_file("sample.zip", (SAMPLES / "sample-epsg4549.zip").read_bytes())
    lonlat = boundaries.read_file("sample.geojson", (SAMPLES / "sample.geojson").read_bytes())
    assert len(projected) == len(lonlat) == 4
    for shp, geojson in zip(projected, lonlat, strict=True):
        ring = list(shp.geometry.exterior.coords)
        expected = list(geojson.geometry.exterior.coords)
        # Shapefile rings go clockwise, GeoJSON's the other way: compare as sets of corners.
        for lon, lat in expected:
            nearest = min(GEOD.inv(lon, lat, x, y)[2] for x, y in ring)
            assert nearest < 1


def test_the_shapefile_import_writes_the_boundaries_with_their_areas(demo):
    call_command("import_boundaries", str(SAMPLES / "sample-epsg4549.zip"), stdout=io.StringIO())
    parcel = LandParcel.objects.get(code="缙云经济开发区2026-10号")
    assert parcel.boundary_illustrative is False
    assert abs(parcel.boundary_area_m2 - parcel.area_m2) < parcel.area_m2 * Decimal("0.01")
    assert parcel.history.first().history_change_reason == "导入边界"
    assert Park.objects.get(name="新碧园区").boundary_illustrative is False


def test_a_broken_file_imports_nothing_and_names_each_feature_and_reason(demo):
    before = list(LandParcel.objects.values_list("boundary", flat=True))
    errors = io.StringIO()
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_boundaries", str(SAMPLES / "sample-broken.geojson"), stderr=errors)
    assert "feature 2: 边界无效" in errors.getvalue()
    assert "feature 3: 台账中没有编号为“缙云经济开发区2099-1号”的地块" in errors.getvalue()
    assert list(LandParcel.objects.values_list("boundary", flat=True)) == before


def test_a_shapefile_without_its_prj_is_refused_as_a_whole(demo):
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(SAMPLES / "sample-epsg4549.zip") as source,
        zipfile.ZipFile(buffer, "w") as target,
    ):
        for name in source.namelist():
            if not name.endswith(".prj"):
                target.writestr(name, source.read(name))
    with pytest.raises(boundaries.BoundaryFileError, match=r"\.prj"):
        boundaries.read_file("parcels.zip", buffer.getvalue())


def test_the_dry_run_changes_nothing(demo):
    out = io.StringIO()
    call_command("import_boundaries", str(SAMPLES / "sample.geojson"), "--dry-run", stdout=out)
    assert "dry run" in out.getvalue()
    assert LandParcel.objects.get(code="缙云经济开发区2026-10号").boundary_illustrative


def upload(client: Client, url: str, name: str) -> str:
    sample = SimpleUploadedFile(name, (SAMPLES / name).read_bytes())
    return client.post(url, {"boundary_file": sample}).content.decode()


def test_the_admin_previews_then_imports_on_confirmation(demo, staff_client):
    url = "/admin/projects/landparcel/import-boundaries/"
    assert "导入边界" in staff_client.get("/admin/projects/landparcel/").content.decode()
    page = upload(staff_client, url, "sample-epsg4549.zip")
    assert "缙云经济开发区2026-10号" in page and "与登记面积相差超过5%" in page
    # The parcels' page imports parcels only: the park's feature is refused.
    assert "没有可用于匹配的属性" in page and 'name="preview"' not in page

    page = upload(staff_client, "/admin/projects/park/import-boundaries/", "sample.geojson")
    assert "没有可用于匹配的属性" in page  # parcels' features on the parks' page

    one = {
        "type": "FeatureCollection",
        "features": [json.loads((SAMPLES / "sample.geojson").read_text())["features"][1]],
    }
    sample = SimpleUploadedFile("one.geojson", json.dumps(one).encode())
    page = staff_client.post(url, {"boundary_file": sample}).content.decode()
    token = page.split('name="preview" value="')[1].split('"')[0]
    response = staff_client.post(url, {"preview": token})
    assert response.status_code == 302
    assert not LandParcel.objects.get(code="缙云经济开发区2026-10号").boundary_illustrative
    again = staff_client.post(url, {"preview": token}).content.decode()
    assert "已经导入" in again


def test_the_admin_names_the_refused_features_and_imports_nothing(demo, staff_client):
    page = upload(
        staff_client, "/admin/projects/landparcel/import-boundaries/", "sample-broken.geojson"
    )
    assert "第2个" in page and "自相交" in page
    assert "第3个" in page and "缙云经济开发区2099-1号" in page
    assert 'name="preview"' not in page


def test_the_basemap_is_off_unless_a_setting_names_its_image(reader, settings):
    assert "data-basemap-url" not in reader.get("/map/").content.decode()
    settings.MAP_BASEMAP_IMAGE = "basemap/jinyun.png"
    settings.MAP_BASEMAP_BOUNDS = [119.9, 28.5, 120.3, 28.85]
    page = reader.get("/map/").content.decode()
    assert 'data-basemap-url="/static/basemap/jinyun.png"' in page
    assert 'data-basemap-bounds="119.9,28.5,120.3,28.85"' in page
