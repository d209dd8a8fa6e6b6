"""The admin's spreadsheet import: a preview, then a confirmation that imports every row or none.

django-import-export's ``ImportMixin``, held to what a web request can do safely:

- Caps on what the admin reads (the file, an XLSX's unpacked size, the rows), checked before
  the sheet is parsed where they can be; larger sheets go through ``manage.py import_ledger``.
- The previewed file waits in a folder of its own under a random name, which the
  confirmation form carries signed for the user who uploaded it: nobody confirms a file
  they did not preview, and a confirmation takes the file, so it imports once. Previews
  never confirmed are removed after ``PREVIEW_MAX_AGE``.
- The confirmation checks every row again in one transaction: if the ledger changed since
  the preview and a row is now wrong, nothing is imported and the rows' errors are shown.
"""

import tempfile
import time
import zipfile
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any
from uuid import uuid4

import openpyxl
import tablib
from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from import_export.admin import ImportMixin
from import_export.formats import base_formats
from import_export.forms import ConfirmImportForm, ImportForm
from import_export.tmp_storages import BaseStorage

from projects.resources import SHEET_RESOURCES, LedgerResource
from projects.roles import LoggedInRequest

MAX_UPLOAD_BYTES = 8 * 2**20
# A 10,000-row export of projects unpacks to about 9 MB; a zip bomb to gigabytes.
MAX_XLSX_UNPACKED_BYTES = 16 * 2**20
MAX_ROWS = 10_000
PREVIEW_MAX_AGE = timedelta(hours=1)
PREVIEW_FOLDER = Path(tempfile.gettempdir()) / "jinyun-import-previews"
# A preview being confirmed is renamed with this suffix, so no second request can take it.
TAKEN = ".confirming"
COMMAND_HINT = "manage.py import_ledger"


def megabytes(size: int) -> str:
    """A size in bytes as MB with one decimal, as the caps' messages give it."""
    return f"{size / 2**20:.1f}"


class PreviewGone(Exception):
    """The previewed file is no longer there: confirmed already, or removed as stale."""


def remove_stale_previews() -> None:
    """Remove previews older than ``PREVIEW_MAX_AGE``, which nobody can confirm any more."""
    oldest = time.time() - PREVIEW_MAX_AGE.total_seconds()
    for path in PREVIEW_FOLDER.iterdir():
        try:
            if path.stat().st_mtime < oldest:
                path.unlink()
        except FileNotFoundError:
            pass  # removed meanwhile by another worker


class PreviewStorage(BaseStorage):
    """Previewed sheets, one file each in ``PREVIEW_FOLDER``.

    Made without a name, it serves an upload: it writes the file (removing stale ones) and
    reads it back for the preview. Made with a name, it serves a confirmation, whose read
    takes the file by renaming it, so that a second confirmation finds nothing.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.confirming = self.name is not None

    def path(self, suffix: str = "") -> Path:
        """Where this preview's file is, or is once taken (``suffix=TAKEN``)."""
        return PREVIEW_FOLDER / f"{self.name}{suffix}"

    def save(self, data: bytes) -> None:
        PREVIEW_FOLDER.mkdir(mode=0o700, parents=True, exist_ok=True)
        remove_stale_previews()
        self.name = uuid4().hex
        self.path().write_bytes(data)

    def read(self) -> str | bytes:
        path = self.path()
        if self.confirming:
            try:
                path = path.rename(self.path(TAKEN))
            except FileNotFoundError:
                raise PreviewGone from None
        with path.open(self.read_mode, encoding=self.encoding) as file:
            return file.read()

    def remove(self) -> None:
        self.path(TAKEN if self.confirming else "").unlink(missing_ok=True)


class SheetTooLong(ValueError):
    """A sheet with more rows than the admin imports."""


