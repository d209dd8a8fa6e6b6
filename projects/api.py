"""A read-only JSON API over the ledger, for other county systems.

It takes the list pages' own filter sets, with the same parameter names, and the same
permissions: a user who cannot view a model in the pages cannot read it here.
"""

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import FieldDoesNotExist
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.views import SpectacularAPIView
from rest_framework import permissions, routers, serializers, viewsets
from rest_framework.pagination import PageNumberPagination

from projects.filters import (
    CompanyFilterSet,
    DepartmentFilterSet,
    FollowUpFilterSet,
    FundFilterSet,
    LeaseFilterSet,
    ParcelFilterSet,
    ParkFilterSet,
    ProblemFilterSet,
    ProjectFilterSet,
    TargetFilterSet,
)
from projects.models import (
    AnnualTarget,
    Company,
    Department,
    FollowUp,
    FundEntry,
    InvestmentProject,
    LandParcel,
    LeaseAgreement,
    LeaseTarget,
    Park,
    Problem,
    Sector,
)
from projects.models.staff import staff_name
from projects.roles import Viewable

# What DRF's views list in permission_classes (a class, or classes combined by & | ~).
PermissionClass = (
    type[permissions.BasePermission] | permissions.OperandHolder | permissions.SingleOperandHolder
)


class LedgerPagination(PageNumberPagination):
    """Pages of 25 rows, or up to 100 with ``per_page``, as on the list pages."""

    page_size = 25
    page_size_query_param = "per_page"
    max_page_size = 100


class ViewPermissions(permissions.DjangoModelPermissions):
    """Reading needs the model's view permission, as on the pages."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }


class AuthenticatedByTheApi:
    """An API view that authenticates requests itself (session or token).

    Token requests carry no session, so Django's login middleware must let them through
    to the API's own authentication, which then refuses anonymous requests.
    """

    permission_classes: Sequence[PermissionClass] = [permissions.IsAuthenticated]

    @classmethod
    def as_view(cls, *args: Any, **kwargs: Any) -> Any:
        # A mixin: the API view it comes before has the as_view() it wraps.
        return login_not_required(super().as_view(*args, **kwargs))  # type: ignore[misc]


class LedgerViewSet(AuthenticatedByTheApi, viewsets.ReadOnlyModelViewSet):
    """A read-only collection: listed with the pages' filters, paginated, permission-checked."""

    permission_classes = [permissions.IsAuthenticated, ViewPermissions]
    filter_backends = [DjangoFilterBackend]
    pagination_class = LedgerPagination


class LedgerSerializer(serializers.ModelSerializer):
    """A record as JSON, naming the records it refers to only to users who may view them.

    A lease refers to a parcel and a project: a user who may view leases but not parcels
    reads the lease without its parcel, as on the lease's page. Rows that belong to the
    record itself (a lease's targets) come with it.
    """

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        request = self.context.get("request")
        if request is None:  # the OpenAPI schema describes every field
            return fields
        viewable = Viewable(request.user)
        # django-stubs types Meta.model by a type variable that a nested class cannot bind.
        opts = self.Meta.model._meta  # type: ignore[attr-defined]
        for name, field in list(fields.items()):
            try:
                model_field = opts.get_field((field.source or name).split(".")[0])
            except FieldDoesNotExist:
                continue
            # A field of this model that refers to others; reverse relations are its own rows.
            refers = model_field.is_relation and not model_field.auto_created
            if refers and not viewable.model(model_field.related_model):
                del fields[name]
        return fields


class ParkSerializer(LedgerSerializer):
    # The metaclass takes declared fields off the class, so this is no Field.parent.
    parent: serializers.StringRelatedField[Park] = serializers.StringRelatedField()  # type: ignore[assignment]
    planned_area_mu = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Park
        fields = [
            "id",
            "name",
            "kind",
            "parent",
            "town",
            "planned_area_m2",
            "planned_area_mu",
            "floor_area_m2",
            "illustrative",
        ]


class CompanySerializer(LedgerSerializer):
    class Meta:
        model = Company
        fields = ["id", "name", "credit_code", "home_region", "above_scale", "illustrative"]


class ParcelSerializer(LedgerSerializer):
    park: serializers.StringRelatedField[Park] = serializers.StringRelatedField()
    area_mu = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = LandParcel
        exclude: list[str] = []


class ProjectSerializer(LedgerSerializer):
    company: serializers.StringRelatedField[Company] = serializers.StringRelatedField()
    sector: serializers.StringRelatedField[Sector] = serializers.StringRelatedField()
    park: serializers.StringRelatedField[Park] = serializers.StringRelatedField()
    parcels: serializers.SlugRelatedField[LandParcel] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    total_investment_yi = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    size_tier = serializers.CharField(read_only=True)
    # The warnings as of the filter's as_of (today by default), as the list shows them.
    warning_level = serializers.CharField(read_only=True, allow_null=True)
    stage_since = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = InvestmentProject
        exclude: list[str] = []


class LeaseTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeaseTarget
        fields = ["indicator", "direction", "target_value"]


