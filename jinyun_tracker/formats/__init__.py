"""Number formats that differ from Django's for a language of the site (``FORMAT_MODULE_PATH``)."""
