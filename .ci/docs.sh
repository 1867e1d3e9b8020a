#!/usr/bin/env bash
# CI: build the documentation site as the README says, with every warning an error, and run every
# example of the gallery (examples/plot_*.py, at the quick settings each states). An example that
# raises, a docstring docutils cannot parse, a broken cross-reference: each fails this script.
# Run from any directory, in the virtual environment to install into (.ci/run's .ci-venv); it
# installs nothing but the README's `docs` extra.
set -euo pipefail
cd "$(dirname "$0")/.."
pip install -q -e ".[docs]"
# start clean: generated API pages and gallery outputs of an earlier build must not hide an error
rm -rf docs/_build docs/api/generated docs/auto_examples docs/sg_execution_times.rst
export MPLBACKEND=Agg
start=$(date +%s)
sphinx-build -W --keep-going -q -j auto -b html docs docs/_build/html
echo "CI: docs built with no warning and every gallery example run in $(( $(date +%s) - start )) s (docs/_build/html/index.html)"
