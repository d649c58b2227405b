package pocketdock

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Run takes two paths: one pd_run call for a context that cannot be cancelled, a stream
// for one that can. Both must give the same results.
func TestRunPathsAgree(t *testing.T) {
	box := newBox(t)
	type scenario struct {
		name  string
		argv  []string
		cmd   string
		opts  []RunOption
		check func(t *testing.T, r *Result)
	}
	scenarios := []scenario{
		{name: "echo", cmd: "echo hello; echo err >&2; exit 42", check: func(t *testing.T, r *Result) {
			if string(r.Stdout) != "hello\n" || string(r.Stderr) != "err\n" || r.ExitCode != 42 {
				t.Errorf("%+v", r)
			}
		}},
		{name: "python stdin", cmd: "import sys; print(sys.stdin.read()[::-1])",
			opts: []RunOption{WithLang(LangPython), WithStdin([]byte("abc"))}, check: func(t *testing.T, r *Result) {
				if string(r.Stdout) != "cba\n" || r.ExitCode != 0 {
					t.Errorf("%+v", r)
				}
			}},
		{name: "big output", cmd: "head -c 2000000 /dev/zero | tr '\\0' y", check: func(t *testing.T, r *Result) {
			if len(r.Stdout) != 2000000 || !bytes.Equal(r.Stdout[:3], []byte("yyy")) || r.Truncated {
				t.Errorf("%d bytes, truncated %v", len(r.Stdout), r.Truncated)
			}
		}},
		{name: "timeout", cmd: "echo part; sleep 46", opts: []RunOption{WithRunTimeout(time.Second)},
			check: func(t *testing.T, r *Result) {
				if !r.TimedOut || string(r.Stdout) != "part\n" {
					t.Errorf("%+v", r)
				}
			}},
		{name: "truncation", cmd: "yes", opts: []RunOption{WithMaxOutput(3000)}, check: func(t *testing.T, r *Result) {
			if !r.Truncated || len(r.Stdout) > 3000 {
				t.Errorf("truncated %v, %d bytes", r.Truncated, len(r.Stdout))
			}
		}},
		{name: "argv", argv: []string{"printf", "%s|", "a b", "$x"}, check: func(t *testing.T, r *Result) {
			if string(r.Stdout) != "a b|$x|" {
				t.Errorf("%q", r.Stdout)
			}
		}},
	}
	ctxs := map[string]func() (context.Context, context.CancelFunc){
		"pd_run":        func() (context.Context, context.CancelFunc) { return context.Background(), func() {} },
		"pd_run_stream": func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
	}
	for _, sc := range scenarios {
		for path, mk := range ctxs {
			t.Run(sc.name+"/"+path, func(t *testing.T) {
				ctx, cancel := mk()
				defer cancel()
				var r *Result
				var err error
				if sc.argv != nil {
					r, err = box.RunArgv(ctx, sc.argv, sc.opts...)
				} else {
					r, err = box.Run(ctx, sc.cmd, sc.opts...)
				}
				if err != nil {
					t.Fatal(err)
				}
				sc.check(t, r)
			})
		}
	}
}

