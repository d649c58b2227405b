/* C tests of the client handle (pd_client_opts_*, pd_client_open/_engine_info/_free) against
 * the real engine in POCKETDOCK_SOCKET: bad input to every function that takes a client, the
 * socket rules (only Unix sockets; an explicit socket is never replaced by another engine),
 * and containers outliving their client. Built with -Wall -Wextra -Werror and run under
 * valgrind by scripts/test-c. Containers carry the label pocketdock.test=c. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pocketdock.h"
#include "check.h"

/* A socket path that does not exist (its directory does not either). */
#define MISSING_SOCKET "/nonexistent/pd-c-test/engine.sock"

/* Where the calls below put their error, read by refused() once the call has returned. */
static pd_error *err;

/* Whether the call that returned `st` was refused with PD_ERR_INVALID_ARGUMENT saying `why`;
 * frees its error. */
static int refused(pd_status st, const char *why) {
    const char *msg = pd_error_message(err);
    int ok = st == PD_ERR_INVALID_ARGUMENT && pd_error_code(err) == PD_ERR_INVALID_ARGUMENT &&
             msg && strstr(msg, why);
    if (!ok) fprintf(stderr, "  status %d, message %s (want one with \"%s\")\n", (int)st, msg ? msg : "NULL", why);
    pd_error_free(err);
    return ok;
}

static int counted_lines, counted_frees;
static void count_line(void *ud, const char *line) { (void)ud; (void)line; counted_lines++; }
static void count_free(void *ud) { (void)ud; counted_frees++; }

/* Every function that takes a client refuses `bad` with PD_ERR_INVALID_ARGUMENT saying `why`
 * and leaves its out-params untouched. The other arguments are valid, so only the client is
 * to blame. */
static int every_client_call_refuses(const pd_client *bad, const char *why) {
    pd_engine_info info = {.kind = (pd_engine_kind)77, .version = "v", .api_version = "a", .socket = "s"};
    CHECK(refused(pd_client_engine_info(bad, &info, &err), why));
    CHECK(info.kind == 77 && strcmp(info.version, "v") == 0 && strcmp(info.socket, "s") == 0);

    pd_container *c = (pd_container *)(uintptr_t)0x1;
    CHECK(refused(pd_container_create(bad, NULL, &c, &err), why));
    CHECK(refused(pd_container_open(bad, "pd-c-none", &c, &err), why));
    CHECK(refused(pd_container_resume(bad, "pd-c-none", &c, &err), why));
    CHECK(c == (pd_container *)(uintptr_t)0x1);
    CHECK(refused(pd_container_stop_by_name(bad, "pd-c-none", &err), why));
    CHECK(refused(pd_container_destroy(bad, "pd-c-none", &err), why));

    pd_container_listing *l = (pd_container_listing *)(uintptr_t)0x1;
    CHECK(refused(pd_container_list(bad, NULL, &l, &err), why));
    CHECK(l == (pd_container_listing *)(uintptr_t)0x1);
    size_t n = 12345;
    CHECK(refused(pd_prune(bad, NULL, &n, &err), why));
    CHECK(n == 12345);

    /* The finalizer is called exactly once even when the build never starts, before return. */
    char *id = (char *)(uintptr_t)0x1;
    counted_lines = counted_frees = 0;
    CHECK(refused(pd_profile_build(bad, "minimal-python", NULL, count_line, NULL, count_free, &id, &err), why));
    CHECK(id == (char *)(uintptr_t)0x1 && counted_lines == 0 && counted_frees == 1);

    char file[] = "/tmp/pd-c-client-XXXXXX";
    int fd = mkstemp(file);
    CHECK(fd >= 0);
    close(fd);
    unlink(file); /* the export below must not create it */
    const char *images[] = {"pocketdock/minimal-python"};
    CHECK(refused(pd_image_export(bad, images, 1, file, &err), why));
    CHECK(access(file, F_OK) != 0);
    char *loaded = (char *)(uintptr_t)0x1;
    CHECK(refused(pd_image_import(bad, file, &loaded, &err), why));
    CHECK(loaded == (char *)(uintptr_t)0x1);
    CHECK(refused(pd_image_remove(bad, "pd-c-no-such-image", false, &err), why));
    bool exists = true;
    CHECK(refused(pd_image_exists(bad, "pocketdock/minimal-python", &exists, &err), why));
    CHECK(exists);
    char *report = (char *)(uintptr_t)0x1;
    CHECK(refused(pd_doctor(bad, NULL, false, &report, &err), why));
    CHECK(report == (char *)(uintptr_t)0x1);
    return 0;
}

