#!/usr/bin/env bash
# Runs every fuzz target briefly (CI); run longer by hand with e.g.
#   cargo fuzz run frame_parse -s none -- -max_total_time=600
# The stable toolchain cannot build sanitizers, so targets run with `-s none` (coverage-guided,
# panics and assertion failures still caught).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${FUZZ_SECONDS:-20}"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --quiet
fi
for target in frame_parse connect_handshake config_load; do
  mkdir -p "corpus/$target"
  if [ -d "seeds/$target" ]; then cp -n seeds/"$target"/* "corpus/$target/" 2>/dev/null || true; fi
  echo "fuzz: $target for ${seconds}s"
  cargo fuzz run "$target" -s none "corpus/$target" -- -max_total_time="$seconds" -rss_limit_mb=1024 2>&1 | tail -n 3
done
