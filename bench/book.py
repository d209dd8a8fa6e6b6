"""The projects list written by the book, as the peer a list page is measured against.

The same filter set and columns as ``/projects/`` and the same rows, served as django-tables2
and django-filter document it: ``SingleTableMixin`` and ``FilterView``, the queryset with
``select_related``, the table rendered by ``{% render_table %}`` with django-tables2's stock
bootstrap 5 template, cell by cell, and Django's own paginator.
"""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.data import TableQuerysetData

from projects.filters import ProjectFilterSet
from projects.tables import ProjectTable
from projects.views import ProjectListView


class BookProjectTable(ProjectTable):
    """The projects list's columns, on django-tables2's own data and template."""

    class Meta(ProjectTable.Meta):
        template_name = "django_tables2/bootstrap5-responsive.html"

    def __init__(self, data=None, *args, **kwargs) -> None:
        super().__init__(TableQuerysetData(data), *args, **kwargs)


class BookProjectListView(PermissionRequiredMixin, SingleTableMixin, FilterView):
    permission_required = "projects.view_investmentproject"
    queryset = ProjectListView.queryset
    filterset_class = ProjectFilterSet
    table_class = BookProjectTable
    table_pagination = {"per_page": 25}
    template_name = "bench/book_list.html"
