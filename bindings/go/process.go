package pocketdock

/*
#include "pdgo.h"
*/
import "C"

import (
	"context"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// Process is a detached command running in the sandbox (pd_process_*), started by Spawn
// or attached to by AttachProcess. It needs the agent. Closing the handle does not stop
// the process: Kill does. A Process is safe for concurrent use.
type Process struct {
	mu      sync.RWMutex
	ptr     *C.pd_process
	cleanup runtime.Cleanup
	id      uint32
}

// Output is what a process wrote since the handle last read it.
type Output struct {
	Stdout, Stderr []byte
}

// ProcessInfo describes one detached process of a container (pd_process_list_*).
type ProcessInfo struct {
	ID       uint32 // the process number inside its sandbox (for AttachProcess)
	PID      uint32 // its pid inside the sandbox
	Running  bool
	ExitCode int // -1 while it runs
}

func freeProcess(p *C.pd_process) {
	freedByCleanup.Add(1)
	C.pd_process_free(p)
}

func newProcess(p *C.pd_process) *Process {
	pr := &Process{ptr: p, id: uint32(C.pd_process_id(p))}
	pr.cleanup = runtime.AddCleanup(pr, freeProcess, p)
	return pr
}

// Spawn starts cmd in the background (pd_process_spawn) and returns at once. The run
// options apply, except that a timeout applies only if set (the context's deadline does
// not: it bounds the spawn call, not the process) and the output cap not at all: the
// sandbox keeps the newest WithBufferSize bytes.
func (c *Container) Spawn(ctx context.Context, cmd string, opts ...RunOption) (*Process, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ccmd, err := cString("spawn", "command", cmd)
	if err != nil {
		return nil, err
	}
	defer cFree(ccmd)
	return c.spawn("spawn", opts, func(o *C.pd_run_opts, p **C.pd_process, e **C.pd_error) C.pd_status {
		return C.pd_process_spawn(c.ptr, ccmd, o, p, e)
	})
}

// SpawnArgv is Spawn for a program run without a shell (pd_process_spawn_argv).
func (c *Container) SpawnArgv(ctx context.Context, argv []string, opts ...RunOption) (*Process, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var pr *Process
	err := withCStrings("spawn_argv", "argv", argv, func(cargv **C.char, n C.size_t) (err error) {
		pr, err = c.spawn("spawn_argv", opts, func(o *C.pd_run_opts, p **C.pd_process, e **C.pd_error) C.pd_status {
			return C.pd_process_spawn_argv(c.ptr, cargv, n, o, p, e)
		})
		return err
	})
	return pr, err
}

func (c *Container) spawn(op string, opts []RunOption,
	call func(o *C.pd_run_opts, p **C.pd_process, e **C.pd_error) C.pd_status) (*Process, error) {
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
	var p *C.pd_process
	err = c.withHandle(op, func(e **C.pd_error) C.pd_status { return call(o, &p, e) })
	if err != nil {
		return nil, err
	}
	return newProcess(p), nil
}

// AttachProcess opens a handle on detached process id of this container, whoever started
// it (pd_process_attach). Reads start at the oldest output still kept. A process that
// does not exist is ErrInvalidArgument.
func (c *Container) AttachProcess(ctx context.Context, id uint32) (*Process, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var p *C.pd_process
	err := c.withHandle("attach process", func(e **C.pd_error) C.pd_status {
		return C.pd_process_attach(c.ptr, C.uint32_t(id), &p, e)
	})
	if err != nil {
		return nil, err
	}
	return newProcess(p), nil
}

// Processes lists the container's detached processes, running and recently finished
// (pd_container_list_processes).
func (c *Container) Processes(ctx context.Context) ([]ProcessInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var l *C.pd_process_list
	err := c.withHandle("list processes", func(e **C.pd_error) C.pd_status {
		return C.pd_container_list_processes(c.ptr, &l, e)
	})
	if err != nil {
		return nil, err
	}
	defer C.pd_process_list_free(l)
	n := int(C.pd_process_list_len(l))
	infos := make([]ProcessInfo, n)
	for i := range infos {
		ci := C.size_t(i)
		infos[i] = ProcessInfo{
			ID:       uint32(C.pd_process_list_id(l, ci)),
			PID:      uint32(C.pd_process_list_pid(l, ci)),
			Running:  bool(C.pd_process_list_running(l, ci)),
			ExitCode: int(C.pd_process_list_exit_code(l, ci)),
		}
	}
	return infos, nil
}

// SetProcessCallbacks gives these callbacks to every detached process spawned through
// this Container from now on (pd_container_set_callbacks); two nils remove them. See
// (*Process).SetCallbacks for how they are called.
func (c *Container) SetProcessCallbacks(onOutput func(StreamKind, []byte), onExit func(*Result)) error {
	return c.withHandle("set callbacks", func(e **C.pd_error) C.pd_status {
		if onOutput == nil && onExit == nil {
			return C.pd_container_set_callbacks(c.ptr, nil, nil, nil, nil, e)
		}
		h := newCallbackHandle(onOutput, onExit)
		// From here the library owns h: it calls pdgoFreeUserData exactly once, even
		// when this call fails.
		return C.pd_container_set_callbacks(c.ptr, C.pdgo_output_cb(onOutput != nil),
			C.pdgo_exit_cb(onExit != nil), C.pdgo_user_data(C.uintptr_t(h)), C.pdgo_free_cb(), e)
	})
}

// withHandle makes one status-returning C call with the process handle held live.
func (p *Process) withHandle(op string, call func(e **C.pd_error) C.pd_status) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.ptr == nil {
		return errClosed(op, "process")
	}
	var e *C.pd_error
	st := call(&e)
	runtime.KeepAlive(p)
	if st != C.PD_OK {
		return takeError(op, st, e)
	}
	return nil
}

