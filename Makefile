# Two commands do everything (see README.md):
#   make book   set up .venv, write and execute the chapters (default profile), build the HTML book
#   make test   set up .venv, run every test (unit tests and the notebooks in the quick profile)
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3
MXNET := mxnet==1.9.1

.PHONY: setup book chapters html test browser-deps colab-check clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[cpu,book,test]"
	@# Python 3.12+: MXNet without its numpy<2 requirement (it runs on numpy 2)
	$(BIN)/python -c "import sys; sys.exit(sys.version_info >= (3, 12))" || \
		$(BIN)/pip install --quiet --no-deps "$(MXNET)"
	touch $@

book: chapters
	$(BIN)/python tools/make_figures.py
	$(MAKE) --no-print-directory html
	@echo "The book is in _build/html. Open _build/html/index.html in a browser, or serve it:"
	@echo "  $(BIN)/python -m http.server --directory _build/html 8000   (then http://localhost:8000)"

# Notebooks from chapters/source/*.md; only chapters whose code changed are executed.
chapters: setup
	GANBOOK_PROFILE=default $(BIN)/python tools/build_chapters.py

# Render the stored outputs only (what CI does).
html: setup
	$(BIN)/jupyter-book build . -W -n --keep-going -q

test: setup
	GANBOOK_PROFILE=quick $(BIN)/pytest --nbval --nbval-current-env tests chapters

# What the browser tests need (Chromium and a CJK font), installed with apt-get.
# Without them those tests are skipped; with CI=true they fail instead.
browser-deps:
	.ci/install-browser

# Every chapter, both languages, from its first cell, as on Colab's default runtime
# (Python 3.13, numpy 2, Colab's packages) in a Debian 13 chroot. Needs root.
colab-check:
	.ci/colab-like

clean:
	rm -rf _build
