use super::*;

/// What a reader makes of the framing's pieces: per stream, the output from before the
/// command and the command's own (told apart by position, as the library does).
fn split(f: &mut Framing, mut pieces: Vec<Piece>) -> ([Vec<u8>; 2], [Vec<u8>; 2], Framed) {
    pieces.extend(f.pieces(0));
    let framed = f.framed().expect("framed");
    let (mut early, mut own) = ([Vec::new(), Vec::new()], [Vec::new(), Vec::new()]);
    for p in pieces {
        let i = usize::from(p.stream == 2);
        if p.offset < framed.start[i] {
            early[i].extend(p.data);
        } else {
            own[i].extend(p.data);
        }
    }
    (early, own, framed)
}

#[test]
fn quoting_survives_any_text() {
    assert_eq!(sh_quote("it's"), "'it'\\''s'");
    assert_eq!(sh_quote(""), "''");
}

#[test]
fn framing_cuts_at_our_newline_and_reads_the_code() {
    let mut f = Framing::new("M", [10, 5]);
    assert!(!f.push(1, 10, b"\nMS\nno newline\nM 3\n"));
    assert!(f.push(2, 5, b"\nMS\nwarn\nM\n"));
    let (early, own, framed) = split(&mut f, Vec::new());
    assert_eq!(own, [b"no newline".to_vec(), b"warn".to_vec()]);
    assert_eq!(framed.exit_code, 3);
    assert_eq!(framed.start, [10 + 4, 5 + 4]);
    assert_eq!(framed.end, [10 + 4 + 15, 5 + 4 + 7]);
    assert_eq!(early, [Vec::<u8>::new(), Vec::new()]);
}

#[test]
fn framing_across_frames_and_repeats() {
    let mut f = Framing::new("M", [0, 0]);
    f.push(1, 0, b"\nMS\na\n\nM");
    f.push(1, 0, b"\nMS\na\n\nM"); // replayed
    f.push(1, 8, b" 0\n");
    assert!(f.push(2, 0, b"\nMS\n\nM\n"));
    let (_, own, framed) = split(&mut f, Vec::new());
    assert_eq!((own[0].as_slice(), framed.exit_code), (&b"a\n"[..], 0));
    assert_eq!(own[1], b"");
    assert_eq!(framed.end, [11, 7]);
}

#[test]
fn output_before_the_start_marker_is_set_aside_for_read() {
    let mut f = Framing::new("M", [100, 0]);
    // An earlier line's output (without a final newline), then the command's own, the start
    // marker split across frames.
    assert!(!f.push(1, 100, b"sent before\npartial\nM"));
    assert!(!f.push(1, 121, b"S\nmine\n\nM 0\n"));
    assert!(f.push(2, 0, b"oops\n\nMS\n\nM\n"));
    let (early, own, framed) = split(&mut f, Vec::new());
    assert_eq!(early[0], b"sent before\npartial");
    assert_eq!(early[1], b"oops\n");
    assert_eq!(own, [b"mine\n".to_vec(), Vec::new()]);
    assert_eq!(framed.end, [100 + 33, 12]);
}

#[test]
fn a_large_output_goes_ahead_in_pieces_without_cutting_a_marker() {
    let mut f = Framing::new("MARK", [0, 0]);
    let mut sent = Vec::new();
    f.push(1, 0, b"before\n\nMARKS\n");
    f.push(2, 0, b"\nMARKS\n");
    let mut at = 14u64;
    // Output cut anywhere, including inside the end marker: nothing of the marker may
    // leave as output, whatever is asked for along the way.
    let body = [&[b'x'; 300][..], b"\nMARK 7\n"].concat();
    for chunk in body.chunks(7) {
        f.push(1, at, chunk);
        at += chunk.len() as u64;
        sent.extend(f.pieces(100));
    }
    assert!(f.push(2, 7, b"\nMARK\n"));
    let (early, own, framed) = split(&mut f, sent);
    assert_eq!(early[0], b"before\n");
    assert_eq!(own[0], vec![b'x'; 300]);
    assert_eq!(framed.exit_code, 7);
    assert_eq!(framed.end[0], at);
}

#[test]
fn nothing_is_handed_out_early_below_the_threshold() {
    let mut f = Framing::new("M", [0, 0]);
    f.push(1, 0, b"\nMS\nsmall");
    assert!(f.pieces(1024).is_empty());
    assert_eq!(f.pieces(1).len(), 1);
}

/// Regression (the `wire_client` fuzz target): read positions near `u64::MAX`, which a
/// hostile sandbox can set through its output offsets, overflowed (a panic in debug
/// builds).
#[test]
fn framing_at_the_end_of_the_offset_range_does_not_overflow() {
    let mut f = Framing::new("M", [u64::MAX - 2, u64::MAX]);
    assert!(!f.push(1, u64::MAX - 2, b"\nMS\nout\n\nM 0\n"));
    assert!(f.push(2, u64::MAX, b"\nMS\n\nM\n"));
    let framed = f.framed().expect("framed");
    assert_eq!(framed.end, [u64::MAX, u64::MAX]);
    assert!(!f.pieces(0).is_empty());
}

/// Runs the prelude and `commands` (each a framed line, or `Err(text)` sent as it is)
/// through a real `shell`, then frames each command's output from what the shell printed.
type Outcome = (Framed, [Vec<u8>; 2]);

