#!/usr/bin/env bash
# Installs the loyalty C library under PREFIX (default /usr/local):
#   PREFIX/include/loyalty.h
#   PREFIX/lib/libloyalty.a, PREFIX/lib/libloyalty.so
#   PREFIX/lib/pkgconfig/loyalty.pc            (pkg-config --cflags --libs loyalty)
#   PREFIX/lib/cmake/loyalty/loyaltyConfig*.cmake   (find_package(loyalty CONFIG))
# Builds the release library first (about 2 minutes on 2 cores from clean).
#   bash scripts/install-c.sh "$HOME/.local"
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:-/usr/local}
cargo build --release --locked -p loyalty-ffi
target=${CARGO_TARGET_DIR:-target}/release
install -d "$prefix/include" "$prefix/lib/pkgconfig" "$prefix/lib/cmake/loyalty"
install -m 644 loyalty-ffi/include/loyalty.h "$prefix/include/"
install -m 644 "$target/libloyalty.a" "$prefix/lib/"
install -m 755 "$target/libloyalty.so" "$prefix/lib/"
install -m 644 loyalty-ffi/loyalty.pc "$prefix/lib/pkgconfig/"
install -m 644 loyalty-ffi/loyaltyConfig.cmake loyalty-ffi/loyaltyConfigVersion.cmake "$prefix/lib/cmake/loyalty/"
echo "installed the loyalty C library under $prefix"
