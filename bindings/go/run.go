package pocketdock

/*
#include <stdlib.h>
#include "pocketdock.h"
*/
import "C"

import (
	"context"
	"io"
	"runtime"
	"strconv"
	"time"
	"unsafe"
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

// RunOption configures one run (Run, RunRaw, RunArgv, RunArgvRaw).
type RunOption func(*runConfig)

type runConfig struct {
	timeout    time.Duration // as asked for; only meaningful when timeoutSet
	timeoutSet bool          // false: the container's default
	// steps fill the pd_run_opts builder, in order; none (and no timeout) means NULL.
	steps []func(o *C.pd_run_opts) error
}

func (r *runConfig) add(step func(o *C.pd_run_opts) error) { r.steps = append(r.steps, step) }

// runStep calls one builder function and converts its failure.
func runStep(name string, call func(e **C.pd_error) C.pd_status) error {
	var e *C.pd_error
	if st := call(&e); st != C.PD_OK {
		return takeError("run option "+name, st, e)
	}
	return nil
}

// runStringStep is runStep for a builder function taking one string; "" passes NULL when
// nilIfEmpty.
func runStringStep(name, value string, nilIfEmpty bool, call func(s *C.char, e **C.pd_error) C.pd_status) error {
	conv := cString
	if nilIfEmpty {
		conv = cStringOrNil
	}
	s, err := conv("run option "+name, name, value)
	if err != nil {
		return err
	}
	defer cFree(s)
	return runStep(name, func(e **C.pd_error) C.pd_status { return call(s, e) })
}

// WithRunTimeout sets this run's timeout instead of the container's default (rounded up to
// whole milliseconds). When it fires the command and everything it started are killed; the
// result has TimedOut set and keeps the output produced so far. NoTimeout (any negative
// duration) means no limit; 0 is ErrInvalidArgument (see NoTimeout for the rule).
func WithRunTimeout(d time.Duration) RunOption {
	return func(r *runConfig) {
		r.timeout, r.timeoutSet = d, true
	}
}

// WithMaxOutput caps stdout+stderr at n bytes (default 10 MiB); beyond it output is
// dropped and the command killed, and the result has Truncated set.
func WithMaxOutput(n int) RunOption {
	return func(r *runConfig) {
		r.add(func(o *C.pd_run_opts) error {
			if n < 0 {
				return &Error{Op: "run option max_output", Code: CodeInvalidArgument,
					Message: "max_output must not be negative, got " + strconv.Itoa(n)}
			}
			return runStep("max_output", func(e **C.pd_error) C.pd_status {
				return C.pd_run_opts_set_max_output(o, C.size_t(n), e)
			})
		})
	}
}

// WithLang runs the command with this interpreter instead of sh (ignored by RunArgv).
func WithLang(l Lang) RunOption {
	return func(r *runConfig) {
		r.add(func(o *C.pd_run_opts) error {
			return runStringStep("lang", string(l), false, func(s *C.char, e **C.pd_error) C.pd_status {
				return C.pd_run_opts_set_lang(o, s, e)
			})
		})
	}
}

// WithRunEnv adds an environment variable for this run.
func WithRunEnv(key, value string) RunOption {
	return func(r *runConfig) {
		r.add(func(o *C.pd_run_opts) error {
			k, err := cString("run option env", "env key", key)
			if err != nil {
				return err
			}
			defer cFree(k)
			v, err := cString("run option env", "env value", value)
			if err != nil {
				return err
			}
			defer cFree(v)
			return runStep("env", func(e **C.pd_error) C.pd_status {
				return C.pd_run_opts_add_env(o, k, v, e)
			})
		})
	}
}

// WithRunWorkdir sets this run's working directory; "" keeps the container's.
func WithRunWorkdir(dir string) RunOption {
	return func(r *runConfig) {
		r.add(func(o *C.pd_run_opts) error {
			return runStringStep("workdir", dir, true, func(s *C.char, e **C.pd_error) C.pd_status {
				return C.pd_run_opts_set_workdir(o, s, e)
			})
		})
	}
}

// WithRunUser runs as this user: "name", "uid", "name:group" or "uid:gid"; "" keeps the
// image's user.
func WithRunUser(user string) RunOption {
	return func(r *runConfig) {
		r.add(func(o *C.pd_run_opts) error {
			return runStringStep("user", user, true, func(s *C.char, e **C.pd_error) C.pd_status {
				return C.pd_run_opts_set_user(o, s, e)
			})
		})
	}
}

// WithStdin writes data to the run's stdin (copied when the run starts), then closes it.
// Needs the agent (see WithAgent): an engine-exec run with stdin fails with
// ErrInvalidArgument. WithStdinFrom takes an io.Reader instead.
func WithStdin(data []byte) RunOption {
	return func(r *runConfig) {
		r.add(func(o *C.pd_run_opts) error { return setStdin(o, data) })
	}
}

func setStdin(o *C.pd_run_opts, data []byte) error {
	var p *C.uint8_t
	if len(data) > 0 {
		// A Go pointer passed for the call only; the library copies the bytes.
		p = (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(data)))
	}
	err := runStep("stdin", func(e **C.pd_error) C.pd_status {
		return C.pd_run_opts_set_stdin(o, p, C.size_t(len(data)), e)
	})
	runtime.KeepAlive(data)
	return err
}

