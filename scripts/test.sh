#!/usr/bin/env bash
# `npm test`: the whole check a change must pass. Installs what it needs (npm packages, and the
# system packages the label and page tests use), then runs typecheck, lint (the code, and the API's
# OpenAPI document with Redocly), format check and every test (unit, integration on real PostgreSQL +
# Redis, e2e), and ends with one line:
#   tests: N passed, N failed
# Exits non-zero on any type, lint, format or test failure.
#
# PostgreSQL and Redis are expected at TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres)
# and TEST_REDIS_URL (default redis://127.0.0.1:6379); .ci/run starts the machine's services if needed.
set -uo pipefail
cd "$(dirname "$0")/.."

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/.buildtrace-lock ] || [ "$(cat node_modules/.buildtrace-lock)" != "$lock_hash" ]; then
  # npm install, not npm ci: vite (under vitest) names an optional Windows-only package that the
  # registry does not serve, which npm ci refuses and npm install rightly skips.
  echo "== installing npm packages"
  npm install --no-audit --no-fund --loglevel=error || { echo "tests: 0 passed, 1 failed"; exit 1; }
  echo "$lock_hash" > node_modules/.buildtrace-lock
fi
bash scripts/ensure-system-deps.sh || echo "warning: system packages missing; label and page tests will fail"

status=0
echo "== typecheck"; npx tsc --noEmit || status=1
echo "== lint"; npx eslint . && npx depcruise --config .dependency-cruiser.cjs src workers || status=1
echo "== API document lint"; bash scripts/lint-api.sh || status=1
echo "== format"; npx prettier --check . --log-level warn || status=1

echo "== tests"
mkdir -p .buildtrace
rm -f .buildtrace/test-results.json
npx vitest run --reporter=default --reporter=json --outputFile.json=.buildtrace/test-results.json "$@" || status=1

# The unit and e2e projects again on the production image's Node major (the Dockerfile's NODE_IMAGE,
# an LTS line engines names) when this machine runs another: scripts/production-node.mjs installs it
# from the registry's `node` package (a Node binary, no internet beyond npm needed). Skipped when
# arguments pick tests, or with BUILDTRACE_SKIP_NODE24=1.
results=(.buildtrace/test-results.json)
if [ $# -eq 0 ] && [ "${BUILDTRACE_SKIP_NODE24:-}" != "1" ]; then
  if image_node=$(node scripts/production-node.mjs); then
    if [ "$image_node" != "$(node -p process.execPath)" ]; then
      echo "== tests on Node $("$image_node" --version) (unit, e2e)"
      rm -f .buildtrace/test-results-node24.json
      PATH="$(dirname "$image_node"):$PATH" "$image_node" node_modules/vitest/vitest.mjs run --project unit --project e2e \
        --reporter=default --reporter=json --outputFile.json=.buildtrace/test-results-node24.json || status=1
      results+=(.buildtrace/test-results-node24.json)
    fi
  else
    echo "could not install the production image's Node from the registry"; status=1
  fi
fi

summary=$(node -e '
  let passed = 0, failed = 0;
  for (const file of process.argv.slice(1)) {
    try {
      const r = JSON.parse(require("fs").readFileSync(file, "utf8"));
      passed += r.numPassedTests;
      failed += r.numFailedTests + (r.numFailedTestSuites > 0 && r.numFailedTests === 0 ? r.numFailedTestSuites : 0);
    } catch { failed += 1; }
  }
  console.log(`tests: ${passed} passed, ${failed} failed`);
' "${results[@]}")
if [ $status -ne 0 ] && [[ "$summary" == *", 0 failed" ]]; then
  echo "(typecheck, lint or format failed above)"
fi
echo "$summary"
exit $status
