"""The 招商地图: parks and parcels on a map, and their boundaries as GeoJSON.

The map draws no tiles from anywhere: parks as outlines and parcels filled by status or
supply mode, from ``/map/parcels.geojson`` and ``/map/parks.geojson``, which take the
filters of the parcels' and parks' lists. Record pages pass their few features in the
page (``json_script``) instead. The drawing is ``static/projects/map.js``.
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Count, Prefetch, QuerySet, Sum
from django.http import HttpRequest, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from projects.filters import LedgerFilterSet, ParcelFilterSet, ParkFilterSet
from projects.lists.views import filter_chips
from projects.models import InvestmentProject, LandParcel, Park
from projects.roles import LoggedInRequest
from projects.units import m2_to_mu

GEOJSON = "application/geo+json"


def parcel_feature(parcel: LandParcel, with_projects: bool) -> dict:
    """A parcel as a GeoJSON feature with what its popup shows; its projects only for a
    user who may view projects (``with_projects``). The parcel's park and projects are
    read with it (select_related, prefetch_related)."""
    projects = (
        [{"name": p.name, "url": p.get_absolute_url()} for p in parcel.projects.all()]
        if with_projects
        else []
    )
    return {
        "type": "Feature",
        "id": parcel.pk,
        "geometry": parcel.boundary,
        "properties": {
            "kind": "parcel",
            "code": parcel.code,
            "url": parcel.get_absolute_url(),
            "park": parcel.park.name,
            "area_mu": decimal_text(parcel.area_mu),
            "boundary_area_mu": decimal_text(parcel.boundary_area_mu),
            "area_mismatch": parcel.area_mismatch,
            "status": parcel.status,
            "status_label": parcel.get_status_display(),
            "supply_mode": parcel.supply_mode,
            "supply_mode_label": parcel.get_supply_mode_display(),
            "projects": projects,
            "illustrative": parcel.boundary_illustrative,
        },
    }


def park_feature(park: Park) -> dict:
    """A park as a GeoJSON feature: its outline, name and page."""
    return {
        "type": "Feature",
        "id": park.pk,
        "geometry": park.boundary,
        "properties": {
            "kind": "park",
            "name": park.name,
            "url": park.get_absolute_url(),
            "illustrative": park.boundary_illustrative,
        },
    }


def decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def located_parcels() -> QuerySet[LandParcel]:
    """Parcels with a boundary, with their park and projects, in the list's order."""
    return (
        LandParcel.objects.filter(boundary__isnull=False)
        .select_related("park")
        .prefetch_related(Prefetch("projects", InvestmentProject.objects.only("pk", "name")))
        .order_by("code_sort_key", "pk")
    )


def may_view(request: HttpRequest, model: type[LandParcel | Park | InvestmentProject]) -> bool:
    opts = model._meta
    return request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}")


def map_features(request: HttpRequest, parcels: Iterable[LandParcel], parks: list[Park]) -> dict:
    """The features a record page's small map shows, for its ``json_script``: the parks'
    outlines and the parcels, each only for a user who may view them. The page lists the
    parcels' projects itself: their popups leave them out."""
    features = []
    if may_view(request, Park):
        features += [park_feature(park) for park in parks if park.boundary]
    if may_view(request, LandParcel):
        features += [parcel_feature(parcel, False) for parcel in parcels if parcel.boundary]
    return collection(features)


def invalid_filter(filterset: LedgerFilterSet) -> JsonResponse:
    """A 400 naming each filter in error, as other systems reading the GeoJSON need it."""
    return JsonResponse(
        {"errors": {name: list(errors) for name, errors in filterset.form.errors.items()}},
        status=400,
    )


class ParcelGeoJSONView(PermissionRequiredMixin, View):
    """The boundaries of the parcels the parcels list's filters select, as GeoJSON."""

    permission_required = "projects.view_landparcel"
    request: LoggedInRequest

    def get(self, request: HttpRequest) -> JsonResponse:
        filterset = ParcelFilterSet(request.GET, queryset=located_parcels())
        if not filterset.is_valid():
            return invalid_filter(filterset)
        with_projects = may_view(request, InvestmentProject)
        features = [parcel_feature(parcel, with_projects) for parcel in filterset.qs]
        return JsonResponse(collection(features), content_type=GEOJSON)


