package pocketdock

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

// The one timeout rule, in durations: > 0 a limit, NoTimeout (< 0) no limit, 0 "just look"
// for waits and ErrInvalidArgument for limits (the last is in TestErrInvalidArguments).
func TestTimeoutRule(t *testing.T) {
	ctx := testCtx(t)
	short := newBox(t, WithTimeout(time.Second))
	// The container's default applies when a run says nothing, on both run paths...
	for name, rctx := range map[string]context.Context{"pd_run": context.Background(), "stream": ctx} {
		res, err := short.Run(rctx, "sleep 3; echo late")
		if err != nil || !res.TimedOut {
			t.Errorf("%s under a 1 s default: %+v, %v; want timed out", name, res, err)
		}
		// ...and NoTimeout lifts it for one run.
		res, err = short.Run(rctx, "sleep 1.5; echo done", WithRunTimeout(NoTimeout))
		if err != nil || res.TimedOut || string(res.Stdout) != "done\n" {
			t.Errorf("%s with WithRunTimeout(NoTimeout): %+v, %v", name, res, err)
		}
	}
	// A session command's limit is the container's default too.
	s, err := short.OpenSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.SendAndWait(ctx, "sleep 3; echo late")
	if err != nil || !res.TimedOut {
		t.Errorf("session command under a 1 s default: %+v, %v; want timed out", res, err)
	}
	s.Close()

	// A container without a limit: runs and session commands take as long as they take,
	// and a context deadline still bounds them.
	open := newBox(t, WithTimeout(NoTimeout))
	res, err = open.Run(context.Background(), "sleep 1.5; echo done")
	if err != nil || res.TimedOut || string(res.Stdout) != "done\n" {
		t.Errorf("Run in a NoTimeout container: %+v, %v", res, err)
	}
	s, err = open.OpenSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res, err = s.SendAndWait(context.Background(), "sleep 1.5; echo done")
	if err != nil || res.TimedOut || string(res.Stdout) != "done\n" {
		t.Errorf("session command in a NoTimeout container: %+v, %v", res, err)
	}
	dctx, cancel := context.WithTimeout(ctx, time.Second)
	start := time.Now()
	res, err = open.Run(dctx, "sleep 30")
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) || res == nil || !res.TimedOut || time.Since(start) > 15*time.Second {
		t.Errorf("deadline in a NoTimeout container: %+v, %v after %v", res, err, time.Since(start))
	}

	// Waits: 0 just looks, NoTimeout waits for the end.
	st, err := open.RunStream(ctx, "sleep 1; echo out")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.NextTimeout(0); !errors.Is(err, ErrTimeout) {
		t.Errorf("NextTimeout(0) on a quiet stream: %v, want ErrTimeout", err)
	}
	if c, err := st.NextTimeout(NoTimeout); err != nil || string(c.Data) != "out\n" {
		t.Errorf("NextTimeout(NoTimeout): %q, %v", c.Data, err)
	}
	if _, err := st.NextTimeout(NoTimeout); err != io.EOF {
		t.Errorf("NextTimeout(NoTimeout) at the end: %v, want io.EOF", err)
	}
	p, err := open.Spawn(ctx, "sleep 1; echo bye")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.WaitTimeout(0); !errors.Is(err, ErrTimeout) {
		t.Errorf("WaitTimeout(0) on a running process: %v, want ErrTimeout", err)
	}
	if r, err := p.WaitTimeout(NoTimeout); err != nil || r.ExitCode != 0 || string(r.Stdout) != "bye\n" {
		t.Errorf("WaitTimeout(NoTimeout): %+v, %v", r, err)
	}
}
