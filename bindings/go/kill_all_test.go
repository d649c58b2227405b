package pocketdock

import (
	"strings"
	"testing"
)

func TestKillAllEndsWhatRunsLeftBehind(t *testing.T) {
	box := newBox(t)
	ctx := testCtx(t)
	mustRun(t, box, "setsid sleep 4711 >/dev/null 2>&1 < /dev/null &")
	n, err := box.KillAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n < 1 {
		t.Fatalf("KillAll killed %d processes; the background sleep was running", n)
	}
	left := mustRun(t, box, "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done 2>/dev/null")
	if strings.Contains(string(left.Stdout), "sleep 4711") {
		t.Fatalf("the background sleep survived KillAll:\n%s", string(left.Stdout))
	}
}
