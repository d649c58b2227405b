package pocketdock

/*
#include "pocketdock.h"

// Everything a Result holds, read in one cgo crossing instead of eleven.
typedef struct {
	const uint8_t *out, *err;
	size_t out_len, err_len;
	uint64_t duration_ms;
	int64_t cpu_user_us, cpu_sys_us, peak_rss_bytes;
	int32_t exit_code, signal;
	bool timed_out, truncated, oom_killed;
} pdgo_result_view;

static void pdgo_result_read(const pd_exec_result *r, pdgo_result_view *v) {
	v->out = pd_exec_result_stdout(r, &v->out_len);
	v->err = pd_exec_result_stderr(r, &v->err_len);
	v->duration_ms = pd_exec_result_duration_ms(r);
	v->cpu_user_us = pd_exec_result_cpu_user_us(r);
	v->cpu_sys_us = pd_exec_result_cpu_sys_us(r);
	v->peak_rss_bytes = pd_exec_result_peak_rss_bytes(r);
	v->exit_code = pd_exec_result_exit_code(r);
	v->signal = pd_exec_result_signal(r);
	v->timed_out = pd_exec_result_timed_out(r);
	v->truncated = pd_exec_result_truncated(r);
	v->oom_killed = pd_exec_result_oom_killed(r);
}
*/
import "C"

import (
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// Result is the outcome of a run, copied into Go memory.
type Result struct {
	// ExitCode is the command's exit status; -1 when it was killed on timeout.
	ExitCode int
	// Stdout and Stderr are the command's output streams, kept separate.
	Stdout, Stderr []byte
	// DurationMs is the run's wall time in milliseconds.
	DurationMs uint64
	// TimedOut is true when the timeout fired and the command (and everything it started)
	// was killed; the output produced until then is kept.
	TimedOut bool
	// Truncated is true when output went over the cap: the rest was dropped and the
	// command killed.
	Truncated bool
	// Signal is the signal that ended the command (ExitCode is then 128+Signal), or 0.
	Signal int
	// OOMKilled is true when the kernel's OOM killer ended the command (agent runs only).
	OOMKilled bool
	// CPUUserUs and CPUSysUs are the run's user and system CPU time in microseconds, and
	// PeakRSSBytes its peak resident memory; each is -1 when unknown (engine-exec runs).
	CPUUserUs, CPUSysUs, PeakRSSBytes int64
}

// Duration is DurationMs as a time.Duration.
func (r *Result) Duration() time.Duration { return time.Duration(r.DurationMs) * time.Millisecond }

// ExecResult is a library-owned run result (pd_exec_result), from RunRaw. Its accessors
// read the C result; after Close they return zero values (ExitCode -1). It is safe for
// concurrent use, and it does not depend on its Container: either may be closed first.
type ExecResult struct {
	mu      sync.RWMutex
	ptr     *C.pd_exec_result
	cleanup runtime.Cleanup
}

func freeExecResult(p *C.pd_exec_result) {
	freedByCleanup.Add(1)
	C.pd_exec_result_free(p)
}

func newExecResult(p *C.pd_exec_result) *ExecResult {
	r := &ExecResult{ptr: p}
	r.cleanup = runtime.AddCleanup(r, freeExecResult, p)
	return r
}

// Close frees the C result. Idempotent; it always returns nil (it is an io.Closer).
func (r *ExecResult) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ptr == nil {
		return nil
	}
	r.cleanup.Stop()
	C.pd_exec_result_free(r.ptr)
	r.ptr = nil
	return nil
}

// read calls f with the live C handle under the read lock; it reports false after Close.
func (r *ExecResult) read(f func(p *C.pd_exec_result)) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.ptr == nil {
		return false
	}
	f(r.ptr)
	runtime.KeepAlive(r)
	return true
}

// ExitCode is the exit status; -1 when killed on timeout (or after Close).
func (r *ExecResult) ExitCode() int {
	code := -1
	r.read(func(p *C.pd_exec_result) { code = int(C.pd_exec_result_exit_code(p)) })
	return code
}

// goBytes copies n bytes at p into a new Go slice (nil for none).
func goBytes(p *C.uint8_t, n C.size_t) []byte {
	if p == nil || n == 0 {
		return nil
	}
	b := make([]byte, int(n))
	copy(b, unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n)))
	return b
}

