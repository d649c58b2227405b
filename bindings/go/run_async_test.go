package pocketdock

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// RunAsync returns at once; 16 slow runs in flight do not delay a quick one.
func TestRunAsyncSlowRunsDoNotDelayAQuickOne(t *testing.T) {
	box := newBox(t)
	type outcome struct {
		r   *Result
		err error
	}
	slow := make(chan outcome, 16)
	for i := 0; i < 16; i++ {
		if err := box.RunAsync("sleep 2; echo slow", func(r *Result, err error) { slow <- outcome{r, err} }); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Now()
	quick := make(chan outcome, 1)
	if err := box.RunArgvAsync([]string{"echo", "quick"}, func(r *Result, err error) { quick <- outcome{r, err} }); err != nil {
		t.Fatal(err)
	}
	q := <-quick
	if took := time.Since(t0); q.err != nil || string(q.r.Stdout) != "quick\n" || took > 1500*time.Millisecond {
		t.Fatalf("quick run: %v %v after %v", q.r, q.err, took)
	}
	for i := 0; i < 16; i++ {
		if o := <-slow; o.err != nil || string(o.r.Stdout) != "slow\n" {
			t.Errorf("slow run: %v %v", o.r, o.err)
		}
	}
}

func TestRunAsyncErrorsAndStreamCallbacks(t *testing.T) {
	box := newBox(t)
	if err := box.RunAsync("true", func(*Result, error) {}, WithRunTimeout(0)); err == nil {
		t.Error("a zero timeout was accepted")
	}
	s, err := box.RunStream(testCtx(t), "echo out; echo err >&2")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var mu sync.Mutex
	var out, errs strings.Builder
	done := make(chan *Result, 1)
	err = s.SetCallbacks(func(k StreamKind, b []byte) {
		mu.Lock()
		defer mu.Unlock()
		if k == Stderr {
			errs.Write(b)
		} else {
			out.Write(b)
		}
	}, func(r *Result) { done <- r })
	if err != nil {
		t.Fatal(err)
	}
	if r := <-done; r == nil || r.ExitCode != 0 {
		t.Fatalf("exit %v", r)
	}
	mu.Lock()
	defer mu.Unlock()
	if out.String() != "out\n" || errs.String() != "err\n" {
		t.Errorf("out %q err %q", out.String(), errs.String())
	}
	if _, err := s.Next(testCtx(t)); !errors.Is(err, ErrInvalidState) {
		t.Errorf("Next after SetCallbacks: %v", err)
	}
}