// ID is the process number inside its sandbox (pd_process_id), for AttachProcess.
func (p *Process) ID() uint32 { return p.id }

// Running asks the sandbox whether the process still runs (pd_process_is_running).
func (p *Process) Running(ctx context.Context) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	var running C.bool
	err := p.withHandle("process is_running", func(e **C.pd_error) C.pd_status {
		return C.pd_process_is_running(p.ptr, &running, e)
	})
	return bool(running), err
}

// waitSlice bounds each pd_process_wait when ctx can be cancelled, so that Wait notices
// the cancellation within about this long.
const waitSlice = 250 * time.Millisecond

// Wait waits for the process to end (pd_process_wait) and returns its result, with the
// output this handle had not read yet. If ctx ends first, Wait returns ctx.Err() and the
// process keeps running.
func (p *Process) Wait(ctx context.Context) (*Result, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		timeout := int64(C.PD_NO_TIMEOUT)
		if ctx.Done() != nil {
			slice := waitSlice
			if dl, ok := ctx.Deadline(); ok {
				slice = min(slice, time.Until(dl))
			}
			timeout = int64(millis(max(slice, time.Millisecond)))
		}
		var r *C.pd_exec_result
		err := p.withHandle("process wait", func(e **C.pd_error) C.pd_status {
			return C.pd_process_wait(p.ptr, C.int64_t(timeout), &r, e)
		})
		if err == nil {
			res := readResult(r)
			C.pd_exec_result_free(r)
			return res, nil
		}
		if timeout < 0 || !isCode(err, CodeTimeout) {
			return nil, err
		}
	}
}

// WaitTimeout waits at most d for the process to end (0 just looks; NoTimeout, any
// negative duration, waits without limit); if it still runs, the error matches ErrTimeout
// and the process keeps running.
func (p *Process) WaitTimeout(d time.Duration) (*Result, error) {
	var r *C.pd_exec_result
	err := p.withHandle("process wait", func(e **C.pd_error) C.pd_status {
		return C.pd_process_wait(p.ptr, millis(d), &r, e)
	})
	if err != nil {
		return nil, err
	}
	defer C.pd_exec_result_free(r)
	return readResult(r), nil
}

