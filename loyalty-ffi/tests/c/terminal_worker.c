/* A terminal process for the simulation of loyalty-terminal/tests/processes.rs (its `c`
 * variant): the terminal kit through the C API, driven by the centre's lines on stdin, answering
 * on stdout. Run as `terminal_worker DIR NUMBER`; amounts on the lines are whole units (the
 * simulated program has money and points at scale 2).
 *
 *   order AT MEMBER AMOUNT POINTS   -> ok ID | no CODE   (points capped by the allowance)
 *   enroll AT MEMBER                -> ok ID | no CODE
 *   refund AT ORDER AMOUNT          -> ok ID | no CODE
 *   sync NOW                        -> batch JSON, then the centre's "answered N" or "lost",
 *                                      then synced PENDING | failed CODE  (loyalty_terminal_sync)
 *   refresh CACHE_JSON              -> ok | no CODE
 *   quit
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loyalty.h"

#define UNIT 100 /* minor units in a whole one, at scale 2 */

static int reply_id(enum loyalty_result r, uint64_t id) {
    if (r == LOYALTY_OK) {
        return printf("ok %" PRIu64 "\n", id);
    }
    return printf("no %d\n", (int)r);
}

/* The transport: the batch goes to the centre on stdout; its answer comes back on stdin. */
static int32_t send_batch(void *ctx, const char *batch_json, size_t batch_len, size_t *answered) {
    (void)ctx;
    char *line = NULL;
    size_t cap = 0;
    printf("batch %.*s\n", (int)batch_len, batch_json);
    fflush(stdout);
    int32_t status = 1; /* lost, unless the centre answered */
    unsigned long long n = 0;
    if (getline(&line, &cap, stdin) > 0 && sscanf(line, "answered %llu", &n) == 1) {
        *answered = (size_t)n;
        status = 0;
    }
    free(line);
    return status;
}

static void sync_now(struct loyalty_terminal *till, int64_t now) {
    size_t answered = 0, pending = 0;
    enum loyalty_result r = loyalty_terminal_sync(till, now, send_batch, NULL, &answered);
    if (r == LOYALTY_OK && loyalty_terminal_pending(till, &pending) == LOYALTY_OK) {
        printf("synced %zu\n", pending);
    } else {
        printf("failed %d\n", (int)r);
    }
}

static void serve(struct loyalty_terminal *till) {
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, stdin) > 0) {
        int64_t at = 0, amount = 0, points = 0;
        uint64_t member = 0, id = 0;
        if (sscanf(line, "order %" SCNd64 " %" SCNu64 " %" SCNd64 " %" SCNd64, &at, &member,
                   &amount, &points) == 4) {
            int64_t allowance = 0;
            struct loyalty_receipt receipt = {0};
            enum loyalty_result r = loyalty_terminal_allowance(till, member, &allowance);
            if (r == LOYALTY_OK) {
                points = points * UNIT < allowance ? points * UNIT : allowance;
                r = loyalty_terminal_order(till, at, member, amount * UNIT, points, &receipt);
            }
            reply_id(r, receipt.id);
        } else if (sscanf(line, "enroll %" SCNd64 " %" SCNu64, &at, &member) == 2) {
            enum loyalty_result r = loyalty_terminal_enroll(till, at, member, NULL, &id);
            reply_id(r, id); /* after the call: the order of arguments is unspecified */
        } else if (sscanf(line, "refund %" SCNd64 " %" SCNu64 " %" SCNd64, &at, &member,
                          &amount) == 3) {
            enum loyalty_result r = loyalty_terminal_refund(till, at, member, amount * UNIT, &id);
            reply_id(r, id);
        } else if (sscanf(line, "sync %" SCNd64, &at) == 1) {
            sync_now(till, at);
        } else if (strncmp(line, "refresh ", 8) == 0) {
            line[strcspn(line, "\n")] = '\0';
            enum loyalty_result r = loyalty_terminal_refresh(till, line + 8);
            if (r == LOYALTY_OK) {
                printf("ok\n");
            } else {
                printf("no %d\n", (int)r);
            }
        } else {
            break; /* quit */
        }
        fflush(stdout);
    }
    free(line);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: terminal_worker DIR NUMBER\n");
        return 2;
    }
    struct loyalty_terminal *till = NULL;
    enum loyalty_result r = loyalty_terminal_open(argv[1], (uint16_t)atoi(argv[2]), &till);
    if (r != LOYALTY_OK) {
        fprintf(stderr, "loyalty_terminal_open: %d\n", (int)r);
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    serve(till);
    loyalty_terminal_free(till);
    return 0;
}
