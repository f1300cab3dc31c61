#!/usr/bin/env bash
# Create .venv and install the project; `setup.sh test` adds the test tools, PostgreSQL,
# LibreOffice and Chromium. Python packages are installed only when pyproject.toml changed since the
# last install (a stamp in .venv), so an installed bot starts again without a network.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=run
[ "${1:-}" = "test" ] && mode=test
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating the virtual environment .venv"
  python3 -m venv .venv
fi
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
stamp=".venv/.installed-$mode"
if [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
  echo "setup: Python packages up to date (pyproject.toml unchanged); nothing to install"
else
  echo "setup: installing the Python packages of pyproject.toml into .venv (needs the network)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  if [ "$mode" = test ]; then
    .venv/bin/python -m pip install --quiet -e ".[test]"
    # The test install holds everything the bot needs to run.
    echo "$wanted" > .venv/.installed-run
  else
    .venv/bin/python -m pip install --quiet -e .
  fi
  echo "$wanted" > "$stamp"
  echo "setup: Python packages installed"
fi
if [ "$mode" = test ]; then
  need_postgres=false need_office=false need_browser=false
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_postgres=true
  # The PDF rendering test converts the report with LibreOffice and reads it with poppler;
  # Liberation Serif has the metrics of the report's Times New Roman and Vietnamese glyphs.
  if ! command -v soffice >/dev/null || ! command -v pdftoppm >/dev/null \
    || [ -z "$(fc-list "Liberation Serif" family 2>/dev/null)" ]; then
    need_office=true
  fi
  # The public pages are tested in headless Chromium driven through chromedriver.
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    need_browser=true
  fi
  if $need_postgres || $need_office || $need_browser; then
    echo "setup: installing system packages for the tests (PostgreSQL, LibreOffice, Chromium)"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    if $need_postgres; then
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
    fi
    if $need_office; then
      # Without recommends: the headless Writer needs none of the Perl, X11 and Java extras.
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        libreoffice-writer-nogui poppler-utils fonts-liberation2 >/dev/null
    fi
    if $need_browser; then
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver \
        fonts-dejavu-core >/dev/null
    fi
  fi
fi
