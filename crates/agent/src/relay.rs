//! Relay mode: started by the client through the engine's exec (as root), it joins the exec's
//! stdin/stdout to the agent's socket, so the client gets a private, long-lived channel.

use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixStream};

use crate::{sys, wire};

pub fn relay() -> ! {
    sys::ignore_sigpipe();
    let conn = SocketAddr::from_abstract_name(wire::SOCKET_NAME)
        .and_then(|a| UnixStream::connect_addr(&a));
    let conn = match conn {
        Ok(c) => c,
        Err(e) => {
            eprintln!("pocketdock-agent relay: cannot reach the agent: {e}");
            std::process::exit(1)
        }
    };
    let mut up = conn.try_clone().expect("clone socket");
    std::thread::spawn(move || {
        let _ = io::copy(&mut io::stdin().lock(), &mut up);
        let _ = up.shutdown(Shutdown::Write);
    });
    let mut down = conn;
    let mut out = io::stdout().lock();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match down.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if out.write_all(&buf[..n]).and_then(|_| out.flush()).is_err() {
                    break;
                }
            }
        }
    }
    std::process::exit(0)
}
