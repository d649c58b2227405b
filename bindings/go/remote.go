package pocketdock

// Remote engines (docs/engines.md): the engine's host as any address (a Unix socket,
// tcp://, ssh://), TLS files for tcp://, and how ssh logs in to an ssh:// engine.

/*
#include <stdlib.h>
#include "pocketdock.h"
*/
import "C"

// WithHost uses the engine at this address and no other: a Unix socket (a path or
// "unix://PATH"), "tcp://HOST[:PORT]" (plain only on loopback; any other host needs TLS,
// from WithTLSDir/WithTLSFiles or DOCKER_TLS_VERIFY + DOCKER_CERT_PATH), or
// "ssh://[USER@]HOST[:PORT][/REMOTE/SOCKET]" through the system ssh. "" restores the
// default (POCKETDOCK_SOCKET, a remote CONTAINER_HOST/DOCKER_HOST, else discovery). An
// address that does not parse is ErrInvalidArgument; an engine that cannot be reached is
// ErrEngineNotFound naming the failing step (connect, TLS handshake, certificate, ssh
// authentication) (pd_client_opts_set_host).
func WithHost(address string) ConnectOption {
	return func(c *connectConfig) {
		c.setString("host", address, true, func(s *C.char, e **C.pd_error) C.pd_status {
			return C.pd_client_opts_set_host(c.opts, s, e)
		})
	}
}

// WithTLSDir uses TLS for a tcp:// engine with the files of a directory laid out as
// Docker's DOCKER_CERT_PATH: ca.pem, and cert.pem + key.pem for the client certificate.
// "" clears it (back to the environment's TLS settings) (pd_client_opts_set_tls_dir).
func WithTLSDir(dir string) ConnectOption {
	return func(c *connectConfig) {
		c.setString("tls_dir", dir, true, func(s *C.char, e **C.pd_error) C.pd_status {
			return C.pd_client_opts_set_tls_dir(c.opts, s, e)
		})
	}
}

// WithTLSFiles uses TLS for a tcp:// engine with files named one by one: the CA of the
// engine's certificate, and the client's certificate and key (both, or both "" for none)
// (pd_client_opts_set_tls_files).
func WithTLSFiles(ca, cert, key string) ConnectOption {
	return func(c *connectConfig) {
		if c.err != nil {
			return
		}
		const op = "connect option tls_files"
		cs := make([]*C.char, 0, 3)
		defer func() {
			for _, s := range cs {
				cFree(s)
			}
		}()
		for i, v := range []string{ca, cert, key} {
			conv := cStringOrNil
			if i == 0 {
				conv = cString
			}
			s, err := conv(op, []string{"ca", "cert", "key"}[i], v)
			if err != nil {
				c.err = err
				return
			}
			cs = append(cs, s)
		}
		var e *C.pd_error
		if st := C.pd_client_opts_set_tls_files(c.opts, cs[0], cs[1], cs[2], &e); st != C.PD_OK {
			c.err = takeError(op, st, e)
		}
	}
}

// WithSSHIdentity logs in to an ssh:// engine with this private key only; "" restores
// the default (CONTAINER_SSHKEY, else ssh's own configuration)
// (pd_client_opts_set_ssh_identity).
func WithSSHIdentity(path string) ConnectOption {
	return func(c *connectConfig) {
		c.setString("ssh_identity", path, true, func(s *C.char, e **C.pd_error) C.pd_status {
			return C.pd_client_opts_set_ssh_identity(c.opts, s, e)
		})
	}
}

// WithSSHKnownHosts checks an ssh:// engine's host key strictly against this known-hosts
// file; "" restores ~/.ssh/known_hosts. An unknown host key always fails
// (pd_client_opts_set_ssh_known_hosts).
func WithSSHKnownHosts(path string) ConnectOption {
	return func(c *connectConfig) {
		c.setString("ssh_known_hosts", path, true, func(s *C.char, e **C.pd_error) C.pd_status {
			return C.pd_client_opts_set_ssh_known_hosts(c.opts, s, e)
		})
	}
}
