/* The small test harness the C tests share: CHECK fails the current test (it returns 1 from
 * it), RUN runs one test and counts it, open_client opens the one client a test file shares.
 * Each test file includes this once, after pocketdock.h. */
#ifndef POCKETDOCK_TEST_CHECK_H
#define POCKETDOCK_TEST_CHECK_H

#include <stdio.h>

#include "pocketdock.h"

static int passed, failed;

#define CHECK(cond)                                                           \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                   \
            return 1;                                                         \
        }                                                                     \
    } while (0)

#define RUN(test)                                                             \
    do {                                                                      \
        fprintf(stderr, "test %s ... ", #test);                               \
        if (test() == 0) {                                                    \
            passed++;                                                         \
            fprintf(stderr, "ok\n");                                          \
        } else {                                                              \
            failed++;                                                         \
            fprintf(stderr, "FAILED\n");                                      \
        }                                                                     \
    } while (0)

/* The client every test of a file uses: opened once by main, freed at its end. */
static pd_client *client;

/* Opens `client` on `socket` (NULL: the default, i.e. POCKETDOCK_SOCKET, which scripts/test-c
 * sets). 0 on success; otherwise says why. */
static int open_client(const char *socket) {
    pd_client_opts *o = pd_client_opts_new();
    pd_error *err = NULL;
    pd_status st = o ? pd_client_opts_set_socket(o, socket, &err) : PD_ERR_INTERNAL;
    if (st == PD_OK) st = pd_client_open(o, &client, &err);
    pd_client_opts_free(o);
    if (st != PD_OK) {
        fprintf(stderr, "pd_client_open failed (%d): %s\n", (int)st,
                err ? pd_error_message(err) : "(no detail)");
        pd_error_free(err);
        return 1;
    }
    return 0;
}

/* Container options carrying the label scripts/test-c sweeps for. */
static inline pd_container_opts *test_opts(void) {
    pd_container_opts *o = pd_container_opts_new();
    pd_container_opts_add_label(o, "pocketdock.test", "c", NULL);
    return o;
}

/* A labelled sandbox on `client`; NULL (having said why) if it could not be created. */
static inline pd_container *make_box(void) {
    pd_container_opts *o = test_opts();
    pd_container *c = NULL;
    pd_error *err = NULL;
    if (pd_container_create(client, o, &c, &err) != PD_OK) {
        fprintf(stderr, "create failed: %s\n", pd_error_message(err));
        c = NULL;
    }
    pd_error_free(err);
    pd_container_opts_free(o);
    return c;
}

/* Removes the sandbox and frees its handle. */
static inline void drop_box(pd_container *c) {
    pd_container_shutdown(c, NULL);
    pd_container_free(c);
}

#endif
