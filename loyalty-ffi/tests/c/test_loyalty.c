/*
 * C tests of the loyalty C API: the Falcon scenario (../shared/scenarios/01_falcon_basics.json)
 * in full, the engagement API, and every error path a caller can hit. Built with
 * -std=c11 -Wall -Wextra -Werror and run under valgrind by scripts/test-c.sh.
 */
#define _XOPEN_SOURCE 700 /* mkdtemp, unlink, rmdir */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loyalty.h"

static int passed = 0;
static int failed = 0;

static void check(int ok, const char *what, int line) {
  if (ok) {
    passed++;
    return;
  }
  failed++;
  char message[512];
  size_t written = 0;
  if (loyalty_last_error_message(message, sizeof message, &written) != LOYALTY_OK) {
    strcpy(message, "(no message)");
  }
  fprintf(stderr, "FAIL line %d: %s (last error: %s)\n", line, what, message);
}

#define CHECK(cond) check((cond), #cond, __LINE__)
#define OK(call) check((call) == LOYALTY_OK, #call, __LINE__)
#define FAILS(call, code) check((call) == (code), #call " == " #code, __LINE__)

static const char *FALCON =
    "{\"name\": \"Falcon Club\", \"tiers\": {\"levels\": ["
    "{\"name\": \"Bunny\", \"threshold\": \"0\", \"accrual_rate\": \"0.03\", \"referral_rates\": [\"0.01\"]},"
    "{\"name\": \"Wolf\", \"threshold\": \"2500\", \"accrual_rate\": \"0.05\", \"referral_rates\": [\"0.02\"]},"
    "{\"name\": \"Lion\", \"threshold\": \"10000\", \"accrual_rate\": \"0.07\", \"referral_rates\": [\"0.03\", \"0.01\"]}]}}";

static int64_t available(const loyalty_engine *e, uint64_t member) {
  loyalty_member m;
  if (loyalty_member_get(e, member, &m) != LOYALTY_OK) return INT64_MIN;
  return m.available;
}

static void expect_totals(const loyalty_engine *e, int64_t issued, int64_t redeemed, int64_t liability) {
  loyalty_totals t;
  OK(loyalty_totals_get(e, &t));
  CHECK(t.issued == issued);
  CHECK(t.redeemed == redeemed);
  CHECK(t.expired == 0);
  CHECK(t.fees == 0);
  CHECK(t.liability == liability);
}

/* ../shared/scenarios/01_falcon_basics.json, step by step, amounts in minor units. */
static void falcon_scenario(void) {
  loyalty_engine *e = NULL;
  OK(loyalty_engine_new(FALCON, &e));
  uint32_t money_scale = 9, points_scale = 9;
  OK(loyalty_engine_scales(e, &money_scale, &points_scale));
  CHECK(money_scale == 2 && points_scale == 2);

  uint64_t one = 1, two = 2;
  OK(loyalty_enroll(e, 1, 1767225600, 1, NULL, NULL));
  OK(loyalty_enroll(e, 2, 1767225600, 2, &one, NULL));
  OK(loyalty_enroll(e, 3, 1767225660, 3, &two, NULL));

  loyalty_outcome out;
  OK(loyalty_order(e, 10, 1767229200, 2, 100000, 0, &out));
  CHECK(out.accrued == 3000 && out.commissions == 1000 && out.commission_count == 1);
  loyalty_member m;
  OK(loyalty_member_get(e, 2, &m));
  CHECK(m.available == 3000 && m.pending == 0 && m.tier == 0 && m.qualifying == 100000);
  CHECK(m.has_next_tier && m.next_tier == 1 && m.to_next == 150000);
  CHECK(m.has_referrer && m.referrer == 1 && m.orders == 1);
  char name[16];
  size_t written = 0;
  OK(loyalty_tier_name(e, m.tier, name, sizeof name, &written));
  CHECK(strcmp(name, "Bunny") == 0 && written == 5);
  CHECK(available(e, 1) == 1000);

  OK(loyalty_order(e, 11, 1767232800, 3, 200000, 0, NULL));
  CHECK(available(e, 3) == 6000);
  CHECK(available(e, 2) == 5000);
  CHECK(available(e, 1) == 1000);

  OK(loyalty_order(e, 12, 1767312000, 2, 160000, 0, &out));
  CHECK(out.tier_changes == 1);
  OK(loyalty_member_get(e, 2, &m));
  CHECK(m.available == 9800 && m.tier == 1 && m.qualifying == 260000 && m.next_tier == 2 && m.to_next == 740000);
  CHECK(available(e, 1) == 2600);

  OK(loyalty_order(e, 13, 1767398400, 2, 50000, 9800, &out));
  CHECK(out.points == 9800 && out.accrued == 2010);
  OK(loyalty_member_get(e, 2, &m));
  CHECK(m.available == 2010 && m.qualifying == 300200);
  CHECK(available(e, 1) == 3002);

  OK(loyalty_transfer(e, 14, 1767484800, 1, 3, 2000, &out));
  CHECK(out.points == 2000 && out.fee == 0);
  CHECK(available(e, 1) == 1002);
  CHECK(available(e, 3) == 8000);
  expect_totals(e, 20812, 9800, 11012);

  /* A retry, later, with the same content: the original outcome, nothing changes. */
  OK(loyalty_order_str(e, 13, 1767571200, 2, "500", "98", &out));
  CHECK(out.accrued == 2010);
  CHECK(available(e, 2) == 2010);
  FAILS(loyalty_order(e, 13, 1767571200, 2, 50100, 0, NULL), LOYALTY_ID_CONFLICT);
  FAILS(loyalty_order(e, 15, 1767225600, 2, 100, 0, NULL), LOYALTY_TIME_WENT_BACKWARDS);
  FAILS(loyalty_order(e, 16, 1767571200, 99, 100, 0, NULL), LOYALTY_UNKNOWN_MEMBER);
  FAILS(loyalty_order(e, 17, 1767571200, 2, 0, 0, NULL), LOYALTY_INVALID_AMOUNT);
  FAILS(loyalty_order_str(e, 18, 1767571200, 2, "10.001", NULL, NULL), LOYALTY_INVALID_AMOUNT);
  FAILS(loyalty_order(e, 19, 1767571200, 2, 1000, 2010, NULL), LOYALTY_REDEMPTION_CAP);
  FAILS(loyalty_order(e, 20, 1767571200, 2, 10000, 2011, NULL), LOYALTY_INSUFFICIENT_POINTS);
  FAILS(loyalty_enroll(e, 21, 1767571200, 2, NULL, NULL), LOYALTY_MEMBER_EXISTS);
  uint64_t four = 4, five = 5;
  FAILS(loyalty_enroll(e, 22, 1767571200, 4, &four, NULL), LOYALTY_SELF_REFERRAL);
  FAILS(loyalty_enroll(e, 23, 1767571200, 4, &five, NULL), LOYALTY_UNKNOWN_REFERRER);
  expect_totals(e, 20812, 9800, 11012);
  OK(loyalty_verify(e));

  /* The full outcome of the last accepted operation, as JSON. */
  char json[2048];
  OK(loyalty_outcome_json(e, json, sizeof json, &written));
  CHECK(strstr(json, "\"transferred\"") != NULL || strstr(json, "\"ordered\"") != NULL);
  CHECK(strlen(json) == written);
  loyalty_engine_free(e);
}