// Cancelling the context of Run kills the command in the sandbox at once.
func TestRunCancelKills(t *testing.T) {
	box := newBox(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(time.Second, cancel)
	start := time.Now()
	res, err := box.Run(ctx, "echo before; sleep 47; echo after")
	elapsed := time.Since(start)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if res == nil || string(res.Stdout) != "before\n" || res.ExitCode == 0 {
		t.Errorf("result %+v, want the partial output of a killed command", res)
	}
	if elapsed > 10*time.Second {
		t.Errorf("Run returned %v after its context was cancelled at 1 s", elapsed)
	}
	ps := mustRun(t, box, `n=0; for f in /proc/[0-9]*/cmdline; do
		tr '\0' ' ' < "$f" 2>/dev/null | grep -q '^sleep 47' && n=$((n+1)); done; echo $n`)
	if strings.TrimSpace(string(ps.Stdout)) != "0" {
		t.Errorf("the cancelled command still runs")
	}
	// RunRaw (pd_run) caps its timeout by the deadline.
	dctx, dcancel := context.WithTimeout(context.Background(), 1200*time.Millisecond)
	defer dcancel()
	raw, err := box.RunRaw(dctx, "echo x; sleep 48")
	if !errors.Is(err, context.DeadlineExceeded) || raw == nil || !raw.TimedOut() || raw.StdoutText() != "x\n" {
		t.Errorf("RunRaw past its deadline: %v, %v", raw, err)
	}
	if raw != nil {
		raw.Close()
	}
}

// treeScript starts a tree of processes marked by their sleep lengths (6xx seconds with
// tag as the middle digits): children, a subshell with its own children, and one that
// ignores the polite signals. It prints "started" once every process is there.
func treeScript(tag string) string {
	return strings.NewReplacer("TT", tag).Replace(`sleep 6TT1 &
(sleep 6TT2 & sleep 6TT3 & wait) &
sh -c 'trap "" TERM INT HUP; sleep 6TT4' &
echo started
sleep 6TT5
wait`)
}

// countTree counts the processes of treeScript(tag) alive in the container (safe from any
// goroutine: it does not fail the test).
func countTree(box *Container, tag string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := box.Run(ctx, `n=0; for f in /proc/[0-9]*/cmdline; do
		tr '\0' ' ' < "$f" 2>/dev/null | grep -q '^sleep 6`+tag+`[1-5] ' && n=$((n+1)); done; echo $n`)
	if err != nil {
		return -1, err
	}
	return strconv.Atoi(strings.TrimSpace(string(res.Stdout)))
}

// Cancelling a Go context during a blocking Run or RunArgv kills the whole command tree in
// the sandbox, on both execution paths: nothing of it is left inside the container when
// the call returns.
func TestRunCancelKillsCommandTree(t *testing.T) {
	for _, path := range []struct {
		name  string
		agent bool
	}{{"agent", true}, {"engine exec", false}} {
		t.Run(path.name, func(t *testing.T) {
			box := newBox(t, WithAgent(path.agent))
			if box.UsesAgent() != path.agent {
				t.Fatalf("UsesAgent() = %v, want %v", box.UsesAgent(), path.agent)
			}
			for i, call := range []struct {
				name string
				run  func(ctx context.Context, script string) (*Result, error)
			}{
				{"Run", func(ctx context.Context, script string) (*Result, error) {
					return box.Run(ctx, script)
				}},
				{"RunArgv", func(ctx context.Context, script string) (*Result, error) {
					return box.RunArgv(ctx, []string{"sh", "-c", script})
				}},
			} {
				tag := strings.Repeat(string(rune('1'+i)), 2)
				ctx, cancel := context.WithCancel(context.Background())
				// Cancel once the whole tree is seen running from a second command.
				seen := make(chan int, 1)
				go func() {
					defer cancel()
					n := 0
					for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
						var err error
						if n, err = countTree(box, tag); err != nil || n == 5 {
							break
						}
						time.Sleep(100 * time.Millisecond)
					}
					seen <- n
				}()
				start := time.Now()
				res, err := call.run(ctx, treeScript(tag))
				elapsed := time.Since(start)
				cancel()
				if n := <-seen; n != 5 {
					t.Fatalf("%s: %d processes of the tree seen running, want 5", call.name, n)
				}
				if !errors.Is(err, context.Canceled) || res == nil || res.ExitCode == 0 ||
					string(res.Stdout) != "started\n" {
					t.Errorf("%s: %+v, %v; want the partial, killed result and context.Canceled",
						call.name, res, err)
				}
				if elapsed > 40*time.Second {
					t.Errorf("%s returned %v after it started, long after the cancel", call.name, elapsed)
				}
				if n, err := countTree(box, tag); n != 0 || err != nil {
					t.Errorf("%s: %d processes of the cancelled tree still run in the sandbox (%v)",
						call.name, n, err)
				}
			}
		})
	}
}
