package pocketdock

// The library's log records, for Go: a slog.Handler receives what pd_set_log_callback
// delivers. This file exports pdgoOnLog, so its preamble only declares (the trampoline is
// in callbacks.c).

/*
#include "pdgo.h"
*/
import "C"

import (
	"context"
	"log/slog"
	"runtime/cgo"
	"time"
	"unsafe"
)

// LevelTrace is the slog level of the library's most detailed records (PD_LOG_TRACE), below
// slog.LevelDebug.
const LevelTrace = slog.LevelDebug - 4

// SetLogHandler sends the library's log records at level and more severe to h
// (pd_set_log_callback). The library is silent until this is called; a nil h silences it
// again. A later call replaces the earlier handler. It is process-wide.
//
// Each record carries the library's message (its structured fields appended as key=value,
// e.g. `engine found socket=/run/podman/podman.sock kind=Podman attempts=1`) and a
// "target" attribute naming the module that logged it. Records arrive in order on the
// library's callback thread, shortly after they happened (the record's time is when it
// reached Go): h must not block for long, as later records and every other callback wait
// behind it. A panic in h ends the program, as in any goroutine.
//
// Levels map both ways as LevelTrace, slog.LevelDebug, slog.LevelInfo, slog.LevelWarn,
// slog.LevelError; a level between two delivers the library's levels at or above it.
// h.Enabled is also asked for each record. Fails with ErrInvalidState if the process already installed
// a global tracing subscriber of its own (a Rust host): the records go to it instead.
func SetLogHandler(h slog.Handler, level slog.Level) error {
	if err := abiOnce(); err != nil {
		return err
	}
	var e *C.pd_error
	var st C.pd_status
	if h == nil {
		st = C.pd_set_log_callback(C.PD_LOG_OFF, nil, nil, nil, &e)
	} else {
		hd := cgo.NewHandle(h)
		liveCallbackHandles.Add(1)
		// The library owns hd from here: it calls pdgoFreeUserData exactly once, after the
		// last record (when replaced or silenced), or at once when this call fails.
		st = C.pd_set_log_callback(C.int32_t(pdLogLevel(level)), C.pdgo_log_cb(),
			C.pdgo_user_data(C.uintptr_t(hd)), C.pdgo_free_cb(), &e)
	}
	if st != C.PD_OK {
		return takeError("set log handler", st, e)
	}
	return nil
}

// SetLogger is SetLogHandler(l.Handler(), level) at the most verbose level l's handler
// enables now (if that changes later, call SetLogger again). A nil l silences the library.
func SetLogger(l *slog.Logger) error {
	if l == nil {
		return SetLogHandler(nil, 0)
	}
	h := l.Handler()
	for _, lv := range []slog.Level{LevelTrace, slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError} {
		if h.Enabled(context.Background(), lv) {
			return SetLogHandler(h, lv)
		}
	}
	return SetLogHandler(nil, 0)
}

// pdLogLevel is the pd_log_level delivering records at l and more severe.
func pdLogLevel(l slog.Level) C.int32_t {
	switch {
	case l <= LevelTrace:
		return C.PD_LOG_TRACE
	case l <= slog.LevelDebug:
		return C.PD_LOG_DEBUG
	case l <= slog.LevelInfo:
		return C.PD_LOG_INFO
	case l <= slog.LevelWarn:
		return C.PD_LOG_WARN
	}
	return C.PD_LOG_ERROR
}

// slogLevel is the slog level of a record of pd_log_level l.
func slogLevel(l C.int32_t) slog.Level {
	switch l {
	case C.PD_LOG_ERROR:
		return slog.LevelError
	case C.PD_LOG_WARN:
		return slog.LevelWarn
	case C.PD_LOG_INFO:
		return slog.LevelInfo
	case C.PD_LOG_DEBUG:
		return slog.LevelDebug
	}
	return LevelTrace
}

//export pdgoOnLog
func pdgoOnLog(ud unsafe.Pointer, level C.int32_t, target, message *C.char) {
	defer guardCallback("log")
	h, ok := cgo.Handle(uintptr(ud)).Value().(slog.Handler)
	if !ok {
		return
	}
	ctx := context.Background()
	lv := slogLevel(level)
	if !h.Enabled(ctx, lv) {
		return
	}
	r := slog.NewRecord(time.Now(), lv, C.GoString(message), 0)
	r.AddAttrs(slog.String("target", C.GoString(target)))
	_ = h.Handle(ctx, r)
}
