package pocketdock

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// Tests of what the in-sandbox agent brings: argv runs, stdin, per-run env/workdir/user,
// signals, OOM, accounting; and of the engine-exec path chosen with WithAgent(false).

func requireAgent(t *testing.T, box *Container) {
	t.Helper()
	if !box.UsesAgent() {
		t.Fatal("the default container does not use the agent")
	}
}

func TestRunArgvNoShell(t *testing.T) {
	box := newBox(t)
	requireAgent(t, box)
	// Arguments arrive verbatim: no word splitting, no expansion, no quoting needed.
	res, err := box.RunArgv(testCtx(t), []string{"python3", "-c",
		"import sys; print(sys.argv[1:])", "a b", "$HOME", "it's", "*"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(res.Stdout), "['a b', '$HOME', \"it's\", '*']\n"; got != want || res.ExitCode != 0 {
		t.Errorf("exit %d stdout %q stderr %q, want %q", res.ExitCode, res.Stdout, res.Stderr, want)
	}
	res, err = box.RunArgv(testCtx(t), []string{"sh", "-c", "exit 7"})
	if err != nil || res.ExitCode != 7 {
		t.Errorf("argv exit code: %+v, %v", res, err)
	}
	raw, err := box.RunArgvRaw(testCtx(t), []string{"echo", "raw"})
	if err != nil {
		t.Fatal(err)
	}
	if raw.StdoutText() != "raw\n" {
		t.Errorf("RunArgvRaw stdout %q", raw.StdoutText())
	}
	raw.Close()
	for name, argv := range map[string][]string{"empty": {}, "nil": nil, "nul": {"echo", "a\x00b"}} {
		res, err := box.RunArgv(testCtx(t), argv)
		if res != nil || !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("RunArgv(%s): %+v, %v; want ErrInvalidArgument", name, res, err)
		}
	}
	// A program that does not exist: an error or a failed result, never a success.
	res, err = box.RunArgv(testCtx(t), []string{"/no/such/program"})
	if err == nil && res.ExitCode == 0 {
		t.Errorf("running a missing program succeeded: %+v", res)
	}
}

func TestRunOptionsEnvWorkdirUserStdin(t *testing.T) {
	box := newBox(t)
	requireAgent(t, box)
	res := mustRun(t, box, `echo "$PD_A|$PD_B"; pwd; id -un`,
		WithRunEnv("PD_A", "one two"), WithRunEnv("PD_B", "x=y"),
		WithRunWorkdir("/tmp"), WithRunUser("nobody"))
	if got, want := string(res.Stdout), "one two|x=y\n/tmp\nnobody\n"; got != want {
		t.Errorf("got %q (stderr %q), want %q", got, res.Stderr, want)
	}
	// Defaults are back on the next run: options are per run.
	res = mustRun(t, box, `echo "[$PD_A]"; id -un`)
	if got := string(res.Stdout); got != "[]\nsandbox\n" {
		t.Errorf("per-run options leaked into the next run: %q", got)
	}
	input := bytes.Repeat([]byte("line of stdin\n"), 5000) // 70 kB: more than a pipe buffer
	res = mustRun(t, box, "wc -c; echo done", WithStdin(input))
	if got := strings.Fields(string(res.Stdout)); len(got) != 2 || got[0] != "70000" || got[1] != "done" {
		t.Errorf("stdin: got %q", res.Stdout)
	}
	res = mustRun(t, box, "import sys; print(sys.stdin.read().upper())",
		WithLang(LangPython), WithStdin([]byte("from go")))
	if string(res.Stdout) != "FROM GO\n" {
		t.Errorf("python stdin: %q (stderr %q)", res.Stdout, res.Stderr)
	}
	res = mustRun(t, box, "cat; echo end", WithStdin(nil))
	if string(res.Stdout) != "end\n" {
		t.Errorf("empty stdin: %q", res.Stdout)
	}
	if _, err := box.Run(testCtx(t), "true", WithRunUser("no-such-user-xyz")); err == nil {
		res := mustRun(t, box, "true", WithRunUser("no-such-user-xyz"))
		if res.ExitCode == 0 {
			t.Error("a run as a user that does not exist succeeded")
		}
	}
}

func TestSignalOOMAndAccounting(t *testing.T) {
	box := newBox(t, WithMemLimit("96m"))
	requireAgent(t, box)
	res := mustRun(t, box, "kill -KILL $$")
	if res.Signal != 9 || res.ExitCode != 128+9 {
		t.Errorf("killed by SIGKILL: signal %d exit %d", res.Signal, res.ExitCode)
	}
	res = mustRun(t, box, "x = 0\nfor i in range(3_000_000): x += i\nprint(x)", WithLang(LangPython))
	if res.ExitCode != 0 || res.Signal != 0 || res.OOMKilled {
		t.Errorf("busy loop: %+v", res)
	}
	if res.CPUUserUs <= 0 || res.CPUSysUs < 0 || res.PeakRSSBytes < 1<<20 {
		t.Errorf("accounting: user %d us, sys %d us, peak rss %d bytes", res.CPUUserUs, res.CPUSysUs, res.PeakRSSBytes)
	}
	if res.CPUUserUs > int64(res.DurationMs+1000)*1000*2 {
		t.Errorf("user CPU %d us is implausible for a %d ms run", res.CPUUserUs, res.DurationMs)
	}
	res = mustRun(t, box, "b = bytearray(512 << 20); print(len(b))",
		WithLang(LangPython), WithRunTimeout(60*time.Second))
	if !res.OOMKilled || res.ExitCode == 0 {
		t.Errorf("allocating 512 MiB under a 96 MiB limit: oom_killed %v exit %d signal %d stderr %q",
			res.OOMKilled, res.ExitCode, res.Signal, res.Stderr)
	}
	// The same through RunRaw's accessors.
	raw, err := box.RunRaw(testCtx(t), "kill -TERM $$")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if raw.Signal() != 15 || raw.OOMKilled() || raw.CPUUserUs() < 0 || raw.CPUSysUs() < 0 || raw.PeakRSSBytes() <= 0 {
		t.Errorf("raw: signal %d oom %v user %d sys %d rss %d",
			raw.Signal(), raw.OOMKilled(), raw.CPUUserUs(), raw.CPUSysUs(), raw.PeakRSSBytes())
	}
}

func TestEngineExecPath(t *testing.T) {
	box := newBox(t, WithAgent(false))
	if box.UsesAgent() {
		t.Fatal("UsesAgent() = true with WithAgent(false)")
	}
	res := mustRun(t, box, "echo out; echo err >&2; exit 3")
	if string(res.Stdout) != "out\n" || string(res.Stderr) != "err\n" || res.ExitCode != 3 {
		t.Errorf("engine exec: %+v", res)
	}
	if res.CPUUserUs != -1 || res.CPUSysUs != -1 || res.PeakRSSBytes != -1 {
		t.Errorf("engine exec reports accounting it cannot have: %+v", res)
	}
	res = mustRun(t, box, "echo started; sleep 39", WithRunTimeout(1500*time.Millisecond))
	if !res.TimedOut || string(res.Stdout) != "started\n" {
		t.Errorf("engine exec timeout: %+v", res)
	}
	if _, err := box.Run(testCtx(t), "cat", WithStdin([]byte("x"))); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("stdin on the engine exec: %v, want ErrInvalidArgument", err)
	}
	if err := box.Close(); err != nil {
		t.Fatal(err)
	}
	if box.UsesAgent() {
		t.Error("UsesAgent() after Close")
	}
}

func TestReadOnlyRoot(t *testing.T) {
	box := newBox(t, WithReadOnly(true))
	res := mustRun(t, box, "touch /etc/pd-ro-test 2>&1 && echo wrote || echo refused")
	if !strings.HasSuffix(string(res.Stdout), "refused\n") {
		t.Errorf("read-only root: %q", res.Stdout)
	}
	rw := newBox(t)
	res = mustRun(t, rw, "touch /tmp/pd-rw-test && echo wrote")
	if string(res.Stdout) != "wrote\n" {
		t.Errorf("writable container: %q %q", res.Stdout, res.Stderr)
	}
}
