/* C tests of the pocketdock ABI against the real engine in POCKETDOCK_SOCKET, through one
 * client opened by main. Built with -Wall -Wextra -Werror and run under valgrind by
 * scripts/test-c. Every container carries the label pocketdock.test=c and is shut down by
 * its test. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pocketdock.h"
#include "check.h"

/* Runs `cmd` with optional lang and timeout (0 = default); NULL on failure. */
static pd_exec_result *run(pd_container *c, const char *cmd, const char *lang, int64_t timeout_ms) {
    pd_run_opts *o = pd_run_opts_new();
    if (lang) pd_run_opts_set_lang(o, lang, NULL);
    if (timeout_ms) pd_run_opts_set_timeout_ms(o, timeout_ms, NULL);
    pd_exec_result *r = NULL;
    pd_error *err = NULL;
    if (pd_run(c, cmd, o, &r, &err) != PD_OK) {
        fprintf(stderr, "run failed: %s\n", pd_error_message(err));
        r = NULL;
    }
    pd_error_free(err);
    pd_run_opts_free(o);
    return r;
}

static int text_is(char *got, const char *want) {
    int same = got && strcmp(got, want) == 0;
    if (!same) fprintf(stderr, "  got %s%s%s, want \"%s\"\n", got ? "\"" : "", got ? got : "NULL", got ? "\"" : "", want);
    pd_string_free(got);
    return same;
}

static int test_echo_and_stderr(void) {
    pd_container *c = make_box();
    CHECK(c);
    pd_exec_result *r = run(c, "echo hello; echo warn >&2", NULL, 0);
    int ok = r && pd_exec_result_exit_code(r) == 0 && text_is(pd_exec_result_stdout_text(r), "hello\n") &&
             text_is(pd_exec_result_stderr_text(r), "warn\n") && !pd_exec_result_timed_out(r) &&
             !pd_exec_result_truncated(r);
    size_t len = 0;
    const uint8_t *bytes = r ? pd_exec_result_stdout(r, &len) : NULL;
    ok = ok && bytes && len == 6 && memcmp(bytes, "hello\n", 6) == 0;
    pd_exec_result_free(r);
    drop_box(c);
    CHECK(ok);
    return 0;
}

static int test_exit_42_and_python(void) {
    pd_container *c = make_box();
    CHECK(c);
    pd_exec_result *r = run(c, "exit 42", NULL, 0);
    int ok = r && pd_exec_result_exit_code(r) == 42;
    pd_exec_result_free(r);
    r = run(c, "print(sum(range(10)))", "python", 0);
    ok = ok && r && pd_exec_result_exit_code(r) == 0 && text_is(pd_exec_result_stdout_text(r), "45\n");
    pd_exec_result_free(r);
    drop_box(c);
    CHECK(ok);
    return 0;
}

static int test_timeout_kills_and_keeps_output(void) {
    pd_container *c = make_box();
    CHECK(c);
    pd_exec_result *r = run(c, "echo before; sleep 60 & sleep 60", NULL, 1000);
    int ok = r && pd_exec_result_timed_out(r) && pd_exec_result_exit_code(r) == -1 &&
             text_is(pd_exec_result_stdout_text(r), "before\n") && pd_exec_result_duration_ms(r) >= 1000;
    pd_exec_result_free(r);
    /* nothing of the run is left: no "sleep 60" process */
    r = run(c, "ps -eo args | grep -c '^sleep 6[0]' || true", NULL, 0);
    ok = ok && r && text_is(pd_exec_result_stdout_text(r), "0\n");
    pd_exec_result_free(r);
    drop_box(c);
    CHECK(ok);
    return 0;
}

static int test_truncation(void) {
    pd_container *c = make_box();
    CHECK(c);
    pd_run_opts *o = pd_run_opts_new();
    pd_run_opts_set_max_output(o, 1000, NULL);
    pd_exec_result *r = NULL;
    pd_status st = pd_run(c, "yes", o, &r, NULL);
    size_t len = 0;
    int ok = st == PD_OK && pd_exec_result_truncated(r) && pd_exec_result_stdout(r, &len) && len == 1000;
    pd_exec_result_free(r);
    pd_run_opts_free(o);
    drop_box(c);
    CHECK(ok);
    return 0;
}

