package pocketdock

/*
#include <stdlib.h>
#include "pocketdock.h"
*/
import "C"

import (
	"context"
	"runtime"
	"strconv"
	"time"
)

// Lang is the interpreter a run's command is given to.
type Lang string

// The languages pd_run_opts_set_lang accepts.
const (
	LangSh     Lang = "sh" // the default: sh -c
	LangBash   Lang = "bash"
	LangPython Lang = "python"
	LangNode   Lang = "node"
)

// RunOption configures one Run.
type RunOption func(*runConfig)

type runConfig struct {
	timeout      time.Duration // 0: the container's default
	maxOutput    int
	maxOutputSet bool // false: the library's default (10 MiB)
	lang         Lang // "": sh
}

// WithRunTimeout sets this run's timeout (> 0; rounded up to whole milliseconds). When it
// fires the command and everything it started are killed; the result has TimedOut set and
// keeps the output produced so far.
func WithRunTimeout(d time.Duration) RunOption {
	return func(r *runConfig) {
		r.timeout = d
		if d == 0 {
			r.timeout = -1 // let the library refuse it rather than silently ignoring it
		}
	}
}

// WithMaxOutput caps stdout+stderr at n bytes (default 10 MiB); beyond it output is
// dropped and the command killed, and the result has Truncated set.
func WithMaxOutput(n int) RunOption {
	return func(r *runConfig) { r.maxOutput, r.maxOutputSet = n, true }
}

// WithLang runs the command with this interpreter instead of sh.
func WithLang(l Lang) RunOption {
	return func(r *runConfig) { r.lang = l }
}

// runOpts builds pd_run_opts for cfg (nil when everything is default: pd_run takes NULL).
// The timeout is capped by ctx's deadline; capped reports whether that happened.
func (c *Container) runOpts(ctx context.Context, cfg *runConfig) (o *C.pd_run_opts, capped bool, err error) {
	timeout := cfg.timeout
	if dl, ok := ctx.Deadline(); ok {
		effective := timeout
		if effective == 0 {
			effective = c.timeout
		}
		if left := time.Until(dl); left > 0 && left < effective {
			timeout, capped = left, true
		}
	}
	if timeout == 0 && !cfg.maxOutputSet && cfg.lang == "" {
		return nil, false, nil
	}
	o = C.pd_run_opts_new()
	if o == nil {
		return nil, false, &Error{Op: "run", Code: CodeInternal, Message: "pd_run_opts_new returned NULL"}
	}
	fail := func(err error) (*C.pd_run_opts, bool, error) {
		C.pd_run_opts_free(o)
		return nil, false, err
	}
	var e *C.pd_error
	if timeout != 0 {
		if st := C.pd_run_opts_set_timeout_ms(o, millis(timeout), &e); st != C.PD_OK {
			return fail(takeError("run option timeout", st, e))
		}
	}
	if cfg.maxOutputSet {
		if cfg.maxOutput < 0 {
			return fail(&Error{Op: "run option max_output", Code: CodeInvalidArgument,
				Message: "max_output must not be negative, got " + strconv.Itoa(cfg.maxOutput)})
		}
		if st := C.pd_run_opts_set_max_output(o, C.size_t(cfg.maxOutput), &e); st != C.PD_OK {
			return fail(takeError("run option max_output", st, e))
		}
	}
	if cfg.lang != "" {
		s, err := cString("run option lang", "lang", string(cfg.lang))
		if err != nil {
			return fail(err)
		}
		st := C.pd_run_opts_set_lang(o, s, &e)
		cFree(s)
		if st != C.PD_OK {
			return fail(takeError("run option lang", st, e))
		}
	}
	return o, capped, nil
}

// Run runs cmd in the sandbox and waits for it (pd_run), returning its result copied into
// Go memory. A command that exits non-zero, times out or is truncated is not an error:
// see ExitCode, TimedOut and Truncated.
//
// Errors to branch on: ErrContainerNotFound, ErrContainerNotRunning, ErrContainerGone,
// ErrInvalidArgument. ctx is checked before the call, and its deadline (if sooner than
// the run's timeout) becomes the run's timeout: if it fires, Run returns the partial
// result (TimedOut set) together with ctx.Err(). Cancelling ctx does not interrupt a run
// in flight; it ends at the latest at its timeout.
func (c *Container) Run(ctx context.Context, cmd string, opts ...RunOption) (*Result, error) {
	r, err := c.RunRaw(ctx, cmd, opts...)
	if r == nil {
		return nil, err
	}
	res := r.Result()
	r.Close()
	return res, err
}

// RunRaw is Run returning the library-owned result (pd_exec_result) instead of a copy:
// output stays in C memory until read, and the C text accessors are available. Close the
// ExecResult when done; a cleanup frees it if it becomes unreachable first.
func (c *Container) RunRaw(ctx context.Context, cmd string, opts ...RunOption) (*ExecResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var cfg runConfig
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	ccmd, err := cString("run", "command", cmd)
	if err != nil {
		return nil, err
	}
	defer cFree(ccmd)
	o, capped, err := c.runOpts(ctx, &cfg)
	if err != nil {
		return nil, err
	}
	defer C.pd_run_opts_free(o)

	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.ptr == nil {
		return nil, errClosed("run", "container")
	}
	var res *C.pd_exec_result
	var e *C.pd_error
	st := C.pd_run(c.ptr, ccmd, o, &res, &e)
	runtime.KeepAlive(c)
	if st != C.PD_OK {
		return nil, takeError("run", st, e)
	}
	r := newExecResult(res)
	if capped && r.TimedOut() {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		return r, context.DeadlineExceeded
	}
	return r, nil
}