// WithBufferSize sets how many bytes of a detached process's output the sandbox keeps
// (split between stdout and stderr; default 1 MiB, at least 2). Only Spawn uses it.
func WithBufferSize(n int) RunOption {
	return func(r *runConfig) {
		r.add(func(o *C.pd_run_opts) error {
			if n < 0 {
				return &Error{Op: "run option buffer_size", Code: CodeInvalidArgument,
					Message: "buffer_size must not be negative, got " + strconv.Itoa(n)}
			}
			return runStep("buffer_size", func(e **C.pd_error) C.pd_status {
				return C.pd_run_opts_set_buffer_size(o, C.size_t(n), e)
			})
		})
	}
}

// runOpts builds pd_run_opts for cfg (nil when everything is default: pd_run takes NULL).
// The timeout is capped by ctx's deadline, if it has one (a nil ctx, as older callers
// pass, means none); capped reports whether that happened.
func (c *Container) runOpts(ctx context.Context, cfg *runConfig) (o *C.pd_run_opts, capped bool, err error) {
	timeout, set := cfg.timeout, cfg.timeoutSet
	if ctx != nil {
		if dl, ok := ctx.Deadline(); ok {
			effective := c.timeout
			if set {
				effective = timeout
			}
			// A 0 timeout is left for the library to refuse, not replaced by the deadline.
			if left := time.Until(dl); left > 0 && (effective < 0 || left < effective) {
				timeout, set, capped = left, true, true
			}
		}
	}
	if !set && len(cfg.steps) == 0 {
		return nil, false, nil
	}
	o = C.pd_run_opts_new()
	if o == nil {
		return nil, false, &Error{Op: "run", Code: CodeInternal, Message: "pd_run_opts_new returned NULL"}
	}
	if set {
		err = runStep("timeout", func(e **C.pd_error) C.pd_status {
			return C.pd_run_opts_set_timeout_ms(o, millis(timeout), e)
		})
	}
	for _, step := range cfg.steps {
		if err != nil {
			break
		}
		err = step(o)
	}
	if err != nil {
		C.pd_run_opts_free(o)
		return nil, false, err
	}
	return o, capped, nil
}

// Run runs cmd in the sandbox and waits for it, returning its result copied into Go
// memory. A command that exits non-zero, times out or is truncated is not an error: see
// ExitCode, TimedOut and Truncated.
//
// Errors to branch on: ErrContainerNotFound, ErrContainerNotRunning, ErrContainerGone,
// ErrInvalidArgument. ctx is honoured throughout the run:
//   - a context that is already done fails the call before anything starts;
//   - a deadline sooner than the run's timeout becomes its timeout;
//   - cancelling ctx kills the command (and everything it started) in the sandbox.
//
// When ctx ends the run, Run returns the partial result together with ctx.Err().
//
// With a context that can never be cancelled (context.Background(), context.TODO()) Run
// is one pd_run call. Otherwise it runs the command as a stream (pd_run_stream) so that
// pd_stream_cancel can stop it, and assembles the output from the chunks; the result is
// the same.
func (c *Container) Run(ctx context.Context, cmd string, opts ...RunOption) (*Result, error) {
	if ctx.Done() != nil {
		return collectStream(c.RunStream(ctx, cmd, opts...))
	}
	return copied(c.RunRaw(ctx, cmd, opts...))
}