/* Refunds, adjustments, pending points and the string forms. */
static void refunds_and_adjustments(void) {
  loyalty_engine *e = NULL;
  OK(loyalty_engine_new("{\"rounding\": \"half_even\", \"tiers\": {\"levels\": [{\"name\": \"One\", "
                        "\"threshold\": \"0\", \"accrual_rate\": \"0.07\", \"referral_rates\": [\"0.033\"]}]}}",
                        &e));
  uint64_t one = 1;
  OK(loyalty_enroll(e, 1, 0, 1, NULL, NULL));
  OK(loyalty_enroll(e, 2, 0, 2, &one, NULL));
  OK(loyalty_adjust(e, 3, 0, 2, 10000, "welcome", NULL));
  OK(loyalty_order(e, 4, 0, 2, 30000, 10000, NULL));
  CHECK(available(e, 2) == 1400);
  CHECK(available(e, 1) == 660);
  loyalty_outcome out;
  OK(loyalty_refund_str(e, 5, 0, 4, "100", &out));
  CHECK(out.points_returned == 3333 && out.clawed == 467 + 220);
  CHECK(available(e, 2) == 4266);
  OK(loyalty_refund(e, 6, 0, 4, 20000, NULL));
  CHECK(available(e, 2) == 10000 && available(e, 1) == 0);
  FAILS(loyalty_refund(e, 7, 0, 4, 1, NULL), LOYALTY_REFUND_EXCEEDS_ORDER);
  FAILS(loyalty_refund(e, 7, 0, 99, 1, NULL), LOYALTY_UNKNOWN_ORDER);
  OK(loyalty_adjust_str(e, 8, 1, 2, "-0.5", NULL, &out));
  CHECK(out.rewards == -50 && available(e, 2) == 9950);
  FAILS(loyalty_adjust(e, 9, 1, 2, 0, NULL, NULL), LOYALTY_INVALID_AMOUNT);
  FAILS(loyalty_transfer_str(e, 9, 1, 2, 2, "1", NULL), LOYALTY_SELF_TRANSFER);
  OK(loyalty_transfer_str(e, 9, 1, 2, 1, "1.25", NULL));
  CHECK(available(e, 1) == 125);
  OK(loyalty_tick(e, 86400));
  FAILS(loyalty_tick(e, 0), LOYALTY_TIME_WENT_BACKWARDS);
  OK(loyalty_verify(e));
  loyalty_engine_free(e);
}

/* SPEC section 8 through the C API: lines, prices, campaigns, stamps, birthdays, surveys, NPS. */
static void engagement(void) {
  loyalty_engine *e = NULL;
  OK(loyalty_engine_new(
      "{\"tiers\": {\"levels\": [{\"name\": \"Club\", \"threshold\": \"0\", \"accrual_rate\": \"0.02\", "
      "\"discount\": \"0.10\"}, {\"name\": \"Platinum\", \"threshold\": \"100000\", \"accrual_rate\": \"0.05\", "
      "\"discount\": \"0.15\"}]}, \"campaigns\": [{\"name\": \"Women's Day\", \"from\": 1772323200, \"to\": "
      "1772928000, \"categories\": [\"services\"], \"discount\": \"0.15\", \"multiplier\": \"2\", \"budget\": \"100\"}], "
      "\"stamps\": [{\"name\": \"coffee\", \"category\": \"coffee\", \"min_amount\": \"3\", \"card_size\": 2, "
      "\"reward_points\": \"10\"}], \"birthday\": {\"points\": \"100\"}, \"achievements\": [{\"name\": \"First\", "
      "\"orders\": 1, \"points\": \"5\"}], \"surveys\": {\"points\": \"10\", \"cooldown_days\": 30}}",
      &e));
  OK(loyalty_apply_json(e, "{\"op\": \"enroll\", \"id\": 1, \"at\": 1767225600, \"member\": 1, \"birthday\": \"01-10\"}", NULL));
  OK(loyalty_enroll(e, 2, 1767225600, 2, NULL, NULL));
  int64_t price = 0;
  OK(loyalty_price(e, 1, 4000000, "furniture", &price));
  CHECK(price == 3600000);
  OK(loyalty_tick(e, 1772326800));
  /* The birthday passed: member 1 got the gift. */
  CHECK(available(e, 1) == 10000);
  OK(loyalty_price(e, 1, 100000, "services", &price));
  CHECK(price == 85000);
  char buf[512];
  size_t written = 0;
  OK(loyalty_price_json(e, 1, "[{\"category\": \"furniture\", \"amount\": \"1000\"}, {\"category\": \"services\", \"amount\": \"1000\"}]",
                        buf, sizeof buf, &written));
  CHECK(strcmp(buf, "1750.00") == 0);
  loyalty_outcome out;
  OK(loyalty_apply_json(e,
                        "{\"op\": \"order\", \"id\": 3, \"at\": 1772326800, \"member\": 2, \"amount\": \"3000\", \"lines\": "
                        "[{\"category\": \"services\", \"amount\": \"2000\"}, {\"category\": \"coffee\", \"amount\": \"1000\"}]}",
                        &out));
  CHECK(out.accrued == 6000 && out.campaign_bonus == 4000 && out.rewards == 500);
  FAILS(loyalty_apply_json(e, "{\"op\": \"order\", \"id\": 4, \"at\": 1772326800, \"member\": 2, \"amount\": \"100\", \"lines\": "
                              "[{\"category\": \"\", \"amount\": \"100\"}]}", NULL),
        LOYALTY_INVALID_INPUT);
  OK(loyalty_member_json(e, 2, buf, sizeof buf, &written));
  CHECK(strstr(buf, "\"coffee\":1") != NULL && strstr(buf, "\"First\"") != NULL);

  uint64_t ids[4] = {0, 0, 0, 0};
  size_t count = 0;
  OK(loyalty_leaderboard(e, 2, ids, 4, &count));
  CHECK(count == 2 && ids[0] == 2 && ids[1] == 1);
  FAILS(loyalty_leaderboard(e, 2, ids, 1, &count), LOYALTY_BUFFER_TOO_SMALL);
  CHECK(count == 2 && ids[0] == 2); /* how many are needed; ids untouched */
  count = 0;
  FAILS(loyalty_leaderboard(e, 2, NULL, 0, &count), LOYALTY_BUFFER_TOO_SMALL);
  CHECK(count == 2);
  FAILS(loyalty_leaderboard(e, 2, NULL, 4, &count), LOYALTY_NULL_POINTER);

  OK(loyalty_survey(e, 5, 1772326800, 1, 10, "hair", &out));
  CHECK(out.rewards == 1000);
  OK(loyalty_survey(e, 6, 1772326800, 2, 3, NULL, &out));
  OK(loyalty_survey(e, 7, 1772326801, 2, 8, "hair", &out));
  CHECK(out.rewards == 0);
  FAILS(loyalty_survey(e, 8, 1772326801, 2, 11, NULL, NULL), LOYALTY_INVALID_INPUT);
  loyalty_nps_report nps;
  OK(loyalty_nps(e, NULL, &nps));
  CHECK(nps.responses == 3 && nps.promoters == 1 && nps.detractors == 1 && nps.has_score && nps.score_tenths == 0);
  loyalty_nps_query q = {false, 0, false, 0, "hair", -1};
  OK(loyalty_nps(e, &q, &nps));
  CHECK(nps.responses == 2 && nps.score_tenths == 500);
  q.segment = "spa";
  OK(loyalty_nps(e, &q, &nps));
  CHECK(nps.responses == 0 && !nps.has_score);
  q.member_kind = 7;
  FAILS(loyalty_nps(e, &q, &nps), LOYALTY_INVALID_INPUT);
  OK(loyalty_configure(e, 9, 1772326801, "{\"tiers\": {\"levels\": [{\"name\": \"Club\", \"threshold\": \"0\", \"accrual_rate\": \"0.5\"}]}}"));
  FAILS(loyalty_configure(e, 10, 1772326801, "{\"money_scale\": 3, \"tiers\": {\"levels\": [{\"name\": \"A\", \"threshold\": \"0\", \"accrual_rate\": \"1\"}]}}"),
        LOYALTY_INVALID_CONFIG);
  OK(loyalty_verify(e));
  loyalty_engine_free(e);
}

