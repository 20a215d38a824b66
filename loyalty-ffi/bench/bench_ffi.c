/*
 * Per-call cost of loyalty_order through the C ABI, to compare with the core's own cost for
 * the same workload (cargo run --release --example throughput -- --members 100000 --orders 1000000).
 *
 *   cargo build --release -p loyalty-ffi
 *   cc -O2 -std=c11 -Iloyalty-ffi/include loyalty-ffi/bench/bench_ffi.c target/release/libloyalty.a -lpthread -ldl -lm -o build/bench_ffi
 *   build/bench_ffi 100000 1000000
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "loyalty.h"

static const char *PROGRAM =
    "{\"tiers\": {\"levels\": ["
    "{\"name\": \"Bunny\", \"threshold\": \"0\", \"accrual_rate\": \"0.03\", \"referral_rates\": [\"0.01\"]},"
    "{\"name\": \"Wolf\", \"threshold\": \"2500\", \"accrual_rate\": \"0.05\", \"referral_rates\": [\"0.02\"]},"
    "{\"name\": \"Lion\", \"threshold\": \"10000\", \"accrual_rate\": \"0.07\", \"referral_rates\": [\"0.03\"]}]}}";

int main(int argc, char **argv) {
  uint64_t members = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
  uint64_t orders = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000;
  loyalty_engine *e = NULL;
  if (loyalty_engine_new(PROGRAM, &e) != LOYALTY_OK) return 1;
  for (uint64_t m = 1; m <= members; m++) {
    uint64_t referrer = m - 1;
    if (loyalty_enroll(e, m, 1767225600, m, m > 1 ? &referrer : NULL, NULL) != LOYALTY_OK) return 1;
  }
  uint64_t state = 0x9E3779B97F4A7C15ull;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (uint64_t i = 0; i < orders; i++) {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    uint64_t r = state * 0x2545F4914F6CDD1Dull;
    int64_t amount = (int64_t)((r >> 32) % 100000) + 100;
    if (loyalty_order(e, members + 1 + i, 1767225601, r % members + 1, amount, 0, NULL) != LOYALTY_OK) return 1;
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  double seconds = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
  printf("ffi_orders_per_sec=%.0f ns_per_order=%.0f members=%llu orders=%llu\n", (double)orders / seconds,
         seconds * 1e9 / (double)orders, (unsigned long long)members, (unsigned long long)orders);
  loyalty_engine_free(e);
  return 0;
}
