#!/usr/bin/env bash
# The whole test suite, as CI runs it: set-up, then format, lint, typecheck and build, then the
# tests. The four checks read the sources and only the build writes (dist/, which the others
# ignore), so they run side by side: on 2 cores that is about half their one-after-another time.
# Each one's output is shown after it ended, in this order, and any failure fails the suite
# before the tests run. The last line printed is `N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
steps=(format:check lint typecheck build)
pids=()
for step in "${steps[@]}"; do
  npm run --silent "$step" >"$logs/$step" 2>&1 &
  pids+=($!)
done
failed=0
for i in "${!steps[@]}"; do
  if wait "${pids[$i]}"; then
    cat "$logs/${steps[$i]}"
  else
    cat "$logs/${steps[$i]}"
    echo "test.sh: npm run ${steps[$i]} failed" >&2
    failed=1
  fi
done
[ "$failed" -eq 0 ] || exit 1

npm test --silent
