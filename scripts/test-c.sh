#!/usr/bin/env bash
# The C binding: the committed header matches the sources; the C tests and the POS example
# build warning-free (-Wall -Wextra -Werror) against the static library and run clean under
# valgrind; the example also builds from an installed tree (scripts/install-c.sh) through
# pkg-config and through CMake, exactly as docs/c.md says; C terminal processes sync exactly once
# through kills; every scenario plays through the C API.
set -euo pipefail
cd "$(dirname "$0")/.."
SCENARIOS=${LOYALTY_SCENARIOS:-../shared/scenarios}
CFLAGS=(-std=c11 -Wall -Wextra -Werror -O1 -g -Iloyalty-ffi/include)
LIBS=(-lpthread -ldl -lm)

scripts/header.sh --check
cargo build --release --locked -p loyalty-ffi
mkdir -p build
gcc "${CFLAGS[@]}" loyalty-ffi/tests/c/test_loyalty.c target/release/libloyalty.a "${LIBS[@]}" -o build/test_loyalty

# The POS example through both documented routes (docs/c.md), from an installed tree: the
# install step, then pkg-config as a Makefile would use it, then CMake's find_package.
rm -rf build/prefix build/cmake
bash scripts/install-c.sh "$PWD/build/prefix"
gcc -std=c11 -Wall -Wextra -Werror examples/pos_terminal.c \
  $(PKG_CONFIG_PATH="$PWD/build/prefix/lib/pkgconfig" pkg-config --cflags --libs loyalty) -o build/pos_terminal
cmake -S examples/cmake -B build/cmake -DCMAKE_PREFIX_PATH="$PWD/build/prefix" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build/cmake > /dev/null
build/cmake/pos_terminal > build/pos_terminal_cmake.out

VALGRIND=(valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible)
"${VALGRIND[@]}" build/test_loyalty
"${VALGRIND[@]}" build/pos_terminal > build/pos_terminal.out
tail -n 1 build/pos_terminal.out
cmp build/pos_terminal.out build/pos_terminal_cmake.out

strip -o build/libloyalty.stripped.a target/release/libloyalty.a 2>/dev/null || true
strip -o build/pos_terminal.stripped build/pos_terminal
echo "sizes: static library $(stat -c %s build/libloyalty.stripped.a) bytes stripped, pos_terminal $(stat -c %s build/pos_terminal.stripped) bytes stripped"

# Terminal processes through the C API (issue 24): loyalty-terminal's simulation with C
# terminals, killed with SIGKILL mid-sale and mid-sync (its Rust and PostgreSQL variants run
# with the Rust tests).
gcc "${CFLAGS[@]}" loyalty-ffi/tests/c/terminal_worker.c target/release/libloyalty.a "${LIBS[@]}" -o build/terminal_worker
LOYALTY_TERMINAL_SIM=c LOYALTY_TERMINAL_C_WORKER="$PWD/build/terminal_worker" \
  cargo test --locked -p loyalty-terminal --test processes

python3 loyalty-ffi/tests/scenario_c_api.py target/release/libloyalty.so "$SCENARIOS"/*.json scenarios/*.json $(scripts/v3-scenarios.sh "$SCENARIOS")