func isCode(err error, code Code) bool {
	pe, ok := err.(*Error)
	return ok && pe.Code == code
}

// Kill sends sig to the process and its group inside the sandbox (pd_process_kill);
// syscall.SIGKILL ends everything it started. Signalling a finished process is not an
// error.
func (p *Process) Kill(ctx context.Context, sig syscall.Signal) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return p.withHandle("process kill", func(e **C.pd_error) C.pd_status {
		return C.pd_process_kill(p.ptr, C.int32_t(sig), e)
	})
}

// Read returns the output written since this handle last read (at first, the oldest
// still kept) and marks it read (pd_process_read).
func (p *Process) Read(ctx context.Context) (*Output, error) {
	return p.output(ctx, "process read", func(o **C.pd_output, e **C.pd_error) C.pd_status {
		return C.pd_process_read(p.ptr, o, e)
	})
}

// Peek is Read without marking the output read (pd_process_peek).
func (p *Process) Peek(ctx context.Context) (*Output, error) {
	return p.output(ctx, "process peek", func(o **C.pd_output, e **C.pd_error) C.pd_status {
		return C.pd_process_peek(p.ptr, o, e)
	})
}

func (p *Process) output(ctx context.Context, op string,
	call func(o **C.pd_output, e **C.pd_error) C.pd_status) (*Output, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var o *C.pd_output
	if err := p.withHandle(op, func(e **C.pd_error) C.pd_status { return call(&o, e) }); err != nil {
		return nil, err
	}
	return takeOutput(o), nil
}

// takeOutput copies a pd_output into Go memory and frees it.
func takeOutput(o *C.pd_output) *Output {
	defer C.pd_output_free(o)
	var no, ne C.size_t
	so := C.pd_output_stdout(o, &no)
	se := C.pd_output_stderr(o, &ne)
	return &Output{Stdout: goBytes(so, no), Stderr: goBytes(se, ne)}
}

// BufferOverflow reports (sticky) that output was dropped from the sandbox's ring before
// this handle read it (pd_process_buffer_overflow).
func (p *Process) BufferOverflow() bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.ptr == nil {
		return false
	}
	v := bool(C.pd_process_buffer_overflow(p.ptr))
	runtime.KeepAlive(p)
	return v
}

// BufferSize is the ring buffer size the process was started with (attached handles: the
// default) (pd_process_buffer_size).
func (p *Process) BufferSize() int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.ptr == nil {
		return 0
	}
	v := int(C.pd_process_buffer_size(p.ptr))
	runtime.KeepAlive(p)
	return v
}

// SetCallbacks has the library call onOutput with the process's output (from the oldest
// byte still kept, then as it comes) and onExit once it ends (pd_process_set_callbacks).
// Either may be nil. They run on the library's single callback thread, one at a time and
// in order, for every handle of the process: keep them short (hand work to a goroutine),
// as a slow callback delays all others. The data slice is the callback's own copy. A panic
// in a callback ends the program, as in any goroutine.
func (p *Process) SetCallbacks(onOutput func(StreamKind, []byte), onExit func(*Result)) error {
	return p.withHandle("process set callbacks", func(e **C.pd_error) C.pd_status {
		h := newCallbackHandle(onOutput, onExit)
		// The library owns h from here: it calls pdgoFreeUserData exactly once, even when
		// this call fails.
		return C.pd_process_set_callbacks(p.ptr, C.pdgo_output_cb(onOutput != nil),
			C.pdgo_exit_cb(onExit != nil), C.pdgo_user_data(C.uintptr_t(h)), C.pdgo_free_cb(), e)
	})
}

// Close frees the handle (pd_process_free); the process keeps running. Idempotent; it
// always returns nil (it is an io.Closer).
func (p *Process) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ptr == nil {
		return nil
	}
	p.cleanup.Stop()
	C.pd_process_free(p.ptr)
	p.ptr = nil
	return nil
}