class RowCapped(base_formats.Format):
    """A format whose sheets are refused beyond ``MAX_ROWS`` rows; the format it is mixed
    into (``CSV``, ``XLSX``) reads them."""

    def create_dataset(self, in_stream: str | bytes) -> Any:
        dataset = super().create_dataset(in_stream)
        if len(dataset) > MAX_ROWS:
            raise SheetTooLong(
                _(
                    "表格有%(rows)s行，后台最多导入%(limit)s行。"
                    "更大的表格请在服务器上用 %(command)s 导入。"
                )
                % {"rows": f"{len(dataset):,}", "limit": f"{MAX_ROWS:,}", "command": COMMAND_HINT}
            )
        return dataset


class WholeRowsXLSX(base_formats.XLSX):
    """An XLSX sheet whose rows are read as wide as its header row.

    A workbook that does not record its size (one written row by row, as the exports are,
    may not) gives each row only up to its last filled cell, which the library's reader
    refuses as a row of the wrong width: a warning rule with no red days, as 未跟踪 has.
    Cells beyond the last header, under no header, are passed over as such columns are.
    """

    def create_dataset(self, in_stream: bytes) -> tablib.Dataset:
        workbook = openpyxl.load_workbook(BytesIO(in_stream), read_only=True, data_only=True)
        rows = workbook.active.iter_rows(values_only=True)
        headers = list(next(rows, ()))
        dataset = tablib.Dataset(headers=headers)
        for row in rows:
            cells = list(row[: len(headers)])
            dataset.append(cells + [None] * (len(headers) - len(cells)))
        workbook.close()
        return dataset


class CSV(RowCapped, base_formats.CSV):
    pass


class XLSX(RowCapped, WholeRowsXLSX):
    pass


class LedgerImportForm(ImportForm):
    """The upload, refused before it is read if it is too large, or unpacks too large."""

    def clean_import_file(self) -> UploadedFile:
        """The upload, if within the caps on its size and, for an XLSX, its unpacked size."""
        upload = self.cleaned_data["import_file"]
        hint = {"command": COMMAND_HINT}
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _(
                    "文件有%(size)s MB，后台最多导入%(limit)s MB。"
                    "更大的表格请在服务器上用 %(command)s 导入。"
                )
                % {**hint, "size": megabytes(upload.size), "limit": megabytes(MAX_UPLOAD_BYTES)},
                code="too_large",
            )
        if zipfile.is_zipfile(upload):
            # An XLSX is a zip: its members' sizes are read from its directory, not unpacked.
            with zipfile.ZipFile(upload) as archive:
                unpacked = sum(member.file_size for member in archive.infolist())
            if unpacked > MAX_XLSX_UNPACKED_BYTES:
                raise forms.ValidationError(
                    _(
                        "这个XLSX文件解压后有%(size)s MB，后台最多读取%(limit)s MB。"
                        "更大的表格请在服务器上用 %(command)s 导入。"
                    )
                    % {
                        **hint,
                        "size": megabytes(unpacked),
                        "limit": megabytes(MAX_XLSX_UNPACKED_BYTES),
                    },
                    code="too_large",
                )
        upload.seek(0)
        return upload


def signer(user: User) -> signing.TimestampSigner:
    """Signs a preview's particulars for one user only."""
    return signing.TimestampSigner(salt=f"projects.admin_import.preview:{user.pk}")


def gone_message() -> str:
    """What a confirmation of a sheet imported already, or previewed too long ago, says."""
    return _("这份表格已经导入，或预览已过期，请重新上传。")


def forged_message() -> str:
    """What a confirmation of a file the user did not preview says."""
    return _("无法确认这次导入：这不是你预览的表格。请重新上传。")


class LedgerConfirmForm(ConfirmImportForm):
    """The confirmation, which carries the preview's file, format and resource signed for
    the user who uploaded it (``import_file_name``); the other hidden fields are not read."""

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    @staticmethod
    def signed(user: User, initial: dict[str, Any]) -> dict[str, Any]:
        """The confirmation's initial values with the preview's particulars signed."""
        preview = {key: initial[key] for key in ("import_file_name", "format", "resource")}
        return {**initial, "import_file_name": signer(user).sign_object(preview)}

    def clean(self) -> dict[str, Any]:
        """The preview's particulars, if signed for this user within ``PREVIEW_MAX_AGE``."""
        cleaned = super().clean()
        try:
            preview = signer(self.user).unsign_object(
                cleaned.get("import_file_name", ""), max_age=PREVIEW_MAX_AGE
            )
        except signing.SignatureExpired:
            raise forms.ValidationError(gone_message(), code="expired") from None
        except signing.BadSignature:
            raise forms.ValidationError(forged_message(), code="forged") from None
        return {**cleaned, **preview}


