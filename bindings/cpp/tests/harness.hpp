// The C++ tests' harness: CHECK, RUN, the shared client and the labelled test options.
// Each test program includes it once.
#ifndef POCKETDOCK_TEST_HARNESS_HPP
#define POCKETDOCK_TEST_HARNESS_HPP

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>
#include <unistd.h>

#include "pocketdock.hpp"

namespace pd = pocketdock;
using namespace std::chrono_literals;

static int passed, failed;

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            std::fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            return 1;                                                                     \
        }                                                                                 \
    } while (0)

// Runs one test; an exception escaping it fails it, with the status and message.
template <class F>
static void run_test(const char* name, F f) {
    std::fprintf(stderr, "test %s ... ", name);
    int r = 1;
    try {
        r = f();
    } catch (const pd::Error& e) {
        std::fprintf(stderr, "\n  pocketdock::Error %d: %s\n", static_cast<int>(e.status()), e.what());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "\n  exception: %s\n", e.what());
    }
    (r == 0 ? passed : failed)++;
    std::fprintf(stderr, r == 0 ? "ok\n" : "FAILED\n");
}
#define RUN(test) run_test(#test, test)

// Options carrying the label scripts/test-c sweeps for.
static pd::ContainerOptions test_opts() {
    pd::ContainerOptions o;
    o.label("pocketdock.test", "c");
    return o;
}

static std::optional<pd::Client> client;

// Opens the client on POCKETDOCK_SOCKET; false (after saying why) if it cannot.
static bool open_client() {
    try {
        client = pd::Client::open();
        return true;
    } catch (const pd::Error& e) {
        std::cerr << "Client::open failed: " << e.what() << "\n";
        return false;
    }
}

// Frees the client and prints the tally; the program's exit status.
static int finish(const char* what) {
    client.reset();
    std::fprintf(stderr, "%s: %d passed, %d failed\n", what, passed, failed);
    return failed ? 1 : 0;
}

#endif  // POCKETDOCK_TEST_HARNESS_HPP