static int test_missing_image(void) {
    pd_container_opts *o = test_opts();
    pd_container_opts_set_image(o, "pocketdock/no-such-image:1", NULL);
    pd_container *c = (pd_container *)(uintptr_t)0x1; /* must stay untouched */
    pd_error *err = NULL;
    pd_status st = pd_container_create(client, o, &c, &err);
    pd_container_opts_free(o);
    CHECK(st == PD_ERR_IMAGE_NOT_FOUND);
    CHECK(c == (pd_container *)(uintptr_t)0x1);
    CHECK(pd_error_code(err) == PD_ERR_IMAGE_NOT_FOUND);
    CHECK(strstr(pd_error_message(err), "no-such-image") != NULL);
    pd_error_free(err);
    return 0;
}

static int test_bad_mem_limit(void) {
    pd_container_opts *o = test_opts();
    pd_container_opts_set_mem_limit(o, "huge", NULL);
    pd_container *c = NULL;
    pd_status st = pd_container_create(client, o, &c, NULL);
    pd_container_opts_free(o);
    CHECK(st == PD_ERR_INVALID_ARGUMENT);
    CHECK(c == NULL);
    return 0;
}

static int test_shutdown_twice_and_run_after(void) {
    pd_container *c = make_box();
    CHECK(c);
    CHECK(pd_container_shutdown(c, NULL) == PD_OK);
    CHECK(pd_container_shutdown(c, NULL) == PD_OK);
    pd_exec_result *r = NULL;
    pd_status st = pd_run(c, "true", NULL, &r, NULL);
    pd_container_free(c);
    CHECK(st == PD_ERR_CONTAINER_NOT_FOUND || st == PD_ERR_CONTAINER_NOT_RUNNING);
    CHECK(r == NULL);
    return 0;
}

static int test_bad_input(void) {
    pd_error *err = NULL;
    pd_exec_result *r = NULL;
    CHECK(pd_run(NULL, "true", NULL, &r, &err) == PD_ERR_INVALID_ARGUMENT);
    CHECK(err && pd_error_code(err) == PD_ERR_INVALID_ARGUMENT);
    pd_error_free(err);
    CHECK(pd_container_create(client, NULL, NULL, NULL) == PD_ERR_INVALID_ARGUMENT);
    CHECK(pd_container_shutdown(NULL, NULL) == PD_ERR_INVALID_ARGUMENT);

    pd_run_opts *o = pd_run_opts_new();
    CHECK(pd_run_opts_set_timeout_ms(o, 0, NULL) == PD_ERR_INVALID_ARGUMENT);
    CHECK(pd_run_opts_set_lang(o, NULL, NULL) == PD_ERR_INVALID_ARGUMENT);
    CHECK(pd_run_opts_set_lang(o, "brainfuck", NULL) == PD_ERR_INVALID_ARGUMENT);
    const char bad_utf8[] = {'p', (char)0xc3, (char)0x28, 0};
    CHECK(pd_run_opts_set_lang(o, bad_utf8, NULL) == PD_ERR_INVALID_ARGUMENT);
    /* a run-options handle is not a container */
    CHECK(pd_run((pd_container *)(void *)o, "true", NULL, &r, NULL) == PD_ERR_INVALID_ARGUMENT);
    pd_run_opts_free(o);

    pd_container *c = make_box();
    CHECK(c);
    CHECK(pd_run(c, NULL, NULL, &r, NULL) == PD_ERR_INVALID_ARGUMENT);
    CHECK(pd_run(c, bad_utf8, NULL, &r, NULL) == PD_ERR_INVALID_ARGUMENT);
    CHECK(pd_run(c, "true", NULL, NULL, NULL) == PD_ERR_INVALID_ARGUMENT);
    CHECK(r == NULL);
    drop_box(c);

    pd_container_free(NULL);
    pd_container_opts_free(NULL);
    pd_run_opts_free(NULL);
    pd_exec_result_free(NULL);
    pd_error_free(NULL);
    pd_string_free(NULL);
    CHECK(pd_exec_result_exit_code(NULL) == -1);
    CHECK(pd_error_message(NULL) == NULL);
    return 0;
}