/* Bad input of every kind: an error with a message, never a crash, and no out-parameter written. */
static void error_paths(void) {
  loyalty_engine *e = (loyalty_engine *)0x1;
  FAILS(loyalty_engine_new(NULL, &e), LOYALTY_NULL_POINTER);
  CHECK(e == (loyalty_engine *)0x1);
  FAILS(loyalty_engine_new("{not json", &e), LOYALTY_INVALID_CONFIG);
  FAILS(loyalty_engine_new("{\"tiers\": {\"levels\": []}}", &e), LOYALTY_INVALID_CONFIG);
  char message[256];
  size_t written = 0;
  OK(loyalty_last_error_message(message, sizeof message, &written));
  CHECK(strstr(message, "tiers.levels") != NULL);
  FAILS(loyalty_engine_new("{\"tiers\": {\"levels\": [{\"name\": \"A\", \"threshold\": \"0\", \"accrual_rate\": \"1\"}]}, \"transfer\": {}}", &e),
        LOYALTY_INVALID_CONFIG);
  CHECK(e == (loyalty_engine *)0x1);
  const char bad_utf8[] = {'{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', (char)0xff, '"', '}', 0};
  FAILS(loyalty_engine_new(bad_utf8, &e), LOYALTY_INVALID_UTF8);
  FAILS(loyalty_engine_new(FALCON, NULL), LOYALTY_NULL_POINTER);

  loyalty_engine_free(NULL);
  FAILS(loyalty_enroll(NULL, 1, 0, 1, NULL, NULL), LOYALTY_NULL_POINTER);
  FAILS(loyalty_tick(NULL, 0), LOYALTY_NULL_POINTER);
  loyalty_member m;
  FAILS(loyalty_member_get(NULL, 1, &m), LOYALTY_NULL_POINTER);
  FAILS(loyalty_verify(NULL), LOYALTY_NULL_POINTER);

  e = NULL;
  OK(loyalty_engine_new(FALCON, &e));
  OK(loyalty_enroll(e, 1, 0, 1, NULL, NULL));
  FAILS(loyalty_member_get(e, 1, NULL), LOYALTY_NULL_POINTER);
  FAILS(loyalty_order_str(e, 2, 0, 1, NULL, NULL, NULL), LOYALTY_NULL_POINTER);
  FAILS(loyalty_order_str(e, 2, 0, 1, "12,50", NULL, NULL), LOYALTY_INVALID_AMOUNT);
  FAILS(loyalty_order_str(e, 2, 0, 1, "1.000000000000000000000000000001", NULL, NULL), LOYALTY_INVALID_AMOUNT);
  FAILS(loyalty_order_str(e, 2, 0, 1, "99999999999999999999999999999999", NULL, NULL), LOYALTY_INVALID_AMOUNT);
  FAILS(loyalty_order(e, 2, 0, 1, INT64_MAX, 0, NULL), LOYALTY_INVALID_AMOUNT);
  FAILS(loyalty_order(e, 2, 0, 1, INT64_MIN, 0, NULL), LOYALTY_INVALID_AMOUNT);
  FAILS(loyalty_adjust(e, 2, 0, 1, INT64_MIN, NULL, NULL), LOYALTY_INVALID_AMOUNT);
  FAILS(loyalty_order_str(e, 2, 0, 1, bad_utf8, NULL, NULL), LOYALTY_INVALID_UTF8);
  FAILS(loyalty_survey(e, 2, 0, 1, 5, bad_utf8, NULL), LOYALTY_INVALID_UTF8);
  FAILS(loyalty_apply_json(e, "{\"op\": \"order\", \"id\": 2}", NULL), LOYALTY_INVALID_INPUT);
  FAILS(loyalty_apply_json(e, NULL, NULL), LOYALTY_NULL_POINTER);
  /* A NUL the JSON spelled out (\u0000) and the message quotes back is written \0, so the
     message is not cut short there. */
  FAILS(loyalty_apply_json(e, "{\"op\": \"ord\\u0000er\", \"id\": 2}", NULL), LOYALTY_INVALID_INPUT);
  OK(loyalty_last_error_message(message, sizeof message, &written));
  CHECK(strstr(message, "ord\\0er") != NULL && strlen(message) == written);
  FAILS(loyalty_order(e, 2, INT64_MIN, 1, 100, 0, NULL), LOYALTY_TIME_WENT_BACKWARDS);
  OK(loyalty_order(e, 2, INT64_MAX, 1, 100, 0, NULL));
  OK(loyalty_tick(e, INT64_MAX));
  FAILS(loyalty_tier_name(e, 7, message, sizeof message, &written), LOYALTY_INVALID_INPUT);

  /* A buffer too small: nothing written, and the message says what is needed. */
  char tiny[4] = {'x', 'x', 'x', 'x'};
  size_t needed = 0;
  FAILS(loyalty_member_json(e, 1, tiny, sizeof tiny, &needed), LOYALTY_BUFFER_TOO_SMALL);
  CHECK(tiny[0] == 'x' && needed > sizeof tiny); /* the size needed, NUL included */
  /* Ask for the size first (NULL, 0), allocate it, and call again: it fits exactly. */
  size_t size = 0;
  FAILS(loyalty_member_json(e, 1, NULL, 0, &size), LOYALTY_BUFFER_TOO_SMALL);
  CHECK(size == needed);
  char *exact = malloc(size);
  CHECK(exact != NULL);
  OK(loyalty_member_json(e, 1, exact, size, &written));
  CHECK(written == size - 1 && strlen(exact) == written);
  free(exact);
  OK(loyalty_last_error_message(message, sizeof message, &written));
  CHECK(strstr(message, "too small") != NULL);
  FAILS(loyalty_last_error_message(tiny, sizeof tiny, &written), LOYALTY_BUFFER_TOO_SMALL);
  FAILS(loyalty_last_error_message(NULL, 10, &written), LOYALTY_NULL_POINTER);
  FAILS(loyalty_outcome_json(e, NULL, 0, &written), LOYALTY_BUFFER_TOO_SMALL); /* asks the size */
  CHECK(written > 1);
  FAILS(loyalty_outcome_json(e, NULL, 10, &written), LOYALTY_NULL_POINTER);
  FAILS(loyalty_outcome_json(e, message, sizeof message, NULL), LOYALTY_NULL_POINTER);

  CHECK(strcmp(loyalty_result_name(LOYALTY_INSUFFICIENT_POINTS), "InsufficientPoints") == 0);
  CHECK(strcmp(loyalty_result_name(LOYALTY_OK), "Ok") == 0);
  CHECK(strcmp(loyalty_result_name(LOYALTY_BUFFER_TOO_SMALL), "BufferTooSmall") == 0);
  CHECK(strcmp(loyalty_result_name(LOYALTY_IO), "Io") == 0);
  CHECK(strcmp(loyalty_result_name(LOYALTY_UNKNOWN_REDEMPTION), "UnknownRedemption") == 0);
  CHECK(strcmp(loyalty_result_name(LOYALTY_UNKNOWN_HOLD), "UnknownHold") == 0);
  /* Any integer has a name: those that are no result are "Unknown", never a crash. */
  const int not_results[] = {23, 50, 99, 108, 1000, -1, INT_MIN, INT_MAX};
  for (size_t i = 0; i < sizeof not_results / sizeof not_results[0]; i++) {
    CHECK(strcmp(loyalty_result_name(not_results[i]), "Unknown") == 0);
  }
  OK(loyalty_verify(e));
  loyalty_engine_free(e);
}

