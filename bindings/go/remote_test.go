package pocketdock

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"
)

// remoteSettings reads scripts/remote-up's env file, or skips the test without it.
func remoteSettings(t *testing.T) map[string]string {
	path := os.Getenv("POCKETDOCK_TEST_REMOTE")
	if path == "" {
		t.Skip("POCKETDOCK_TEST_REMOTE is not set (scripts/remote-up)")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && !strings.HasPrefix(k, "#") {
			s[k] = v
		}
	}
	return s
}

func TestRemoteOptionsAreCheckedBeforeConnecting(t *testing.T) {
	ctx := testCtx(t)
	cases := []struct {
		name string
		opts []ConnectOption
		op   string
		want error
	}{
		{"bad scheme", []ConnectOption{WithHost("gopher://h")}, "connect option host", ErrInvalidArgument},
		{"cert without key", []ConnectOption{WithTLSFiles("/ca.pem", "/cert.pem", "")}, "connect option tls_files", ErrInvalidArgument},
		{"tls for ssh", []ConnectOption{WithTLSDir("/certs"), WithHost("ssh://h")}, "connect option host", ErrInvalidArgument},
		{"nul in key path", []ConnectOption{WithSSHIdentity("/a\x00b")}, "connect option ssh_identity", ErrInvalidArgument},
	}
	for _, tc := range cases {
		c, err := Connect(ctx, tc.opts...)
		if c != nil {
			c.Close()
		}
		var pe *Error
		if !errors.Is(err, tc.want) || !errors.As(err, &pe) || pe.Op != tc.op {
			t.Errorf("%s: got %v, want %v from %q", tc.name, err, tc.want, tc.op)
		}
	}
	// Plain TCP off loopback is refused when connecting, by name.
	_, err := Connect(ctx, WithHost("tcp://192.0.2.1:2375"), WithSSHKnownHosts(""))
	if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "only on loopback") {
		t.Errorf("plain tcp off loopback: %v", err)
	}
}

func TestRemoteRunOverTLS(t *testing.T) {
	s := remoteSettings(t)
	ctx := testCtx(t)
	c, err := Connect(ctx, WithHost(s["PD_REMOTE_TLS"]), WithTLSDir(s["PD_REMOTE_CERTS"]+"/good"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := c.EngineInfo().Socket; got != s["PD_REMOTE_TLS"] {
		t.Errorf("engine info socket %q", got)
	}
	_, err = Connect(ctx, WithHost(s["PD_REMOTE_TLS"]), WithTLSFiles(s["PD_REMOTE_CERTS"]+"/wrong-ca/ca.pem",
		s["PD_REMOTE_CERTS"]+"/good/cert.pem", s["PD_REMOTE_CERTS"]+"/good/key.pem"))
	if !errors.Is(err, ErrEngineNotFound) || !strings.Contains(err.Error(), "certificate check failed") {
		t.Errorf("wrong CA: %v", err)
	}
}