class LeaseSerializer(LedgerSerializer):
    parcel: serializers.SlugRelatedField[LandParcel] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    project: serializers.StringRelatedField[InvestmentProject] = serializers.StringRelatedField()
    targets = LeaseTargetSerializer(many=True, read_only=True)

    class Meta:
        model = LeaseAgreement
        exclude: list[str] = []


class FollowUpSerializer(LedgerSerializer):
    """A follow-up, naming its staff by name (李明) as the pages do, not by account."""

    project: serializers.StringRelatedField[InvestmentProject] = serializers.StringRelatedField()
    staff = serializers.SerializerMethodField()
    recorded_by = serializers.SerializerMethodField()

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "uid",
            "project",
            "occurred_on",
            "kind",
            "staff",
            "contacts",
            "summary",
            "next_step",
            "next_due",
            "recorded_by",
            "illustrative",
        ]

    def get_staff(self, follow_up: FollowUp) -> list[str]:
        return [staff_name(user) for user in follow_up.staff.all()]

    def get_recorded_by(self, follow_up: FollowUp) -> str:
        return staff_name(follow_up.recorded_by)


class ProjectViewSet(LedgerViewSet):
    queryset = (
        InvestmentProject.objects.select_related("company", "sector", "park")
        .prefetch_related("parcels")
        .order_by("pk")
    )
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet


class ParkViewSet(LedgerViewSet):
    queryset = Park.objects.select_related("parent").order_by("pk")
    serializer_class = ParkSerializer
    filterset_class = ParkFilterSet


class ParcelViewSet(LedgerViewSet):
    queryset = LandParcel.objects.select_related("park").order_by("pk")
    serializer_class = ParcelSerializer
    filterset_class = ParcelFilterSet


class CompanyViewSet(LedgerViewSet):
    queryset = Company.objects.order_by("pk")
    serializer_class = CompanySerializer
    filterset_class = CompanyFilterSet


class LeaseViewSet(LedgerViewSet):
    queryset = (
        LeaseAgreement.objects.select_related("parcel", "project")
        .prefetch_related("targets")
        .order_by("pk")
    )
    serializer_class = LeaseSerializer
    filterset_class = LeaseFilterSet


class FollowUpViewSet(LedgerViewSet):
    queryset = (
        FollowUp.objects.select_related("project", "recorded_by")
        .prefetch_related("staff")
        .order_by("pk")
    )
    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilterSet


class DepartmentSerializer(LedgerSerializer):
    class Meta:
        model = Department
        fields = ["id", "name"]


class ProblemSerializer(LedgerSerializer):
    project: serializers.StringRelatedField[InvestmentProject] = serializers.StringRelatedField()
    department: serializers.StringRelatedField[Department] = serializers.StringRelatedField()

    class Meta:
        model = Problem
        exclude = ["raised_by"]


class DepartmentViewSet(LedgerViewSet):
    queryset = Department.objects.order_by("pk")
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilterSet


class ProblemViewSet(LedgerViewSet):
    queryset = Problem.objects.select_related("project", "department").order_by("pk")
    serializer_class = ProblemSerializer
    filterset_class = ProblemFilterSet


class FundSerializer(LedgerSerializer):
    """An entry of funds in place, its amount also in 亿元 as the pages show it."""

    project: serializers.StringRelatedField[InvestmentProject] = serializers.StringRelatedField()
    amount_yi = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    recorded_by = serializers.SerializerMethodField()

    class Meta:
        model = FundEntry
        fields = [
            "id",
            "uid",
            "project",
            "received_on",
            "amount_wan",
            "amount_yi",
            "kind",
            "outside_province",
            "source",
            "recorded_by",
            "illustrative",
        ]

    def get_recorded_by(self, entry: FundEntry) -> str:
        return staff_name(entry.recorded_by)


class TargetSerializer(LedgerSerializer):
    unit_name = serializers.CharField(read_only=True)

    class Meta:
        model = AnnualTarget
        exclude = ["staff", "park"]


class FundViewSet(LedgerViewSet):
    queryset = FundEntry.objects.select_related("project", "recorded_by").order_by("pk")
    serializer_class = FundSerializer
    filterset_class = FundFilterSet


class TargetViewSet(LedgerViewSet):
    queryset = AnnualTarget.objects.select_related("park", "staff").order_by("pk")
    serializer_class = TargetSerializer
    filterset_class = TargetFilterSet


class SchemaView(AuthenticatedByTheApi, SpectacularAPIView):
    """The OpenAPI schema."""


class RootView(AuthenticatedByTheApi, routers.APIRootView):
    """The list of the API's collections."""


class Router(routers.DefaultRouter):
    APIRootView = RootView


router = Router()
router.register("projects", ProjectViewSet)
router.register("parks", ParkViewSet)
router.register("parcels", ParcelViewSet)
router.register("companies", CompanyViewSet)
router.register("leases", LeaseViewSet)
router.register("followups", FollowUpViewSet)
router.register("departments", DepartmentViewSet)
router.register("problems", ProblemViewSet)
router.register("funds", FundViewSet)
router.register("targets", TargetViewSet)
