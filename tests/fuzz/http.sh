#!/usr/bin/env bash
# The long HTTP fuzz: the suite's fuzz test (packages/http/test/fuzz.test.ts, 2,000 requests per
# CI run) with 100,000 seeded hostile requests over every route against the real stack. Prints the
# answers by status; exits non-zero on any 5xx, any error without the JSON envelope, or a refused
# batch that stored something. Set SPL_FUZZ_REQUESTS and SPL_FUZZ_SEED to change the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
export SPL_FUZZ_REQUESTS="${SPL_FUZZ_REQUESTS:-100000}"
export SPL_FUZZ_SEED="${SPL_FUZZ_SEED:-$RANDOM}"
echo "fuzzing with ${SPL_FUZZ_REQUESTS} requests, seed ${SPL_FUZZ_SEED}"
exec npx vitest run --project http test/fuzz.test.ts
