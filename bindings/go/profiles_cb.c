// Trampoline for build progress: the exact pd_line_cb signature, calling the Go function
// exported by profiles_callbacks.go (declared in _cgo_export.h).
#include "pocketdock.h"
#include "_cgo_export.h"

static void on_line(void *ud, const char *line) { pdgoOnLine(ud, (char *)line); }

pd_line_cb pdgo_line_cb(void) { return on_line; }
