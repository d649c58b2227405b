package pocketdock

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// logRecorder is a slog.Handler keeping every record it is given.
type logRecorder struct {
	mu      sync.Mutex
	records []slog.Record
	level   slog.Level
}

func (r *logRecorder) Enabled(_ context.Context, l slog.Level) bool { return l >= r.level }
func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec.Clone())
	return nil
}
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *logRecorder) WithGroup(string) slog.Handler      { return r }

// find waits up to d for a record whose message starts with prefix.
func (r *logRecorder) find(prefix string, d time.Duration) (slog.Record, bool) {
	deadline := time.Now().Add(d)
	for {
		r.mu.Lock()
		for _, rec := range r.records {
			if strings.HasPrefix(rec.Message, prefix) {
				r.mu.Unlock()
				return rec, true
			}
		}
		r.mu.Unlock()
		if time.Now().After(deadline) {
			return slog.Record{}, false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (r *logRecorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.records)
}

// silenceLogs turns the library's logs off again when the test ends and waits for the
// handler's handle to be released (other tests count live callback handles).
func silenceLogs(t *testing.T, live int64) {
	t.Cleanup(func() {
		if err := SetLogHandler(nil, 0); err != nil {
			t.Errorf("SetLogHandler(nil): %v", err)
		}
		waitHandles(t, live)
	})
}

func waitHandles(t *testing.T, want int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for liveCallbackHandles.Load() != want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := liveCallbackHandles.Load(); got != want {
		t.Errorf("%d callback handles live, want %d", got, want)
	}
}

// At DEBUG, connecting logs "engine found" with the socket; the record reaches the
// slog.Handler with its level and target. Silencing stops the records and releases the
// handler.
func TestLogHandlerReceivesRecords(t *testing.T) {
	live := liveCallbackHandles.Load()
	silenceLogs(t, live)
	rec := &logRecorder{level: slog.LevelDebug}
	if err := SetLogHandler(rec, slog.LevelDebug); err != nil {
		t.Fatal(err)
	}
	cl, err := Connect(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	sock := cl.EngineInfo().Socket
	cl.Close()
	r, ok := rec.find("engine found", 10*time.Second)
	if !ok {
		t.Fatalf("no \"engine found\" record among %d", rec.count())
	}
	if r.Level != slog.LevelDebug || !strings.Contains(r.Message, sock) {
		t.Errorf("record %v %q, want DEBUG naming %s", r.Level, r.Message, sock)
	}
	var target string
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "target" {
			target = a.Value.String()
		}
		return true
	})
	if !strings.HasPrefix(target, "pocketdock") {
		t.Errorf("target = %q, want a pocketdock module", target)
	}

	// Silenced: the handler is released and gets nothing more.
	if err := SetLogHandler(nil, 0); err != nil {
		t.Fatal(err)
	}
	waitHandles(t, live)
	n := rec.count()
	cl, err = Connect(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	cl.Close()
	time.Sleep(200 * time.Millisecond)
	if got := rec.count(); got != n {
		t.Errorf("%d records after silencing", got-n)
	}
}

// SetLogger takes the most verbose level the logger's handler enables: a text handler at
// INFO gets no DEBUG records; replacing it releases the old handler.
func TestSetLoggerLevelAndReplace(t *testing.T) {
	live := liveCallbackHandles.Load()
	silenceLogs(t, live)
	var mu sync.Mutex
	var buf bytes.Buffer
	w := writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	})
	if err := SetLogger(slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))); err != nil {
		t.Fatal(err)
	}
	if got := liveCallbackHandles.Load(); got != live+1 {
		t.Errorf("%d live handles with a logger set, want %d", got, live+1)
	}
	cl, err := Connect(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	cl.Close()
	// Replacing releases the first handler; a DEBUG logRecorder then sees the connect.
	rec := &logRecorder{level: LevelTrace}
	if err := SetLogger(slog.New(rec)); err != nil {
		t.Fatal(err)
	}
	waitHandles(t, live+1)
	cl, err = Connect(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	cl.Close()
	if _, ok := rec.find("engine found", 10*time.Second); !ok {
		t.Errorf("no \"engine found\" record at TRACE")
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(buf.String(), "engine found") || strings.Contains(buf.String(), "level=DEBUG") {
		t.Errorf("the INFO logger got DEBUG records: %q", buf.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestLogLevelsMapBothWays(t *testing.T) {
	for _, l := range []slog.Level{LevelTrace, slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError} {
		if got := slogLevel(pdLogLevel(l)); got != l {
			t.Errorf("%v -> %d -> %v", l, pdLogLevel(l), got)
		}
	}
	// Between two levels: the library's levels at or above it.
	if got := slogLevel(pdLogLevel(slog.LevelInfo - 1)); got != slog.LevelInfo {
		t.Errorf("Info-1 maps to %v", got)
	}
	if got := slogLevel(pdLogLevel(slog.LevelError + 4)); got != slog.LevelError {
		t.Errorf("Error+4 maps to %v", got)
	}
}
