#!/usr/bin/env bash
# Fails when two public types in the workspace's crates share a name (issue 13: a `Verdict` or a
# `Summary` in two crates meant two things under one word, or one thing twice). One thing is
# one type, in the lowest crate its users share (countersign-vocab for the words the log,
# receipts and the verifier share); different things get names that say what they are.
set -euo pipefail
cd "$(dirname "$0")/.."
dupes=$(grep -rhoE "^\s*pub (struct|enum|type|trait) [A-Z][A-Za-z0-9]*" crates/*/src src-tauri/src tests/*/src \
    | awk '{print $NF}' | sort | uniq -d)
if [ -n "$dupes" ]; then
    echo "public type names declared in more than one place:"
    for name in $dupes; do
        grep -rnE "^\s*pub (struct|enum|type|trait) $name\b" crates/*/src src-tauri/src tests/*/src
    done
    exit 1
fi
