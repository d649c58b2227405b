/* C test of pd_set_log_callback against the real engine in POCKETDOCK_SOCKET: the library's
 * own records (targets pocketdock...) at the chosen level and more severe reach the callback
 * (on the callback thread, so the test polls), a replaced or silenced callback's
 * free_user_data runs exactly once (after its last record), and a silenced library says
 * nothing more. Built with -Wall -Wextra -Werror and run under valgrind by
 * scripts/test-c. The callback is process-global: this file is its own program. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pocketdock.h"
#include "check.h"

/* What one callback saw; written on the callback thread, read by the test. */
struct tally {
    atomic_int records;
    atomic_int foreign;     /* records whose target is not pocketdock's (hyper_util's, say) */
    atomic_int too_verbose; /* records above the level asked for */
    atomic_int textless;    /* records without a target or a message */
    atomic_int frees;
    int level;
};

static void on_log(void *ud, int32_t level, const char *target, const char *message) {
    struct tally *t = ud;
    if (level < PD_LOG_ERROR || level > t->level) atomic_fetch_add(&t->too_verbose, 1);
    if (!target || !target[0] || !message || !message[0]) atomic_fetch_add(&t->textless, 1);
    else if (strncmp(target, "pocketdock", 10) != 0) atomic_fetch_add(&t->foreign, 1);
    atomic_fetch_add(&t->records, 1);
}

static void on_free(void *ud) {
    atomic_fetch_add(&((struct tally *)ud)->frees, 1);
}

static void tally_init(struct tally *t, int level) {
    atomic_init(&t->records, 0);
    atomic_init(&t->foreign, 0);
    atomic_init(&t->too_verbose, 0);
    atomic_init(&t->textless, 0);
    atomic_init(&t->frees, 0);
    t->level = level;
}

/* Polls `counter` for up to 5 s (delivery is asynchronous); whether it reached `want`. */
static int reaches(atomic_int *counter, int want) {
    for (int i = 0; i < 250 && atomic_load(counter) < want; i++) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return atomic_load(counter) >= want;
}

/* Opening a client logs at DEBUG (pocketdock::engine::discover: the engine it found). */
static int open_and_free_a_client(void) {
    pd_client *c = NULL;
    if (pd_client_open(NULL, &c, NULL) != PD_OK) return 0;
    pd_client_free(c);
    return 1;
}

static int test_records_reach_the_callback(void) {
    static struct tally a, b;
    tally_init(&a, PD_LOG_DEBUG);
    tally_init(&b, PD_LOG_DEBUG);
    pd_error *err = NULL;
    CHECK(pd_set_log_callback(PD_LOG_DEBUG, on_log, &a, on_free, &err) == PD_OK);
    CHECK(open_and_free_a_client());
    CHECK(reaches(&a.records, 1));
    CHECK(atomic_load(&a.frees) == 0);

    /* A new callback replaces the old one, whose user data is released once. */
    CHECK(pd_set_log_callback(PD_LOG_DEBUG, on_log, &b, on_free, NULL) == PD_OK);
    CHECK(reaches(&a.frees, 1));
    /* All of a's records have run by now. Opening a client made HTTP requests, but none of
     * the HTTP crates' chatter came through. */
    CHECK(atomic_load(&a.too_verbose) == 0 && atomic_load(&a.textless) == 0);
    CHECK(atomic_load(&a.foreign) == 0);
    int a_records = atomic_load(&a.records);
    CHECK(open_and_free_a_client());
    CHECK(reaches(&b.records, 1));
    CHECK(atomic_load(&a.records) == a_records);

    /* Silenced: the last callback's user data is released once, and nothing more arrives. */
    CHECK(pd_set_log_callback(PD_LOG_OFF, NULL, NULL, NULL, NULL) == PD_OK);
    CHECK(reaches(&b.frees, 1));
    CHECK(atomic_load(&b.too_verbose) == 0 && atomic_load(&b.textless) == 0);
    CHECK(atomic_load(&b.foreign) == 0);
    int b_records = atomic_load(&b.records);
    CHECK(open_and_free_a_client());
    struct timespec settle = {0, 300 * 1000 * 1000};
    nanosleep(&settle, NULL);
    CHECK(atomic_load(&b.records) == b_records);
    CHECK(atomic_load(&a.frees) == 1 && atomic_load(&b.frees) == 1);
    return 0;
}

static int test_level_decides(void) {
    /* At TRACE, the most verbose, the records are still pocketdock's own. */
    static struct tally all;
    tally_init(&all, PD_LOG_TRACE);
    CHECK(pd_set_log_callback(PD_LOG_TRACE, on_log, &all, on_free, NULL) == PD_OK);
    CHECK(open_and_free_a_client());
    CHECK(pd_set_log_callback(PD_LOG_OFF, NULL, NULL, NULL, NULL) == PD_OK);
    CHECK(reaches(&all.frees, 1));
    CHECK(atomic_load(&all.records) >= 1 && atomic_load(&all.foreign) == 0);
    CHECK(atomic_load(&all.too_verbose) == 0 && atomic_load(&all.textless) == 0);

    /* At ERROR, connecting to a healthy engine and listing its containers says nothing. */
    static struct tally t;
    tally_init(&t, PD_LOG_ERROR);
    CHECK(pd_set_log_callback(PD_LOG_ERROR, on_log, &t, on_free, NULL) == PD_OK);
    CHECK(open_and_free_a_client());
    pd_container_listing *l = NULL;
    CHECK(pd_container_list(client, NULL, &l, NULL) == PD_OK);
    pd_container_list_free(l);
    CHECK(pd_set_log_callback(PD_LOG_OFF, NULL, NULL, NULL, NULL) == PD_OK);
    CHECK(reaches(&t.frees, 1));
    CHECK(atomic_load(&t.records) == 0);
    return 0;
}

static int test_bad_level(void) {
    /* Refused, and the user data is still released exactly once. */
    static struct tally t;
    tally_init(&t, PD_LOG_TRACE);
    pd_error *err = NULL;
    CHECK(pd_set_log_callback(6, on_log, &t, on_free, &err) == PD_ERR_INVALID_ARGUMENT);
    CHECK(pd_error_code(err) == PD_ERR_INVALID_ARGUMENT && strstr(pd_error_message(err), "6"));
    pd_error_free(err);
    CHECK(pd_set_log_callback(-1, on_log, &t, on_free, NULL) == PD_ERR_INVALID_ARGUMENT);
    CHECK(reaches(&t.frees, 2));
    CHECK(open_and_free_a_client());
    struct timespec settle = {0, 300 * 1000 * 1000};
    nanosleep(&settle, NULL);
    CHECK(atomic_load(&t.frees) == 2 && atomic_load(&t.records) == 0);
    return 0;
}

int main(void) {
    /* Opened while the library is silent (the default): it delivers nothing to anyone. */
    if (open_client(NULL) != 0) return 1;
    RUN(test_records_reach_the_callback);
    RUN(test_level_decides);
    RUN(test_bad_level);
    pd_client_free(client);
    fprintf(stderr, "%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
