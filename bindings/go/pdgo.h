/* C helpers of the Go binding (defined in callbacks.c). */
#ifndef POCKETDOCK_GO_H
#define POCKETDOCK_GO_H

#include <stdbool.h>
#include <stdint.h>

#include "pocketdock.h"

/* The trampolines to the exported Go callbacks (callbacks.go), or NULL when !on. */
pd_output_cb pdgo_output_cb(bool on);
pd_exit_cb pdgo_exit_cb(bool on);
pd_free_cb pdgo_free_cb(void);
pd_log_cb pdgo_log_cb(void);

/* A cgo.Handle travels through C as user_data: an integer, never a Go pointer. */
void *pdgo_user_data(uintptr_t handle);

#endif