static int test_argv_stdin_and_accounting(void) {
    pd_container *c = make_box();
    CHECK(c);
    CHECK(pd_container_uses_agent(c));
    const char *argv[] = {"python3", "-c", "import sys; data = sys.stdin.read(); print(len(data), data.upper())"};
    pd_run_opts *o = pd_run_opts_new();
    const char input[] = "from stdin";
    CHECK(pd_run_opts_set_stdin(o, (const uint8_t *)input, strlen(input), NULL) == PD_OK);
    pd_exec_result *r = NULL;
    pd_status st = pd_run_argv(c, argv, 3, o, &r, NULL);
    pd_run_opts_free(o);
    int ok = st == PD_OK && pd_exec_result_exit_code(r) == 0 &&
             text_is(pd_exec_result_stdout_text(r), "10 FROM STDIN\n") &&
             pd_exec_result_cpu_user_us(r) >= 0 && pd_exec_result_peak_rss_bytes(r) > 1000000 &&
             pd_exec_result_signal(r) == 0 && !pd_exec_result_oom_killed(r);
    pd_exec_result_free(r);
    r = run(c, "kill -KILL $$", NULL, 0);
    ok = ok && r && pd_exec_result_signal(r) == 9 && pd_exec_result_exit_code(r) == 137;
    pd_exec_result_free(r);
    /* an argv entry that is not UTF-8 */
    const char bad[] = {(char)0xff, 0};
    const char *bad_argv[] = {"echo", bad};
    ok = ok && pd_run_argv(c, bad_argv, 2, NULL, &r, NULL) == PD_ERR_INVALID_ARGUMENT;
    ok = ok && pd_run_argv(c, NULL, 1, NULL, &r, NULL) == PD_ERR_INVALID_ARGUMENT;
    drop_box(c);
    CHECK(ok);
    return 0;
}

static int test_engine_exec_path(void) {
    pd_container_opts *o = test_opts();
    pd_container_opts_set_agent(o, false, NULL);
    pd_container *c = NULL;
    pd_status st = pd_container_create(client, o, &c, NULL);
    pd_container_opts_free(o);
    CHECK(st == PD_OK);
    int ok = !pd_container_uses_agent(c);
    pd_exec_result *r = run(c, "echo via engine", NULL, 0);
    ok = ok && r && text_is(pd_exec_result_stdout_text(r), "via engine\n") && pd_exec_result_cpu_user_us(r) == -1;
    pd_exec_result_free(r);
    drop_box(c);
    CHECK(ok);
    return 0;
}

static int test_stream(void) {
    pd_container *c = make_box();
    CHECK(c);
    pd_stream *s = NULL;
    char out[64] = {0}, err[64] = {0};
    size_t no = 0, ne = 0;
    pd_status st = PD_OK;
    int rounds = 0;
    CHECK(pd_run_stream(c, "echo a; sleep 0.3; echo b >&2; exit 5", NULL, &s, NULL) == PD_OK);
    for (rounds = 0; rounds < 200; rounds++) {
        pd_chunk *ch = NULL;
        st = pd_stream_next(s, 100, &ch, NULL);
        if (st == PD_ERR_TIMEOUT) continue;
        if (st != PD_OK) break;
        size_t len = 0;
        const uint8_t *d = pd_chunk_data(ch, &len);
        if (pd_chunk_stream(ch) == 1 && no + len < sizeof out) { memcpy(out + no, d, len); no += len; }
        if (pd_chunk_stream(ch) == 2 && ne + len < sizeof err) { memcpy(err + ne, d, len); ne += len; }
        pd_chunk_free(ch);
    }
    CHECK(st == PD_STREAM_END);
    CHECK(pd_stream_next(s, 0, &(pd_chunk *){NULL}, NULL) == PD_STREAM_END);
    pd_exec_result *r = NULL;
    CHECK(pd_stream_result(s, &r, NULL) == PD_OK);
    int ok = strcmp(out, "a\n") == 0 && strcmp(err, "b\n") == 0 && pd_exec_result_exit_code(r) == 5;
    pd_exec_result_free(r);
    pd_stream_free(s);
    /* cancel ends a long command */
    CHECK(pd_run_stream(c, "sleep 100", NULL, &s, NULL) == PD_OK);
    pd_stream_cancel(s);
    pd_stream_cancel(s);
    for (rounds = 0; rounds < 100; rounds++) {
        pd_chunk *ch = NULL;
        st = pd_stream_next(s, 100, &ch, NULL);
        pd_chunk_free(ch);
        if (st == PD_STREAM_END) break;
    }
    ok = ok && st == PD_STREAM_END;
    pd_stream_free(s);
    /* a stream freed early kills its command; result before the end is INVALID_STATE */
    CHECK(pd_run_stream(c, "sleep 100", NULL, &s, NULL) == PD_OK);
    ok = ok && pd_stream_result(s, &r, NULL) == PD_ERR_INVALID_STATE;
    pd_stream_free(s);
    ok = ok && pd_stream_next(NULL, 0, &(pd_chunk *){NULL}, NULL) == PD_ERR_INVALID_ARGUMENT;
    pd_stream_cancel(NULL);
    drop_box(c);
    CHECK(ok);
    return 0;
}

