package pocketdock

/*
#include "pdgo.h"
pd_result_cb pdgo_result_cb(void);
*/
import "C"

import (
	"context"
	"runtime"
	"runtime/cgo"
	"unsafe"
)

// RunAsync starts cmd like Run and returns at once (pd_run_async); done gets the result, or
// the error, once the command is over, on the library's callback goroutine. No goroutine or
// thread waits for the command meanwhile. When RunAsync returns an error, done is never
// called. The Container may be closed before the end.
func (c *Container) RunAsync(cmd string, done func(*Result, error), opts ...RunOption) error {
	ccmd, err := cString("run_async", "command", cmd)
	if err != nil {
		return err
	}
	defer cFree(ccmd)
	return c.runAsync("run_async", opts, done, func(o *C.pd_run_opts, cb C.pd_result_cb, ud unsafe.Pointer, e **C.pd_error) C.pd_status {
		return C.pd_run_async(c.ptr, ccmd, o, cb, ud, C.pdgo_free_cb(), e)
	})
}

// RunArgvAsync is RunAsync for an argv, without a shell (pd_run_argv_async).
func (c *Container) RunArgvAsync(argv []string, done func(*Result, error), opts ...RunOption) error {
	return withCStrings("run_argv_async", "argv", argv, func(cargv **C.char, n C.size_t) error {
		return c.runAsync("run_argv_async", opts, done, func(o *C.pd_run_opts, cb C.pd_result_cb, ud unsafe.Pointer, e **C.pd_error) C.pd_status {
			return C.pd_run_argv_async(c.ptr, cargv, n, o, cb, ud, C.pdgo_free_cb(), e)
		})
	})
}

// asyncRun is what a RunAsync's user_data (a cgo.Handle, released by pdgoFreeUserData)
// refers to.
type asyncRun struct {
	op   string
	done func(*Result, error)
}

func (c *Container) runAsync(op string, opts []RunOption, done func(*Result, error),
	call func(o *C.pd_run_opts, cb C.pd_result_cb, ud unsafe.Pointer, e **C.pd_error) C.pd_status) error {
	var cfg runConfig
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	o, _, err := c.runOpts(context.Background(), &cfg)
	if err != nil {
		return err
	}
	defer C.pd_run_opts_free(o)
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.ptr == nil {
		return errClosed(op, "container")
	}
	liveCallbackHandles.Add(1)
	h := cgo.NewHandle(&asyncRun{op: op, done: done})
	var e *C.pd_error
	// The library owns h from here (pdgoFreeUserData), even when this call fails.
	st := call(o, C.pdgo_result_cb(), C.pdgo_user_data(C.uintptr_t(h)), &e)
	runtime.KeepAlive(c)
	if st != C.PD_OK {
		return takeError(op, st, e)
	}
	return nil
}
