package pocketdock

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestStandardErrors(t *testing.T) {
	// fs.ErrNotExist is what a missing file means; no other code means it.
	if !errors.Is(ErrFileNotFound, fs.ErrNotExist) || !errors.Is(&Error{Op: "x", Code: CodeFileNotFound, Message: "m"}, fs.ErrNotExist) {
		t.Error("ErrFileNotFound does not match fs.ErrNotExist")
	}
	for _, s := range []error{ErrContainerNotFound, ErrImageNotFound, ErrInvalidState, ErrIO} {
		if errors.Is(s, fs.ErrNotExist) || errors.Is(s, os.ErrClosed) {
			t.Errorf("%v matches a standard error it does not mean", s)
		}
	}

	// Use after Close: ErrInvalidState, and os.ErrClosed, on every handle type.
	ctx := testCtx(t)
	box := newBox(t)
	cl, err := Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cl.Close()
	_, err = cl.ListContainers(ctx, "")
	checkClosed(t, "Client", err)
	s, err := box.RunStream(ctx, "echo hi")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	for range 2 { // closed before the end: never io.EOF
		_, err = s.Next(ctx)
		checkClosed(t, "Stream", err)
	}
	if box.UsesAgent() {
		p, err := box.Spawn(ctx, "sleep 1")
		if err != nil {
			t.Fatal(err)
		}
		p.Close()
		_, err = p.Read(ctx)
		checkClosed(t, "Process", err)
		sess, err := box.OpenSession(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sess.Close()
		_, err = sess.Read(ctx)
		checkClosed(t, "Session", err)
	}
	other := newBox(t)
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = other.Run(ctx, "true")
	checkClosed(t, "Container", err)

	// A context that ends a run is returned as it is.
	dl, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := box.Run(dl, "sleep 5"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run past its context's deadline: %v, want context.DeadlineExceeded", err)
	}
}

func checkClosed(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, os.ErrClosed) || !errors.Is(err, ErrInvalidState) {
		t.Errorf("%s used after Close: %v, want os.ErrClosed and ErrInvalidState", what, err)
	}
}

// A socket that accepts and never answers: Connect retries until the context's deadline
// (its connect timeout) and then fails with an error that says so the standard way too.
func TestConnectDeadlineIsDeadlineExceeded(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "silent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan net.Conn, 1000) // kept open (and reachable) until the test ends
	t.Cleanup(func() {
		l.Close()
		for len(held) > 0 {
			(<-held).Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			select {
			case held <- c:
			default:
				c.Close()
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
	defer cancel()
	c, err := Connect(ctx, WithSocket(sock))
	if c != nil {
		c.Close()
		t.Fatal("Connect to a silent socket succeeded")
	}
	var pe *Error
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &pe) {
		t.Errorf("Connect past its context's deadline: %v, want a *Error matching context.DeadlineExceeded", err)
	}
}
