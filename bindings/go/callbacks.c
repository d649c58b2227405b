// Trampolines with the exact C callback signatures, calling the Go functions exported by
// callbacks.go (declared in _cgo_export.h).
#include "pdgo.h"
#include "_cgo_export.h"

static void on_output(void *ud, int32_t stream, const uint8_t *data, size_t n) {
    pdgoOnOutput(ud, stream, (uint8_t *)data, n);
}

static void on_exit_cb(void *ud, const pd_exec_result *result) {
    pdgoOnExit(ud, (pd_exec_result *)result);
}

static void free_user_data(void *ud) { pdgoFreeUserData(ud); }

static void on_log(void *ud, int32_t level, const char *target, const char *message) {
    pdgoOnLog(ud, level, (char *)target, (char *)message);
}

pd_output_cb pdgo_output_cb(bool on) { return on ? on_output : NULL; }
pd_exit_cb pdgo_exit_cb(bool on) { return on ? on_exit_cb : NULL; }
pd_free_cb pdgo_free_cb(void) { return free_user_data; }
pd_log_cb pdgo_log_cb(void) { return on_log; }
void *pdgo_user_data(uintptr_t handle) { return (void *)handle; }
