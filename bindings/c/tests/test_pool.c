/* C tests of the pool (pd_pool_opts_*, pd_pool_new/_acquire/_release/_stats/_shutdown/_free)
 * and of the engine set's plain create (pd_engine_set_*, over this engine and the other one)
 * against the real engine in POCKETDOCK_SOCKET: bad input to every entry point, and a pool's
 * life through the C ABI (warm acquire, a run, exhaustion, release, shutdown). Built with
 * -Wall -Wextra -Werror and run under valgrind and ASan by scripts/test-c. Members carry the
 * label pocketdock.test=c. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pocketdock.h"
#include "check.h"

static pd_error *err;

/* Whether the call that returned `st` failed with `want`; frees its error. */
static int failed_with(pd_status st, pd_status want) {
    int ok = st == want && pd_error_code(err) == want && pd_error_message(err) != NULL;
    if (!ok) fprintf(stderr, "  status %d (want %d): %s\n", (int)st, (int)want, err ? pd_error_message(err) : "-");
    pd_error_free(err);
    err = NULL;
    return ok;
}

static int bad_input_is_refused(void) {
    pd_pool_opts *o = pd_pool_opts_new();
    CHECK(o);
    CHECK(failed_with(pd_pool_opts_set_min_idle(NULL, 1, &err), PD_ERR_INVALID_ARGUMENT));
    CHECK(failed_with(pd_pool_opts_set_warmup(o, "\xff\xfe", &err), PD_ERR_INVALID_ARGUMENT));
    CHECK(failed_with(pd_pool_opts_set_container_opts(o, NULL, &err), PD_ERR_INVALID_ARGUMENT));
    CHECK(failed_with(pd_pool_opts_set_health_interval_ms(o, 0, &err), PD_ERR_INVALID_ARGUMENT));
    CHECK(failed_with(pd_pool_opts_add_engine(o, NULL, 1, 0, &err), PD_ERR_INVALID_ARGUMENT));
    CHECK(failed_with(pd_pool_opts_add_engine(o, client, 0, 0, &err), PD_ERR_INVALID_ARGUMENT));
    /* A handle of another type is not a pool. */
    CHECK(failed_with(pd_pool_opts_set_max_size((pd_pool_opts *)client, 1, &err), PD_ERR_INVALID_ARGUMENT));

    pd_pool *p = (pd_pool *)(uintptr_t)0x1;
    /* No engine at all; then sizes that cannot work. */
    CHECK(failed_with(pd_pool_new(NULL, o, &p, &err), PD_ERR_INVALID_ARGUMENT));
    pd_pool_opts_set_max_size(o, 0, NULL);
    CHECK(failed_with(pd_pool_new(client, o, &p, &err), PD_ERR_INVALID_ARGUMENT));
    pd_pool_opts_set_max_size(o, 2, NULL);
    pd_pool_opts_set_min_idle(o, 3, NULL);
    CHECK(failed_with(pd_pool_new(client, o, &p, &err), PD_ERR_INVALID_ARGUMENT));
    CHECK(failed_with(pd_pool_new(client, o, NULL, &err), PD_ERR_INVALID_ARGUMENT));
    CHECK(p == (pd_pool *)(uintptr_t)0x1);
    pd_pool_opts_free(o);

    pd_container *c = NULL;
    pd_pool_stats s;
    CHECK(failed_with(pd_pool_acquire(NULL, 0, &c, &err), PD_ERR_INVALID_ARGUMENT));
    CHECK(failed_with(pd_pool_release(NULL, NULL, &err), PD_ERR_INVALID_ARGUMENT));
    CHECK(failed_with(pd_pool_get_stats(NULL, &s, &err), PD_ERR_INVALID_ARGUMENT));
    CHECK(failed_with(pd_pool_shutdown(NULL, &err), PD_ERR_INVALID_ARGUMENT));
    CHECK(pd_pool_id(NULL) == NULL);
    pd_pool_free(NULL);
    pd_pool_opts_free(NULL);
    return 0;
}

static int a_pool_hands_out_warm_sandboxes(void) {
    pd_pool_opts *o = pd_pool_opts_new();
    pd_container_opts *co = test_opts();
    CHECK(pd_pool_opts_set_container_opts(o, co, &err) == PD_OK);
    pd_container_opts_free(co);
    pd_pool_opts_set_min_idle(o, 1, NULL);
    pd_pool_opts_set_max_size(o, 1, NULL);
    pd_pool *p = NULL;
    CHECK(pd_pool_new(client, o, &p, &err) == PD_OK);
    pd_pool_opts_free(o);
    CHECK(strncmp(pd_pool_id(p), "pool-", 5) == 0);

    pd_container *c = NULL;
    CHECK(pd_pool_acquire(p, 60000, &c, &err) == PD_OK);
    pd_exec_result *r = NULL;
    CHECK(pd_run(c, "echo pooled", NULL, &r, &err) == PD_OK);
    size_t len = 0;
    const uint8_t *out = pd_exec_result_stdout(r, &len);
    CHECK(len == 7 && memcmp(out, "pooled\n", 7) == 0);
    pd_exec_result_free(r);

    /* max_size 1 and it is in use: "do not wait" fails at once. */
    pd_container *none = NULL;
    CHECK(failed_with(pd_pool_acquire(p, 0, &none, &err), PD_ERR_TIMEOUT));
    CHECK(none == NULL);

    pd_pool_stats s;
    CHECK(pd_pool_get_stats(p, &s, &err) == PD_OK);
    CHECK(s.in_use == 1 && s.created >= 1 && s.acquire_p50_us > 0);

    CHECK(pd_pool_release(p, c, &err) == PD_OK);
    CHECK(failed_with(pd_pool_release(p, c, &err), PD_ERR_INVALID_ARGUMENT));
    pd_container_free(c);
    c = NULL;
    CHECK(pd_pool_acquire(p, 60000, &c, &err) == PD_OK);
    CHECK(pd_pool_shutdown(p, &err) == PD_OK);
    CHECK(pd_pool_shutdown(p, &err) == PD_OK);
    /* The member still held was removed with the pool. */
    CHECK(failed_with(pd_run(c, "true", NULL, &r, &err), PD_ERR_CONTAINER_NOT_FOUND));
    CHECK(failed_with(pd_pool_acquire(p, 0, &none, &err), PD_ERR_INVALID_STATE));
    pd_container_free(c);
    pd_pool_free(p);
    return 0;
}

