package pocketdock

// The Go function the library's callback thread calls with build progress. A file with
// //export may only declare things in its preamble; the trampoline is in profiles_cb.c.

/*
#include "pocketdock.h"
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

//export pdgoOnLine
func pdgoOnLine(ud unsafe.Pointer, line *C.char) {
	defer guardCallback("progress")
	if f, ok := cgo.Handle(uintptr(ud)).Value().(func(string)); ok && f != nil {
		f(C.GoString(line))
	}
}
