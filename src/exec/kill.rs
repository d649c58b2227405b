//! Killing a run on the engine-exec path. The engine API has no exec-kill, so every run carries
//! marks that each process it starts inherits, and a second exec finds and kills the marked
//! processes with everything below them:
//!
//! - a resource limit nothing uses, set to a value unique to the run: RLIMIT_LOCKS ("Max file
//!   locks" in `/proc/<pid>/limits`; it limits nothing since Linux 2.4.25 but is still kept).
//!   Limits are inherited through fork, exec, `setsid`, `env -i`, `nohup` and double forks,
//!   and an unprivileged process can only lower its hard limit, so shedding it takes a
//!   deliberate `ulimit`. The run is started as `/bin/sh -c 'ulimit …; exec "$@"'` (see
//!   [`RunMark::wrap`]), so this path needs `/bin/sh` in the image, as the kill itself does;
//! - `PD_RUN_ID=<id>` in its environment: the mark of a run whose limit could not be set (a
//!   shell without the flag, a lower hard limit already configured);
//! - the process tree: every descendant (by parent pid) of a marked process, so a child that
//!   shed both marks is still found while its parent lives.
//!
//! The kill exec stops, then SIGKILLs, every match, repeating until a pass finds nothing new,
//! so children forked during a pass are caught by the next one.

use std::time::{Duration, Instant};

use super::engine_exec::{exec_stream, Exec, Sink};
use super::result::CappedOutput;
use crate::container::Container;
use crate::error::{Error, Result};

/// The environment variable that marks a run's processes.
pub(crate) const RUN_ID_VAR: &str = "PD_RUN_ID";

/// What a run's processes carry: its id (in the environment) and its file-locks limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RunMark {
    id: u32,
}

/// The limits a run gets: 2^40 plus its id. So large that it limits nothing even where a
/// shell's flag named another resource, and no image or engine sets such a value itself.
const LIMIT_BASE: u64 = 1 << 40;

impl RunMark {
    pub(crate) fn new() -> Self {
        RunMark {
            id: crate::container::labels::random_u32(),
        }
    }

    /// The environment entry, `PD_RUN_ID=pd-<8 hex>`.
    pub(crate) fn env_entry(&self) -> String {
        format!("{RUN_ID_VAR}=pd-{:08x}", self.id)
    }

    /// The run's RLIMIT_LOCKS value, soft and hard.
    pub(crate) fn limit(&self) -> u64 {
        LIMIT_BASE + u64::from(self.id)
    }

    /// `argv` started so that its processes carry the run's limit: a shell sets it and
    /// execs `argv` unchanged (same program, arguments, exit status; the engine still sets
    /// the user, workdir and environment). The flag is `-w` in dash, `-x` in bash, busybox
    /// and ksh; where neither works the run goes on with the environment mark only. The
    /// variables the shell exports itself ([`SHELL_VARS`]) are unset again, or given back
    /// the value the run's `env` set (bash, where it is `/bin/sh`, still adds `SHLVL`). A
    /// program whose name starts with `-` would be taken for an option of `exec`: such an
    /// argv is left as it is.
    pub(crate) fn wrap(&self, argv: &[String], env: &[String]) -> Vec<String> {
        if argv.first().is_none_or(|a| a.starts_with('-')) {
            return argv.to_vec();
        }
        let n = self.limit();
        let mut script = format!("ulimit -w {n} 2>/dev/null || ulimit -x {n} 2>/dev/null; ");
        let mut values = Vec::new();
        for var in SHELL_VARS {
            let prefix = format!("{var}=");
            match env.iter().rev().find_map(|e| e.strip_prefix(&prefix)) {
                Some(v) => {
                    script += &format!("export {var}=\"$1\"; shift; ");
                    values.push(v.to_owned());
                }
                None => script += &format!("unset {var}; "),
            }
        }
        script += "exec \"$@\"";
        let mut wrapped = vec![
            "/bin/sh".to_owned(),
            "-c".to_owned(),
            script,
            WRAP_NAME.to_owned(),
        ];
        wrapped.extend(values);
        wrapped.extend_from_slice(argv);
        wrapped
    }
}

/// What dash (`PWD`) and busybox (`PWD`, `SHLVL`) export on their own at startup.
const SHELL_VARS: [&str; 2] = ["PWD", "SHLVL"];

/// The wrapper's `$0`: what the shell names itself in its messages (e.g. "not found").
const WRAP_NAME: &str = "pocketdock";

