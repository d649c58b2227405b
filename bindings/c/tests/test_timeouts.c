/* C tests of the one timeout rule (docs/ffi-conventions.md) against the real engine in
 * POCKETDOCK_SOCKET: > 0 is a limit in ms; 0 means "do not wait" for pd_stream_next and
 * pd_process_wait, and is PD_ERR_INVALID_ARGUMENT for a limit something must run under;
 * < 0 (PD_NO_TIMEOUT) is no limit. Built with -Wall -Wextra -Werror and run under valgrind by
 * scripts/test-c. Containers carry the label pocketdock.test=c and are shut down by their
 * test. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pocketdock.h"
#include "check.h"

/* A call that must not wait returns well within this, even under valgrind on a loaded
 * machine; the commands below would make a waiting call take a second or more. */
#define PROMPT_MS 500

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether `st` and `err` say a zero limit is refused; frees `err`. */
static int zero_refused(pd_status st, pd_error *err) {
    const char *msg = pd_error_message(err);
    int ok = st == PD_ERR_INVALID_ARGUMENT && pd_error_code(err) == PD_ERR_INVALID_ARGUMENT && msg &&
             strstr(msg, "0 ms");
    if (!ok) fprintf(stderr, "  status %d, message %s\n", (int)st, msg ? msg : "NULL");
    pd_error_free(err);
    return ok;
}

static int test_limits_refuse_zero_and_take_no_limit(void) {
    pd_error *err = NULL;
    pd_run_opts *r = pd_run_opts_new();
    pd_status st = pd_run_opts_set_timeout_ms(r, 0, &err);
    int ok = zero_refused(st, err);
    ok = ok && pd_run_opts_set_timeout_ms(r, -1, NULL) == PD_OK;
    ok = ok && pd_run_opts_set_timeout_ms(r, PD_NO_TIMEOUT, NULL) == PD_OK;
    ok = ok && pd_run_opts_set_timeout_ms(r, INT64_MIN, NULL) == PD_OK;
    ok = ok && pd_run_opts_set_timeout_ms(r, 1, NULL) == PD_OK;
    pd_run_opts_free(r);
    CHECK(ok);

    pd_container_opts *c = pd_container_opts_new();
    err = NULL;
    st = pd_container_opts_set_timeout_ms(c, 0, &err);
    ok = zero_refused(st, err) && pd_container_opts_set_timeout_ms(c, PD_NO_TIMEOUT, NULL) == PD_OK;
    pd_container_opts_free(c);
    CHECK(ok);

    pd_client_opts *o = pd_client_opts_new();
    err = NULL;
    st = pd_client_opts_set_connect_timeout_ms(o, 0, &err);
    ok = zero_refused(st, err) && pd_client_opts_set_connect_timeout_ms(o, PD_NO_TIMEOUT, NULL) == PD_OK;
    pd_client *unlimited = NULL;
    ok = ok && pd_client_open(o, &unlimited, NULL) == PD_OK;
    pd_client_free(unlimited);
    pd_client_opts_free(o);
    CHECK(ok);
    return 0;
}

/* A run and a session command with no limit run to the end. */
static int no_limit_runs_in(pd_container *box) {
    pd_run_opts *o = pd_run_opts_new();
    CHECK(pd_run_opts_set_timeout_ms(o, PD_NO_TIMEOUT, NULL) == PD_OK);
    pd_exec_result *r = NULL;
    pd_status st = pd_run(box, "sleep 0.2; echo done", o, &r, NULL);
    pd_run_opts_free(o);
    CHECK(st == PD_OK);
    char *out = pd_exec_result_stdout_text(r);
    int ok = !pd_exec_result_timed_out(r) && pd_exec_result_exit_code(r) == 0 && out && strcmp(out, "done\n") == 0;
    pd_string_free(out);
    pd_exec_result_free(r);
    CHECK(ok);

    pd_session *s = NULL;
    CHECK(pd_session_open(box, NULL, &s, NULL) == PD_OK);
    pd_error *err = NULL;
    r = (pd_exec_result *)(uintptr_t)0x1;
    st = pd_session_send_and_wait(s, "echo never", 0, &r, &err);
    ok = zero_refused(st, err) && r == (pd_exec_result *)(uintptr_t)0x1;
    r = NULL;
    ok = ok && pd_session_send_and_wait(s, "echo kept", PD_NO_TIMEOUT, &r, NULL) == PD_OK;
    out = r ? pd_exec_result_stdout_text(r) : NULL;
    ok = ok && !pd_exec_result_timed_out(r) && out && strcmp(out, "kept\n") == 0;
    pd_string_free(out);
    pd_exec_result_free(r);
    ok = pd_session_close(s, NULL) == PD_OK && ok;
    pd_session_free(s);
    CHECK(ok);
    return 0;
}