/* The engine that is not POCKETDOCK_SOCKET's: POCKETDOCK_OTHER_SOCKET, else the other of the
 * two scripts/engine-up starts, else the same one. */
static const char *other_socket(void) {
    const char *other = getenv("POCKETDOCK_OTHER_SOCKET");
    if (other && *other) return other;
    const char *mine = getenv("POCKETDOCK_SOCKET");
    const char *podman = "/run/podman/podman.sock", *docker = "/run/pocketdock-docker.sock";
    if (mine && strcmp(mine, podman) == 0) return docker;
    return podman;
}

static int engine_set_bad_input_is_refused(void) {
    pd_engine_set *s = pd_engine_set_new();
    CHECK(s);
    pd_container *c = (pd_container *)(uintptr_t)0x1;
    size_t idx = 77;
    /* An empty set; NULL and foreign handles; weight 0. */
    CHECK(failed_with(pd_engine_set_create(s, NULL, &c, &idx, &err), PD_ERR_INVALID_ARGUMENT));
    CHECK(failed_with(pd_engine_set_create(NULL, NULL, &c, &idx, &err), PD_ERR_INVALID_ARGUMENT));
    CHECK(failed_with(pd_engine_set_add(NULL, client, 1, 0, &err), PD_ERR_INVALID_ARGUMENT));
    CHECK(failed_with(pd_engine_set_add(s, NULL, 1, 0, &err), PD_ERR_INVALID_ARGUMENT));
    CHECK(failed_with(pd_engine_set_add(s, client, 0, 0, &err), PD_ERR_INVALID_ARGUMENT));
    CHECK(failed_with(pd_engine_set_add((pd_engine_set *)client, client, 1, 0, &err), PD_ERR_INVALID_ARGUMENT));
    CHECK(pd_engine_set_add(s, client, 1, 0, &err) == PD_OK);
    CHECK(failed_with(pd_engine_set_create(s, NULL, NULL, &idx, &err), PD_ERR_INVALID_ARGUMENT));
    /* A refusal (a missing image) is returned as it is, not passed over as a down engine. */
    pd_container_opts *o = test_opts();
    pd_container_opts_set_image(o, "pocketdock/no-such-image-here", NULL);
    CHECK(failed_with(pd_engine_set_create(s, o, &c, &idx, &err), PD_ERR_IMAGE_NOT_FOUND));
    pd_container_opts_free(o);
    CHECK(c == (pd_container *)(uintptr_t)0x1 && idx == 77);
    pd_engine_set_free(s);
    pd_engine_set_free(NULL);
    return 0;
}

static int engine_set_creates_on_one_of_its_engines(void) {
    pd_client *other = NULL;
    pd_client_opts *co = pd_client_opts_new();
    CHECK(pd_client_opts_set_socket(co, other_socket(), &err) == PD_OK);
    CHECK(pd_client_open(co, &other, &err) == PD_OK);
    pd_client_opts_free(co);

    pd_engine_set *s = pd_engine_set_new();
    CHECK(pd_engine_set_add(s, client, 1, 0, &err) == PD_OK);
    CHECK(pd_engine_set_add(s, other, 1, 0, &err) == PD_OK);
    pd_client_free(other); /* the set holds it */
    pd_container_opts *o = test_opts();
    pd_container *c[2] = {NULL, NULL};
    size_t idx = 99;
    CHECK(pd_engine_set_create(s, o, &c[0], &idx, &err) == PD_OK);
    CHECK(idx == 0 || idx == 1);
    CHECK(pd_engine_set_create(s, o, &c[1], NULL, &err) == PD_OK); /* no index wanted */
    pd_container_opts_free(o);
    pd_engine_set_free(s); /* the containers hold their engines */
    for (int i = 0; i < 2; i++) {
        pd_exec_result *r = NULL;
        CHECK(pd_run(c[i], "echo placed", NULL, &r, &err) == PD_OK);
        size_t len = 0;
        const uint8_t *out = pd_exec_result_stdout(r, &len);
        CHECK(len == 7 && memcmp(out, "placed\n", 7) == 0);
        pd_exec_result_free(r);
        CHECK(pd_container_shutdown(c[i], &err) == PD_OK);
        pd_container_free(c[i]);
    }
    return 0;
}

int main(void) {
    if (open_client(NULL)) return 1;
    RUN(bad_input_is_refused);
    RUN(a_pool_hands_out_warm_sandboxes);
    RUN(engine_set_bad_input_is_refused);
    RUN(engine_set_creates_on_one_of_its_engines);
    pd_client_free(client);
    fprintf(stderr, "%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
