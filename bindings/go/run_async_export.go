package pocketdock

// The Go function pd_run_async's trampoline (run_async.c) calls. A file with //export may
// only declare things in its preamble.

/*
#include "pocketdock.h"
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

//export pdgoOnDone
func pdgoOnDone(ud unsafe.Pointer, status C.pd_status, result *C.pd_exec_result, e *C.pd_error) {
	defer guardCallback("run done")
	run := cgo.Handle(uintptr(ud)).Value().(*asyncRun)
	if status != C.PD_OK {
		err := &Error{Op: run.op, Code: Code(status)}
		if e != nil { // owned by the library: read, not freed
			err.Code = Code(C.pd_error_code(e))
			if m := C.pd_error_message(e); m != nil {
				err.Message = C.GoString(m)
			}
			err.EngineStatus = int(C.pd_error_engine_status(e))
		}
		run.done(nil, err)
		return
	}
	run.done(readResult(result), nil)
}
