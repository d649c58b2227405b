package pocketdock

import (
	"context"
	"fmt"
	"math/rand"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestConcurrentRuns(t *testing.T) {
	box := newBox(t)
	const workers, each = 8, 3
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				want := fmt.Sprintf("w%d-i%d", w, i)
				res, err := box.Run(testCtx(t), "echo "+want+"; echo err-"+want+" >&2")
				switch {
				case err != nil:
					errs <- fmt.Errorf("%s: %w", want, err)
				case string(res.Stdout) != want+"\n" || string(res.Stderr) != "err-"+want+"\n":
					errs <- fmt.Errorf("%s: stdout %q stderr %q", want, res.Stdout, res.Stderr)
				}
				_ = box.Name()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Close from another goroutine while a run is in flight: the run returns (with a result
// or an error), Close waits for it, nothing crashes.
func TestCloseDuringRun(t *testing.T) {
	box := newBox(t)
	started := make(chan struct{})
	done := make(chan string, 1)
	go func() {
		close(started)
		res, err := box.Run(testCtx(t), "sleep 3; echo finished")
		done <- fmt.Sprintf("%+v, %v", res, err)
	}()
	<-started
	time.Sleep(500 * time.Millisecond)
	if err := box.Close(); err != nil {
		t.Errorf("Close during a run: %v", err)
	}
	select {
	case got := <-done:
		t.Logf("the run in flight returned: %s", got)
	case <-time.After(60 * time.Second):
		t.Fatal("the run in flight never returned")
	}
}

// Containers and results freed in random order, some by Close and some by the GC cleanup,
// with the GC running throughout: no crash, no double free, every handle freed once.
func TestHandlesFreedInAnyOrderUnderGC(t *testing.T) {
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewSource(seed))
	t.Logf("random order seed %d", seed)
	// Let cleanups of earlier tests' garbage run first: from here every cleanup counted is
	// one of ours.
	for i := 0; i < 3; i++ {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
	before := freedByCleanup.Load()

	// holder lets the test drop its last reference to a container it has shut down, while
	// still guaranteeing removal (t.Cleanup) if the test fails before that.
	type holder struct{ c *Container }
	var boxes []*holder
	for i := 0; i < 3; i++ {
		h := &holder{c: newBoxNoCleanup(t)}
		t.Cleanup(func() {
			if h.c != nil {
				h.c.Close()
			}
		})
		boxes = append(boxes, h)
	}

	type item struct {
		name  string
		close func() error // every handle is an io.Closer
	}
	var items []item
	var keep []*Result
	var dropped int
	for bi, h := range boxes {
		for ri := 0; ri < 3; ri++ {
			want := fmt.Sprintf("b%d-r%d", bi, ri)
			raw, err := h.c.RunRaw(testCtx(t), "echo "+want)
			if err != nil {
				t.Fatalf("RunRaw: %v", err)
			}
			keep = append(keep, raw.Result())
			if rng.Intn(2) == 0 {
				items = append(items, item{"result " + want, raw.Close})
			} else {
				dropped++ // left to the cleanup
			}
			runtime.GC()
		}
		// A stream still running, a detached process and a session: closed, or dropped.
		s, err := h.c.RunStream(context.Background(), "sleep 51")
		if err != nil {
			t.Fatalf("RunStream: %v", err)
		}
		p, err := h.c.Spawn(testCtx(t), "sleep 52")
		if err != nil {
			t.Fatalf("Spawn: %v", err)
		}
		sess, err := h.c.OpenSession(testCtx(t))
		if err != nil {
			t.Fatalf("OpenSession: %v", err)
		}
		sessClose := sess.Close // a method value: it holds the Session, not the variable
		for name, closeFn := range map[string]func() error{
			"stream": s.Close, "process": p.Close, "session": sessClose,
		} {
			if rng.Intn(2) == 0 {
				items = append(items, item{fmt.Sprintf("%s of box %d", name, bi), closeFn})
			} else {
				dropped++
			}
		}
		s, p, sess = nil, nil, nil
		runtime.GC()
	}
	for _, h := range boxes {
		if err := h.c.Shutdown(testCtx(t)); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
	}
	for _, h := range boxes {
		if rng.Intn(2) == 0 {
			c := h.c
			items = append(items, item{"container " + c.Name(), c.Close})
		} else {
			dropped++
		}
		h.c = nil
	}
	rng.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	for _, it := range items {
		// Errors are not the point here (a session's shell is gone with its sandbox).
		_ = it.close()
		_ = it.close() // idempotent
		runtime.GC()
	}
	items = nil
	deadline := time.Now().Add(10 * time.Second)
	for freedByCleanup.Load()-before < int64(dropped) && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if got := freedByCleanup.Load() - before; got != int64(dropped) {
		t.Errorf("cleanups freed %d handles, want %d (the ones never closed)", got, dropped)
	}
	for i := 0; i < 5; i++ {
		runtime.GC()
	}
	// The copies outlive every handle.
	for i, r := range keep {
		want := fmt.Sprintf("b%d-r%d\n", i/3, i%3)
		if string(r.Stdout) != want {
			t.Errorf("result %d: %q, want %q", i, r.Stdout, want)
		}
	}
}

// newBoxNoCleanup creates a labelled sandbox; the caller arranges its removal.
func newBoxNoCleanup(t *testing.T) *Container {
	t.Helper()
	c, err := createLabelled(t)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return c
}

// An ExecResult is independent of its container: read it after the container is closed.
func TestExecResultOutlivesContainer(t *testing.T) {
	box := newBox(t)
	raw, err := box.RunRaw(testCtx(t), `printf 'a\000b\377c'; printf 'warn' >&2; exit 3`)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := box.Close(); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	if got := raw.Stdout(); string(got) != "a\x00b\xffc" {
		t.Errorf("Stdout() = %q", got)
	}
	if got := raw.StdoutText(); got != "a\uFFFDb\uFFFDc" {
		t.Errorf("StdoutText() = %q", got)
	}
	if raw.Stderr() == nil || string(raw.Stderr()) != "warn" || raw.StderrText() != "warn" {
		t.Errorf("stderr %q / %q", raw.Stderr(), raw.StderrText())
	}
	if raw.ExitCode() != 3 || raw.TimedOut() || raw.Truncated() || raw.DurationMs() > 30_000 {
		t.Errorf("exit %d timed_out %v truncated %v duration %d",
			raw.ExitCode(), raw.TimedOut(), raw.Truncated(), raw.DurationMs())
	}
	r := raw.Result()
	if r.ExitCode != 3 || string(r.Stdout) != "a\x00b\xffc" || string(r.Stderr) != "warn" {
		t.Errorf("Result() = %+v", r)
	}
	raw.Close()
	raw.Close()
	if raw.ExitCode() != -1 || raw.Stdout() != nil || raw.StdoutText() != "" || raw.Result() != nil {
		t.Error("a closed ExecResult still returns data")
	}
}