class ParkGeoJSONView(PermissionRequiredMixin, View):
    """The outlines of the parks the parks list's filters select, as GeoJSON."""

    permission_required = "projects.view_park"
    request: LoggedInRequest

    def get(self, request: HttpRequest) -> JsonResponse:
        parks = Park.objects.filter(boundary__isnull=False).order_by("name", "pk")
        filterset = ParkFilterSet(request.GET, queryset=parks)
        if not filterset.is_valid():
            return invalid_filter(filterset)
        features = [park_feature(park) for park in filterset.qs]
        return JsonResponse(collection(features), content_type=GEOJSON)


def legend() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The two colourings of the parcels: (name, label, [(value, label)]); the colours
    themselves are the stylesheet's (``static/projects/map.css``)."""
    return [
        ("status", _("按状态"), [(str(v), str(label)) for v, label in LandParcel.Status.choices]),
        (
            "supply_mode",
            _("按供地方式"),
            [(str(v), str(label)) for v, label in LandParcel.SupplyMode.choices],
        ),
    ]


def basemap() -> dict[str, str] | None:
    """The county's own basemap image and its corners, if the settings name one."""
    image = settings.MAP_BASEMAP_IMAGE
    if not image:
        return None
    return {"url": static(image), "bounds": ",".join(map(str, settings.MAP_BASEMAP_BOUNDS))}


def map_labels() -> dict[str, str]:
    """The words the map's script writes, in the user's language."""
    return {
        "park": _("园区"),
        "area": _("面积（亩）"),
        "drawn": _("边界面积（亩）"),
        "mismatch": _("与登记面积相差超过5%"),
        "status": _("状态"),
        "supply_mode": _("供地方式"),
        "projects": _("项目"),
        "open": _("查看地块"),
        "illustrative": _("示意边界"),
        "none": _("没有可画的边界。"),
    }


def drawing() -> dict[str, Any]:
    """What every map's template needs beside its features: the script's words, the
    legend and the basemap."""
    return {"map_labels": map_labels(), "legend": legend(), "basemap": basemap()}


class MapView(PermissionRequiredMixin, TemplateView):
    """The 招商地图: the parcels the parcels list's filters select, on a map of the parks,
    with their count and total area."""

    template_name = "projects/map.html"
    permission_required = "projects.view_landparcel"
    request: LoggedInRequest

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        request = self.request
        filterset = ParcelFilterSet(request.GET, queryset=LandParcel.objects.all())
        query = request.GET.urlencode()
        suffix = f"?{query}" if query else ""
        context.update(
            filter=filterset,
            filter_chips=filter_chips(filterset.form, request.GET, request.path),
            list_url=reverse("projects:parcel_list") + suffix,
            **drawing(),
        )
        if filterset.is_valid():
            summary = filterset.qs.aggregate(
                count=Count("*"),
                located=Count("boundary"),
                total=Sum("area_m2"),
            )
            context.update(
                summary={**summary, "total_mu": m2_to_mu(summary["total"] or 0)},
                parcels_url=reverse("projects:map_parcels") + suffix,
                parks_url=reverse("projects:map_parks") if may_view(request, Park) else "",
            )
        return context


def record_map(
    request: HttpRequest,
    parcels: Iterable[LandParcel],
    parks: list[Park],
    parcels_url: str = "",
) -> dict[str, Any]:
    """The context of a record page's small map: the parcels and parks given, and those
    of ``parcels_url``; empty, so the page shows no map, when there is nothing to draw."""
    features = map_features(request, parcels, parks)
    if not may_view(request, LandParcel):
        parcels_url = ""
    if not features["features"] and not parcels_url:
        return {}
    return {"map": True, "features": features, "parcels_url": parcels_url, **drawing()}