/* The crash-safe store and engine snapshots. */
static void durability(void) {
  char dir[] = "/tmp/loyalty-c-test-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  loyalty_store *s = NULL;
  OK(loyalty_store_open(dir, FALCON, 1, &s));
  /* One writer per directory: a second handle is refused with the I/O code, naming the store. */
  loyalty_store *second = NULL;
  FAILS(loyalty_store_open(dir, FALCON, 1, &second), LOYALTY_IO);
  CHECK(second == NULL);
  char lock_message[512];
  size_t lock_written = 0;
  OK(loyalty_last_error_message(lock_message, sizeof lock_message, &lock_written));
  CHECK(strstr(lock_message, dir) != NULL && strstr(lock_message, "lock") != NULL);
  OK(loyalty_store_apply_json(s, "{\"op\": \"enroll\", \"id\": 1, \"at\": 0, \"member\": 1}", NULL));
  OK(loyalty_store_apply_json(s, "{\"op\": \"enroll\", \"id\": 2, \"at\": 0, \"member\": 2, \"referrer\": 1}", NULL));
  loyalty_outcome out;
  OK(loyalty_store_apply_json(s, "{\"op\": \"order\", \"id\": 3, \"at\": 60, \"member\": 2, \"amount\": \"1000\"}", &out));
  CHECK(out.accrued == 3000 && out.commissions == 1000);
  OK(loyalty_store_apply_json(s, "{\"op\": \"refund\", \"id\": 4, \"at\": 120, \"order\": 3, \"amount\": \"500\"}", &out));
  CHECK(out.clawed == 1500 + 500);
  FAILS(loyalty_store_apply_json(s, "{\"op\": \"order\", \"id\": 5, \"at\": 120, \"member\": 9, \"amount\": \"1\"}", NULL),
        LOYALTY_UNKNOWN_MEMBER);
  uint64_t records = 0;
  OK(loyalty_store_records(s, &records));
  CHECK(records == 4);
  OK(loyalty_store_snapshot(s));
  loyalty_store_free(s);
  loyalty_store_free(NULL);

  s = NULL;
  OK(loyalty_store_open(dir, FALCON, 0, &s));
  OK(loyalty_store_records(s, &records));
  CHECK(records == 4);
  char buf[8192];
  size_t written = 0;
  OK(loyalty_store_member_json(s, 2, buf, sizeof buf, &written));
  CHECK(strstr(buf, "\"available\":\"15.00\"") != NULL);
  OK(loyalty_store_statement_json(s, 2, buf, sizeof buf, &written));
  CHECK(strstr(buf, "\"clawback\"") != NULL && strstr(buf, "\"accrual\"") != NULL);
  FAILS(loyalty_store_apply_json(NULL, "{}", NULL), LOYALTY_NULL_POINTER);
  loyalty_store_free(s);
  FAILS(loyalty_store_open(dir, "{not json", 1, &s), LOYALTY_INVALID_CONFIG);

  const char *files[] = {"program.json", "journal.log", "snapshot-4.json", "lock"};
  for (size_t i = 0; i < 4; i++) {
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    CHECK(unlink(path) == 0);
  }
  CHECK(rmdir(dir) == 0);

  loyalty_engine *e = NULL, *restored = NULL;
  OK(loyalty_engine_new(FALCON, &e));
  OK(loyalty_enroll(e, 1, 0, 1, NULL, NULL));
  OK(loyalty_order(e, 2, 0, 1, 100000, 0, NULL));
  OK(loyalty_engine_snapshot_json(e, buf, sizeof buf, &written));
  OK(loyalty_engine_from_snapshot_json(buf, &restored));
  CHECK(available(restored, 1) == 3000);
  OK(loyalty_order(restored, 3, 0, 1, 100000, 0, NULL));
  CHECK(available(restored, 1) == 6000 && available(e, 1) == 3000);
  loyalty_engine *never = (loyalty_engine *)0x1;
  FAILS(loyalty_engine_from_snapshot_json("{}", &never), LOYALTY_INVALID_INPUT);
  CHECK(never == (loyalty_engine *)0x1);
  loyalty_engine_free(restored);
  loyalty_engine_free(e);
}

/* Issue 26: a forked child may not write through its parent's store (two writers on one
 * journal), and a damaged journal is LOYALTY_CORRUPT naming the file, with nothing written. */
static void forked_and_damaged_stores(void) {
  char dir[] = "/tmp/loyalty-c-fork-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  loyalty_store *s = NULL;
  OK(loyalty_store_open(dir, FALCON, 1, &s));
  OK(loyalty_store_apply_json(s, "{\"op\": \"enroll\", \"id\": 1, \"at\": 0, \"member\": 1}", NULL));
  fflush(NULL);
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    loyalty_result r =
        loyalty_store_apply_json(s, "{\"op\": \"order\", \"id\": 100, \"at\": 5, \"member\": 1, \"amount\": \"1\"}", NULL);
    char message[512];
    size_t written = 0;
    int said = loyalty_last_error_message(message, sizeof message, &written) == LOYALTY_OK &&
               strstr(message, "fork") != NULL && strstr(message, dir) != NULL;
    loyalty_store_free(s); /* closes the child's copies; the parent keeps its lock */
    _exit(r == LOYALTY_FORKED && said ? 0 : 1);
  }
  int status = 0;
  CHECK(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(strcmp(loyalty_result_name(LOYALTY_FORKED), "Forked") == 0);
  /* The parent goes on: id 100 is free, the child wrote nothing. */
  OK(loyalty_store_apply_json(s, "{\"op\": \"order\", \"id\": 100, \"at\": 5, \"member\": 1, \"amount\": \"2\"}", NULL));
  uint64_t records = 0;
  OK(loyalty_store_records(s, &records));
  CHECK(records == 2);
  loyalty_store_free(s);

  /* Flip a byte inside the first record: corruption, not bad input; the journal is kept. */
  char path[128];
  snprintf(path, sizeof path, "%s/journal.log", dir);
  FILE *f = fopen(path, "r+b");
  CHECK(f != NULL);
  if (f != NULL) {
    CHECK(fseek(f, 20, SEEK_SET) == 0);
    int c = fgetc(f);
    CHECK(fseek(f, 20, SEEK_SET) == 0);
    fputc(c ^ 1, f);
    fclose(f);
  }
  s = NULL;
  FAILS(loyalty_store_open(dir, FALCON, 1, &s), LOYALTY_CORRUPT);
  CHECK(s == NULL);
  char message[1024];
  size_t written = 0;
  OK(loyalty_last_error_message(message, sizeof message, &written));
  CHECK(strstr(message, path) != NULL && strstr(message, "byte") != NULL);
  CHECK(strcmp(loyalty_result_name(LOYALTY_CORRUPT), "Corrupt") == 0);
  const char *files[] = {"program.json", "journal.log", "lock"};
  for (size_t i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    CHECK(unlink(path) == 0);
  }
  CHECK(rmdir(dir) == 0);
}

/* A spend total with more places than the money scale (cash = amount - points x 0.5) is read
   at the scale it needs, never refused (issue 22). */
