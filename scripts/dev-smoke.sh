#!/usr/bin/env bash
# The README's first command is `npm run dev`: start the dev server on a fresh data dir and check that the
# pages compile and answer (dev mode compiles CSS and modules differently from `next build`).
set -euo pipefail
port=${DEV_SMOKE_PORT:-3299}
data=$(mktemp -d)
SCRYON_DATA_DIR="$data" NEXT_TELEMETRY_DISABLED=1 setsid npx next dev -p "$port" -H 127.0.0.1 > "$data/dev.log" 2>&1 &
server=$!
trap 'kill -- -$server 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 90); do
  curl -s -o /dev/null "http://127.0.0.1:$port/sign-in" && break
  sleep 1
done
failed=0
for path in / /sign-in; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 120 "http://127.0.0.1:$port$path")
  echo "dev server GET $path → $code"
  [ "$code" = "200" ] || failed=1
done
if [ $failed -ne 0 ]; then
  tail -40 "$data/dev.log"
  exit 1
fi
