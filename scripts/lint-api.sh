#!/usr/bin/env bash
# `npm run lint:api`: writes the API's OpenAPI document (scripts/openapi.ts: the same routes and
# generator the server uses) to a temporary file and lints it with Redocly (rules: redocly.yaml).
# Fails on any error. Offline: no telemetry, no update check.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
npx tsx scripts/openapi.ts "$dir/openapi.json"
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npx redocly lint --config redocly.yaml --format=stylish "$dir/openapi.json"
