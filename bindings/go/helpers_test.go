package pocketdock

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"
)

// Every container a test creates carries this label, so scripts/test-go can sweep leftovers.
const testLabelKey, testLabelValue = "pocketdock.test", "go"

// testClient is the one Client every test uses (connected in TestMain): the engine is found
// once per test binary, as in a real program.
var testClient *Client

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// newBox creates a labelled sandbox that is closed (shut down, freed) when the test ends,
// whether it passed or not.
func newBox(t testing.TB, opts ...Option) *Container {
	t.Helper()
	all := append([]Option{WithLabel(testLabelKey, testLabelValue)}, opts...)
	c, err := testClient.CreateContainer(testCtx(t), all...)
	if err != nil {
		t.Fatalf("CreateContainer: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close %s: %v", c.Name(), err)
		}
	})
	return c
}

func mustRun(t testing.TB, c *Container, cmd string, opts ...RunOption) *Result {
	t.Helper()
	res, err := c.Run(testCtx(t), cmd, opts...)
	if err != nil {
		t.Fatalf("Run(%q): %v", cmd, err)
	}
	return res
}

// engine is a minimal client of the engine's HTTP API on POCKETDOCK_SOCKET, used only to
// check from outside what the library did (labels, names, removal) and to clean up
// containers the library keeps on purpose (persist).
type engine struct{ http *http.Client }

func testEngine(t testing.TB) *engine {
	t.Helper()
	sock := os.Getenv("POCKETDOCK_SOCKET")
	if sock == "" {
		t.Skip("POCKETDOCK_SOCKET not set: cannot inspect the engine directly")
	}
	return &engine{http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}}
}

func (e *engine) do(t testing.TB, method, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, "http://engine/v1.41"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.http.Do(req)
	if err != nil {
		t.Fatalf("engine %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

type inspected struct {
	Name   string
	State  struct{ Running bool }
	Config struct {
		Labels     map[string]string
		Env        []string
		WorkingDir string
	}
}

// inspect returns the engine's view of a container, or nil when it does not exist.
func (e *engine) inspect(t testing.TB, id string) *inspected {
	t.Helper()
	code, body := e.do(t, "GET", "/containers/"+url.PathEscape(id)+"/json")
	if code == http.StatusNotFound {
		return nil
	}
	if code != http.StatusOK {
		t.Fatalf("inspect %s: HTTP %d: %s", id, code, body)
	}
	var out inspected
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

func (e *engine) remove(t testing.TB, id string) {
	t.Helper()
	code, body := e.do(t, "DELETE", "/containers/"+url.PathEscape(id)+"?force=true&v=true&timeout=0")
	if code != http.StatusNoContent && code != http.StatusOK && code != http.StatusNotFound {
		t.Errorf("remove %s: HTTP %d: %s", id, code, body)
	}
}

func uniqueName(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, os.Getpid(), time.Now().UnixNano()%1_000_000_000)
}

var errDeadline = context.DeadlineExceeded

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// createLabelled is CreateContainer on testClient with the sweep label first. The caller
// closes what it gets.
func createLabelled(t testing.TB, opts ...Option) (*Container, error) {
	t.Helper()
	return testClient.CreateContainer(testCtx(t), append([]Option{WithLabel(testLabelKey, testLabelValue)}, opts...)...)
}