struct seen {
    char out[256];
    size_t n;
    int exit_code;
    int exits;
    int freed;
};

static void on_output(void *ud, int32_t stream, const uint8_t *data, size_t len) {
    struct seen *s = ud;
    if (stream == 1 && s->n + len < sizeof s->out) { memcpy(s->out + s->n, data, len); s->n += len; }
}

static void on_exit_cb(void *ud, const pd_exec_result *r) {
    struct seen *s = ud;
    s->exit_code = pd_exec_result_exit_code(r);
    s->exits++;
}

static void free_seen(void *ud) {
    ((struct seen *)ud)->freed++;
}

static int test_detached_process(void) {
    pd_container *c = make_box();
    CHECK(c);
    pd_process *p = NULL;
    CHECK(pd_process_spawn(c, "echo one; sleep 0.5; echo two; exit 3", NULL, &p, NULL) == PD_OK);
    struct seen seen = {{0}, 0, 0, 0, 0};
    CHECK(pd_process_set_callbacks(p, on_output, on_exit_cb, &seen, free_seen, NULL) == PD_OK);
    bool running = false;
    CHECK(pd_process_is_running(p, &running, NULL) == PD_OK && running);
    pd_exec_result *r = NULL;
    CHECK(pd_process_wait(p, 10000, &r, NULL) == PD_OK);
    int ok = pd_exec_result_exit_code(r) == 3;
    pd_exec_result_free(r);
    /* re-attach through a second container handle, as another process would */
    pd_container *c2 = NULL;
    CHECK(pd_container_open(client, pd_container_name(c), &c2, NULL) == PD_OK);
    pd_process *p2 = NULL;
    CHECK(pd_process_attach(c2, pd_process_id(p), &p2, NULL) == PD_OK);
    pd_output *o = NULL;
    CHECK(pd_process_read(p2, &o, NULL) == PD_OK);
    size_t len = 0;
    const uint8_t *d = pd_output_stdout(o, &len);
    ok = ok && len == 8 && memcmp(d, "one\ntwo\n", 8) == 0;
    pd_output_free(o);
    pd_process_list *l = NULL;
    CHECK(pd_container_list_processes(c2, &l, NULL) == PD_OK);
    ok = ok && pd_process_list_len(l) == 1 && pd_process_list_id(l, 0) == pd_process_id(p) &&
         !pd_process_list_running(l, 0) && pd_process_list_exit_code(l, 0) == 3 &&
         pd_process_list_exit_code(l, 5) == -1;
    pd_process_list_free(l);
    /* a long one, killed */
    pd_process *p3 = NULL;
    CHECK(pd_process_spawn(c2, "sleep 300", NULL, &p3, NULL) == PD_OK);
    ok = ok && pd_process_wait(p3, 200, &r, NULL) == PD_ERR_TIMEOUT;
    ok = ok && pd_process_kill(p3, 9, NULL) == PD_OK && pd_process_wait(p3, 10000, &r, NULL) == PD_OK &&
         pd_exec_result_signal(r) == 9;
    pd_exec_result_free(r);
    ok = ok && pd_process_kill(p3, 0, NULL) == PD_ERR_INVALID_ARGUMENT;
    /* callbacks: delivered in order on the callback thread, user data freed once */
    for (int i = 0; i < 100 && !seen.freed; i++) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    ok = ok && strcmp(seen.out, "one\ntwo\n") == 0 && seen.exits == 1 && seen.exit_code == 3 && seen.freed == 1;
    pd_process_free(p3);
    pd_process_free(p2);
    pd_process_free(p);
    pd_container_free(c2);
    drop_box(c);
    CHECK(ok);
    return 0;
}

