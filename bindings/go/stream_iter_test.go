package pocketdock

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

func TestStreamChunksIterator(t *testing.T) {
	box := newBox(t)
	ctx := testCtx(t)
	s, err := box.RunStream(ctx, "for i in 1 2 3; do echo out$i; echo err$i >&2; done; exit 3")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var stdout, stderr []byte
	for c, err := range s.Chunks(ctx) {
		if err != nil {
			t.Fatalf("Chunks: %v", err)
		}
		if c.Stream == Stderr {
			stderr = append(stderr, c.Data...)
		} else {
			stdout = append(stdout, c.Data...)
		}
	}
	if string(stdout) != "out1\nout2\nout3\n" || string(stderr) != "err1\nerr2\nerr3\n" {
		t.Errorf("stdout %q stderr %q", stdout, stderr)
	}
	res, err := s.Result()
	if err != nil || res.ExitCode != 3 {
		t.Errorf("Result after the loop: %+v, %v", res, err)
	}
	for c, err := range s.Chunks(ctx) { // an ended stream yields nothing
		t.Errorf("chunk after the end: %v %q, %v", c.Stream, c.Data, err)
	}
}

// The context given to Next (or Chunks) bounds the wait, not the command: after it ends the
// stream is still there to be read.
func TestStreamNextContextBoundsTheWaitOnly(t *testing.T) {
	box := newBox(t)
	s, err := box.RunStream(testCtx(t), "echo first; sleep 2; echo second")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	bg := context.Background()
	if c, err := s.Next(bg); err != nil || string(c.Data) != "first\n" {
		t.Fatalf("first chunk %q, %v", c.Data, err)
	}
	short, cancel := context.WithTimeout(bg, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	var got []error
	for _, err := range s.Chunks(short) {
		got = append(got, err)
	}
	if len(got) != 1 || !errors.Is(got[0], context.DeadlineExceeded) {
		t.Errorf("Chunks with a 300 ms context over a quiet stream yielded %v, want one context.DeadlineExceeded", got)
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("Chunks noticed the deadline after %v", d)
	}
	cancelled, cancel2 := context.WithCancel(bg)
	cancel2()
	if _, err := s.Next(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("Next with a cancelled context: %v, want context.Canceled", err)
	}
	// The command was not touched: the rest of its output comes, then the end.
	c, err := s.Next(testCtx(t))
	if err != nil || string(c.Data) != "second\n" {
		t.Errorf("after the deadline, next chunk %q, %v; want \"second\\n\"", c.Data, err)
	}
	if _, err := s.Next(testCtx(t)); err != io.EOF {
		t.Errorf("end: %v, want io.EOF", err)
	}
	if res, err := s.Result(); err != nil || res.ExitCode != 0 || res.TimedOut {
		t.Errorf("Result: %+v, %v", res, err)
	}
}

// Breaking out of the loop leaves the stream to its owner; Close then kills the command.
func TestStreamChunksBreak(t *testing.T) {
	box := newBox(t)
	ctx := testCtx(t)
	s, err := box.RunStream(ctx, "while true; do echo tick; sleep 0.1; done")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range s.Chunks(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	if c, err := s.Next(ctx); err != nil || len(c.Data) == 0 {
		t.Errorf("Next after breaking out: %q, %v", c.Data, err)
	}
	start := time.Now()
	s.Close()
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Close of a running stream took %v", d)
	}
}