/// `$1` is the environment mark, `$2` the limit. One pass: one `grep` over every
/// `/proc/*/environ` and one over every `/proc/*/limits` (no fork per process), then the
/// parent of each live process from `/proc/<pid>/stat` (after the last `)`, as the command
/// name may hold spaces) to add the marked processes' descendants. Zombies are dead already;
/// PID 1 and this shell are never signalled; a pid signalled once is not counted again, so
/// the loop ends when a pass finds nothing new (bounded at 100 passes). Stopping before
/// killing keeps a matched process from forking between the two. `read`, `set`, `case` and
/// `kill` are builtins: each pass forks only for the two greps.
const KILL_SCRIPT: &str = r#"m=$1 lim=$2 me=$$ K=' ' i=0
scan() {
  S=' ' A=
  for f in $(grep -lsxz -e "$m" /proc/[0-9]*/environ
             grep -ls -e "^Max file locks  *[^ ]*  *$lim " /proc/[0-9]*/limits); do
    f=${f#/proc/}; S="$S${f%%/*} "
  done 2>/dev/null
  [ "$S" = ' ' ] && return
  T=
  for d in /proc/[0-9]*; do
    read -r l < "$d/stat" || continue
    set -- ${l##*") "}
    case $1 in Z|X|x) continue;; esac
    T="$T ${d#/proc/}:$2"
  done 2>/dev/null
  g=1
  while [ -n "$g" ]; do
    g=
    for e in $T; do
      case $S in *" ${e%:*} "*) continue;; esac
      case $S in *" ${e#*:} "*) S="$S${e%:*} "; g=1;; esac
    done
  done
  for e in $T; do
    p=${e%:*}
    case $S in *" $p "*) ;; *) continue;; esac
    case $K in *" $p "*) continue;; esac
    [ "$p" = 1 ] || [ "$p" = "$me" ] || A="$A $p"
  done
}
while [ $i -lt 100 ]; do
  scan
  [ -z "$A" ] && { echo killed; exit 0; }
  kill -STOP $A 2>/dev/null
  kill -KILL $A 2>/dev/null
  K="$K${A# } "
  i=$((i+1))
done
exit 1"#;

const KILL_DEADLINE: Duration = Duration::from_secs(20);

/// The kill exec's argv for a run.
fn kill_argv(mark: &RunMark) -> Vec<String> {
    vec![
        "sh".to_owned(),
        "-c".to_owned(),
        KILL_SCRIPT.to_owned(),
        "pocketdock-kill".to_owned(),
        mark.env_entry(),
        mark.limit().to_string(),
    ]
}

/// What the kill script prints when no process of the run is left.
const KILLED: &[u8] = b"killed\n";

/// Kills every process of the run marked `mark` inside the container and returns when none
/// is left. It returns on the script's last words, not on the end of its exec: while a
/// process the kill could not find still holds the run's output open, Docker takes ~4 s
/// to end the next exec's stream (measured here; Podman does not), and the run's timeout
/// must not wait for that.
pub(crate) async fn kill_run(c: &Container, mark: &RunMark, user: Option<&str>) -> Result<()> {
    let argv = kill_argv(mark);
    let mut out = CappedOutput::new(64 * 1024);
    let (ending, _) = exec_stream(
        c,
        Exec {
            argv: &argv,
            env: &[],
            workdir: None,
            // Same user as the run, so it may signal the run's processes.
            user,
            deadline: Instant::now() + KILL_DEADLINE,
        },
        &mut Sink::Until {
            out: &mut out,
            done: KILLED,
        },
        std::future::pending(),
    )
    .await?;
    if !out.stdout.ends_with(KILLED) {
        return Err(Error::internal(format!(
            "could not kill run {} in {}: {ending:?}, {}",
            mark.env_entry(),
            c.name(),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn marks_are_unique_and_consistent() {
        let m = RunMark { id: 0xdead_beef };
        assert_eq!(m.env_entry(), "PD_RUN_ID=pd-deadbeef");
        assert_eq!(m.limit(), (1 << 40) + 0xdead_beef);
        assert_ne!(RunMark::new(), RunMark::new());
    }

    #[test]
    fn the_wrapper_execs_the_argv_unchanged_after_the_limit() {
        let m = RunMark { id: 7 };
        let w = m.wrap(
            &argv(&["printf", "%s|", "$HOME", "a b", ""]),
            &argv(&["A=1"]),
        );
        assert_eq!(&w[..2], &argv(&["/bin/sh", "-c"])[..]);
        assert_eq!(
            w[2],
            "ulimit -w 1099511627783 2>/dev/null || ulimit -x 1099511627783 2>/dev/null; \
             unset PWD; unset SHLVL; exec \"$@\""
        );
        // `$0`, then the argv as given: "$@" passes each element as one word, untouched.
        assert_eq!(
            &w[3..],
            &argv(&["pocketdock", "printf", "%s|", "$HOME", "a b", ""])[..]
        );
    }

    #[test]
    fn a_pwd_the_run_sets_is_given_back() {
        let m = RunMark { id: 7 };
        let env = argv(&["SHLVL=3", "PWD=/a b", "B=2"]);
        let w = m.wrap(&argv(&["env"]), &env);
        assert!(
            w[2].ends_with("; export PWD=\"$1\"; shift; export SHLVL=\"$1\"; shift; exec \"$@\""),
            "{}",
            w[2]
        );
        assert_eq!(&w[3..], &argv(&["pocketdock", "/a b", "3", "env"])[..]);
    }

    #[test]
    fn an_argv_exec_would_misread_is_left_alone() {
        let m = RunMark::new();
        assert_eq!(m.wrap(&argv(&["-x", "y"]), &[]), argv(&["-x", "y"]));
        assert_eq!(m.wrap(&[], &[]), Vec::<String>::new());
    }

    #[test]
    fn the_kill_gets_both_marks() {
        let m = RunMark { id: 1 };
        let a = kill_argv(&m);
        assert_eq!(a[0], "sh");
        assert_eq!(
            &a[3..],
            &argv(&["pocketdock-kill", "PD_RUN_ID=pd-00000001", "1099511627777"])[..]
        );
    }
}
