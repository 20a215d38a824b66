/*
 * A tiny offline point-of-sale terminal: it links the loyalty engine statically, keeps the
 * program in memory, and runs a shift of sales: enrol a customer, sell, pay with points in two
 * phases (reserve the points, then capture them when the card payment goes through, or give them
 * back when it is declined), refund; then an afternoon offline: sales within each customer's
 * allowance, queued on disk, synced once when the line is back.
 *
 * Build (scripts/test-c.sh does this):
 *   cargo build --release -p loyalty-ffi
 *   cc -std=c11 -Wall -Wextra -Werror -Iloyalty-ffi/include examples/pos_terminal.c \
 *      target/release/libloyalty.a -lpthread -ldl -lm -o pos_terminal
 * or from an installed tree (bash scripts/install-c.sh PREFIX; docs/c.md):
 *   cc -std=c11 examples/pos_terminal.c \
 *      $(PKG_CONFIG_PATH=PREFIX/lib/pkgconfig pkg-config --cflags --libs loyalty) -o pos_terminal
 */
#define _XOPEN_SOURCE 700 /* mkdtemp, unlink, rmdir */
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>

#include "loyalty.h"

static const char *PROGRAM =
    "{\"name\": \"Corner Bakery\", \"expiry_days\": 365,"
    " \"tiers\": {\"levels\": ["
    "  {\"name\": \"Regular\", \"threshold\": \"0\", \"accrual_rate\": \"0.05\"},"
    "  {\"name\": \"Friend\", \"threshold\": \"200\", \"accrual_rate\": \"0.10\"}]},"
    " \"redemption\": {\"max_share\": \"0.5\"}, \"holds\": {\"ttl_seconds\": 900},"
    " \"offline\": {\"max_points_per_order\": \"2\", \"max_points_per_terminal\": \"20\"}}";

/* One till event: the terminal's own record of what happened at the counter. */
/* RESERVE holds points while the card is charged; PAID captures the hold with the sale,
 * DECLINED gives it back (a hold nobody settles goes back by itself after `ttl_seconds`). */
typedef enum { ENROL, SALE, RESERVE, PAID, DECLINED, REFUND } kind;
typedef struct {
  kind what;
  uint64_t customer;
  int64_t cents;   /* the sale, or the refund */
  int64_t points;  /* points (in hundredths) reserved or spent */
  uint64_t of;     /* the receipt this one settles: the hold, or the sale refunded */
} event;

static const event SHIFT[] = {
    {ENROL, 501, 0, 0, 0},        {SALE, 501, 12000, 0, 0},       {SALE, 501, 9550, 0, 0},
    {SALE, 501, 4000, 0, 0},      {RESERVE, 501, 0, 1000, 0},     {DECLINED, 501, 0, 0, 5},
    {RESERVE, 501, 0, 1000, 0},   {PAID, 501, 3000, 1000, 7},     {REFUND, 501, 4000, 0, 4},
    {SALE, 777, 500, 0, 0},       {ENROL, 777, 0, 0, 0},          {SALE, 777, 500, 0, 0},
};

static void print_error(loyalty_result r) {
  char message[256];
  size_t written = 0;
  if (loyalty_last_error_message(message, sizeof message, &written) != LOYALTY_OK) message[0] = '\0';
  printf("  refused: %s (%s)\n", loyalty_result_name(r), message);
}

/* The afternoon: the line to the centre is down. The till took a cache of balances at noon,
 * sells within each customer's allowance, queues every sale on disk, and syncs when the line
 * comes back (docs/offline.md). Here the centre is `engine`, in the same process. */
static loyalty_result offline_afternoon(loyalty_engine *engine, int64_t noon) {
  char dir[] = "/tmp/pos-terminal-XXXXXX";
  if (mkdtemp(dir) == NULL) return LOYALTY_IO;
  char till_dir[64], cache[8192], path[96];
  snprintf(till_dir, sizeof till_dir, "%s/till", dir);
  size_t written = 0, answered = 0;
  loyalty_terminal *till = NULL;
  loyalty_result r = loyalty_terminal_cache_json(engine, cache, sizeof cache, &written);
  if (r == LOYALTY_OK) r = loyalty_terminal_create(till_dir, 1, "till-1", cache, &till);
  if (r != LOYALTY_OK) return r;
  printf("offline from %" PRId64 ": customer 501 may spend offline", noon);
  int64_t allowance = 0;
  if (loyalty_terminal_allowance(till, 501, &allowance) == LOYALTY_OK) {
    printf(" %" PRId64 ".%02" PRId64 " points\n", allowance / 100, allowance % 100);
  }
  const int64_t spend[] = {200, 50, 100};
  for (size_t i = 0; i < 3; i++) {
    loyalty_receipt receipt;
    r = loyalty_terminal_order(till, noon + 600 * (int64_t)(i + 1), 501, 2000, spend[i], &receipt);
    if (r != LOYALTY_OK) {
      print_error(r);
      continue;
    }
    printf("  offline sale 20.00 paying %" PRId64 ".%02" PRId64 " in points; about %" PRId64 ".%02" PRId64
           " to earn (an estimate)\n",
           receipt.points_redeemed / 100, receipt.points_redeemed % 100, receipt.points_earned_estimate / 100,
           receipt.points_earned_estimate % 100);
  }
  r = loyalty_terminal_sync_engine(till, noon + 7200, engine, &answered);
  if (r == LOYALTY_OK) {
    loyalty_member m;
    if (loyalty_member_get(engine, 501, &m) == LOYALTY_OK) {
      printf("back online: %zu sales synced once; customer 501 has %" PRId64 ".%02" PRId64 " points\n", answered,
             m.available / 100, m.available % 100);
    }
  }
  loyalty_terminal_free(till);
  const char *files[] = {"till/queue.log", "till/cache.json"};
  for (size_t i = 0; i < 2; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    unlink(path);
  }
  rmdir(till_dir);
  rmdir(dir);
  return r;
}

