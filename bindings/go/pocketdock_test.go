package pocketdock

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	if err := CheckABI(); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	client, err := Connect(ctx)
	cancel()
	if err != nil {
		os.Stderr.WriteString("Connect: " + err.Error() + "\n")
		os.Exit(2)
	}
	testClient = client
	info := client.EngineInfo()
	fmt.Fprintf(os.Stderr, "pocketdock %s, %s %s (API %s) on %s\n",
		Version(), info.Kind, info.Version, info.APIVersion, info.Socket)
	code := m.Run()
	client.Close()
	os.Exit(code)
}

func TestVersionAndABI(t *testing.T) {
	if v := Version(); v == "" || strings.Count(v, ".") != 2 {
		t.Errorf("Version() = %q, want x.y.z", v)
	}
	if got := LibraryABIVersion(); got != ABIVersion {
		t.Errorf("LibraryABIVersion() = %d, want %d", got, ABIVersion)
	}
	if err := CheckABI(); err != nil {
		t.Errorf("CheckABI: %v", err)
	}
	if err := checkABI(ABIVersion); err != nil {
		t.Errorf("checkABI(%d) = %v, want nil", ABIVersion, err)
	}
	err := checkABI(ABIVersion + 40)
	if !errors.Is(err, ErrABIMismatch) {
		t.Fatalf("checkABI(other) = %v, want ErrABIMismatch", err)
	}
	for _, want := range []string{"pd_abi_version() = 42", "PD_ABI_VERSION 2"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("mismatch message %q does not name %q", err, want)
		}
	}
}

func TestRunEcho(t *testing.T) {
	box := newBox(t)
	if !strings.HasPrefix(box.Name(), "pd-") || len(box.Name()) != len("pd-")+8 {
		t.Errorf("default name %q, want pd-<8 hex>", box.Name())
	}
	if box.ID() == "" {
		t.Error("empty container id")
	}
	res := mustRun(t, box, "echo hello")
	if string(res.Stdout) != "hello\n" || len(res.Stderr) != 0 || res.ExitCode != 0 {
		t.Errorf("got exit %d stdout %q stderr %q", res.ExitCode, res.Stdout, res.Stderr)
	}
	if res.TimedOut || res.Truncated {
		t.Errorf("timed_out=%v truncated=%v for a plain echo", res.TimedOut, res.Truncated)
	}
	if res.Duration() != time.Duration(res.DurationMs)*time.Millisecond || res.DurationMs > 30_000 {
		t.Errorf("implausible duration %d ms", res.DurationMs)
	}
}

func TestStderrSeparate(t *testing.T) {
	box := newBox(t)
	res := mustRun(t, box, "echo out; echo err >&2; echo out2")
	if string(res.Stdout) != "out\nout2\n" || string(res.Stderr) != "err\n" {
		t.Errorf("stdout %q stderr %q", res.Stdout, res.Stderr)
	}
}

func TestExitCode(t *testing.T) {
	box := newBox(t)
	res := mustRun(t, box, "echo before; exit 42")
	if res.ExitCode != 42 || string(res.Stdout) != "before\n" || res.TimedOut {
		t.Errorf("exit %d stdout %q timed_out %v, want 42 %q false",
			res.ExitCode, res.Stdout, res.TimedOut, "before\n")
	}
}

func TestLangs(t *testing.T) {
	box := newBox(t)
	res := mustRun(t, box, "import sys; print('py', sys.version_info[0]); sys.stderr.write('e\\n')",
		WithLang(LangPython))
	if string(res.Stdout) != "py 3\n" || string(res.Stderr) != "e\n" || res.ExitCode != 0 {
		t.Errorf("python: exit %d stdout %q stderr %q", res.ExitCode, res.Stdout, res.Stderr)
	}
	res = mustRun(t, box, "a=(x y z); echo ${#a[@]} $BASH_VERSION", WithLang(LangBash))
	if !strings.HasPrefix(string(res.Stdout), "3 ") || res.ExitCode != 0 {
		t.Errorf("bash: exit %d stdout %q stderr %q", res.ExitCode, res.Stdout, res.Stderr)
	}
	res = mustRun(t, box, "echo $0", WithLang(LangSh))
	if res.ExitCode != 0 || len(res.Stdout) == 0 {
		t.Errorf("sh: exit %d stdout %q stderr %q", res.ExitCode, res.Stdout, res.Stderr)
	}
}

