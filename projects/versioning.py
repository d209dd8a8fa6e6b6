"""Edits that never silently overwrite each other: the admin's change forms carry a version.

Two staff who open the same record and both save would otherwise each succeed, and the
first one's changes would vanish. A change form remembers the record's latest history
record when it is opened; a save made after someone else's is refused, saying who changed
what, and keeps everything the user typed.
"""

from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from projects.history import changes_since, label, latest_version


class VersionedModelForm(forms.ModelForm):
    """A model form that refuses to save over a change made since it was opened."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["version"] = latest_version(self.instance)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.instance.pk is None or "version" not in cleaned:
            return cleaned
        # Lock the row, so that of two saves at once the second sees the first's version.
        # Unordered: a model ordered by a related record's field (a target by its park's
        # name) would join that table, and PostgreSQL locks no row of an outer join.
        model = type(self.instance)
        rows = model._base_manager.select_for_update().filter(pk=self.instance.pk).order_by()
        list(rows.values("pk"))
        current = latest_version(self.instance)
        if cleaned["version"] != current:
            self.refuse_stale(cleaned["version"], current)
        return cleaned

    def refuse_stale(self, opened: int | None, current: int | None) -> None:
        """Say who saved since, and what they changed; let a second save go through."""
        last, changed = changes_since(self.instance, opened)
        when = formats.localize(timezone.localtime(last.when))
        self.add_error(
            None,
            _(
                "在你打开此页之后，%(who)s 于 %(when)s 保存了这条记录，你的修改尚未保存。"
                "下方保留了你填写的内容，对方改动的字段已标出；核对后再次保存，将以你填写的为准。"
            )
            % {"who": last.who, "when": when},
        )
        for model_field, before, after in changed:
            if model_field.name in self.fields:
                self.add_error(
                    model_field.name,
                    _("对方已改为：%(after)s（你打开时为：%(before)s）")
                    % {"after": after, "before": before},
                )
            else:
                self.add_error(
                    None,
                    _("%(field)s：%(before)s → %(after)s")
                    % {"field": label(model_field), "before": before, "after": after},
                )
        # The next save is made knowing these changes: it compares against them.
        # The admin binds its forms to the request's POST, whose copy can be changed.
        data = cast(QueryDict, self.data).copy()
        data[self.add_prefix("version")] = "" if current is None else str(current)
        self.data = data
