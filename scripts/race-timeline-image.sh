#!/usr/bin/env bash
# Regenerates docs/images/race-timeline.png, the README's picture of a race finding: the planted
# race (the pre-seed delete, delete:v1, against a send) written by --report, rendered by Debian's
# headless chromium (apt-get install -y chromium) 1200 px wide.
# Usage: DATABASE_URL=postgres://… scripts/race-timeline-image.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
npm run build --silent
# Exit 1 is the finding this picture is of; anything else is a failure.
node bin/chatcheck.js race --pair send,delete --variant delete:v1 --report "$out/report" --quiet || [ $? -eq 1 ]
page=$(ls "$out"/report/race-1-*.html)
chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
  --no-first-run --hide-scrollbars --user-data-dir="$out/profile" \
  --window-size=1200,1130 --screenshot="$PWD/docs/images/race-timeline.png" "file://$page"
echo "wrote docs/images/race-timeline.png from $(basename "$page")"
