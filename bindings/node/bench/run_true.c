/* run_true.c: the C baseline of bench/run-true.mjs. Creates one sandbox, runs `true` in it
 * WARMUP + N times with pd_run and prints each measured call's wall time in ms, one a line,
 * then a summary line:
 *   median=<ms> p95=<ms> mean=<ms> n=<N>
 * Usage: run_true N [WARMUP]   (engine: POCKETDOCK_SOCKET, as for every pocketdock program)
 * Built by bench/run-true.mjs:
 *   cc -O2 -I include -o run_true run_true.c -L target/release -lpocketdock -Wl,-rpath,...
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pocketdock.h"

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int fail(const char *what, pd_error *err) {
    fprintf(stderr, "%s failed: %s\n", what, err ? pd_error_message(err) : "(no detail)");
    pd_error_free(err);
    return 1;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 50;
    int warmup = argc > 2 ? atoi(argv[2]) : 3;
    if (n < 1) n = 1;
    double *t = calloc((size_t)n, sizeof *t);
    pd_error *err = NULL;
    pd_container *box = NULL;
    pd_client *client = NULL;

    if (pd_client_open(NULL, &client, &err) != PD_OK) return fail("pd_client_open", err);
    pd_container_opts *opts = pd_container_opts_new();
    pd_container_opts_add_label(opts, "pocketdock.bench", "node", NULL);
    pd_status st = pd_container_create(client, opts, &box, &err);
    pd_container_opts_free(opts);
    pd_client_free(client); /* the container holds what it needs */
    if (st != PD_OK) return fail("pd_container_create", err);

    int rc = 0;
    for (int i = -warmup; i < n; i++) {
        pd_exec_result *res = NULL;
        double t0 = now_ms();
        if (pd_run(box, "true", NULL, &res, &err) != PD_OK) {
            rc = fail("pd_run", err);
            break;
        }
        double dt = now_ms() - t0;
        int code = pd_exec_result_exit_code(res);
        pd_exec_result_free(res);
        if (code != 0) {
            fprintf(stderr, "true exited %d\n", code);
            rc = 1;
            break;
        }
        if (i >= 0) t[i] = dt;
    }
    pd_container_shutdown(box, NULL);
    pd_container_free(box);
    if (rc) return rc;

    double sum = 0;
    for (int i = 0; i < n; i++) {
        printf("%.4f\n", t[i]);
        sum += t[i];
    }
    qsort(t, (size_t)n, sizeof *t, cmp);
    int p95 = (int)((n - 1) * 0.95 + 0.5);
    printf("median=%.3f p95=%.3f mean=%.3f n=%d\n", t[(n - 1) / 2], t[p95], sum / n, n);
    free(t);
    return 0;
}
