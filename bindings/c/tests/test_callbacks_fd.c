/* C test of pd_callbacks_to_fd / pd_callbacks_dispatch against the real engine in
 * POCKETDOCK_SOCKET: once the library's callbacks are moved to the caller's loop, a
 * pd_run_async's end (and its free_user_data) runs on the thread that dispatches, only when
 * it dispatches, after the descriptor became readable. Its own program: the switch is
 * process-wide and final. Built and run like the other C tests (scripts/test-c). */
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pocketdock.h"
#include "check.h"

static pd_error *err;

struct outcome {
    int calls, frees;
    pd_status status;
    int exit_code;
    char out[32];
    pthread_t thread;
};

static void on_done(void *ud, pd_status st, const pd_exec_result *r, const pd_error *e) {
    (void)e;
    struct outcome *o = ud;
    o->calls++;
    o->status = st;
    o->thread = pthread_self();
    if (st == PD_OK) {
        size_t len = 0;
        const uint8_t *p = pd_exec_result_stdout(r, &len);
        if (len >= sizeof o->out) len = sizeof o->out - 1;
        memcpy(o->out, p, len);
        o->exit_code = pd_exec_result_exit_code(r);
    }
}

static void on_free(void *ud) { ((struct outcome *)ud)->frees++; }

static int callbacks_run_where_the_host_dispatches(void) {
    CHECK(pd_callbacks_dispatch() == 0); /* not switched yet: nothing to run */
    CHECK(pd_callbacks_to_fd(NULL, &err) == PD_ERR_INVALID_ARGUMENT);
    pd_error_free(err);
    err = NULL;
    int fd = -1, again = -2;
    CHECK(pd_callbacks_to_fd(&fd, &err) == PD_OK && fd >= 0);
    CHECK(pd_callbacks_to_fd(&again, NULL) == PD_OK && again == fd);

    pd_container_opts *co = test_opts();
    pd_container *c = NULL;
    CHECK(pd_container_create(client, co, &c, &err) == PD_OK);
    pd_container_opts_free(co);

    struct outcome o;
    memset(&o, 0, sizeof o);
    CHECK(pd_run_async(c, "echo pushed", NULL, on_done, &o, on_free, &err) == PD_OK);
    /* Nothing runs until this thread dispatches, whatever the library's threads do. */
    for (int waited = 0; o.calls == 0 && waited < 60000; waited += 100) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) > 0) pd_callbacks_dispatch();
    }
    CHECK(o.calls == 1 && o.frees == 1);
    CHECK(pthread_equal(o.thread, pthread_self()));
    CHECK(o.status == PD_OK && o.exit_code == 0 && strcmp(o.out, "pushed\n") == 0);
    /* A refused start still frees user_data, through the same queue. */
    struct outcome refused;
    memset(&refused, 0, sizeof refused);
    CHECK(pd_run_async(c, "\xff\xfe", NULL, on_done, &refused, on_free, &err) == PD_ERR_INVALID_ARGUMENT);
    pd_error_free(err);
    err = NULL;
    for (int waited = 0; refused.frees == 0 && waited < 10000; waited += 100) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) > 0) pd_callbacks_dispatch();
    }
    CHECK(refused.calls == 0 && refused.frees == 1);
    CHECK(pd_container_shutdown(c, &err) == PD_OK);
    pd_container_free(c);
    return 0;
}

int main(void) {
    if (open_client(NULL)) return 1;
    RUN(callbacks_run_where_the_host_dispatches);
    pd_client_free(client);
    fprintf(stderr, "%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
