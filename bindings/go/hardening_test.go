package pocketdock

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestStrictPreset(t *testing.T) {
	box := newBox(t, WithStrict())
	res := mustRun(t, box, `id -u; touch /etc/x 2>/dev/null && echo root-rw || echo root-ro;
		touch /tmp/x && echo tmp-rw; grep CapEff /proc/self/status; grep NoNewPrivs /proc/self/status;
		cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max; ls /sys/class/net`)
	out := string(res.Stdout)
	for _, want := range []string{"root-ro\n", "tmp-rw\n", "CapEff:\t0000000000000000\n", "NoNewPrivs:\t1\n", "256\n", "lo\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("strict container output lacks %q:\n%s\nstderr: %s", want, out, res.Stderr)
		}
	}
	if strings.HasPrefix(out, "0\n") {
		t.Errorf("strict container runs as root:\n%s", out)
	}
}

func TestHardeningOptions(t *testing.T) {
	box := newBox(t, WithCapDropAll(true), WithNoNewPrivileges(true), WithPidsLimit(64),
		WithUser("nobody"), WithTmpfs("/scratch", "size=8m"), WithTmpfs("/scratch2", ""))
	res := mustRun(t, box, `id -un; grep CapEff /proc/self/status; grep NoNewPrivs /proc/self/status;
		cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max;
		touch /scratch/f && echo scratch-rw; grep -E ' /scratch2? ' /proc/mounts | cut -d' ' -f3 | sort -u`)
	want := "nobody\nCapEff:\t0000000000000000\nNoNewPrivs:\t1\n64\nscratch-rw\ntmpfs\n"
	if string(res.Stdout) != want {
		t.Errorf("got %q (stderr %q), want %q", res.Stdout, res.Stderr, want)
	}
	for name, opt := range map[string]Option{
		"relative tmpfs": WithTmpfs("scratch", ""), "negative pids": WithPidsLimit(-1),
	} {
		c, err := createLabelled(t, opt)
		if c != nil {
			c.Close()
		}
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: %v, want ErrInvalidArgument", name, err)
		}
	}
}

func TestInfo(t *testing.T) {
	box := newBox(t, WithMemLimit("128m"), WithPersist(true), WithNetwork(false))
	eng := testEngine(t)
	t.Cleanup(func() { eng.remove(t, box.ID()) })
	ctx := testCtx(t)
	p, err := box.Spawn(ctx, "sleep 49")
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	start := time.Now()
	info, err := box.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Info took %v", time.Since(start))
	if info.ID != box.ID() || info.Name != box.Name() || !info.Running || info.Status != "running" {
		t.Errorf("identity/state: %+v", info)
	}
	if !strings.Contains(info.Image, "minimal-python") || info.CreatedAt == "" || info.StartedAt == nil {
		t.Errorf("image/times: %+v", info)
	}
	if info.MemoryLimitBytes == nil || *info.MemoryLimitBytes != 128<<20 {
		t.Errorf("memory limit %v", info.MemoryLimitBytes)
	}
	if info.MemoryUsageBytes == nil || *info.MemoryUsageBytes == 0 || info.CPUPercent == nil ||
		info.Pids == nil || *info.Pids < 2 || info.UptimeMs == nil {
		t.Errorf("live figures: %s", info.Raw)
	}
	if info.Network {
		t.Error("network reported on for a container without network")
	}
	found := false
	for _, row := range info.Processes {
		if strings.Contains(strings.Join(row, " "), "sleep 49") {
			found = true
		}
	}
	if !found || len(info.ProcessTitles) == 0 {
		t.Errorf("processes %v %v lack sleep 49", info.ProcessTitles, info.Processes)
	}
	if len(info.Raw) == 0 || info.Raw[0] != '{' {
		t.Errorf("Raw = %q", info.Raw)
	}
	// A stopped (persistent) container still answers, without live figures.
	if err := box.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	info, err = box.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Running || info.MemoryUsageBytes != nil || info.CPUPercent != nil || info.UptimeMs != nil {
		t.Errorf("stopped container: %s", info.Raw)
	}
}
