#!/usr/bin/env bash
# Fails, listing the files, when any C++ source differs from what .clang-format would write.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find src tests fuzz bench -type f \( -name '*.cc' -o -name '*.h' \) \
                       -not -path 'tests/data/*' 2>/dev/null | sort)
bad=()
for f in "${files[@]}"; do
  clang-format --style=file --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -ne 0 ]; then
  echo "not formatted (run: clang-format -i <file>):"
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
echo "format ok: ${#files[@]} files"
