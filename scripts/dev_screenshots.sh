#!/usr/bin/env bash
# Regenerate the screenshots of `mcplite dev` shown in docs/cli.md: runs the browser tests
# (headless Chromium, Playwright) with MCPLITE_DEV_SCREENSHOTS set, which saves one PNG per
# main view into docs/img/.  Needs `apt-get install chromium` and `pip install -e '.[test]'`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
MCPLITE_DEV_SCREENSHOTS=docs/img python3 -X dev -m pytest -q -p no:cacheprovider \
  tests/cli/dev_browser_flow.py
ls -l docs/img/dev-*.png