static int test_strict(void) {
    pd_container_opts *o = test_opts();
    CHECK(pd_container_opts_use_strict(o, NULL) == PD_OK);
    CHECK(pd_container_opts_set_pids_limit(o, -1, NULL) == PD_ERR_INVALID_ARGUMENT);
    CHECK(pd_container_opts_set_pids_limit(o, 100, NULL) == PD_OK);
    CHECK(pd_container_opts_add_tmpfs(o, "/scratch", NULL, NULL) == PD_OK);
    CHECK(pd_container_opts_set_cap_drop_all(o, true, NULL) == PD_OK);
    CHECK(pd_container_opts_set_no_new_privileges(o, true, NULL) == PD_OK);
    CHECK(pd_container_opts_set_user(o, NULL, NULL) == PD_OK);
    pd_container *c = NULL;
    pd_status st = pd_container_create(client, o, &c, NULL);
    pd_container_opts_free(o);
    CHECK(st == PD_OK);
    char *json = NULL;
    CHECK(pd_container_info_json(c, &json, NULL) == PD_OK);
    int info_ok = strstr(json, "\"running\":true") && strstr(json, "\"network\":false");
    pd_string_free(json);
    CHECK(info_ok);
    pd_exec_result *r = run(c, "id -u; grep CapEff /proc/self/status; touch /x 2>/dev/null || echo ro; ls /sys/class/net", NULL, 0);
    int ok = r && text_is(pd_exec_result_stdout_text(r), "1000\nCapEff:\t0000000000000000\nro\nlo\n");
    pd_exec_result_free(r);
    drop_box(c);
    CHECK(ok);
    return 0;
}

static int test_session(void) {
    pd_container *c = make_box();
    CHECK(c);
    pd_session *s = NULL;
    CHECK(pd_session_open(c, NULL, &s, NULL) == PD_OK);
    pd_exec_result *r = NULL;
    CHECK(pd_session_send_and_wait(s, "cd /tmp; V=kept", 10000, &r, NULL) == PD_OK);
    pd_exec_result_free(r);
    CHECK(pd_session_send_and_wait(s, "echo $V $(pwd)", 10000, &r, NULL) == PD_OK);
    int ok = text_is(pd_exec_result_stdout_text(r), "kept /tmp\n");
    pd_exec_result_free(r);
    CHECK(pd_session_send_and_wait(s, "sleep 50", 500, &r, NULL) == PD_OK);
    ok = ok && pd_exec_result_timed_out(r);
    pd_exec_result_free(r);
    CHECK(pd_session_send(s, "echo later", NULL) == PD_OK);
    pd_output *o = NULL;
    size_t len = 0;
    for (int i = 0; i < 100 && len == 0; i++) {
        pd_output_free(o);
        o = NULL;
        CHECK(pd_session_read(s, &o, NULL) == PD_OK);
        pd_output_stdout(o, &len);
        if (len == 0) {
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    ok = ok && len == 6;
    pd_output_free(o);
    ok = ok && pd_session_send(NULL, "x", NULL) == PD_ERR_INVALID_ARGUMENT;
    CHECK(pd_session_close(s, NULL) == PD_OK);
    pd_session_free(s);
    pd_session_free(NULL);
    drop_box(c);
    CHECK(ok);
    return 0;
}

static int test_versions(void) {
    CHECK(pd_abi_version() == PD_ABI_VERSION);
    CHECK(strcmp(pd_version(), PD_VERSION) == 0);
    return 0;
}

int main(void) {
    if (open_client(NULL) != 0) return 1;
    RUN(test_versions);
    RUN(test_bad_input);
    RUN(test_echo_and_stderr);
    RUN(test_exit_42_and_python);
    RUN(test_timeout_kills_and_keeps_output);
    RUN(test_truncation);
    RUN(test_missing_image);
    RUN(test_bad_mem_limit);
    RUN(test_shutdown_twice_and_run_after);
    RUN(test_argv_stdin_and_accounting);
    RUN(test_engine_exec_path);
    RUN(test_stream);
    RUN(test_detached_process);
    RUN(test_strict);
    RUN(test_session);
    pd_client_free(client);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
