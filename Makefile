# Everyday commands. `make demo` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
PO_FILES := $(wildcard projects/locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: demo test test-fast screenshots lint messages makemessages bench-tools report-tools clean

# The virtualenv is rebuilt whenever a requirements file changes.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Compiled translations are built, not committed; msgfmt comes from Debian's gettext.
%.mo: %.po
	@command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext)
	msgfmt --check -o $@ $<

messages: $(MO_FILES)

# Browser tests drive Debian's Chromium; a browser cannot be downloaded at test time.
# The CJK fonts make Chinese text render (and measure) as it does for users.
$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk

# The monthly report's PDF is drawn by WeasyPrint with Debian's Pango and embeds the Noto
# CJK fonts; its tests read the PDF back with poppler's pdftotext, pdffonts and pdftoppm.
# None of these needs a browser.
REPORT_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

report-tools:
	@test -f $(REPORT_FONT) && command -v pdftotext >/dev/null && ldconfig -p | grep -q libpangoft2 \
	|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk poppler-utils)

# axe-core, for the accessibility tests, comes from the npm registry at the version pinned
# in tests/e2e/package-lock.json; the tests inject it into pages, the app never serves it.
AXE_CORE := tests/e2e/node_modules/axe-core

$(AXE_CORE): tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --no-audit --no-fund
	touch $@

# The throughput benchmark (bench/throughput.py) drives Debian's wrk.
bench-tools:
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)

makemessages: $(VENV)/.installed
	cd projects && ../$(PY) ../manage.py makemessages --locale en --no-obsolete --add-location file

demo: $(VENV)/.installed messages report-tools
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# The browser suite runs in its own pytest process: Playwright's event loop needs
# DJANGO_ALLOW_ASYNC_UNSAFE, which the rest of the suite should not have.
test: test-fast $(CHROMIUM) $(AXE_CORE)
	$(VENV)/bin/pytest tests/e2e

test-fast: $(VENV)/.installed messages report-tools
	$(VENV)/bin/pytest tests --ignore=tests/e2e

screenshots: $(VENV)/.installed messages report-tools $(CHROMIUM) $(AXE_CORE)
	$(VENV)/bin/pytest tests/e2e/screenshots.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) $(MO_FILES)
