#!/usr/bin/env bash
# The whole test suite, as CI runs it: set-up, then format → lint → typecheck → build → tests.
# The last line printed is `N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
npm run --silent format:check
npm run --silent lint
npm run --silent typecheck
npm run --silent build
npm test --silent