fn through(shell: &str, commands: &[Result<&str, &str>]) -> Option<Vec<Outcome>> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(shell)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    // Start markers for the first command and after a line sent as it is.
    let marked = |n: usize| n == 0 || commands[n - 1].is_err();
    let mut input = prelude("__PD_t_");
    for (n, c) in commands.iter().enumerate() {
        match c {
            Ok(cmd) => input.extend(line(n as u64, cmd, marked(n))),
            Err(raw) => input.extend_from_slice(raw.as_bytes()),
        }
    }
    child.stdin.take()?.write_all(&input).ok()?;
    let out = child.wait_with_output().ok()?;
    let mut from = [0, 0];
    let mut results = Vec::new();
    for (n, c) in commands.iter().enumerate() {
        if c.is_err() {
            continue;
        }
        let m = marker("__PD_t_", n as u64);
        let mut f = match marked(n) {
            true => Framing::new(&m, from),
            false => Framing::starting_at(&m, from, from),
        };
        f.push(1, 0, &out.stdout);
        f.push(2, 0, &out.stderr);
        assert!(f.done(), "{shell}: command {n} not framed");
        let (_, own, framed) = split(&mut f, Vec::new());
        from = framed.end;
        results.push((framed, own));
    }
    Some(results)
}

#[test]
#[cfg_attr(miri, ignore)]
fn the_shell_text_frames_commands_in_bash_and_sh() {
    for shell in ["bash", "sh"] {
        let mut commands = vec![
            Ok("cd /tmp && X=kept"),
            Ok("pwd; echo $X; echo err >&2; printf 'no newline'"),
            Err("echo sent\n"),
            Ok("false"),
            Ok("echo \"it's\" 'a \"test\"'"),
            Ok("cat; echo after-cat"),
            Ok("return 5"),
            Ok("echo still here"),
            // An interrupt ends the whole command; outside a command it is ignored.
            Ok("kill -INT $$; echo not reached"),
            Err("kill -INT $$\n"),
            Ok("echo survived"),
        ];
        // A syntax error in `eval` ends a POSIX sh (dash): only bash lives on.
        if shell == "bash" {
            commands.push(Ok("echo 'unclosed"));
        }
        let Some(r) = through(shell, &commands) else {
            continue; // no such shell here
        };
        let got: Vec<(i32, String, String)> = r
            .iter()
            .map(|(f, [o, e])| {
                let text = |b: &Vec<u8>| String::from_utf8_lossy(b).into_owned();
                (f.exit_code, text(o), text(e))
            })
            .collect();
        assert_eq!(got[0], (0, String::new(), String::new()), "{shell}");
        assert_eq!(
            got[1],
            (0, "/tmp\nkept\nno newline".into(), "err\n".into()),
            "{shell}"
        );
        assert_eq!(got[2].0, 1, "{shell}");
        assert_eq!(got[3].1, "it's a \"test\"\n", "{shell}");
        assert_eq!(got[4].1, "after-cat\n", "{shell}");
        assert_eq!(got[5].0, 5, "{shell}");
        assert_eq!(got[6], (0, "still here\n".into(), String::new()), "{shell}");
        assert_eq!(got[7], (130, String::new(), String::new()), "{shell}");
        assert_eq!(got[8], (0, "survived\n".into(), String::new()), "{shell}");
        if shell == "bash" {
            assert_ne!(got[9].0, 0, "{shell}");
        }
    }
}

#[test]
fn without_start_markers_what_came_before_the_start_position_is_set_aside() {
    let mut f = Framing::starting_at("M", [0, 3], [5, 3]);
    assert!(!f.push(1, 0, b"ea"));
    assert!(!f.push(1, 2, b"rlymine\n\nM 0\n"));
    assert!(f.push(2, 3, b"err\n\nM\n"));
    let (early, own, framed) = split(&mut f, Vec::new());
    assert_eq!(early, [b"early".to_vec(), Vec::new()]);
    assert_eq!(own, [b"mine\n".to_vec(), b"err\n".to_vec()]);
    assert_eq!((framed.start, framed.end), ([5, 3], [15, 10]));
}

/// Bytes the ring dropped before a piece: positions jump with it, and what lies before
/// the command's start position still goes to the reader, not to the command.
#[test]
fn a_gap_in_the_stream_keeps_positions_true() {
    let mut f = Framing::starting_at("M", [0, 0], [10, 0]);
    assert!(!f.push(1, 0, b"abc"));
    // 3..7 lost; 7..10 came before the command, 10.. is its own.
    assert!(!f.push(1, 7, b"xyzmine\n\nM 0\n"));
    assert!(f.push(2, 0, b"\nM\n"));
    let (early, own, framed) = split(&mut f, Vec::new());
    assert_eq!(early[0], b"abcxyz");
    assert_eq!(own[0], b"mine\n");
    assert_eq!(framed.end[0], 7 + 13);
    // A start position inside the lost bytes: the command's output starts after the gap.
    let mut f = Framing::starting_at("M", [0, 0], [5, 0]);
    f.push(1, 0, b"ab");
    f.push(1, 9, b"own\n\nM 0\n");
    assert!(f.push(2, 0, b"\nM\n"));
    let (early, own, framed) = split(&mut f, Vec::new());
    assert_eq!(
        (early[0].as_slice(), own[0].as_slice()),
        (&b"ab"[..], &b"own\n"[..])
    );
    assert_eq!(framed.start[0], 9);
}
