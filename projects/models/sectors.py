"""Sectors (产业) the county promotes."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from projects.models.fields import NaturalKeyManager, PinyinCharField
from projects.validators import validate_plain_text


class Sector(models.Model):
    """An industry (产业) the county promotes, in one of its three groups."""

    class Group(models.TextChoices):
        LEADING = "leading", _("主导产业")
        EMERGING = "emerging", _("新兴产业")
        FUTURE = "future", _("未来产业")

    name = PinyinCharField(_("名称"), max_length=50, unique=True, validators=[validate_plain_text])
    group = models.CharField(_("产业类别"), max_length=10, choices=Group.choices)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = NaturalKeyManager()

    class Meta:
        verbose_name = _("产业")
        verbose_name_plural = pgettext_lazy("plural", "产业")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.name,)