func TestTimeoutKills(t *testing.T) {
	box := newBox(t)
	start := time.Now()
	res := mustRun(t, box, "echo started; sleep 37; echo never", WithRunTimeout(1500*time.Millisecond))
	elapsed := time.Since(start)
	if !res.TimedOut || res.ExitCode != -1 {
		t.Errorf("timed_out %v exit %d, want true -1", res.TimedOut, res.ExitCode)
	}
	if string(res.Stdout) != "started\n" {
		t.Errorf("partial stdout %q, want %q", res.Stdout, "started\n")
	}
	if elapsed < 1400*time.Millisecond || elapsed > 15*time.Second {
		t.Errorf("run took %v with a 1.5 s timeout", elapsed)
	}
	// The command was killed inside the container, not just abandoned.
	ps := mustRun(t, box, `n=0; for f in /proc/[0-9]*/cmdline; do
		tr '\0' ' ' < "$f" 2>/dev/null | grep -q '^sleep 37' && n=$((n+1)); done; echo $n`)
	if strings.TrimSpace(string(ps.Stdout)) != "0" {
		t.Errorf("%s 'sleep 37' process(es) still alive after the timeout", bytes.TrimSpace(ps.Stdout))
	}
}

func TestContextDeadlineCapsRun(t *testing.T) {
	box := newBox(t)
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := box.Run(ctx, "echo partial; sleep 38")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
	if res == nil || !res.TimedOut || string(res.Stdout) != "partial\n" {
		t.Errorf("result %+v, want the partial, timed-out result", res)
	}
	if elapsed := time.Since(start); elapsed > 15*time.Second {
		t.Errorf("run outlived its context deadline by far: %v", elapsed)
	}
	// A deadline later than the run's timeout changes nothing.
	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel2()
	res, err = box.Run(ctx2, "echo ok")
	if err != nil || string(res.Stdout) != "ok\n" {
		t.Errorf("Run with a far deadline: %v %+v", err, res)
	}
}

func TestCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if cl, err := Connect(ctx); !errors.Is(err, context.Canceled) || cl != nil {
		t.Errorf("Connect with a canceled ctx = %v, %v; want nil, context.Canceled", cl, err)
	}
	if c, err := testClient.CreateContainer(ctx, WithLabel(testLabelKey, testLabelValue)); !errors.Is(err, context.Canceled) || c != nil {
		t.Errorf("CreateContainer with a canceled ctx = %v, %v; want nil, context.Canceled", c, err)
		if c != nil {
			c.Close()
		}
	}
	box := newBox(t)
	if res, err := box.Run(ctx, "echo x"); !errors.Is(err, context.Canceled) || res != nil {
		t.Errorf("Run with a canceled ctx = %v, %v", res, err)
	}
	if err := box.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown with a canceled ctx = %v", err)
	}
	// Nothing happened: the container still runs.
	if res := mustRun(t, box, "echo alive"); string(res.Stdout) != "alive\n" {
		t.Errorf("after canceled calls: %q", res.Stdout)
	}
}

func TestTruncation(t *testing.T) {
	box := newBox(t)
	const limit = 4096
	start := time.Now()
	// `yes` never ends on its own: the cap must kill it.
	res := mustRun(t, box, "echo to-stderr >&2; yes pocketdock",
		WithMaxOutput(limit), WithRunTimeout(25*time.Second))
	if !res.Truncated {
		t.Errorf("truncated = false with %d bytes out", len(res.Stdout)+len(res.Stderr))
	}
	if res.TimedOut || time.Since(start) > 20*time.Second {
		t.Errorf("the capped command was not killed promptly (timed_out %v, %v)", res.TimedOut, time.Since(start))
	}
	if n := len(res.Stdout) + len(res.Stderr); n > limit || n < limit/2 {
		t.Errorf("kept %d bytes with a cap of %d", n, limit)
	}
	if !bytes.HasPrefix(res.Stdout, []byte("pocketdock\npocketdock\n")) {
		t.Errorf("stdout starts %q", res.Stdout[:min(len(res.Stdout), 40)])
	}
	// A lot of output under the cap is kept whole.
	res = mustRun(t, box, "head -c 300000 /dev/zero | tr '\\0' x")
	if res.Truncated || len(res.Stdout) != 300000 {
		t.Errorf("300000 bytes under the default cap: truncated %v, got %d", res.Truncated, len(res.Stdout))
	}
}
