package pocketdock

/*
#include "pocketdock.h"
*/
import "C"

import (
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Code is a pd_status: the kind of failure, stable across releases.
type Code int32

// The pd_status codes (numbers are part of the C ABI).
const (
	CodeOK                  Code = C.PD_OK
	CodeInvalidArgument     Code = C.PD_ERR_INVALID_ARGUMENT
	CodeEngineNotFound      Code = C.PD_ERR_ENGINE_NOT_FOUND
	CodeContainerNotFound   Code = C.PD_ERR_CONTAINER_NOT_FOUND
	CodeContainerNotRunning Code = C.PD_ERR_CONTAINER_NOT_RUNNING
	CodeContainerGone       Code = C.PD_ERR_CONTAINER_GONE
	CodeImageNotFound       Code = C.PD_ERR_IMAGE_NOT_FOUND
	CodeNameConflict        Code = C.PD_ERR_NAME_CONFLICT
	CodeTimeout             Code = C.PD_ERR_TIMEOUT
	CodeIO                  Code = C.PD_ERR_IO
	CodeEngine              Code = C.PD_ERR_ENGINE
	CodeInternal            Code = C.PD_ERR_INTERNAL
	CodePanic               Code = C.PD_ERR_PANIC
	CodeInvalidState        Code = C.PD_ERR_INVALID_STATE
	CodeFileNotFound        Code = C.PD_ERR_FILE_NOT_FOUND
	CodeBuildFailed         Code = C.PD_ERR_BUILD_FAILED
)

var codeNames = map[Code]string{
	CodeOK:                  "ok",
	CodeInvalidArgument:     "invalid argument",
	CodeEngineNotFound:      "engine not found",
	CodeContainerNotFound:   "container not found",
	CodeContainerNotRunning: "container not running",
	CodeContainerGone:       "container gone",
	CodeImageNotFound:       "image not found",
	CodeNameConflict:        "name conflict",
	CodeTimeout:             "timeout",
	CodeIO:                  "i/o error",
	CodeEngine:              "engine error",
	CodeInternal:            "internal error",
	CodePanic:               "panic in pocketdock",
	CodeInvalidState:        "invalid state",
	CodeFileNotFound:        "file not found",
	CodeBuildFailed:         "build failed",
}

// String names the code, e.g. "image not found".
func (c Code) String() string {
	if s, ok := codeNames[c]; ok {
		return s
	}
	return fmt.Sprintf("pd_status(%d)", int32(c))
}

// Error is a failure reported by libpocketdock (or refused by this binding before calling
// it). Compare with errors.Is against the Err* sentinels; read the fields with errors.As.
type Error struct {
	// Op is the operation that failed: "create", "run", "shutdown", "container option
	// image", ...
	Op string
	// Code is the pd_status to branch on.
	Code Code
	// Message is the library's description (from pd_error_message).
	Message string
	// EngineStatus is the engine's HTTP status behind a CodeEngine error, else 0.
	EngineStatus int

	// cause is a standard error this one also means (Unwrap): os.ErrClosed for a closed
	// handle, the context's error when a context deadline was the library's limit.
	cause error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("pocketdock: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	if e.Message != "" {
		b.WriteString(e.Message)
	} else {
		b.WriteString(e.Code.String())
	}
	if e.EngineStatus != 0 {
		fmt.Fprintf(&b, " (engine HTTP %d)", e.EngineStatus)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrImageNotFound) (any sentinel) match every *Error of that Code.
// A target with a Message, Op or EngineStatus set matches only itself. CodeFileNotFound
// also matches fs.ErrNotExist, as a missing file does everywhere in Go.
func (e *Error) Is(target error) bool {
	if target == fs.ErrNotExist {
		return e.Code == CodeFileNotFound
	}
	t, ok := target.(*Error)
	if !ok || t.Message != "" || t.Op != "" || t.EngineStatus != 0 {
		return false
	}
	return e.Code == t.Code
}

// Unwrap returns the standard error this one also means, if any: os.ErrClosed for a
// method of a closed handle, context.DeadlineExceeded when a context's deadline ended a
// call the library was timing (Connect).
func (e *Error) Unwrap() error { return e.cause }

// Sentinels, one per pd_status failure code: errors.Is(err, ErrImageNotFound).
var (
	ErrInvalidArgument     = &Error{Code: CodeInvalidArgument}
	ErrEngineNotFound      = &Error{Code: CodeEngineNotFound}
	ErrContainerNotFound   = &Error{Code: CodeContainerNotFound}
	ErrContainerNotRunning = &Error{Code: CodeContainerNotRunning}
	ErrContainerGone       = &Error{Code: CodeContainerGone}
	ErrImageNotFound       = &Error{Code: CodeImageNotFound}
	ErrNameConflict        = &Error{Code: CodeNameConflict}
	ErrTimeout             = &Error{Code: CodeTimeout}
	ErrIO                  = &Error{Code: CodeIO}
	ErrEngine              = &Error{Code: CodeEngine}
	ErrInternal            = &Error{Code: CodeInternal}
	ErrPanic               = &Error{Code: CodePanic}
	ErrInvalidState        = &Error{Code: CodeInvalidState}
	ErrFileNotFound        = &Error{Code: CodeFileNotFound} // also matches fs.ErrNotExist
	ErrBuildFailed         = &Error{Code: CodeBuildFailed}

	// ErrNotFound is ErrContainerNotFound.
	ErrNotFound = ErrContainerNotFound
)

// takeError turns a failed status and its pd_error (which it frees) into an *Error.
func takeError(op string, st C.pd_status, e *C.pd_error) error {
	err := &Error{Op: op, Code: Code(st)}
	if e != nil {
		err.Code = Code(C.pd_error_code(e))
		if m := C.pd_error_message(e); m != nil {
			err.Message = C.GoString(m)
		}
		err.EngineStatus = int(C.pd_error_engine_status(e))
		C.pd_error_free(e)
	}
	return err
}

// errClosed is what a method of a closed handle returns: ErrInvalidState, and os.ErrClosed.
func errClosed(op, what string) error {
	return &Error{Op: op, Code: CodeInvalidState, Message: what + " handle is closed", cause: os.ErrClosed}
}
