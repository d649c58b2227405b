/* C tests of persistence (pd_container_resume/_stop_by_name/_destroy/_list/_reboot/
 * _snapshot, pd_prune) against the real engine in POCKETDOCK_SOCKET, named explicitly on the
 * one client main opens. Built with -Wall -Wextra -Werror and run under valgrind, like
 * test_files.c. Containers carry the label pocketdock.test=c and a project of this run's
 * own; every test destroys what it made. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pocketdock.h"
#include "check.h"

static char project[64];

/* A persistent container of this run's project; its name is copied to `name`. */
static pd_container *make_persistent(char *name, size_t cap) {
    pd_container_opts *o = pd_container_opts_new();
    pd_container_opts_add_label(o, "pocketdock.test", "c", NULL);
    pd_container_opts_set_persist(o, true, NULL);
    pd_container_opts_set_project(o, project, NULL);
    pd_container *c = NULL;
    pd_error *err = NULL;
    if (pd_container_create(client, o, &c, &err) != PD_OK) {
        fprintf(stderr, "create failed: %s\n", pd_error_message(err));
        c = NULL;
    } else {
        snprintf(name, cap, "%s", pd_container_name(c));
    }
    pd_error_free(err);
    pd_container_opts_free(o);
    return c;
}

/* The index of `name` in a listing, or -1. */
static long find(const pd_container_listing *l, const char *name) {
    for (size_t i = 0; i < pd_container_list_len(l); i++)
        if (strcmp(pd_container_list_name(l, i), name) == 0) return (long)i;
    return -1;
}

static int stdout_is(pd_container *c, const char *cmd, const char *want) {
    pd_exec_result *r = NULL;
    if (pd_run(c, cmd, NULL, &r, NULL) != PD_OK) return 0;
    size_t len = 0;
    const uint8_t *out = pd_exec_result_stdout(r, &len);
    int same = len == strlen(want) && memcmp(out, want, len) == 0;
    pd_exec_result_free(r);
    return same;
}

static int test_bad_arguments(void) {
    pd_container *c = (pd_container *)0x1;
    pd_error *err = NULL;
    CHECK(pd_container_resume(client, NULL, &c, &err) == PD_ERR_INVALID_ARGUMENT);
    CHECK(c == (pd_container *)0x1);
    CHECK(pd_error_code(err) == PD_ERR_INVALID_ARGUMENT);
    pd_error_free(err);
    CHECK(pd_container_destroy(client, "\xff", NULL) == PD_ERR_INVALID_ARGUMENT);
    CHECK(pd_container_reboot(NULL, false, NULL) == PD_ERR_INVALID_ARGUMENT);
    char *id = NULL;
    CHECK(pd_container_snapshot(NULL, "x:y", &id, NULL) == PD_ERR_INVALID_ARGUMENT);
    CHECK(id == NULL);
    CHECK(pd_container_list_len(NULL) == 0);
    CHECK(pd_container_list_name(NULL, 0) == NULL);
    pd_container_list_free(NULL);
    err = NULL;
    CHECK(pd_container_stop_by_name(client, "pd-c-no-such-container", &err) ==
          PD_ERR_CONTAINER_NOT_FOUND);
    pd_error_free(err);
    return 0;
}

static int test_persist_shutdown_resume(void) {
    char name[128];
    pd_container *c = make_persistent(name, sizeof name);
    CHECK(c != NULL);
    CHECK(stdout_is(c, "echo kept > marker && echo ok", "ok\n"));
    CHECK(pd_container_shutdown(c, NULL) == PD_OK);
    pd_container_free(c);

    pd_container_listing *l = NULL;
    CHECK(pd_container_list(client, project, &l, NULL) == PD_OK);
    long i = find(l, name);
    int listed = i >= 0 && strcmp(pd_container_list_status(l, (size_t)i), "exited") == 0 &&
                 pd_container_list_persist(l, (size_t)i) &&
                 strcmp(pd_container_list_project(l, (size_t)i), project) == 0 &&
                 pd_container_list_id(l, (size_t)i) != NULL &&
                 pd_container_list_image(l, (size_t)i) != NULL &&
                 pd_container_list_created_at(l, (size_t)i) != NULL;
    pd_container_list_free(l);
    CHECK(listed);

    pd_container *r = NULL;
    CHECK(pd_container_resume(client, name, &r, NULL) == PD_OK);
    int kept = stdout_is(r, "cat marker", "kept\n");
    CHECK(pd_container_reboot(r, false, NULL) == PD_OK);
    int kept_after_reboot = stdout_is(r, "cat marker", "kept\n");
    char old_id[80];
    snprintf(old_id, sizeof old_id, "%s", pd_container_id(r));
    CHECK(pd_container_reboot(r, true, NULL) == PD_OK);
    int new_id = strcmp(old_id, pd_container_id(r)) != 0;
    int fresh = stdout_is(r, "cat marker 2>/dev/null || echo fresh", "fresh\n");
    pd_container_free(r);
    CHECK(pd_container_destroy(client, name, NULL) == PD_OK);
    CHECK(kept && kept_after_reboot && new_id && fresh);
    pd_error *err = NULL;
    CHECK(pd_container_destroy(client, name, &err) == PD_ERR_CONTAINER_NOT_FOUND);
    pd_error_free(err);
    return 0;
}

static int test_stop_and_prune(void) {
    char name[128];
    pd_container *c = make_persistent(name, sizeof name);
    CHECK(c != NULL);
    pd_container_free(c);
    CHECK(pd_container_stop_by_name(client, name, NULL) == PD_OK);
    size_t n = 0;
    CHECK(pd_prune(client, project, &n, NULL) == PD_OK);
    CHECK(n == 1);
    pd_container_listing *l = NULL;
    CHECK(pd_container_list(client, project, &l, NULL) == PD_OK);
    size_t left = pd_container_list_len(l);
    pd_container_list_free(l);
    CHECK(left == 0);
    return 0;
}

int main(void) {
    snprintf(project, sizeof project, "pdtest-c-persist-%ld", (long)getpid());
    if (open_client(getenv("POCKETDOCK_SOCKET")) != 0) return 1;
    RUN(test_bad_arguments);
    RUN(test_persist_shutdown_resume);
    RUN(test_stop_and_prune);
    pd_client_free(client);
    fprintf(stderr, "%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
