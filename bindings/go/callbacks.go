package pocketdock

// The Go functions the library's callback thread calls. A file with //export may only
// declare things in its preamble; the C trampolines that adapt the signatures live in
// callbacks.c.

/*
#include "pocketdock.h"
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
	"runtime/debug"
	"sync/atomic"
	"unsafe"
)

// callbackSet is what a cgo.Handle passed to C as user_data refers to.
type callbackSet struct {
	onOutput func(StreamKind, []byte)
	onExit   func(*Result)
}

// liveCallbackHandles counts callback handles the library has not released yet (tests).
var liveCallbackHandles atomic.Int64

// newCallbackHandle makes the user_data for a set of callbacks. The library releases it
// through pdgoFreeUserData, exactly once.
func newCallbackHandle(onOutput func(StreamKind, []byte), onExit func(*Result)) cgo.Handle {
	liveCallbackHandles.Add(1)
	return cgo.NewHandle(&callbackSet{onOutput: onOutput, onExit: onExit})
}

func callbackSetOf(ud unsafe.Pointer) *callbackSet {
	return cgo.Handle(uintptr(ud)).Value().(*callbackSet)
}

// guardCallback keeps a panic in a user callback from unwinding into the library's
// (Rust) frames, which is undefined behaviour: it is re-raised on a fresh goroutine, so an
// unrecovered panic still ends the program the Go way, with its message and stack.
func guardCallback(what string) {
	if r := recover(); r != nil {
		msg := fmt.Sprintf("pocketdock: panic in a %s callback: %v\n\n%s", what, r, debug.Stack())
		go panic(msg)
		select {} // the panic above ends the process; no further callback runs meanwhile
	}
}

//export pdgoOnOutput
func pdgoOnOutput(ud unsafe.Pointer, stream C.int32_t, data *C.uint8_t, n C.size_t) {
	defer guardCallback("output")
	if cb := callbackSetOf(ud); cb.onOutput != nil {
		cb.onOutput(StreamKind(stream), goBytes(data, n))
	}
}

//export pdgoOnExit
func pdgoOnExit(ud unsafe.Pointer, result *C.pd_exec_result) {
	defer guardCallback("exit")
	if cb := callbackSetOf(ud); cb.onExit != nil {
		if result == nil { // a failed stream (pd_stream_set_callbacks)
			cb.onExit(nil)
			return
		}
		cb.onExit(readResult(result))
	}
}

//export pdgoFreeUserData
func pdgoFreeUserData(ud unsafe.Pointer) {
	cgo.Handle(uintptr(ud)).Delete()
	liveCallbackHandles.Add(-1)
}
