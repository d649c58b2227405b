package pocketdock

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The engine the shared client reached is the one POCKETDOCK_SOCKET names, and what it says
// about itself is what the engine answers on /version.
func TestConnectEngineInfo(t *testing.T) {
	eng := testEngine(t)
	info := testClient.EngineInfo()
	if info.Socket != os.Getenv("POCKETDOCK_SOCKET") {
		t.Errorf("Socket = %q, want POCKETDOCK_SOCKET %q", info.Socket, os.Getenv("POCKETDOCK_SOCKET"))
	}
	code, body := eng.do(t, "GET", "/version")
	if code != 200 {
		t.Fatalf("/version: HTTP %d", code)
	}
	var v struct {
		Version    string
		Components []struct{ Name string }
	}
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	want := EngineDocker
	for _, c := range v.Components {
		if strings.Contains(c.Name, "Podman") {
			want = EnginePodman
		}
	}
	if info.Kind != want || info.Version != v.Version {
		t.Errorf("EngineInfo %+v, want kind %s version %q", info, want, v.Version)
	}
	if !strings.HasPrefix(info.APIVersion, "1.") {
		t.Errorf("APIVersion = %q", info.APIVersion)
	}
	if s := info.Kind.String(); s != "docker" && s != "podman" {
		t.Errorf("Kind.String() = %q", s)
	}
}

// An explicit socket that does not answer is ErrEngineNotFound naming it, whether it comes
// from WithSocket (a path or unix://) or from POCKETDOCK_SOCKET, never another engine.
func TestConnectExplicitSocketMissing(t *testing.T) {
	ctx := testCtx(t)
	missing := filepath.Join(t.TempDir(), "no-engine.sock")
	for _, sock := range []string{missing, "unix://" + missing} {
		c, err := Connect(ctx, WithSocket(sock))
		if c != nil {
			c.Close()
			t.Errorf("Connect(%s) reached %+v", sock, c.EngineInfo())
		}
		if !errors.Is(err, ErrEngineNotFound) || !strings.Contains(err.Error(), missing) {
			t.Errorf("Connect(WithSocket(%q)) = %v, want ErrEngineNotFound naming it", sock, err)
		}
	}
	t.Setenv("POCKETDOCK_SOCKET", missing)
	c, err := Connect(ctx)
	if c != nil {
		c.Close()
		t.Errorf("Connect with POCKETDOCK_SOCKET=%s reached %+v", missing, c.EngineInfo())
	}
	if !errors.Is(err, ErrEngineNotFound) || !strings.Contains(err.Error(), missing) ||
		!strings.Contains(err.Error(), "POCKETDOCK_SOCKET") {
		t.Errorf("Connect with POCKETDOCK_SOCKET missing = %v, want ErrEngineNotFound naming it", err)
	}
	// The option still wins over the environment.
	c, err = Connect(ctx, WithSocket(testClient.EngineInfo().Socket))
	if err != nil {
		t.Fatalf("Connect(WithSocket) with a bad POCKETDOCK_SOCKET: %v", err)
	}
	c.Close()
}

func TestConnectOptionErrors(t *testing.T) {
	ctx := testCtx(t)
	cases := []struct {
		name string
		opt  ConnectOption
		op   string
		want error
	}{
		{"tcp socket", WithSocket("tcp://127.0.0.1:2375"), "connect option socket", ErrInvalidArgument},
		{"nul in socket", WithSocket("/a\x00b"), "connect option socket", ErrInvalidArgument},
		{"zero connect timeout", WithConnectTimeout(0), "connect option connect_timeout", ErrInvalidArgument},
		{"zero request timeout", WithRequestTimeout(0), "connect option request_timeout", ErrInvalidArgument},
		{"no project", WithProjectSocket(t.TempDir()), "connect option project_dir", ErrFileNotFound},
	}
	for _, tc := range cases {
		c, err := Connect(ctx, tc.opt)
		if c != nil {
			c.Close()
		}
		var pe *Error
		if !errors.Is(err, tc.want) || !errors.As(err, &pe) || pe.Op != tc.op {
			t.Errorf("%s: %v, want %v with Op %q", tc.name, err, tc.want, tc.op)
		}
	}
	// NoTimeout is a valid connect timeout: wait without limit.
	c, err := Connect(ctx, WithConnectTimeout(NoTimeout))
	if err != nil {
		t.Fatalf("Connect(WithConnectTimeout(NoTimeout)): %v", err)
	}
	c.Close()
}

