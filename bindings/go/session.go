package pocketdock

/*
#include "pdgo.h"
*/
import "C"

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Session is a persistent shell in the sandbox (bash, else sh; pd_session_*): the working
// directory and variables persist from one command to the next. It needs the agent. A
// Session is safe for concurrent use, but it runs one SendAndWait at a time (a second one
// meanwhile fails with ErrInvalidState).
type Session struct {
	mu      sync.RWMutex
	ptr     *C.pd_session
	cleanup runtime.Cleanup
	timeout time.Duration // the container's default timeout
	closed  atomic.Bool   // the shell was ended
}

func freeSession(p *C.pd_session) {
	freedByCleanup.Add(1)
	C.pd_session_free(p)
}

// OpenSession starts a persistent shell in the container (pd_session_open). Of the run
// options, WithRunEnv, WithRunWorkdir and WithRunUser apply. Close it to end the shell.
func (c *Container) OpenSession(ctx context.Context, opts ...RunOption) (*Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var cfg runConfig
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	o, _, err := c.runOpts(context.Background(), &cfg) // no deadline: nothing to cap
	if err != nil {
		return nil, err
	}
	defer C.pd_run_opts_free(o)
	var p *C.pd_session
	err = c.withHandle("open session", func(e **C.pd_error) C.pd_status {
		return C.pd_session_open(c.ptr, o, &p, e)
	})
	if err != nil {
		return nil, err
	}
	s := &Session{ptr: p, timeout: c.timeout}
	s.cleanup = runtime.AddCleanup(s, freeSession, p)
	return s, nil
}

func (s *Session) withHandle(op string, call func(e **C.pd_error) C.pd_status) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.ptr == nil {
		return errClosed(op, "session")
	}
	var e *C.pd_error
	st := call(&e)
	runtime.KeepAlive(s)
	if st != C.PD_OK {
		return takeError(op, st, e)
	}
	return nil
}

// Send writes input and a newline to the shell without waiting (pd_session_send); what it
// prints comes out through Read or the output callback.
func (s *Session) Send(ctx context.Context, input string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	cin, err := cString("session send", "input", input)
	if err != nil {
		return err
	}
	defer cFree(cin)
	return s.withHandle("session send", func(e **C.pd_error) C.pd_status {
		return C.pd_session_send(s.ptr, cin, e)
	})
}

// SendAndWait runs cmd in the shell and waits for it (pd_session_send_and_wait). Its
// timeout is the container's default (WithTimeout; NoTimeout: none), or ctx's deadline if
// sooner: on timeout the command is interrupted, the result has TimedOut set, the session
// stays usable, and (for a deadline) the error is context.DeadlineExceeded. Cancelling ctx
// without a deadline does not interrupt the command.
func (s *Session) SendAndWait(ctx context.Context, cmd string) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ccmd, err := cString("session send_and_wait", "command", cmd)
	if err != nil {
		return nil, err
	}
	defer cFree(ccmd)
	// The C call has no "container default" any more (0 is refused): pass the default the
	// binding knows.
	timeout := s.timeout
	capped := false
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); left > 0 && (timeout < 0 || left < timeout) {
			timeout, capped = left, true
		}
	}
	var r *C.pd_exec_result
	err = s.withHandle("session send_and_wait", func(e **C.pd_error) C.pd_status {
		return C.pd_session_send_and_wait(s.ptr, ccmd, millis(timeout), &r, e)
	})
	if err != nil {
		return nil, err
	}
	res := readResult(r)
	C.pd_exec_result_free(r)
	if capped && res.TimedOut {
		return res, context.DeadlineExceeded
	}
	return res, nil
}

// Read returns the shell's output not consumed by SendAndWait (from Send), marked read
// (pd_session_read).
func (s *Session) Read(ctx context.Context) (*Output, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var o *C.pd_output
	err := s.withHandle("session read", func(e **C.pd_error) C.pd_status {
		return C.pd_session_read(s.ptr, &o, e)
	})
	if err != nil {
		return nil, err
	}
	return takeOutput(o), nil
}

// SetCallbacks delivers the shell's output as it comes, and its exit, to callbacks
// (pd_session_set_callbacks), by the rules of (*Process).SetCallbacks.
func (s *Session) SetCallbacks(onOutput func(StreamKind, []byte), onExit func(*Result)) error {
	return s.withHandle("session set callbacks", func(e **C.pd_error) C.pd_status {
		h := newCallbackHandle(onOutput, onExit)
		// The library owns h from here (pdgoFreeUserData), even when this call fails.
		return C.pd_session_set_callbacks(s.ptr, C.pdgo_output_cb(onOutput != nil),
			C.pdgo_exit_cb(onExit != nil), C.pdgo_user_data(C.uintptr_t(h)), C.pdgo_free_cb(), e)
	})
}

// Close ends the shell (pd_session_close) and frees the handle. Idempotent: later calls
// return nil. The handle is freed even if ending the shell fails; that error is returned.
func (s *Session) Close() error {
	var err error
	if !s.closed.Load() {
		err = s.withHandle("session close", func(e **C.pd_error) C.pd_status {
			return C.pd_session_close(s.ptr, e)
		})
		if err == nil {
			s.closed.Store(true)
		}
	}
	s.Release()
	if isCode(err, CodeInvalidState) && s.closed.Load() {
		err = nil
	}
	return err
}

// Release frees the handle without ending the shell (pd_session_free). Idempotent.
func (s *Session) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ptr == nil {
		return
	}
	s.cleanup.Stop()
	C.pd_session_free(s.ptr)
	s.ptr = nil
}
