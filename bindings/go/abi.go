package pocketdock

/*
#cgo pkg-config: pocketdock
#include <stdlib.h>
#include "pocketdock.h"

// The binding was written against this ABI: a header that says otherwise must not compile.
_Static_assert(PD_ABI_VERSION == 2,
    "pocketdock.h has a PD_ABI_VERSION this Go binding was not written for: update bindings/go");
*/
import "C"

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unsafe"
)

// ABIVersion is the C ABI version (PD_ABI_VERSION) this binding was written for.
const ABIVersion = 2

// ErrABIMismatch is returned (wrapped, with both versions named) by every call that needs
// the library when the loaded libpocketdock reports another ABI version than ABIVersion.
var ErrABIMismatch = errors.New("pocketdock: C ABI version mismatch")

// Version returns the version of the loaded libpocketdock (pd_version), e.g. "0.1.0".
func Version() string {
	return C.GoString(C.pd_version())
}

// LibraryABIVersion returns the ABI version the loaded libpocketdock was built with
// (pd_abi_version).
func LibraryABIVersion() uint32 {
	return uint32(C.pd_abi_version())
}

// CheckABI reports whether the loaded library speaks the ABI this binding was written for.
// Every function that calls into the library checks it first (once per process), so
// calling it yourself is only needed to fail early, e.g. at program start.
func CheckABI() error { return abiOnce() }

var abiOnce = sync.OnceValue(func() error { return checkABI(LibraryABIVersion()) })

func checkABI(lib uint32) error {
	if lib == ABIVersion {
		return nil
	}
	return fmt.Errorf("%w: the loaded libpocketdock %s has pd_abi_version() = %d, but this Go "+
		"binding was written for PD_ABI_VERSION %d; build the binding and the library "+
		"from the same pocketdock release", ErrABIMismatch, Version(), lib, ABIVersion)
}

// cString copies s into C memory (free with C.free). A NUL inside s would silently cut the
// string short in C, so it is refused instead.
func cString(op, what, s string) (*C.char, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, &Error{Op: op, Code: CodeInvalidArgument,
			Message: what + " contains a NUL byte"}
	}
	return C.CString(s), nil
}

// cStringOrNil is cString, with "" meaning NULL (restore the default).
func cStringOrNil(op, what, s string) (*C.char, error) {
	if s == "" {
		return nil, nil
	}
	return cString(op, what, s)
}

func cFree(p *C.char) {
	if p != nil {
		C.free(unsafe.Pointer(p))
	}
}

// pdString copies a pocketdock-owned string out and frees it with pd_string_free.
func pdString(p *C.char) string {
	if p == nil {
		return ""
	}
	s := C.GoString(p)
	C.pd_string_free(p)
	return s
}
