"""The monthly report (招商月报): the dashboard's figures of a period written as the
county's sentences, tables and charts (``content``), rendered as a PDF and an XLSX
(``render``), downloaded and issued through the pages of ``views``."""