static int test_no_limit_runs_to_the_end(void) {
    pd_container *box = make_box();
    CHECK(box);
    int r = no_limit_runs_in(box);
    drop_box(box);
    return r;
}

/* pd_stream_next(s, 0) looks and returns; with no limit it waits for the output. */
static int stream_zero_in(pd_container *box) {
    pd_stream *s = NULL;
    CHECK(pd_run_stream(box, "sleep 1; echo x", NULL, &s, NULL) == PD_OK);
    pd_chunk *ch = NULL;
    pd_error *err = NULL;
    int64_t t0 = now_ms();
    pd_status st = pd_stream_next(s, 0, &ch, &err);
    int64_t took = now_ms() - t0;
    int ok = st == PD_ERR_TIMEOUT && ch == NULL && pd_error_code(err) == PD_ERR_TIMEOUT && took < PROMPT_MS;
    if (!ok) fprintf(stderr, "  pd_stream_next(0): status %d after %lld ms\n", (int)st, (long long)took);
    pd_error_free(err);

    char out[16] = {0};
    size_t n = 0;
    while (ok && (st = pd_stream_next(s, PD_NO_TIMEOUT, &ch, NULL)) == PD_OK) {
        size_t len = 0;
        const uint8_t *d = pd_chunk_data(ch, &len);
        if (pd_chunk_stream(ch) == 1 && n + len < sizeof out) { memcpy(out + n, d, len); n += len; }
        pd_chunk_free(ch);
        ch = NULL;
    }
    ok = ok && st == PD_STREAM_END && strcmp(out, "x\n") == 0;
    /* After the end, a look says so at once. */
    ok = ok && pd_stream_next(s, 0, &ch, NULL) == PD_STREAM_END;
    pd_stream_free(s);
    CHECK(ok);
    return 0;
}

static int test_stream_next_zero_does_not_wait(void) {
    pd_container *box = make_box();
    CHECK(box);
    int r = stream_zero_in(box);
    drop_box(box);
    return r;
}

/* pd_process_wait(p, 0) on a running process looks and returns; it keeps running. */
static int wait_zero_in(pd_container *box) {
    pd_process *p = NULL;
    CHECK(pd_process_spawn(box, "sleep 30", NULL, &p, NULL) == PD_OK);
    pd_exec_result *r = (pd_exec_result *)(uintptr_t)0x1;
    pd_error *err = NULL;
    int64_t t0 = now_ms();
    pd_status st = pd_process_wait(p, 0, &r, &err);
    int64_t took = now_ms() - t0;
    int ok = st == PD_ERR_TIMEOUT && r == (pd_exec_result *)(uintptr_t)0x1 &&
             pd_error_code(err) == PD_ERR_TIMEOUT && took < PROMPT_MS;
    if (!ok) fprintf(stderr, "  pd_process_wait(0): status %d after %lld ms\n", (int)st, (long long)took);
    pd_error_free(err);
    bool running = false;
    ok = ok && pd_process_is_running(p, &running, NULL) == PD_OK && running;
    r = NULL;
    ok = pd_process_kill(p, 9, NULL) == PD_OK && ok;
    ok = ok && pd_process_wait(p, PD_NO_TIMEOUT, &r, NULL) == PD_OK && pd_exec_result_signal(r) == 9;
    pd_exec_result_free(r);
    pd_process_free(p);
    CHECK(ok);
    return 0;
}

static int test_process_wait_zero_does_not_wait(void) {
    pd_container *box = make_box();
    CHECK(box);
    int r = wait_zero_in(box);
    drop_box(box);
    return r;
}

int main(void) {
    if (open_client(NULL) != 0) return 1;
    RUN(test_limits_refuse_zero_and_take_no_limit);
    RUN(test_no_limit_runs_to_the_end);
    RUN(test_stream_next_zero_does_not_wait);
    RUN(test_process_wait_zero_does_not_wait);
    pd_client_free(client);
    fprintf(stderr, "%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