// A project's socket setting is the engine WithProjectSocket connects to; WithSocket wins.
func TestConnectWithProjectSocket(t *testing.T) {
	ctx := testCtx(t)
	root, err := InitProject(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "project.sock")
	cfg := filepath.Join(root, ".pocketdock", "pocketdock.yaml")
	if err := os.WriteFile(cfg, []byte("socket: "+missing+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Connect(ctx, WithProjectSocket(root)); !errors.Is(err, ErrEngineNotFound) ||
		!strings.Contains(err.Error(), missing) {
		t.Errorf("Connect to the project's socket %s: %v, want ErrEngineNotFound naming it", missing, err)
	}
	sock := testClient.EngineInfo().Socket
	for _, opts := range [][]ConnectOption{
		{WithSocket(sock), WithProjectSocket(root)},
		{WithProjectSocket(root), WithSocket(sock)},
	} {
		c, err := Connect(ctx, opts...)
		if err != nil {
			t.Fatalf("WithSocket and WithProjectSocket: %v", err)
		}
		if got := c.EngineInfo().Socket; got != sock {
			t.Errorf("connected to %s, want %s", got, sock)
		}
		c.Close()
	}
}

// A Client may be closed while containers made from it live on: they keep working. The
// Client itself refuses calls after Close.
func TestClientCloseLeavesContainersUsable(t *testing.T) {
	ctx := testCtx(t)
	cl, err := Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	info := cl.EngineInfo()
	box, err := cl.CreateContainer(ctx, WithLabel(testLabelKey, testLabelValue))
	if err != nil {
		cl.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { box.Close() })
	if box.Client() != cl {
		t.Error("Container.Client() is not the client it was made from")
	}
	if err := cl.Close(); err != nil {
		t.Fatal(err)
	}
	if err := cl.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if cl.EngineInfo() != info {
		t.Errorf("EngineInfo after Close = %+v, want %+v", cl.EngineInfo(), info)
	}
	if res := mustRun(t, box, "echo after the client"); string(res.Stdout) != "after the client\n" {
		t.Errorf("run after the client closed: %q", res.Stdout)
	}
	if _, err := cl.CreateContainer(ctx); !errors.Is(err, ErrInvalidState) {
		t.Errorf("CreateContainer on a closed client: %v, want ErrInvalidState", err)
	}
	if _, err := cl.ListContainers(ctx, ""); !errors.Is(err, ErrInvalidState) {
		t.Errorf("ListContainers on a closed client: %v, want ErrInvalidState", err)
	}
	if err := box.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown after the client closed: %v", err)
	}
}

// A Client nobody references any more is freed by its cleanup, in whatever order against
// its containers' cleanups; a Container keeps its Client reachable, so runs keep working.
func TestClientFreedByGCInAnyOrder(t *testing.T) {
	for i := 0; i < 3; i++ {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
	before := freedByCleanup.Load()
	ctx := testCtx(t)
	box := func() *Container {
		cl, err := Connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c, err := cl.CreateContainer(ctx, WithLabel(testLabelKey, testLabelValue))
		if err != nil {
			cl.Close()
			t.Fatal(err)
		}
		return c
	}()
	name := box.Name()
	t.Cleanup(func() {
		if err := testClient.DestroyContainer(context.Background(), name); err != nil &&
			!errors.Is(err, ErrContainerNotFound) {
			t.Errorf("DestroyContainer %s: %v", name, err)
		}
	})
	for i := 0; i < 3; i++ {
		runtime.GC()
		if res := mustRun(t, box, "echo held"); string(res.Stdout) != "held\n" {
			t.Fatalf("run with only the container holding its client: %q", res.Stdout)
		}
	}
	if err := box.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	box = nil
	deadline := time.Now().Add(10 * time.Second)
	for freedByCleanup.Load()-before < 2 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if got := freedByCleanup.Load() - before; got != 2 {
		t.Errorf("cleanups freed %d handles, want 2 (the container and its client)", got)
	}
}