// Stdout returns a copy of the standard output.
func (r *ExecResult) Stdout() []byte {
	var b []byte
	r.read(func(p *C.pd_exec_result) {
		var n C.size_t
		b = goBytes(C.pd_exec_result_stdout(p, &n), n)
	})
	return b
}

// Stderr returns a copy of the standard error.
func (r *ExecResult) Stderr() []byte {
	var b []byte
	r.read(func(p *C.pd_exec_result) {
		var n C.size_t
		b = goBytes(C.pd_exec_result_stderr(p, &n), n)
	})
	return b
}

// StdoutText is the standard output as text, converted by the library
// (pd_exec_result_stdout_text): invalid UTF-8 and NUL bytes become U+FFFD.
func (r *ExecResult) StdoutText() string {
	var s string
	r.read(func(p *C.pd_exec_result) { s = pdString(C.pd_exec_result_stdout_text(p)) })
	return s
}

// StderrText is StdoutText for the standard error.
func (r *ExecResult) StderrText() string {
	var s string
	r.read(func(p *C.pd_exec_result) { s = pdString(C.pd_exec_result_stderr_text(p)) })
	return s
}

// DurationMs is the run's wall time in milliseconds.
func (r *ExecResult) DurationMs() uint64 {
	var d uint64
	r.read(func(p *C.pd_exec_result) { d = uint64(C.pd_exec_result_duration_ms(p)) })
	return d
}

// TimedOut reports whether the timeout fired and the command was killed.
func (r *ExecResult) TimedOut() bool {
	var t bool
	r.read(func(p *C.pd_exec_result) { t = bool(C.pd_exec_result_timed_out(p)) })
	return t
}

// Truncated reports whether output went over the cap.
func (r *ExecResult) Truncated() bool {
	var t bool
	r.read(func(p *C.pd_exec_result) { t = bool(C.pd_exec_result_truncated(p)) })
	return t
}

// Signal is the signal that ended the command, or 0.
func (r *ExecResult) Signal() int {
	var s int
	r.read(func(p *C.pd_exec_result) { s = int(C.pd_exec_result_signal(p)) })
	return s
}

// OOMKilled reports whether the kernel's OOM killer ended the command (agent runs only).
func (r *ExecResult) OOMKilled() bool {
	var k bool
	r.read(func(p *C.pd_exec_result) { k = bool(C.pd_exec_result_oom_killed(p)) })
	return k
}

// CPUUserUs is the user CPU time in microseconds, -1 when unknown.
func (r *ExecResult) CPUUserUs() int64 {
	v := int64(-1)
	r.read(func(p *C.pd_exec_result) { v = int64(C.pd_exec_result_cpu_user_us(p)) })
	return v
}

// CPUSysUs is the system CPU time in microseconds, -1 when unknown.
func (r *ExecResult) CPUSysUs() int64 {
	v := int64(-1)
	r.read(func(p *C.pd_exec_result) { v = int64(C.pd_exec_result_cpu_sys_us(p)) })
	return v
}

// PeakRSSBytes is the peak resident memory in bytes, -1 when unknown.
func (r *ExecResult) PeakRSSBytes() int64 {
	v := int64(-1)
	r.read(func(p *C.pd_exec_result) { v = int64(C.pd_exec_result_peak_rss_bytes(p)) })
	return v
}

// Result copies everything into a Result (nil after Close).
func (r *ExecResult) Result() *Result {
	var res *Result
	r.read(func(p *C.pd_exec_result) { res = readResult(p) })
	return res
}

// readResult copies a C result (which stays owned by the caller) into a Result.
func readResult(p *C.pd_exec_result) *Result {
	var v C.pdgo_result_view
	C.pdgo_result_read(p, &v)
	return &Result{
		ExitCode:     int(v.exit_code),
		Stdout:       goBytes(v.out, v.out_len),
		Stderr:       goBytes(v.err, v.err_len),
		DurationMs:   uint64(v.duration_ms),
		TimedOut:     bool(v.timed_out),
		Truncated:    bool(v.truncated),
		Signal:       int(v.signal),
		OOMKilled:    bool(v.oom_killed),
		CPUUserUs:    int64(v.cpu_user_us),
		CPUSysUs:     int64(v.cpu_sys_us),
		PeakRSSBytes: int64(v.peak_rss_bytes),
	}
}