static int test_null_client(void) {
    return every_client_call_refuses(NULL, "pd_client is NULL");
}

static int test_wrong_handle_type(void) {
    /* A client is not options, nor a container... */
    pd_client *c = (pd_client *)(uintptr_t)0x1;
    CHECK(refused(pd_client_open((const pd_client_opts *)(const void *)client, &c, &err), "not a live pd_client_opts"));
    CHECK(c == (pd_client *)(uintptr_t)0x1);
    pd_exec_result *res = NULL;
    CHECK(refused(pd_run((pd_container *)(void *)client, "true", NULL, &res, &err), "not a live pd_container"));
    CHECK(res == NULL);
    /* ...and options are not a client. */
    pd_client_opts *o = pd_client_opts_new();
    CHECK(o);
    int r = every_client_call_refuses((const pd_client *)(const void *)o, "not a live pd_client");
    pd_client_opts_free(o);
    return r;
}

static int test_null_options_and_outs(void) {
    CHECK(refused(pd_client_opts_set_socket(NULL, "/x.sock", &err), "pd_client_opts is NULL"));
    CHECK(refused(pd_client_opts_set_connect_timeout_ms(NULL, 1000, &err), "pd_client_opts is NULL"));
    CHECK(refused(pd_client_opts_set_project_dir(NULL, "/tmp", &err), "pd_client_opts is NULL"));
    CHECK(refused(pd_client_open(NULL, NULL, &err), "client_out is NULL"));
    CHECK(refused(pd_client_engine_info(client, NULL, &err), "info_out is NULL"));
    pd_client_opts *o = pd_client_opts_new();
    CHECK(o);
    pd_status st = pd_client_opts_set_project_dir(o, NULL, &err);
    pd_client_opts_free(o);
    CHECK(refused(st, "dir is NULL"));
    pd_client_free(NULL);
    pd_client_opts_free(NULL);
    return 0;
}

/* A socket that is not a Unix socket path is refused when set, and the refused value is not
 * kept: the options still open the default engine. */
static int test_bad_sockets_are_refused(void) {
    pd_client_opts *o = pd_client_opts_new();
    CHECK(o);
    const char bad_utf8[] = {'/', 't', 'm', 'p', '/', (char)0xff, '.', 's', 'o', 'c', 'k', 0};
    int ok = refused(pd_client_opts_set_socket(o, bad_utf8, &err), "UTF-8");
    ok = ok && refused(pd_client_opts_set_socket(o, "tcp://x", &err), "tcp://");
    ok = ok && refused(pd_client_opts_set_socket(o, "ssh://user@host", &err), "ssh://");
    ok = ok && refused(pd_client_opts_set_socket(o, "unix://", &err), "no socket path");
    pd_client *c = NULL;
    ok = ok && pd_client_open(o, &c, NULL) == PD_OK && c != NULL;
    pd_engine_info info;
    ok = ok && pd_client_engine_info(c, &info, NULL) == PD_OK &&
         strcmp(info.socket, getenv("POCKETDOCK_SOCKET")) == 0;
    pd_client_free(c);
    pd_client_opts_free(o);
    CHECK(ok);
    return 0;
}

/* The socket is named in ENGINE_NOT_FOUND, and nothing else was tried: the message names no
 * other socket, although live engines wait in `live` and on the usual paths. */
static int names_only_the_missing_socket(pd_status st, pd_client *c, const char *live) {
    const char *msg = pd_error_message(err);
    char rest[2048] = "";
    if (msg) snprintf(rest, sizeof rest, "%s", msg);
    /* Blank out the missing socket wherever it is named; no other socket may be left. */
    for (char *at = strstr(rest, MISSING_SOCKET); at; at = strstr(at, MISSING_SOCKET))
        memset(at, '_', strlen(MISSING_SOCKET));
    int ok = st == PD_ERR_ENGINE_NOT_FOUND && c == (pd_client *)(uintptr_t)0x1 &&
             pd_error_code(err) == PD_ERR_ENGINE_NOT_FOUND && msg && strstr(msg, MISSING_SOCKET) &&
             !strstr(rest, ".sock") && !strstr(rest, live);
    if (!ok) fprintf(stderr, "  status %d, message %s\n", (int)st, msg ? msg : "NULL");
    pd_error_free(err);
    err = NULL;
    return ok;
}