static void qualifying_with_more_places(void) {
  static const char *HALF =
      "{\"name\": \"Half\", \"point_value\": \"0.5\", \"tiers\": {\"levels\": ["
      "{\"name\": \"A\", \"threshold\": \"0\", \"accrual_rate\": \"0.1\"},"
      "{\"name\": \"B\", \"threshold\": \"1000\", \"accrual_rate\": \"0.2\"}]}}";
  loyalty_engine *e = NULL;
  OK(loyalty_engine_new(HALF, &e));
  OK(loyalty_enroll(e, 1, 1767225600, 1, NULL, NULL));
  OK(loyalty_order(e, 2, 1767225600, 1, 10000, 0, NULL)); /* 100.00: 10.00 points */
  OK(loyalty_order(e, 3, 1767225600, 1, 1000, 1, NULL));  /* 10.00 with 0.01 points: 9.995 cash */
  loyalty_member m;
  memset(&m, 0, sizeof m);
  OK(loyalty_member_get(e, 1, &m));
  CHECK(m.qualifying_scale == 3 && m.qualifying == 109995); /* 109.995 */
  CHECK(m.has_next_tier && m.to_next == 890005);            /* 890.005 to go */
  OK(loyalty_member_get(e, 1, &m));                          /* and again: a read changes nothing */
  CHECK(m.qualifying == 109995);
  loyalty_engine *plain = NULL;
  OK(loyalty_engine_new(FALCON, &plain));
  OK(loyalty_enroll(plain, 1, 1767225600, 1, NULL, NULL));
  OK(loyalty_member_get(plain, 1, &m));
  CHECK(m.qualifying_scale == 2 && m.qualifying == 0); /* the money scale when nothing needs more */
  loyalty_engine_free(plain);
  loyalty_engine_free(e);
}

/* The clock, the state digest and the level counts, as Rust and Python answer them. */
static void clock_digest_and_tier_counts(void) {
  loyalty_engine *e = NULL;
  OK(loyalty_engine_new(FALCON, &e));
  int64_t clock = 1;
  OK(loyalty_clock(e, &clock));
  CHECK(clock == INT64_MIN); /* a new engine has seen no time yet */
  uint64_t empty = 0, digest = 0, again = 0;
  OK(loyalty_state_digest(e, &empty));
  OK(loyalty_enroll(e, 1, 1767225600, 1, NULL, NULL));
  OK(loyalty_order(e, 2, 1767229200, 1, 300000, 0, NULL)); /* 3000.00: Wolf */
  OK(loyalty_clock(e, &clock));
  CHECK(clock == 1767229200);
  OK(loyalty_state_digest(e, &digest));
  CHECK(digest != empty);
  FAILS(loyalty_order(e, 3, 1767229200, 9, 100, 0, NULL), LOYALTY_UNKNOWN_MEMBER);
  OK(loyalty_state_digest(e, &again));
  CHECK(again == digest); /* a refusal changes nothing */

  char snapshot[65536];
  size_t written = 0;
  OK(loyalty_engine_snapshot_json(e, snapshot, sizeof snapshot, &written));
  loyalty_engine *copy = NULL;
  OK(loyalty_engine_from_snapshot_json(snapshot, &copy));
  OK(loyalty_state_digest(copy, &again));
  CHECK(again == digest); /* the same state, the same digest */

  char counts[256];
  OK(loyalty_tier_counts_json(e, counts, sizeof counts, &written));
  CHECK(strcmp(counts, "[[\"Bunny\",0],[\"Wolf\",1],[\"Lion\",0]]") == 0);
  FAILS(loyalty_tier_counts_json(e, counts, 4, &written), LOYALTY_BUFFER_TOO_SMALL);
  CHECK(written == strlen("[[\"Bunny\",0],[\"Wolf\",1],[\"Lion\",0]]") + 1);
  FAILS(loyalty_clock(e, NULL), LOYALTY_NULL_POINTER);
  FAILS(loyalty_state_digest(NULL, &digest), LOYALTY_NULL_POINTER);
  loyalty_engine_free(copy);
  loyalty_engine_free(e);
}

/* The reward catalogue (SPEC 9.5): redeem, cancel, the stock left, and the operation table. */
static void reward_catalogue(void) {
  loyalty_engine *e = NULL;
  OK(loyalty_engine_new("{\"tiers\": {\"levels\": [{\"name\": \"Silver\", \"threshold\": \"0\", "
                        "\"accrual_rate\": \"0.1\"}]}, \"rewards\": [{\"name\": \"Mug\", \"points\": \"250\", "
                        "\"stock\": 3}, {\"name\": \"Pass\", \"points\": \"400\"}]}",
                        &e));
  OK(loyalty_enroll(e, 1, 1767225600, 1, NULL, NULL));
  OK(loyalty_order(e, 2, 1767225660, 1, 600000, 0, NULL)); /* 6000.00: 600 points */
  loyalty_outcome out;
  memset(&out, 0, sizeof out);
  OK(loyalty_redeem(e, 3, 1767225700, 1, "Mug", 2, &out));
  CHECK(out.points == 50000); /* 500.00 points spent */
  CHECK(available(e, 1) == 10000);
  expect_totals(e, 60000, 50000, 10000);
  bool limited = false;
  uint64_t left = 99;
  OK(loyalty_stock_left(e, "Mug", &limited, &left));
  CHECK(limited && left == 1);
  OK(loyalty_stock_left(e, "Pass", &limited, &left));
  CHECK(!limited && left == 0);
  limited = true;
  left = 7;
  FAILS(loyalty_stock_left(e, "Umbrella", &limited, &left), LOYALTY_INVALID_INPUT);
  CHECK(limited && left == 7); /* out-parameters are written only on success */
  FAILS(loyalty_stock_left(e, "Mug", NULL, &left), LOYALTY_NULL_POINTER);
  FAILS(loyalty_redeem(e, 4, 1767225700, 1, "Mug", 2, &out), LOYALTY_OUT_OF_STOCK);
  FAILS(loyalty_redeem(e, 4, 1767225700, 1, "Pass", 1, &out), LOYALTY_INSUFFICIENT_POINTS);
  FAILS(loyalty_redeem(e, 4, 1767225700, 1, NULL, 1, &out), LOYALTY_NULL_POINTER);
  /* Hostile fields (issue 23): each a clear refusal, and the state as it was. */
  uint64_t digest = 0, digest_after = 0;
  OK(loyalty_state_digest(e, &digest));
  FAILS(loyalty_redeem(e, 4, 1767225700, 1, "Mug", 0, &out), LOYALTY_INVALID_INPUT);
  FAILS(loyalty_redeem(e, 4, 1767225700, 1, "Mug", UINT64_MAX, &out), LOYALTY_INVALID_INPUT);
  FAILS(loyalty_redeem(e, 4, 1767225700, 1, "", 1, &out), LOYALTY_INVALID_INPUT);
  FAILS(loyalty_redeem(e, 4, 1767225700, 99, "Mug", 1, &out), LOYALTY_UNKNOWN_MEMBER);
  FAILS(loyalty_redeem(e, 3, 1767225700, 1, "Mug", 1, &out), LOYALTY_ID_CONFLICT);
  FAILS(loyalty_cancel(e, 4, 1767225700, 1, &out), LOYALTY_UNKNOWN_REDEMPTION); /* an enrolment */
  FAILS(loyalty_cancel(e, 4, 1767225700, 999, &out), LOYALTY_UNKNOWN_REDEMPTION);
  FAILS(loyalty_cancel(e, 4, 1767225600, 3, &out), LOYALTY_TIME_WENT_BACKWARDS);
  OK(loyalty_state_digest(e, &digest_after));
  CHECK(digest == digest_after);
  FAILS(loyalty_cancel(e, 4, 1767225700, 2, &out), LOYALTY_UNKNOWN_REDEMPTION); /* an order */
  memset(&out, 0, sizeof out);
  OK(loyalty_cancel(e, 5, 1767225800, 3, &out));
  CHECK(out.points_returned == 50000);
  CHECK(available(e, 1) == 60000);
  expect_totals(e, 60000, 0, 60000);
  OK(loyalty_stock_left(e, "Mug", &limited, &left));
  CHECK(limited && left == 3);
  FAILS(loyalty_cancel(e, 6, 1767225800, 3, &out), LOYALTY_UNKNOWN_REDEMPTION);

  char table[4096];
  size_t written = 0;
  OK(loyalty_operations_json(table, sizeof table, &written));
  CHECK(strstr(table, "\"redeem\":[[\"id\",\"u64\"],[\"at\",\"i64\"],[\"member\",\"u64\"],"
                      "[\"reward\",\"str\"],[\"quantity\",\"u64\"]]") != NULL);
  CHECK(strstr(table, "\"tick\":[[\"at\",\"i64\"]]") != NULL);
  FAILS(loyalty_operations_json(table, 8, &written), LOYALTY_BUFFER_TOO_SMALL);
  loyalty_engine_free(e);
}

