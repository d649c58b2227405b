/* driver.c: cross-compiles the Cortex-M program in firmware/ inside a pocketdock sandbox of
 * the embedded profile, and pulls the resulting .elf back to the host.
 *
 *   cc -Wall -Wextra -o embedded-driver driver.c $(pkg-config --cflags --libs pocketdock)
 *   ./embedded-driver [-label key=value] firmware out.elf
 *
 * Steps: options from the "embedded" profile (its image; network turned off here, since a
 * compile needs none), create, push firmware/ into the home directory, make, pull
 * build/firmware.elf, check it is a 32-bit little-endian ARM ELF, shut the sandbox down.
 * The engine is the one POCKETDOCK_SOCKET names, else the first found on the usual sockets.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pocketdock.h"

static int fail(const char *what, pd_error *err) {
    fprintf(stderr, "%s failed: %s\n", what, err ? pd_error_message(err) : "(no detail)");
    pd_error_free(err);
    return 1;
}

/* Runs `cmd` in the sandbox, printing its output; returns its exit code (-1: not run). */
static int run(pd_container *box, const char *cmd) {
    pd_error *err = NULL;
    pd_exec_result *res = NULL;
    pd_run_opts *opts = pd_run_opts_new();
    pd_run_opts_set_timeout_ms(opts, 120000, NULL);
    pd_status st = pd_run(box, cmd, opts, &res, &err);
    pd_run_opts_free(opts);
    if (st != PD_OK) {
        fail(cmd, err);
        return -1;
    }
    char *out = pd_exec_result_stdout_text(res), *errs = pd_exec_result_stderr_text(res);
    printf("$ %s\n%s%s", cmd, out, errs);
    int code = pd_exec_result_exit_code(res);
    pd_string_free(out);
    pd_string_free(errs);
    pd_exec_result_free(res);
    return code;
}

/* 0 when `path` starts with the ELF header of a 32-bit little-endian ARM executable. */
static int check_arm_elf(const char *path) {
    unsigned char h[20];
    FILE *f = fopen(path, "rb");
    if (!f) return perror(path), 1;
    size_t n = fread(h, 1, sizeof h, f);
    fclose(f);
    if (n < sizeof h || memcmp(h, "\x7f" "ELF", 4) != 0) return fprintf(stderr, "%s: not ELF\n", path), 1;
    unsigned machine = (unsigned)h[18] | (unsigned)h[19] << 8; /* e_machine, little-endian */
    printf("%s: ELF%s %s-endian, e_type %u, e_machine %u%s\n", path, h[4] == 1 ? "32" : "64",
           h[5] == 1 ? "little" : "big", (unsigned)h[16], machine, machine == 40 ? " (ARM)" : "");
    return h[4] == 1 && h[5] == 1 && machine == 40 ? 0 : 1;
}

int main(int argc, char **argv) {
    const char *label = NULL;
    if (argc > 2 && strcmp(argv[1], "-label") == 0) {
        label = argv[2];
        argc -= 2;
        argv += 2;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: embedded-driver [-label key=value] FIRMWARE_DIR OUT.elf\n");
        return 2;
    }
    const char *src = argv[1], *out = argv[2];
    pd_error *err = NULL;

    pd_container_opts *o = pd_container_opts_new();
    if (pd_container_opts_set_profile(o, "embedded", &err) != PD_OK) {
        pd_container_opts_free(o);
        return fail("profile", err);
    }
    pd_container_opts_set_network(o, false, NULL); /* the profile says on; a compile needs none */
    if (label) {
        char key[128];
        const char *eq = strchr(label, '=');
        size_t k = eq ? (size_t)(eq - label) : 0;
        if (!eq || k >= sizeof key) {
            pd_container_opts_free(o);
            return fprintf(stderr, "bad -label %s\n", label), 2;
        }
        memcpy(key, label, k);
        key[k] = '\0';
        pd_container_opts_add_label(o, key, eq + 1, NULL);
    }
    pd_client *client = NULL;
    if (pd_client_open(NULL, &client, &err) != PD_OK) {
        pd_container_opts_free(o);
        return fail("pd_client_open", err);
    }
    pd_container *box = NULL;
    pd_status st = pd_container_create(client, o, &box, &err);
    pd_container_opts_free(o);
    /* The sandbox holds what it needs of the client: nothing below uses the client itself. */
    pd_client_free(client);
    if (st != PD_OK) return fail("pd_container_create (is pocketdock/embedded built?)", err);
    printf("sandbox %s (profile embedded)\n", pd_container_name(box));

    int code = 1;
    if (pd_file_push(box, src, "/home/sandbox/firmware", &err) != PD_OK) {
        fail("pd_file_push", err);
    } else if (run(box, "make -C /home/sandbox/firmware") != 0) {
        fprintf(stderr, "the cross-compile failed\n");
    } else if (pd_file_pull(box, "/home/sandbox/firmware/build/firmware.elf", out, &err) != PD_OK) {
        fail("pd_file_pull", err);
    } else {
        code = check_arm_elf(out);
    }

    if (pd_container_shutdown(box, &err) != PD_OK) code = fail("pd_container_shutdown", err);
    pd_container_free(box);
    if (code == 0) printf("pulled %s; sandbox removed\n", out);
    return code;
}
