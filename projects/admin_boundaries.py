"""The admin's boundary import, on the parcels' and parks' lists: upload a GeoJSON file
or a zipped Shapefile, preview what each feature matches and why any is refused, then
confirm to import them all in one transaction, or none.

The previewed file waits as the ledger import's previews do (``admin_import``): under a
random name, signed for the user who uploaded it, taken once by the confirmation.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects import boundaries
from projects.admin_import import PREVIEW_MAX_AGE, PreviewGone, PreviewStorage, signer
from projects.roles import LoggedInRequest


class BoundaryUploadForm(forms.Form):
    boundary_file = forms.FileField(
        label=gettext_lazy("边界文件"),
        help_text=gettext_lazy(
            "GeoJSON（.geojson）或压缩的Shapefile（.zip，须含.prj）。"
            "地块按编号（code或地块编号）匹配，园区按名称（name、园区或名称）匹配。"
        ),
    )


class BoundaryConfirmForm(forms.Form):
    preview = forms.CharField(widget=forms.HiddenInput)


class BoundaryImportMixin(admin.ModelAdmin):
    """An "导入边界" page on the model's admin list, for users who may change its records."""

    import_export_change_list_template = "admin/boundary_change_list.html"

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "has_boundary_import_permission": self.has_change_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}_import_boundaries"
        view = self.admin_site.admin_view(self.import_boundaries_view)
        return [path("import-boundaries/", view, name=name), *super().get_urls()]

    def import_boundaries_view(self, request: LoggedInRequest) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        upload = BoundaryUploadForm()
        context: dict[str, Any] = {}
        if request.method == "POST" and "preview" in request.POST:
            return self.confirm(request)
        if request.method == "POST":
            upload = BoundaryUploadForm(request.POST, request.FILES)
            if upload.is_valid():
                context = self.preview(request, upload)
        return self.render(request, upload, **context)

    def preview(self, request: LoggedInRequest, upload: BoundaryUploadForm) -> dict[str, Any]:
        """The preview of an uploaded file: its rows and refusals, and, if it can be
        imported, the signed confirmation."""
        file = upload.cleaned_data["boundary_file"]
        # One byte more than the cap is enough to refuse a larger file.
        data = file.read(boundaries.MAX_FILE_BYTES + 1)
        try:
            result = boundaries.plan(boundaries.read_file(file.name, data), [self.model])
        except boundaries.BoundaryFileError as error:
            upload.add_error("boundary_file", str(error))
            return {}
        context: dict[str, Any] = {"result": result}
        if not result.errors:
            storage = PreviewStorage(read_mode="rb")
            storage.save(data)
            token = signer(request.user).sign_object({"name": storage.name, "file": file.name})
            context["confirm"] = BoundaryConfirmForm(initial={"preview": token})
        return context

    def confirm(self, request: LoggedInRequest) -> HttpResponse:
        """Import the previewed file, or show why not."""
        upload = BoundaryUploadForm()
        try:
            preview = signer(request.user).unsign_object(
                request.POST.get("preview", ""), max_age=PREVIEW_MAX_AGE
            )
            storage = PreviewStorage(name=preview["name"], read_mode="rb")
            data = storage.read()
        except (signing.BadSignature, PreviewGone, KeyError, TypeError):
            messages.error(request, _("这个文件已经导入，或预览已过期，请重新上传。"))
            return self.render(request, upload)
        storage.remove()
        assert isinstance(data, bytes)
        result = boundaries.import_features(
            boundaries.read_file(preview["file"], data), [self.model]
        )
        if result.errors:
            messages.error(
                request,
                _("台账在预览后有了变化，文件中有的要素已不能导入，因此没有导入任何边界。"),
            )
            return self.render(request, upload, result=result)
        messages.success(request, _("已导入%(count)s个边界。") % {"count": len(result.rows)})
        opts = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    def render(
        self, request: HttpRequest, upload: BoundaryUploadForm, **context: Any
    ) -> TemplateResponse:
        opts = self.model._meta
        return TemplateResponse(
            request,
            "admin/boundary_import.html",
            {
                **self.admin_site.each_context(request),
                "title": _("导入边界"),
                "opts": opts,
                "form": upload,
                "is_parcel": opts.model_name == "landparcel",
                **context,
            },
        )
