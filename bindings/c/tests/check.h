/* The small test harness the C tests share: CHECK fails the current test (it returns 1 from
 * it), RUN runs one test and counts it. Each test file includes this once. */
#ifndef POCKETDOCK_TEST_CHECK_H
#define POCKETDOCK_TEST_CHECK_H

#include <stdio.h>

static int passed, failed;

#define CHECK(cond)                                                           \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                   \
            return 1;                                                         \
        }                                                                     \
    } while (0)

#define RUN(test)                                                             \
    do {                                                                      \
        fprintf(stderr, "test %s ... ", #test);                               \
        if (test() == 0) {                                                    \
            passed++;                                                         \
            fprintf(stderr, "ok\n");                                          \
        } else {                                                              \
            failed++;                                                         \
            fprintf(stderr, "FAILED\n");                                      \
        }                                                                     \
    } while (0)

#endif
