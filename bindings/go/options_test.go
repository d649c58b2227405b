package pocketdock

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestOptionsReachTheEngine(t *testing.T) {
	eng := testEngine(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("from the host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	name := uniqueName("pd-gotest-opts")
	box := newBox(t,
		WithImage("pocketdock/minimal-python"),
		WithName(name),
		WithTimeout(20*time.Second),
		WithMemLimit("256m"),
		WithCPUPercent(50),
		WithNetwork(false),
		WithWorkdir("/tmp"),
		WithProject("go-tests"),
		WithEnv("PD_GO_TEST", "yes=really"),
		WithLabel("pocketdock.test.extra", "x"),
		WithVolume(dir, "/mnt/host", true),
		WithDevice("/dev/null:/dev/pdnull"),
	)
	info := eng.inspect(t, box.ID())
	if info == nil {
		t.Fatal("container not found in the engine")
	}
	if strings.TrimPrefix(info.Name, "/") != name {
		t.Errorf("engine name %q, want %q", info.Name, name)
	}
	for k, v := range map[string]string{testLabelKey: testLabelValue, "pocketdock.test.extra": "x"} {
		if info.Config.Labels[k] != v {
			t.Errorf("label %s = %q, want %q (labels %v)", k, info.Config.Labels[k], v, info.Config.Labels)
		}
	}
	if !slices.Contains(info.Config.Env, "PD_GO_TEST=yes=really") {
		t.Errorf("env %v lacks PD_GO_TEST", info.Config.Env)
	}
	res := mustRun(t, box, `echo "$PD_GO_TEST"; pwd; cat /mnt/host/hello.txt; `+
		`touch /mnt/host/x 2>/dev/null && echo writable || echo read-only; test -c /dev/pdnull && echo dev`)
	want := "yes=really\n/tmp\nfrom the host\nread-only\ndev\n"
	if string(res.Stdout) != want {
		t.Errorf("inside the container got %q (stderr %q), want %q", res.Stdout, res.Stderr, want)
	}
	net := mustRun(t, box, "ls /sys/class/net")
	if strings.TrimSpace(string(net.Stdout)) != "lo" {
		t.Errorf("network disabled, but interfaces: %q", net.Stdout)
	}
}

func TestPersistKeepsContainer(t *testing.T) {
	eng := testEngine(t)
	box := newBox(t, WithPersist(true))
	t.Cleanup(func() { eng.remove(t, box.ID()) }) // persist: the library keeps it on purpose
	mustRun(t, box, "true")
	if err := box.Shutdown(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	info := eng.inspect(t, box.ID())
	if info == nil {
		t.Fatal("a persistent container was removed by Shutdown")
	}
	if info.State.Running {
		t.Error("a persistent container still runs after Shutdown")
	}
}

func TestPortOption(t *testing.T) {
	// The builder accepts a port mapping; a bad protocol is refused before any engine call.
	c, err := createLabelled(t, WithPort(18080, 80, "sctp-nope"))
	if c != nil {
		c.Close()
	}
	if err == nil {
		t.Fatal("Create accepted protocol sctp-nope")
	}
	box := newBox(t, WithPort(0, 8080, "tcp"), WithPort(0, 8081, ""))
	if res := mustRun(t, box, "echo ports"); string(res.Stdout) != "ports\n" {
		t.Errorf("%q", res.Stdout)
	}
}
