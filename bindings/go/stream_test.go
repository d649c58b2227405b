package pocketdock

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// collect reads a stream to the end.
func collect(t *testing.T, s *Stream) (stdout, stderr []byte, chunks int) {
	t.Helper()
	for {
		c, err := s.Next(context.Background())
		if err == io.EOF {
			return stdout, stderr, chunks
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		chunks++
		switch c.Stream {
		case Stdout:
			stdout = append(stdout, c.Data...)
		case Stderr:
			stderr = append(stderr, c.Data...)
		default:
			t.Fatalf("chunk from stream %v", c.Stream)
		}
	}
}

func TestRunStream(t *testing.T) {
	box := newBox(t)
	s, err := box.RunStream(testCtx(t), "for i in 1 2 3; do echo out$i; echo err$i >&2; sleep 0.2; done; exit 5")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Result(); !errors.Is(err, ErrInvalidState) {
		t.Errorf("Result before the end: %v, want ErrInvalidState", err)
	}
	start := time.Now()
	first, err := s.Next(context.Background())
	if err != nil || !(string(first.Data) == "out1\n" || string(first.Data) == "err1\n") {
		t.Fatalf("first chunk %v %q, %v", first.Stream, first.Data, err)
	}
	if time.Since(start) > 500*time.Millisecond {
		t.Errorf("the first chunk took %v: output is not streamed", time.Since(start))
	}
	stdout, stderr, _ := collect(t, s)
	if first.Stream == Stdout {
		stdout = append(first.Data, stdout...)
	} else {
		stderr = append(first.Data, stderr...)
	}
	if string(stdout) != "out1\nout2\nout3\n" || string(stderr) != "err1\nerr2\nerr3\n" {
		t.Errorf("stdout %q stderr %q", stdout, stderr)
	}
	if _, err := s.Next(context.Background()); err != io.EOF {
		t.Errorf("Next after the end: %v, want io.EOF", err)
	}
	res, err := s.Result()
	if err != nil || res.ExitCode != 5 || res.TimedOut || len(res.Stdout) != 0 {
		t.Errorf("Result: %+v, %v", res, err)
	}
	s.Close()
	s.Close()
	if _, err := s.Next(context.Background()); err != io.EOF {
		t.Errorf("Next after Close of an ended stream: %v", err)
	}
}

func TestRunStreamArgvAndTimeouts(t *testing.T) {
	box := newBox(t)
	s, err := box.RunStreamArgv(testCtx(t), []string{"sh", "-c", "sleep 1; echo late; sleep 30"},
		WithRunTimeout(2500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Nothing for the first second: NextTimeout reports a timeout and can be called again.
	if _, err := s.NextTimeout(100 * time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Errorf("NextTimeout with no output: %v, want ErrTimeout", err)
	}
	if _, err := s.NextTimeout(0); !errors.Is(err, ErrTimeout) {
		t.Errorf("NextTimeout(0): %v, want ErrTimeout", err)
	}
	stdout, _, _ := collect(t, s)
	if string(stdout) != "late\n" {
		t.Errorf("stdout %q", stdout)
	}
	res, err := s.Result()
	if err != nil || !res.TimedOut {
		t.Errorf("Result: %+v, %v; want a timed-out result", res, err)
	}
}

func TestRunStreamContextCancelKills(t *testing.T) {
	box := newBox(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := box.RunStream(ctx, "echo begin; sleep 40; echo never")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := s.Next(context.Background())
	if err != nil || string(c.Data) != "begin\n" {
		t.Fatalf("first chunk %q, %v", c.Data, err)
	}
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	stdout, _, _ := collect(t, s)
	if time.Since(start) > 10*time.Second {
		t.Errorf("cancelling the context took %v to end the stream", time.Since(start))
	}
	if len(stdout) != 0 {
		t.Errorf("output after the cancel: %q", stdout)
	}
	res, err := s.Result()
	if !errors.Is(err, context.Canceled) || res == nil || res.ExitCode == 0 {
		t.Errorf("Result after cancel: %+v, %v; want a killed result and context.Canceled", res, err)
	}
	// The command is gone from the container.
	ps := mustRun(t, box, `n=0; for f in /proc/[0-9]*/cmdline; do
		tr '\0' ' ' < "$f" 2>/dev/null | grep -q '^sleep 40' && n=$((n+1)); done; echo $n`)
	if strings.TrimSpace(string(ps.Stdout)) != "0" {
		t.Errorf("the cancelled command still runs (%s)", bytes.TrimSpace(ps.Stdout))
	}
}

func TestStreamCancelAndCloseFromOtherGoroutines(t *testing.T) {
	box := newBox(t)
	s, err := box.RunStream(testCtx(t), "sleep 41")
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(300*time.Millisecond, s.Cancel)
	done := make(chan struct{})
	go func() {
		defer close(done)
		collect(t, s)
	}()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("Cancel did not wake a blocked Next")
	}
	s.Cancel() // idempotent
	// Close while another goroutine blocks in Next: Close wakes it and waits for it.
	s2, err := box.RunStream(testCtx(t), "sleep 42")
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := s2.Next(context.Background())
		errc <- err
	}()
	time.Sleep(300 * time.Millisecond)
	s2.Close()
	select {
	case err := <-errc:
		t.Logf("Next blocked during Close returned %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("Close did not wake a blocked Next")
	}
	if _, err := s2.Next(context.Background()); err != io.EOF && !errors.Is(err, ErrInvalidState) {
		t.Errorf("Next after Close: %v", err)
	}
}

func TestStreamTruncation(t *testing.T) {
	box := newBox(t)
	s, err := box.RunStream(testCtx(t), "yes streaming", WithMaxOutput(10000))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	stdout, _, _ := collect(t, s)
	res, err := s.Result()
	if err != nil || !res.Truncated || len(stdout) > 10000 || len(stdout) < 5000 {
		t.Errorf("truncated %v with %d bytes, %v", res != nil && res.Truncated, len(stdout), err)
	}
}