// RunArgv runs a program directly, without a shell (pd_run_argv, or pd_run_stream_argv
// for a cancellable ctx as in Run): argv[0] is looked up in PATH and every argument
// reaches it as is, with no quoting. It works in images without a shell when the agent is
// used. Otherwise as Run (WithLang is ignored).
func (c *Container) RunArgv(ctx context.Context, argv []string, opts ...RunOption) (*Result, error) {
	if ctx.Done() != nil {
		return collectStream(c.RunStreamArgv(ctx, argv, opts...))
	}
	return copied(c.RunArgvRaw(ctx, argv, opts...))
}

// collectStream reads a stream to its end and returns its result with the output.
func collectStream(s *Stream, err error) (*Result, error) {
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var stdout, stderr []byte
	for {
		// The stream's own context is wired to cancel the command, after which the rest
		// of the output and the end come: wait for them without slicing.
		ch, err := s.next(C.PD_NO_TIMEOUT)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if ch.Stream == Stderr {
			stderr = append(stderr, ch.Data...)
		} else {
			stdout = append(stdout, ch.Data...)
		}
	}
	res, err := s.Result()
	if res != nil {
		res.Stdout, res.Stderr = stdout, stderr
	}
	return res, err
}

func copied(r *ExecResult, err error) (*Result, error) {
	if r == nil {
		return nil, err
	}
	res := r.Result()
	r.Close()
	return res, err
}

// RunRaw runs cmd with pd_run and returns the library-owned result (pd_exec_result)
// instead of a copy: output stays in C memory until read, and the C text accessors are
// available. Close the ExecResult when done; a cleanup frees it if it becomes unreachable
// first. Unlike Run, RunRaw always makes one blocking pd_run call: ctx is checked before it
// and its deadline caps the run's timeout (the partial result then comes with ctx.Err()),
// but cancelling ctx does not interrupt it; it ends at the latest at its timeout.
func (c *Container) RunRaw(ctx context.Context, cmd string, opts ...RunOption) (*ExecResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ccmd, err := cString("run", "command", cmd)
	if err != nil {
		return nil, err
	}
	defer cFree(ccmd)
	return c.run(ctx, "run", opts, func(o *C.pd_run_opts, res **C.pd_exec_result, e **C.pd_error) C.pd_status {
		return C.pd_run(c.ptr, ccmd, o, res, e)
	})
}

// RunArgvRaw is RunArgv returning the library-owned result, as RunRaw does.
func (c *Container) RunArgvRaw(ctx context.Context, argv []string, opts ...RunOption) (*ExecResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var r *ExecResult
	err := withCStrings("run_argv", "argv", argv, func(cargv **C.char, n C.size_t) (err error) {
		r, err = c.run(ctx, "run_argv", opts, func(o *C.pd_run_opts, res **C.pd_exec_result, e **C.pd_error) C.pd_status {
			return C.pd_run_argv(c.ptr, cargv, n, o, res, e)
		})
		return err
	})
	return r, err
}

// withCStrings copies list (argv, image names, ...) into C memory (C strings and an array of
// pointers to them) for the duration of f; what names the list in errors.
func withCStrings(op, what string, list []string, f func(arr **C.char, n C.size_t) error) error {
	n := len(list)
	cargv := (**C.char)(C.calloc(C.size_t(max(n, 1)), C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	if cargv == nil {
		return &Error{Op: op, Code: CodeInternal, Message: "out of memory"}
	}
	slots := unsafe.Slice(cargv, max(n, 1))
	defer func() {
		for _, s := range slots {
			cFree(s)
		}
		C.free(unsafe.Pointer(cargv))
	}()
	for i, a := range list {
		s, err := cString(op, what+"["+strconv.Itoa(i)+"]", a)
		if err != nil {
			return err
		}
		slots[i] = s
	}
	return f(cargv, C.size_t(n))
}

// run builds the options, then makes the blocking call under the read lock.
func (c *Container) run(ctx context.Context, op string, opts []RunOption,
	call func(o *C.pd_run_opts, res **C.pd_exec_result, e **C.pd_error) C.pd_status) (*ExecResult, error) {
	var cfg runConfig
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	o, capped, err := c.runOpts(ctx, &cfg)
	if err != nil {
		return nil, err
	}
	defer C.pd_run_opts_free(o)

	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.ptr == nil {
		return nil, errClosed(op, "container")
	}
	var res *C.pd_exec_result
	var e *C.pd_error
	st := call(o, &res, &e)
	runtime.KeepAlive(c)
	if st != C.PD_OK {
		return nil, takeError(op, st, e)
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
