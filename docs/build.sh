#!/usr/bin/env bash
# Build the API reference from the docstrings, warnings as errors.
# Needs the docs extra: pip install ".[docs]". Output: docs/api/_build/html/index.html
set -euo pipefail
cd "$(dirname "$0")/api"
python -m sphinx -E -a -W --keep-going -q -b html . _build/html "$@"
echo "API reference: $(pwd)/_build/html/index.html"
