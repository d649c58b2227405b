/* C test of fork safety against the real engine in POCKETDOCK_SOCKET: a forked child of a
 * process that used the library gets PD_ERR_INVALID_STATE at once (its runtime threads were
 * not copied); after exec() the new program may use the library afresh; the parent goes on
 * working. The child is guarded by alarm(), so a hang fails the test instead of hanging CI.
 * Built with -Wall -Wextra -Werror and run under valgrind by scripts/test-c.
 *
 * The child ends by exec()ing this program again (with --after-exec), never by exit():
 * valgrind follows fork, and a forked child's leak check would count the runtime's memory,
 * reachable only from threads the child does not have, as lost. With --trace-children=no
 * (the default) the exec'd program runs outside valgrind. Containers carry the label
 * pocketdock.test=c. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pocketdock.h"
#include "check.h"

/* Generous, for valgrind on a loaded machine: a refusal takes milliseconds, a hang forever. */
#define CHILD_SECONDS 20

static int stdout_is(pd_container *c, const char *cmd, const char *want) {
    pd_exec_result *r = NULL;
    if (pd_run(c, cmd, NULL, &r, NULL) != PD_OK) return 0;
    char *out = pd_exec_result_stdout_text(r);
    int same = out && strcmp(out, want) == 0;
    pd_string_free(out);
    pd_exec_result_free(r);
    return same;
}

/* Whether a call returning `st` with `err` was refused as a forked child's; frees `err`. */
static int refused_in_child(pd_status st, pd_error *err) {
    const char *msg = pd_error_message(err);
    int ok = st == PD_ERR_INVALID_STATE && pd_error_code(err) == PD_ERR_INVALID_STATE && msg &&
             strstr(msg, "fork");
    if (!ok) fprintf(stderr, "  child: status %d, message %s\n", (int)st, msg ? msg : "NULL");
    pd_error_free(err);
    return ok;
}

/* The child's checks. It frees nothing of the parent's (the library's state here is a copy it
 * must not act on) and leaves by exec()ing `self`, passing the number of failures on. */
static void in_child(const char *self, pd_container *box) {
    alarm(CHILD_SECONDS);
    int failures = 0;
    pd_error *err = NULL;
    pd_client *c = (pd_client *)(uintptr_t)0x1;
    pd_status st = pd_client_open(NULL, &c, &err);
    failures += !refused_in_child(st, err) || c != (pd_client *)(uintptr_t)0x1;
    err = NULL;
    pd_exec_result *r = NULL;
    st = pd_run(box, "echo from the child", NULL, &r, &err);
    failures += !refused_in_child(st, err) || r != NULL;
    err = NULL;
    pd_container *other = NULL;
    st = pd_container_create(client, NULL, &other, &err);
    failures += !refused_in_child(st, err) || other != NULL;
    char n[16];
    snprintf(n, sizeof n, "%d", failures);
    execl(self, self, "--after-exec", n, (char *)NULL);
    perror("execl");
    _exit(127);
}

/* The program the child exec()s: exits with the child's failures if there were any, else
 * opens a client afresh (the library is new in this process) and exits 0 if that works. */
static int after_exec(const char *failures) {
    int n = atoi(failures);
    if (n != 0) return n;
    pd_client *c = NULL;
    pd_error *err = NULL;
    if (pd_client_open(NULL, &c, &err) != PD_OK) {
        fprintf(stderr, "  after exec: pd_client_open failed: %s\n", pd_error_message(err));
        pd_error_free(err);
        return 100;
    }
    pd_client_free(c);
    return 0;
}

static const char *self;

static int test_forked_child_is_refused(void) {
    pd_container_opts *o = pd_container_opts_new();
    pd_container_opts_add_label(o, "pocketdock.test", "c", NULL);
    pd_container *box = NULL;
    pd_status st = pd_container_create(client, o, &box, NULL);
    pd_container_opts_free(o);
    CHECK(st == PD_OK);
    int ok = stdout_is(box, "echo before", "before\n");

    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = ok ? fork() : -1;
    if (pid == 0) in_child(self, box);
    int status = 0;
    if (pid > 0 && waitpid(pid, &status, 0) != pid) ok = 0;
    if (pid > 0 && WIFSIGNALED(status))
        fprintf(stderr, "  child killed by signal %d%s\n", WTERMSIG(status),
                WTERMSIG(status) == SIGALRM ? " (it hung)" : "");
    else if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) != 0)
        fprintf(stderr, "  child exited %d\n", WEXITSTATUS(status));
    ok = ok && pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;

    /* The parent is unaffected: its container, its client, and a new client all work. */
    ok = stdout_is(box, "echo after", "after\n") && ok;
    pd_client *again = NULL;
    ok = pd_client_open(NULL, &again, NULL) == PD_OK && ok;
    pd_container_listing *l = NULL;
    ok = again && pd_container_list(again, NULL, &l, NULL) == PD_OK && ok;
    pd_container_list_free(l);
    pd_client_free(again);
    ok = pd_container_shutdown(box, NULL) == PD_OK && ok;
    pd_container_free(box);
    CHECK(ok);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--after-exec") == 0) return after_exec(argv[2]);
    self = argv[0]; /* not /proc/self/exe: under valgrind that is valgrind's own binary */
    if (open_client(NULL) != 0) return 1;
    RUN(test_forked_child_is_refused);
    pd_client_free(client);
    fprintf(stderr, "%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