/* Points expiring soon (SPEC 9.2): minor units at a scale, the next expiry, and refusals that
 * write nothing. */
static void expiring_soon(void) {
  loyalty_engine *e = NULL;
  OK(loyalty_engine_new("{\"expiry_days\": 30, \"points_scale\": 2, \"tiers\": {\"levels\": ["
                        "{\"name\": \"Guest\", \"threshold\": \"0\", \"accrual_rate\": \"0.1\"}]}}",
                        &e));
  OK(loyalty_enroll(e, 1, 1767225600, 1, NULL, NULL));
  OK(loyalty_order(e, 2, 1767225600, 1, 10050, 0, NULL)); /* 100.50 money: 10.05 points */
  int64_t points = -1, next = -1;
  uint32_t scale = 99;
  bool has_next = false;
  OK(loyalty_expiring(e, 1, 30, &points, &scale, &has_next, &next));
  CHECK(points == 1005 && scale == 2 && has_next && next == 1767225600 + 30 * 86400);
  OK(loyalty_expiring(e, 1, 29, &points, &scale, &has_next, &next));
  CHECK(points == 0 && scale == 2 && !has_next);
  points = 7;
  FAILS(loyalty_expiring(e, 9, 30, &points, &scale, &has_next, &next), LOYALTY_UNKNOWN_MEMBER);
  FAILS(loyalty_expiring(e, 1, -1, &points, &scale, &has_next, &next), LOYALTY_INVALID_INPUT);
  FAILS(loyalty_expiring(e, 1, 36501, &points, &scale, &has_next, &next), LOYALTY_INVALID_INPUT);
  FAILS(loyalty_expiring(e, 1, INT64_MAX, &points, &scale, &has_next, &next), LOYALTY_INVALID_INPUT);
  FAILS(loyalty_expiring(e, 1, 30, &points, &scale, &has_next, NULL), LOYALTY_NULL_POINTER);
  CHECK(points == 7); /* out-parameters are written only on success */
  FAILS(loyalty_expiring(NULL, 1, 30, &points, &scale, &has_next, &next), LOYALTY_NULL_POINTER);
  loyalty_engine_free(e);
}

/* SPEC 9.1, 9.3, 9.7: a hold captured, a hold released, a hold timed out, an offline sale
 * beyond the balance, and a grace, through the typed functions and the structs. */
