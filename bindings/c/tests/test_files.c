/* C tests of the file functions (pd_file_*, pd_bytes, pd_file_listing) against the real
 * engine in POCKETDOCK_SOCKET, through one client opened by main. Built with -Wall -Wextra
 * -Werror and meant to run under valgrind, like test_pocketdock.c. Containers carry the
 * label pocketdock.test=c and are shut down by their test; host files live in a mkdtemp
 * directory that is removed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pocketdock.h"
#include "check.h"

static int write_read_list_in(pd_container *c) {
    const char *hello = "hello";
    CHECK(pd_file_write(c, "/tmp/c/a.txt", (const uint8_t *)hello, 5, NULL) == PD_OK);
    uint8_t bin[256];
    for (int i = 0; i < 256; i++) bin[i] = (uint8_t)i;
    CHECK(pd_file_write(c, "/tmp/c/b.bin", bin, sizeof bin, NULL) == PD_OK);

    pd_bytes *b = NULL;
    CHECK(pd_file_read(c, "/tmp/c/b.bin", &b, NULL) == PD_OK);
    size_t len = 0;
    const uint8_t *data = pd_bytes_data(b, &len);
    int same = len == sizeof bin && pd_bytes_len(b) == len && memcmp(data, bin, len) == 0;
    pd_bytes_free(b);
    CHECK(same);

    pd_file_listing *l = NULL;
    CHECK(pd_file_list(c, "/tmp/c", &l, NULL) == PD_OK);
    int listed = pd_file_list_len(l) == 2 && strcmp(pd_file_list_name(l, 0), "a.txt") == 0 &&
                 strcmp(pd_file_list_name(l, 1), "b.bin") == 0 &&
                 pd_file_list_kind(l, 0) == PD_FILE_KIND_FILE && pd_file_list_size(l, 0) == 5 &&
                 pd_file_list_size(l, 1) == 256 && pd_file_list_mode(l, 0) == 0644 &&
                 pd_file_list_name(l, 2) == NULL &&
                 pd_file_list_kind(l, 2) == PD_FILE_KIND_UNKNOWN;
    pd_file_list_free(l);
    CHECK(listed);

    /* Errors: the status to branch on, an error object, out-params untouched. */
    pd_bytes *untouched = (pd_bytes *)&untouched;
    pd_error *err = NULL;
    CHECK(pd_file_read(c, "/tmp/c/missing", &untouched, &err) == PD_ERR_FILE_NOT_FOUND);
    CHECK(pd_error_code(err) == PD_ERR_FILE_NOT_FOUND);
    CHECK(strstr(pd_error_message(err), "/tmp/c/missing") != NULL);
    pd_error_free(err);
    CHECK(untouched == (pd_bytes *)&untouched);
    CHECK(pd_file_read(c, "/tmp/c", &untouched, NULL) == PD_ERR_INVALID_ARGUMENT);
    pd_file_listing *l2 = NULL;
    CHECK(pd_file_list(c, "/tmp/c/a.txt", &l2, NULL) == PD_ERR_INVALID_ARGUMENT);
    CHECK(l2 == NULL);
    return 0;
}

static int test_write_read_list(void) {
    pd_container *c = make_box();
    CHECK(c != NULL);
    int r = write_read_list_in(c);
    drop_box(c);
    return r;
}

static int push_pull_in(pd_container *c, const char *host) {
    char src[512], in[600], back[512], out[600];
    snprintf(src, sizeof src, "%s/tree", host);
    snprintf(in, sizeof in, "%s/run.sh", src);
    snprintf(back, sizeof back, "%s/back", host);
    snprintf(out, sizeof out, "%s/run.sh", back);
    CHECK(mkdir(src, 0755) == 0);
    FILE *f = fopen(in, "w");
    CHECK(f != NULL);
    fputs("#!/bin/sh\necho ran\n", f);
    fclose(f);
    CHECK(chmod(in, 0755) == 0);

    /* A directory onto a missing path becomes that path; back onto a missing host path. */
    CHECK(pd_file_push(c, src, "/tmp/pushed", NULL) == PD_OK);
    CHECK(pd_file_pull(c, "/tmp/pushed", back, NULL) == PD_OK);
    struct stat st;
    CHECK(stat(out, &st) == 0);
    CHECK((st.st_mode & 0777) == 0755);
    CHECK(st.st_size == 19);
    CHECK(pd_file_pull(c, "/tmp/nothing-here", back, NULL) == PD_ERR_FILE_NOT_FOUND);
    CHECK(pd_file_push(c, "/nonexistent/host/path", "/tmp/x", NULL) == PD_ERR_FILE_NOT_FOUND);
    unlink(out);
    rmdir(back);
    unlink(in);
    rmdir(src);
    return 0;
}

static int test_push_pull(void) {
    char host[] = "/tmp/pd-c-files-XXXXXX";
    CHECK(mkdtemp(host) != NULL);
    pd_container *c = make_box();
    int r = c ? push_pull_in(c, host) : 1;
    if (c) drop_box(c);
    rmdir(host);
    return r;
}

static int test_bad_arguments(void) {
    pd_error *err = NULL;
    CHECK(pd_file_write(NULL, "/tmp/x", NULL, 0, &err) == PD_ERR_INVALID_ARGUMENT);
    CHECK(pd_error_code(err) == PD_ERR_INVALID_ARGUMENT);
    pd_error_free(err);
    pd_bytes *b = NULL;
    CHECK(pd_file_read(NULL, "/tmp/x", &b, NULL) == PD_ERR_INVALID_ARGUMENT);
    CHECK(b == NULL);
    CHECK(pd_file_list(NULL, NULL, NULL, NULL) == PD_ERR_INVALID_ARGUMENT);
    CHECK(pd_file_push(NULL, NULL, NULL, NULL) == PD_ERR_INVALID_ARGUMENT);
    CHECK(pd_file_pull(NULL, NULL, NULL, NULL) == PD_ERR_INVALID_ARGUMENT);
    size_t len = 7;
    CHECK(pd_bytes_data(NULL, &len) == NULL && len == 0);
    CHECK(pd_bytes_len(NULL) == 0);
    CHECK(pd_file_list_len(NULL) == 0);
    CHECK(pd_file_list_name(NULL, 0) == NULL);
    pd_bytes_free(NULL);
    pd_file_list_free(NULL);
    return 0;
}

int main(void) {
    if (open_client(NULL) != 0) return 1;
    RUN(test_bad_arguments);
    RUN(test_write_read_list);
    RUN(test_push_pull);
    pd_client_free(client);
    fprintf(stderr, "%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
