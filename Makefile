# Two commands do everything (see README.md):
#   make book   set up .venv, execute the chapters (default profile), build the HTML book
#   make test   set up .venv, run the unit tests and the notebook tests (quick profile)
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: setup book html test clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[cpu,book,test]"
	touch $@

book: setup
	GANBOOK_PROFILE=default $(BIN)/python tools/execute_chapters.py
	$(BIN)/python tools/make_figures.py
	$(MAKE) html

# Render the stored outputs only (what CI does).
html: setup
	$(BIN)/jupyter-book build . -W -n --keep-going

# The browser test needs Chromium and a CJK font: .ci/install-browser installs them
# with apt-get when they are missing (and does nothing when they are there).
test: setup
	.ci/install-browser
	GANBOOK_PROFILE=quick $(BIN)/pytest --nbval --nbval-current-env tests chapters

clean:
	rm -rf _build
