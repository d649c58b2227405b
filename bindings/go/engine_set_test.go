package pocketdock

import (
	"errors"
	"os"
	"testing"
)

// otherSocket is the engine that is not POCKETDOCK_SOCKET's: POCKETDOCK_OTHER_SOCKET, else
// the other of the two scripts/engine-up starts.
func otherSocket() string {
	if s := os.Getenv("POCKETDOCK_OTHER_SOCKET"); s != "" {
		return s
	}
	if os.Getenv("POCKETDOCK_SOCKET") == "/run/podman/podman.sock" {
		return "/run/pocketdock-docker.sock"
	}
	return "/run/podman/podman.sock"
}

func TestEngineSetCreatesOnOneOfItsEngines(t *testing.T) {
	ctx := testCtx(t)
	other, err := Connect(ctx, WithSocket(otherSocket()))
	if err != nil {
		t.Fatalf("Connect to the other engine: %v", err)
	}
	t.Cleanup(func() { _ = other.Close() })
	set, err := NewEngineSet(PoolEngine{Client: testClient}, PoolEngine{Client: other, Weight: 1})
	if err != nil {
		t.Fatalf("NewEngineSet: %v", err)
	}
	t.Cleanup(func() { _ = set.Close() })
	for i := 0; i < 2; i++ {
		c, err := set.CreateContainer(ctx, WithLabel(testLabelKey, testLabelValue))
		if err != nil {
			t.Fatalf("CreateContainer: %v", err)
		}
		if c.Client() != testClient && c.Client() != other {
			t.Errorf("Client() is neither engine's client: %v", c.Client())
		}
		if out := mustRun(t, c, "echo placed").Stdout; string(out) != "placed\n" {
			t.Errorf("stdout %q", out)
		}
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	// A sandbox outlives its set.
	c, err := set.CreateContainer(ctx, WithLabel(testLabelKey, testLabelValue))
	if err != nil {
		t.Fatalf("CreateContainer: %v", err)
	}
	_ = set.Close()
	_ = set.Close()
	mustRun(t, c, "true")
	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := set.CreateContainer(ctx); !errors.Is(err, ErrInvalidState) {
		t.Errorf("CreateContainer on a closed set: %v", err)
	}
}

func TestEngineSetRefusesBadInput(t *testing.T) {
	if _, err := NewEngineSet(); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("no engine: %v", err)
	}
	if _, err := NewEngineSet(PoolEngine{}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("nil client: %v", err)
	}
	if _, err := NewEngineSet(PoolEngine{Client: testClient, Limit: -1}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("negative limit: %v", err)
	}
	set, err := NewEngineSet(PoolEngine{Client: testClient})
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	// A missing image is the engine's refusal, returned as it is.
	_, err = set.CreateContainer(testCtx(t), WithImage("pocketdock/no-such-image-here"), WithLabel(testLabelKey, testLabelValue))
	if !errors.Is(err, ErrImageNotFound) {
		t.Errorf("missing image: %v", err)
	}
}
