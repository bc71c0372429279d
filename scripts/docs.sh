#!/usr/bin/env bash
# Builds the SwiftMigrate library's DocC documentation (Sources/SwiftMigrate/SwiftMigrate.docc and every `///`
# comment of the target) and fails on any documentation warning: a broken ``symbol`` or <doc:article> link, a
# missing parameter description, a topic that does not exist. The archive lands in
# .build-docs/plugins/Swift-DocC/outputs/SwiftMigrate.doccarchive; the separate build directory keeps it from
# blocking or invalidating the main .build.
set -euo pipefail

cd "$(dirname "$0")/.."

swift package --scratch-path .build-docs generate-documentation --target SwiftMigrate --warnings-as-errors
