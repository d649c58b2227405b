/* hello.c: connect to an engine, create a sandbox, run a Python snippet in it, print the
 * result, shut it down.
 *
 *   cc -Wall -Wextra -o hello hello.c $(pkg-config --cflags --libs pocketdock)
 *
 * The engine is the one POCKETDOCK_SOCKET names, else the first found on the usual sockets.
 */
#include <stdio.h>
#include <stdlib.h>

#include "pocketdock.h"

static int fail(const char *what, pd_error *err) {
    fprintf(stderr, "%s failed: %s\n", what, err ? pd_error_message(err) : "(no detail)");
    pd_error_free(err);
    return 1;
}

/* Creates a sandbox on `client`, runs Python in it and removes it; returns the exit status. */
static int hello(const pd_client *client) {
    pd_error *err = NULL;
    pd_container *box = NULL;
    if (pd_container_create(client, NULL, &box, &err) != PD_OK)
        return fail("pd_container_create", err);
    printf("sandbox %s is running\n", pd_container_name(box));

    pd_run_opts *opts = pd_run_opts_new();
    pd_run_opts_set_lang(opts, "python", NULL);
    pd_exec_result *res = NULL;
    pd_status st = pd_run(box, "import sys; print('hello from python', sys.version.split()[0])",
                          opts, &res, &err);
    pd_run_opts_free(opts);
    if (st != PD_OK) {
        pd_container_shutdown(box, NULL);
        pd_container_free(box);
        return fail("pd_run", err);
    }
    char *out = pd_exec_result_stdout_text(res);
    printf("exit %d in %llu ms: %s", pd_exec_result_exit_code(res),
           (unsigned long long)pd_exec_result_duration_ms(res), out);
    int code = pd_exec_result_exit_code(res);
    pd_string_free(out);
    pd_exec_result_free(res);

    if (pd_container_shutdown(box, &err) != PD_OK) {
        pd_container_free(box);
        return fail("pd_container_shutdown", err);
    }
    pd_container_free(box);
    puts("sandbox removed");
    return code == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int main(void) {
    pd_error *err = NULL;
    pd_client *client = NULL;
    printf("pocketdock %s (ABI %u)\n", pd_version(), pd_abi_version());

    /* One client for the program: every container made from it shares its connection. */
    if (pd_client_open(NULL, &client, &err) != PD_OK) return fail("pd_client_open", err);
    pd_engine_info info;
    if (pd_client_engine_info(client, &info, &err) != PD_OK) {
        pd_client_free(client);
        return fail("pd_client_engine_info", err);
    }
    printf("engine %s %s on %s\n", info.kind == PD_ENGINE_PODMAN ? "podman" : "docker",
           info.version, info.socket);

    int code = hello(client);
    pd_client_free(client);
    return code;
}
