// The trampoline of (*Container).RunAsync (run_async.go), calling the Go function it
// exports (declared in _cgo_export.h).
#include "pocketdock.h"
#include "_cgo_export.h"

static void on_done(void *ud, pd_status status, const pd_exec_result *result, const pd_error *err) {
    pdgoOnDone(ud, status, (pd_exec_result *)result, (pd_error *)err);
}

pd_result_cb pdgo_result_cb(void) { return on_done; }
