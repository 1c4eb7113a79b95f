#!/usr/bin/env bash
# Checks JUnit reports with junitparser (PyPI, pinned) in a virtual environment of its own under
# target/, made on first use: run.sh RUN.xml RUN.json [RUN.xml RUN.json ...]
set -euo pipefail
cd "$(dirname "$0")/../../.."
venv=target/venv-junitparser
if ! "$venv/bin/python" -c 'import junitparser' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r conformance/tests/junit/requirements.txt
fi
exec "$venv/bin/python" conformance/tests/junit/check.py "$@"
