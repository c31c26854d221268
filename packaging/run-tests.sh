#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds Latchmail with warnings as errors (CMake preset "ci": Ninja, RelWithDebInfo, build-ci/)
# and runs the whole test suite, real mail servers included. This is the project's test command
# and what CI runs; it needs root (install-deps.sh, private Dovecot and Postfix instances) and no
# standard input. Exit status: CTest's.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash packaging/install-deps.sh

configure=(--preset ci)
if command -v ccache >/dev/null; then
    configure+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

build_start=$(date +%s)
cmake "${configure[@]}"
cmake --build build-ci -j 2
build_seconds=$(($(date +%s) - build_start))
echo "run-tests: build wall time ${build_seconds} s"

# CTest prints the test wall time ("Total Test time (real)") and ends with its summary.
set +e
ctest --test-dir build-ci -j 2 --output-on-failure --no-tests=error
status=$?
exit "$status"