int main(void) {
  loyalty_engine *engine = NULL;
  loyalty_result r = loyalty_engine_new(PROGRAM, &engine);
  if (r != LOYALTY_OK) {
    print_error(r);
    return 1;
  }
  const int64_t opening = 1767258000; /* 2026-01-01 09:00 UTC */
  uint64_t receipt = 0;
  for (size_t i = 0; i < sizeof SHIFT / sizeof SHIFT[0]; i++) {
    const event *ev = &SHIFT[i];
    int64_t at = opening + (int64_t)i * 600;
    uint64_t id = ++receipt;
    loyalty_outcome out = {0};
    switch (ev->what) {
      case ENROL:
        printf("#%" PRIu64 " enrol customer %" PRIu64 "\n", id, ev->customer);
        r = loyalty_enroll(engine, id, at, ev->customer, NULL, &out);
        break;
      case SALE:
        printf("#%" PRIu64 " sale %" PRId64 ".%02" PRId64 " to %" PRIu64 "\n", id, ev->cents / 100, ev->cents % 100, ev->customer);
        r = loyalty_order(engine, id, at, ev->customer, ev->cents, 0, &out);
        break;
      case RESERVE:
        printf("#%" PRIu64 " reserve %" PRId64 ".%02" PRId64 " points while the card is charged\n", id, ev->points / 100,
               ev->points % 100);
        r = loyalty_hold(engine, id, at, ev->customer, ev->points, &out);
        break;
      case PAID:
        printf("#%" PRIu64 " card paid: sale %" PRId64 ".%02" PRId64 " paying %" PRId64 ".%02" PRId64
               " in points held by #%" PRIu64 "\n",
               id, ev->cents / 100, ev->cents % 100, ev->points / 100, ev->points % 100, ev->of);
        r = loyalty_capture(engine, id, at, ev->customer, ev->cents, ev->points, ev->of, &out);
        break;
      case DECLINED:
        printf("#%" PRIu64 " card declined: points held by #%" PRIu64 " go back\n", id, ev->of);
        r = loyalty_release(engine, id, at, ev->of, &out);
        break;
      case REFUND:
        printf("#%" PRIu64 " refund %" PRId64 ".%02" PRId64 " of receipt #%" PRIu64 "\n", id, ev->cents / 100, ev->cents % 100,
               ev->of);
        r = loyalty_refund(engine, id, at, ev->of, ev->cents, &out);
        break;
    }
    if (r != LOYALTY_OK) {
      print_error(r);
      continue;
    }
    loyalty_member m;
    if (loyalty_member_get(engine, ev->customer, &m) == LOYALTY_OK) {
      char tier[32];
      size_t written = 0;
      if (loyalty_tier_name(engine, m.tier, tier, sizeof tier, &written) != LOYALTY_OK) tier[0] = '\0';
      printf("  earned %" PRId64 ".%02" PRId64 ", clawed %" PRId64 ".%02" PRId64 "; balance %" PRId64 ".%02" PRId64
             " points (%" PRId64 ".%02" PRId64 " held), level %s\n",
             out.accrued / 100, out.accrued % 100, out.clawed / 100, out.clawed % 100, m.available / 100, m.available % 100,
             m.held / 100, m.held % 100, tier);
    }
  }
  r = offline_afternoon(engine, opening + 4 * 3600);
  if (r != LOYALTY_OK) print_error(r);
  loyalty_totals t;
  if (loyalty_totals_get(engine, &t) == LOYALTY_OK) {
    printf("end of shift: issued %" PRId64 ", redeemed %" PRId64 ", liability %" PRId64 " (hundredths of a point)\n", t.issued,
           t.redeemed, t.liability);
  }
  r = loyalty_verify(engine);
  loyalty_engine_free(engine);
  return r == LOYALTY_OK ? 0 : 1;
}