class LedgerImportMixin(ImportMixin):
    """The admin's import of its model's sheet, the one ``SHEET_RESOURCES`` holds for it
    (as ``manage.py import_ledger`` reads it), with the caps, the signed preview and the
    all-or-nothing confirmation described at the top of this module."""

    import_form_class = LedgerImportForm
    import_template_name = "admin/ledger_import.html"
    confirm_form_class = LedgerConfirmForm
    import_formats = [CSV, XLSX]
    tmp_storage_class = PreviewStorage

    def get_resource_classes(self, request: HttpRequest) -> list[type[LedgerResource]]:
        return [sheet for sheet in SHEET_RESOURCES.values() if sheet._meta.model is self.model]

    def get_confirm_form_kwargs(
        self, request: LoggedInRequest, import_form: ImportForm | None = None
    ) -> dict[str, Any]:
        return {**super().get_confirm_form_kwargs(request, import_form), "user": request.user}

    def get_confirm_form_initial(
        self, request: LoggedInRequest, import_form: ImportForm | None
    ) -> dict[str, Any]:
        initial = super().get_confirm_form_initial(request, import_form)
        return initial and LedgerConfirmForm.signed(request.user, initial)

    def get_import_resource_kwargs(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        # Each row's changes are shown by the preview, not after the confirmation.
        confirming = isinstance(kwargs.get("form"), ConfirmImportForm)
        return {
            **super().get_import_resource_kwargs(request, **kwargs),
            "show_changes": not confirming,
        }

    def get_import_data_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        # A row that fails at the confirmation (the ledger changed since the preview) rolls
        # back every other row too.
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    def add_data_read_fail_error_to_form(self, form: ImportForm, e: Exception) -> None:
        if isinstance(e, SheetTooLong):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    @method_decorator(require_POST)
    def process_import(self, request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
        """Import the previewed sheet, or say why not on the upload page."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        if not confirm_form.is_valid():
            refusal = confirm_form.non_field_errors() or [forged_message()]
            return self.upload_again(request, refusal[0])
        try:
            return super().process_import(request, **kwargs)
        except PreviewGone:
            return self.upload_again(request, gone_message())

    def upload_again(self, request: HttpRequest, message: str) -> HttpResponseRedirect:
        """Back to the upload page, which shows why the confirmation was refused."""
        messages.error(request, message)
        info = self.get_model_info()
        return HttpResponseRedirect(
            reverse("admin:{}_{}_import".format(*info), current_app=self.admin_site.name)
        )

    def process_result(self, result: Any, request: HttpRequest) -> HttpResponseBase:
        """After a confirmation: the list with a summary, or, if any row failed and nothing
        was imported, the rows' errors under the upload form."""
        if not (result.has_errors() or result.has_validation_errors()):
            return super().process_result(result, request)
        # Rolled back: show the rows' errors as the preview does, under the upload form.
        messages.error(
            request,
            _(
                "台账在预览后有了变化，表格中有的行已不能导入，因此没有导入任何数据。"
                "请改正后重新上传。"
            ),
        )
        resources = [
            resource_class(**self.get_import_resource_kwargs(request))
            for resource_class in self.get_import_resource_classes(request)
        ]
        form = self.get_import_form_class(request)(
            self.get_import_formats(), self.get_import_resource_classes(request)
        )
        context = {
            **self.admin_site.each_context(request),
            **self.get_import_context_data(),
            "title": _("导入"),
            "form": form,
            "opts": self.model._meta,
            "media": self.media + form.media,
            "result": result,
            "import_error_display": self.import_error_display,
            "fields_list": [
                (
                    resource.get_display_name(),
                    [field.column_name for field in resource.get_user_visible_fields()],
                )
                for resource in resources
            ],
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)