static int test_missing_socket_is_not_replaced(void) {
    pd_client_opts *o = pd_client_opts_new();
    CHECK(o);
    pd_client *c = (pd_client *)(uintptr_t)0x1;
    CHECK(pd_client_opts_set_socket(o, "unix://" MISSING_SOCKET, NULL) == PD_OK);
    pd_status st = pd_client_open(o, &c, &err);
    pd_client_opts_free(o);
    const char *live = getenv("POCKETDOCK_SOCKET");
    CHECK(names_only_the_missing_socket(st, c, live));

    /* The same through POCKETDOCK_SOCKET with default options. */
    char *saved = strdup(live);
    CHECK(saved);
    setenv("POCKETDOCK_SOCKET", MISSING_SOCKET, 1);
    st = pd_client_open(NULL, &c, &err);
    setenv("POCKETDOCK_SOCKET", saved, 1);
    int ok = names_only_the_missing_socket(st, c, saved);
    free(saved);
    CHECK(ok);
    return 0;
}

static int test_engine_info(void) {
    const char *sock = getenv("POCKETDOCK_SOCKET");
    pd_client_opts *o = pd_client_opts_new();
    CHECK(o);
    char url[512];
    snprintf(url, sizeof url, "unix://%s", sock);
    CHECK(pd_client_opts_set_socket(o, url, NULL) == PD_OK);
    pd_client *c = NULL;
    pd_status st = pd_client_open(o, &c, NULL);
    pd_client_opts_free(o);
    CHECK(st == PD_OK);
    pd_engine_info info;
    st = pd_client_engine_info(c, &info, NULL);
    pd_engine_kind want = strstr(sock, "podman") ? PD_ENGINE_PODMAN : PD_ENGINE_DOCKER;
    int ok = st == PD_OK && info.kind == want && info.version && info.version[0] && info.api_version &&
             strchr(info.api_version, '.') && info.socket && strcmp(info.socket, sock) == 0;
    pd_client_free(c);
    CHECK(ok);
    return 0;
}

/* A container holds what it needs of its client: the client may go first. */
static int test_container_outlives_client(void) {
    pd_client *c = NULL;
    CHECK(pd_client_open(NULL, &c, NULL) == PD_OK);
    pd_container_opts *o = pd_container_opts_new();
    pd_container_opts_add_label(o, "pocketdock.test", "c", NULL);
    pd_container *box = NULL;
    pd_status st = pd_container_create(c, o, &box, NULL);
    pd_container_opts_free(o);
    pd_client_free(c);
    CHECK(st == PD_OK);
    pd_exec_result *r = NULL;
    int ok = pd_run(box, "echo still here", NULL, &r, NULL) == PD_OK && pd_exec_result_exit_code(r) == 0;
    char *out = ok ? pd_exec_result_stdout_text(r) : NULL;
    ok = ok && out && strcmp(out, "still here\n") == 0;
    pd_string_free(out);
    pd_exec_result_free(r);
    ok = pd_container_shutdown(box, NULL) == PD_OK && ok;
    pd_container_free(box);
    CHECK(ok);
    return 0;
}

int main(void) {
    if (!getenv("POCKETDOCK_SOCKET")) {
        fprintf(stderr, "set POCKETDOCK_SOCKET to the engine to test\n");
        return 2;
    }
    if (open_client(NULL) != 0) return 1;
    RUN(test_null_client);
    RUN(test_wrong_handle_type);
    RUN(test_null_options_and_outs);
    RUN(test_bad_sockets_are_refused);
    RUN(test_missing_socket_is_not_replaced);
    RUN(test_engine_info);
    RUN(test_container_outlives_client);
    pd_client_free(client);
    fprintf(stderr, "%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
