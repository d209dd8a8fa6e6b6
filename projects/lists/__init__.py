"""A list engine on django-tables2 and django-filter: filter, sort, page, count, export.

Nothing here knows the ledger. A list view names a queryset, a filter set and a table
(``views.ObjectListView``); its table is a django-tables2 table (``tables.ListTable``)
whose cells are worked out once per column where they can be (``cells``), and rendered by
django-tables2 itself where they cannot, so every django-tables2 column works. The rows
are read by key, sorted with empty values last and the primary key as the last key
(``data``); exports stream (``export``, ``sheets``).
"""
