package pocketdock

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSession(t *testing.T) {
	box := newBox(t)
	ctx := testCtx(t)
	s, err := box.OpenSession(ctx, WithRunEnv("PD_SESSION", "yes"), WithRunWorkdir("/tmp"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// State persists between commands.
	steps := []struct{ cmd, want string }{
		{`echo "$PD_SESSION $PWD"`, "yes /tmp\n"},
		{"mkdir -p work && cd work && X=42", ""},
		{`echo "$X $PWD"`, "42 /tmp/work\n"},
	}
	for _, st := range steps {
		res, err := s.SendAndWait(ctx, st.cmd)
		if err != nil || string(res.Stdout) != st.want || res.ExitCode != 0 {
			t.Fatalf("%q: %+v, %v; want %q", st.cmd, res, err, st.want)
		}
	}
	res, err := s.SendAndWait(ctx, "echo oops >&2; false")
	if err != nil || res.ExitCode == 0 || string(res.Stderr) != "oops\n" {
		t.Errorf("failing command: %+v, %v", res, err)
	}
	// A deadline interrupts the command, and the session stays usable.
	dctx, cancel := context.WithTimeout(ctx, time.Second)
	res, err = s.SendAndWait(dctx, "echo start; sleep 50")
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) || res == nil || !res.TimedOut {
		t.Errorf("past the deadline: %+v, %v", res, err)
	}
	res, err = s.SendAndWait(ctx, `echo "still $X"`)
	if err != nil || string(res.Stdout) != "still 42\n" {
		t.Errorf("after the interrupt: %+v, %v", res, err)
	}
	// Send does not wait; its output comes through Read.
	if err := s.Send(ctx, "echo sent; echo sent-err >&2"); err != nil {
		t.Fatal(err)
	}
	var got Output
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(string(got.Stdout), "sent\n") && time.Now().Before(deadline) {
		out, err := s.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got.Stdout = append(got.Stdout, out.Stdout...)
		got.Stderr = append(got.Stderr, out.Stderr...)
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(string(got.Stdout), "sent\n") {
		t.Errorf("Read after Send: %q / %q", got.Stdout, got.Stderr)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := s.SendAndWait(ctx, "true"); !errors.Is(err, ErrInvalidState) {
		t.Errorf("SendAndWait after Close: %v", err)
	}
}

func TestSessionCallbacks(t *testing.T) {
	box := newBox(t)
	ctx := testCtx(t)
	s, err := box.OpenSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := liveCallbackHandles.Load()
	rec := newRecorder()
	if err := s.SetCallbacks(rec.output, rec.exit); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(ctx, "echo through the callback"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(rec.text("stdout"), "through the callback\n") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := rec.text("stdout"); !strings.Contains(got, "through the callback\n") {
		t.Errorf("output callback got %q", got)
	}
	if err := s.Send(ctx, "exit 3"); err != nil {
		t.Fatal(err)
	}
	select {
	case res := <-rec.exited:
		if res.ExitCode != 3 {
			t.Errorf("exit callback: %+v", res)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no exit callback when the shell exited")
	}
	for liveCallbackHandles.Load() != base && time.Now().Before(deadline.Add(10*time.Second)) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := liveCallbackHandles.Load() - base; got != 0 {
		t.Errorf("%d session callback handle(s) not released after the shell ended", got)
	}
}