static void checkout(void) {
  loyalty_engine *e = NULL;
  OK(loyalty_engine_new("{\"points_scale\": 2, \"holds\": {\"ttl_seconds\": 600},"
                        " \"tiers\": {\"window_days\": 10, \"grace_days\": 3, \"levels\": ["
                        "{\"name\": \"Silver\", \"threshold\": \"0\", \"accrual_rate\": \"0.1\"},"
                        "{\"name\": \"Gold\", \"threshold\": \"1000\", \"accrual_rate\": \"0.1\"}]}}",
                        &e));
  const int64_t t0 = 1767225600;
  OK(loyalty_enroll(e, 1, t0, 1, NULL, NULL));
  OK(loyalty_order(e, 2, t0, 1, 100000, 0, NULL)); /* 1000.00: 100.00 points, Gold */
  loyalty_outcome out;
  OK(loyalty_hold(e, 3, t0 + 60, 1, 7000, &out));  /* 70.00 held */
  CHECK(out.points == 7000);
  loyalty_member m;
  OK(loyalty_member_get(e, 1, &m));
  CHECK(m.available == 3000 && m.held == 7000 && !m.has_grace && m.grace_until == 0);
  FAILS(loyalty_hold_str(e, 4, t0 + 60, 1, "30.01", NULL), LOYALTY_INSUFFICIENT_POINTS);
  FAILS(loyalty_hold_str(e, 4, t0 + 60, 1, "0", NULL), LOYALTY_INVALID_AMOUNT);
  FAILS(loyalty_hold_str(e, 4, t0 + 60, 1, NULL, NULL), LOYALTY_NULL_POINTER);
  FAILS(loyalty_capture_str(e, 4, t0 + 120, 1, "200", "70.01", 3, NULL), LOYALTY_INSUFFICIENT_POINTS);
  FAILS(loyalty_capture(e, 4, t0 + 120, 1, 20000, 1000, 2, NULL), LOYALTY_UNKNOWN_HOLD);
  /* Hostile values: each refused with its own result, and the state as it was. */
  uint64_t digest = 0, now = 0;
  OK(loyalty_state_digest(e, &digest));
  FAILS(loyalty_hold(e, 4, t0 + 60, 1, -100, NULL), LOYALTY_INVALID_AMOUNT);
  FAILS(loyalty_hold(e, 4, t0 + 60, 1, INT64_MAX, NULL), LOYALTY_INVALID_AMOUNT); /* beyond the limit */
  FAILS(loyalty_hold_str(e, 4, t0 + 60, 1, "abc", NULL), LOYALTY_INVALID_AMOUNT);
  FAILS(loyalty_hold_str(e, 4, t0 + 60, 1, "1.001", NULL), LOYALTY_INVALID_AMOUNT);
  FAILS(loyalty_hold_str(e, 4, t0 + 60, 1, "\xff", NULL), LOYALTY_INVALID_UTF8);
  FAILS(loyalty_hold(e, 4, t0 + 60, 9, 100, NULL), LOYALTY_UNKNOWN_MEMBER);
  FAILS(loyalty_hold(e, 3, t0 + 60, 1, 100, NULL), LOYALTY_ID_CONFLICT);
  FAILS(loyalty_release(e, 4, t0 + 60, 2, NULL), LOYALTY_UNKNOWN_HOLD);           /* an order's id */
  FAILS(loyalty_release(e, 4, t0 + 60, UINT64_MAX, NULL), LOYALTY_UNKNOWN_HOLD);
  FAILS(loyalty_capture(e, 4, t0 + 120, 1, 20000, 1000, 1, NULL), LOYALTY_UNKNOWN_HOLD); /* an enrolment's */
  FAILS(loyalty_capture(e, 4, t0 + 120, 1, 20000, -1, 3, NULL), LOYALTY_INVALID_AMOUNT);
  FAILS(loyalty_capture(e, 4, t0 + 120, 1, 0, 0, 3, NULL), LOYALTY_INVALID_AMOUNT);
  FAILS(loyalty_capture_str(e, 4, t0 + 120, 1, NULL, "5", 3, NULL), LOYALTY_NULL_POINTER);
  FAILS(loyalty_capture_str(e, 4, t0 + 120, 1, "200", "5.5.5", 3, NULL), LOYALTY_INVALID_AMOUNT);
  FAILS(loyalty_order_offline(e, 4, t0 + 120, 1, 20000, 0, "", t0, NULL), LOYALTY_INVALID_INPUT);
  FAILS(loyalty_order_offline(e, 4, t0 + 120, 1, 20000, 0, "\xff", t0, NULL), LOYALTY_INVALID_UTF8);
  FAILS(loyalty_order_offline(e, 4, t0 + 120, 1, 20000, -5, "till", t0, NULL), LOYALTY_INVALID_AMOUNT);
  FAILS(loyalty_order_offline(e, 4, t0 + 120, 9, 20000, 0, "till", t0, NULL), LOYALTY_UNKNOWN_MEMBER);
  FAILS(loyalty_order_offline(e, 4, t0 + 120, 1, 20000, 0, "till", INT64_MAX, NULL), LOYALTY_INVALID_INPUT);
  OK(loyalty_state_digest(e, &now));
  CHECK(now == digest);
  OK(loyalty_capture_str(e, 4, t0 + 120, 1, "200", "50", 3, &out)); /* 20 back, 15 accrued */
  CHECK(out.points == 5000);
  OK(loyalty_member_get(e, 1, &m));
  CHECK(m.available == 6500 && m.held == 0);
  FAILS(loyalty_release(e, 5, t0 + 130, 3, NULL), LOYALTY_UNKNOWN_HOLD); /* captured */
  OK(loyalty_hold_str(e, 6, t0 + 200, 1, "10", NULL));
  OK(loyalty_release(e, 7, t0 + 210, 6, &out));
  CHECK(out.points_returned == 1000);
  OK(loyalty_hold(e, 8, t0 + 300, 1, 500, NULL));
  OK(loyalty_tick(e, t0 + 900));                    /* its time-out */
  CHECK(available(e, 1) == 6500);
  /* Offline: 80.00 points on a 100.00 sale with 65.00 available: 15.00 is debt. */
  FAILS(loyalty_order_offline_str(e, 9, t0 + 1000, 1, "100", "80", NULL, t0 + 990, NULL), LOYALTY_NULL_POINTER);
  FAILS(loyalty_order_offline_str(e, 9, t0 + 1000, 1, "100", "80", "till-1", t0 + 1001, NULL),
        LOYALTY_INVALID_INPUT);
  FAILS(loyalty_order_offline(e, 9, t0 + 1000, 1, 1000, 1001, "till-1", t0, NULL), LOYALTY_INVALID_AMOUNT);
  OK(loyalty_order_offline_str(e, 9, t0 + 1000, 1, "100", "80", "till-1", t0 + 990, NULL));
  loyalty_totals t;
  OK(loyalty_totals_get(e, &t));
  CHECK(t.overdraft == 1500);
  CHECK(available(e, 1) == -1500 + 200); /* the sale's 20.00 cash accrued 2.00 */
  /* The orders leave the 10-day window at t0 + 10 days: Gold is kept 3 days. */
  OK(loyalty_tick(e, t0 + 10 * 86400 + 1000));
  OK(loyalty_member_get(e, 1, &m));
  CHECK(m.tier == 1 && m.has_grace && m.grace_until == t0 + 10 * 86400 + 3 * 86400 && m.qualifying == 0);
  OK(loyalty_tick(e, t0 + 13 * 86400 + 1000));
  OK(loyalty_member_get(e, 1, &m));
  CHECK(m.tier == 0 && !m.has_grace && m.grace_until == 0);
  OK(loyalty_verify(e));
  loyalty_engine_free(e);
}

/* A transport as a host writes one for loyalty_terminal_sync: here the network is a function
 * call and the centre an engine handle; each operation of the batch's JSON array goes to
 * loyalty_apply_json, and the answers are counted up to the first TIME_WENT_BACKWARDS. It can
 * also lose the answers after the centre applied the batch, or claim more than it was sent. */
struct transport {
  loyalty_engine *centre;
  int lose, over_claim, calls;
};

static int32_t apply_batch(void *ctx, const char *batch, size_t len, size_t *answered) {
  struct transport *t = ctx;
  t->calls++;
  if (t->over_claim) {
    *answered = 99;
    return 0;
  }
  size_t n = 0, depth = 0, start = 0;
  int in_string = 0, escaped = 0;
  for (size_t i = 0; i < len; i++) {
    char c = batch[i];
    if (in_string) {
      if (escaped) {
        escaped = 0;
      } else if (c == '\\') {
        escaped = 1;
      } else if (c == '"') {
        in_string = 0;
      }
    } else if (c == '"') {
      in_string = 1;
    } else if (c == '{' && depth++ == 0) {
      start = i;
    } else if (c == '}' && --depth == 0) {
      char op[1024];
      size_t k = i - start + 1;
      if (k >= sizeof op) {
        return 2;
      }
      memcpy(op, batch + start, k);
      op[k] = '\0';
      if (loyalty_apply_json(t->centre, op, NULL) == LOYALTY_TIME_WENT_BACKWARDS) {
        break;
      }
      n++;
    }
  }
  if (t->lose) {
    return 1; /* the centre applied them; the answers never came back */
  }
  *answered = n;
  return 0;
}

/* docs/offline.md: a terminal sells offline within its allowance, survives a restart, and
 * syncs into the centre once. */
