#!/usr/bin/env bash
# Every C++ file of the project in its one clang-format style (.clang-format): the tracked files
# of a git checkout, else the source folders of an unpacked tree. Prints each violation.
set -euo pipefail
cd "$(dirname "$0")/.."
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z '*.cc' '*.h'
else
  find src tests fuzz bench -name node_modules -prune -o \( -name '*.cc' -o -name '*.h' \) -print0
fi | xargs -0 clang-format --dry-run -Werror
