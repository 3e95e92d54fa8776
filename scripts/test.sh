#!/usr/bin/env bash
# The whole test suite, from a fresh machine: a virtual environment with the package and its
# test extras, the real OPA binary (built from its Go module once, then reused), lint and
# type checks, the Rego checks with OPA, and pytest. actionlint is built the same way.
set -euo pipefail
cd "$(dirname "$0")/.."

OPA_VERSION="v1.22.3"
VENV="${POLICYENGINE_VENV:-.venv}"

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[test]'

# OPA: an explicit POLICYENGINE_OPA, else a cached binary of the right version, else build it.
find_opa() {
  for c in "${POLICYENGINE_OPA:-}" "$(command -v opa || true)" "$(go env GOPATH 2>/dev/null)/bin/opa"; do
    if [ -n "$c" ] && [ -x "$c" ] && "$c" version 2>/dev/null | grep -q "^Version: ${OPA_VERSION#v}$"; then
      echo "$c"; return 0
    fi
  done
  return 1
}
if ! OPA="$(find_opa)"; then
  echo "building OPA ${OPA_VERSION} from its Go module (a few minutes, once)" >&2
  CGO_ENABLED=0 go install "github.com/open-policy-agent/opa@${OPA_VERSION}"
  OPA="$(find_opa)"
fi
export POLICYENGINE_OPA="$OPA"

# actionlint, for the workflows `policyengine init` writes and action.yml: the same way.
ACTIONLINT_VERSION="v1.7.12"
find_actionlint() {
  for c in "${POLICYENGINE_ACTIONLINT:-}" "$(command -v actionlint || true)" "$(go env GOPATH 2>/dev/null)/bin/actionlint"; do
    if [ -n "$c" ] && [ -x "$c" ] && [ "$("$c" -version 2>/dev/null | head -n 1)" = "$ACTIONLINT_VERSION" ]; then
      echo "$c"; return 0
    fi
  done
  return 1
}
if ! ACTIONLINT="$(find_actionlint)"; then
  echo "building actionlint ${ACTIONLINT_VERSION} from its Go module (once)" >&2
  CGO_ENABLED=0 go install "github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}"
  ACTIONLINT="$(find_actionlint)"
fi
export POLICYENGINE_ACTIONLINT="$ACTIONLINT"

# Microsoft's SARIF multitool validates the SARIF report (tests/report/test_sarif.py): an
# npm package with a self-contained binary, installed once into the cache.
SARIF_DIR=.ci/cache/sarif
if [ ! -x "$SARIF_DIR/node_modules/.bin/sarif-multitool" ] && command -v npm >/dev/null; then
  npm install --silent --no-audit --no-fund --prefix "$SARIF_DIR" @microsoft/sarif-multitool@5.7.0 >&2
fi

"$VENV/bin/ruff" format --check policyengine tests benchmarks scripts
"$VENV/bin/ruff" check policyengine tests benchmarks scripts
"$VENV/bin/mypy" policyengine

"$OPA" fmt --list --fail policies/ examples/policies/
CAPS=policyengine/data/rego-capabilities.json
"$OPA" check --strict --capabilities "$CAPS" policies/
"$OPA" check --strict --capabilities "$CAPS" policies/lib examples/policies/
"$OPA" test --ignore "*.json" --ignore "*.md" policies/
"$OPA" test --ignore "*.json" --ignore "*.md" policies/lib examples/policies/

set +e
"$VENV/bin/python" -m pytest -q "$@"
status=$?
set -e
# pytest exits 5 when it collected no test: that is a failure of the suite here.
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit "$status"