static void offline_terminal(void) {
  char dir[] = "/tmp/loyalty-c-terminal-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char till_dir[256];
  snprintf(till_dir, sizeof till_dir, "%s/till", dir);
  loyalty_engine *centre = NULL;
  OK(loyalty_engine_new("{\"name\": \"Bakery\", \"points_scale\": 2, \"tiers\": {\"levels\": [{\"name\": \"Regular\","
                        " \"threshold\": \"0\", \"accrual_rate\": \"0.05\"}]}, \"offline\": {\"max_points_per_order\": \"30\"}}",
                        &centre));
  const int64_t t0 = 1767225600;
  OK(loyalty_enroll(centre, 1, t0, 1, NULL, NULL));
  OK(loyalty_order(centre, 2, t0, 1, 100000, 0, NULL)); /* 50.00 points */
  char cache[4096], batch[4096];
  size_t written = 0, pending = 0, answered = 0;
  OK(loyalty_terminal_cache_json(centre, cache, sizeof cache, &written));
  loyalty_terminal *till = NULL, *other = NULL;
  OK(loyalty_terminal_create(till_dir, 2, "till-2", cache, &till));
  FAILS(loyalty_terminal_create(till_dir, 2, "till-2", cache, &other), LOYALTY_INVALID_INPUT);
  int64_t allowance = 0;
  OK(loyalty_terminal_allowance(till, 1, &allowance));
  CHECK(allowance == 3000); /* the per-sale limit */
  loyalty_receipt receipt;
  OK(loyalty_terminal_order(till, t0 + 3600, 1, 10000, 3000, &receipt));
  CHECK(receipt.id == ((uint64_t)2 << 48) && receipt.points_redeemed == 3000 && receipt.points_earned_estimate == 350);
  FAILS(loyalty_terminal_order(till, t0 + 3600, 1, 10000, 2001, NULL), LOYALTY_INSUFFICIENT_POINTS);
  FAILS(loyalty_terminal_order(till, t0, 1, 100, 0, NULL), LOYALTY_TIME_WENT_BACKWARDS);
  FAILS(loyalty_terminal_refund(till, t0 + 3600, 2, 100, NULL), LOYALTY_UNKNOWN_ORDER); /* sold online */
  uint64_t enrolled = 0;
  OK(loyalty_terminal_enroll(till, t0 + 3600, 9, NULL, &enrolled));
  CHECK(enrolled == ((uint64_t)2 << 48) + 1);
  /* A restart: the queue is on disk. */
  loyalty_terminal_free(till);
  till = NULL;
  FAILS(loyalty_terminal_open(till_dir, 3, &other), LOYALTY_INVALID_INPUT);
  OK(loyalty_terminal_open(till_dir, 2, &till));
  OK(loyalty_terminal_pending(till, &pending));
  CHECK(pending == 2);
  OK(loyalty_terminal_batch_json(till, t0 + 7200, batch, sizeof batch, &written));
  CHECK(strstr(batch, "\"recorded_at\":1767229200") != NULL && strlen(batch) == written);
  FAILS(loyalty_terminal_acknowledge(till, 3), LOYALTY_IO); /* more answers than sent */
  /* Through the host's transport: a wrong count, no transport, a date before the last sale
   * mark nothing sent and send nothing; answers lost after the centre applied the batch mark
   * nothing sent, and the batch sent again is applied once. */
  struct transport net = {centre, 0, 1, 0};
  FAILS(loyalty_terminal_sync(till, t0 + 7200, apply_batch, &net, &answered), LOYALTY_INVALID_INPUT);
  FAILS(loyalty_terminal_sync(till, t0 + 7200, NULL, &net, &answered), LOYALTY_NULL_POINTER);
  FAILS(loyalty_terminal_sync(till, t0, apply_batch, &net, &answered), LOYALTY_TIME_WENT_BACKWARDS);
  OK(loyalty_terminal_pending(till, &pending));
  CHECK(pending == 2 && net.calls == 1 && available(centre, 1) == 5000);
  net.over_claim = 0;
  net.lose = 1;
  FAILS(loyalty_terminal_sync(till, t0 + 7200, apply_batch, &net, &answered), LOYALTY_IO);
  OK(loyalty_terminal_pending(till, &pending));
  CHECK(pending == 2 && available(centre, 1) == 5000 - 3000 + 350);
  net.lose = 0;
  OK(loyalty_terminal_sync(till, t0 + 7200, apply_batch, &net, &answered));
  CHECK(answered == 2 && net.calls == 3);
  OK(loyalty_terminal_sync_engine(till, t0 + 7200, centre, &answered));
  CHECK(answered == 0); /* nothing pending: nothing sent */
  OK(loyalty_terminal_pending(till, &pending));
  CHECK(pending == 0 && available(centre, 1) == 5000 - 3000 + 350);
  OK(loyalty_terminal_cache_json(centre, cache, sizeof cache, &written));
  OK(loyalty_terminal_refresh(till, cache));
  OK(loyalty_terminal_allowance(till, 1, &allowance));
  CHECK(allowance == 2350);
  FAILS(loyalty_terminal_refresh(till, "{}"), LOYALTY_CORRUPT);
  FAILS(loyalty_terminal_allowance(NULL, 1, &allowance), LOYALTY_NULL_POINTER);
  loyalty_terminal_free(till);
  loyalty_terminal_free(NULL);
  loyalty_engine_free(centre);
  const char *files[] = {"till/queue.log", "till/cache.json"};
  char path[300];
  for (size_t i = 0; i < 2; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    CHECK(unlink(path) == 0);
  }
  CHECK(rmdir(till_dir) == 0);
  CHECK(rmdir(dir) == 0);
}

/* What Rust and Python have beside operations: dry runs, provisional operations, outcomes by
 * id and of the last tick, the member list, a campaign's use. */
static void plans_and_history(void) {
  loyalty_engine *e = NULL;
  OK(loyalty_engine_new(FALCON, &e));
  OK(loyalty_enroll(e, 1, 1767225600, 1, NULL, NULL));
  uint64_t before = 0, after = 0;
  OK(loyalty_state_digest(e, &before));
  char json[4096];
  size_t written = 0;
  const char *order = "{\"op\": \"order\", \"id\": 2, \"at\": 1767229200, \"member\": 1, \"amount\": \"1000\"}";
  OK(loyalty_plan_json(e, order, json, sizeof json, &written));
  CHECK(strstr(json, "\"accrued\":\"30.00\"") != NULL);
  OK(loyalty_state_digest(e, &after));
  CHECK(after == before); /* a dry run changes nothing */
  FAILS(loyalty_plan_json(e, "{\"op\": \"order\", \"id\": 3, \"at\": 1767229200, \"member\": 9, \"amount\": \"1\"}",
                          json, sizeof json, &written),
        LOYALTY_UNKNOWN_MEMBER);

  loyalty_provisional *p = NULL;
  OK(loyalty_apply_provisionally_json(e, order, &p));
  CHECK(p != NULL && available(e, 1) == 3000);
  OK(loyalty_revert(e, p));
  OK(loyalty_state_digest(e, &after));
  CHECK(after == before && available(e, 1) == 0);
  OK(loyalty_revert(e, NULL));
  p = NULL;
  OK(loyalty_apply_provisionally_json(e, order, &p));
  loyalty_provisional_free(p); /* kept */
  loyalty_provisional_free(NULL);
  CHECK(available(e, 1) == 3000);
  FAILS(loyalty_apply_provisionally_json(e, order, NULL), LOYALTY_NULL_POINTER);

  OK(loyalty_outcome_of_json(e, 2, json, sizeof json, &written));
  CHECK(strstr(json, "\"ordered\"") != NULL);
  FAILS(loyalty_outcome_of_json(e, 99, json, sizeof json, &written), LOYALTY_INVALID_INPUT);
  OK(loyalty_last_tick_json(e, json, sizeof json, &written));
  CHECK(strcmp(json, "{\"effect\":{\"effect\":\"ticked\"},\"postings\":[]}") == 0);

  OK(loyalty_enroll(e, 3, 1767229200, 5, NULL, NULL));
  uint64_t ids[4] = {0};
  size_t count = 0;
  OK(loyalty_member_ids(e, ids, 4, &count));
  CHECK(count == 2 && ids[0] == 1 && ids[1] == 5);
  FAILS(loyalty_member_ids(e, NULL, 0, &count), LOYALTY_BUFFER_TOO_SMALL);
  CHECK(count == 2); /* the room needed */
  bool member = false;
  OK(loyalty_is_member(e, 5, &member));
  CHECK(member);
  OK(loyalty_is_member(e, 6, &member));
  CHECK(!member);
  OK(loyalty_campaign_used(e, "none", json, sizeof json, &written));
  CHECK(strcmp(json, "0") == 0);
  OK(loyalty_program_json(e, json, sizeof json, &written));
  CHECK(strstr(json, "\"Bunny\"") != NULL && strlen(json) == written);

  loyalty_engine_free(e);
}

int main(void) {
  falcon_scenario();
  plans_and_history();
  reward_catalogue();
  expiring_soon();
  checkout();
  offline_terminal();
  clock_digest_and_tier_counts();
  qualifying_with_more_places();
  refunds_and_adjustments();
  engagement();
  error_paths();
  durability();
  forked_and_damaged_stores();
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
