//! Measuring: a job's commands run one after the other, their wall time,
//! exit code and peak memory (`wait4`).

use std::fs::{self, File};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use release_gate::collectors::GITHUB_JOB_VARS;

/// One run of a job: its commands one after the other.
pub(super) struct Run {
    pub(super) wall: Duration,
    /// The largest peak RSS among the job's processes, in KiB.
    max_rss_kib: Option<u64>,
    /// The first non-zero exit code, else 0; `None` when killed by a signal.
    pub(super) code: Option<i32>,
}

#[derive(Default)]
pub(super) struct Runs(pub(super) Vec<Run>);

impl Runs {
    pub(super) fn median(&self) -> Duration {
        let mut walls: Vec<Duration> = self.0.iter().map(|r| r.wall).collect();
        walls.sort();
        let mid = walls.len() / 2;
        match (walls.get(mid.wrapping_sub(1)), walls.get(mid)) {
            (Some(a), Some(b)) if walls.len().is_multiple_of(2) => (*a + *b) / 2,
            (_, Some(b)) => *b,
            _ => Duration::ZERO,
        }
    }

    pub(super) fn max_rss_kib(&self) -> Option<u64> {
        self.0.iter().filter_map(|r| r.max_rss_kib).max()
    }
}

/// A child's `ru_maxrss` starts from this process's own high-water mark
/// (Linux copies it from the parent's memory at `exec`): a row would show
/// the bench's peak when that is larger than the child's. Resetting the
/// mark to what is resident now (`clear_refs` 5, Linux 4.0 and later;
/// elsewhere nothing happens) leaves only the bench's current memory under
/// each child's; what the allocator keeps after a large scenario still
/// counts, so the scenarios that hold much (`scale`) run after the others.
fn forget_own_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Runs `commands` in sequence, stdout and stderr to `log.out` and `log.err`.
pub(super) fn job(commands: Vec<Command>, log: &Path) -> Result<Run> {
    let out_path = log.with_extension("out");
    let err_path = log.with_extension("err");
    let out = File::create(&out_path)
        .with_context(|| format!("cannot create `{}`", out_path.display()))?;
    let err = File::create(&err_path)
        .with_context(|| format!("cannot create `{}`", err_path.display()))?;
    let mut total = Run { wall: Duration::ZERO, max_rss_kib: None, code: Some(0) };
    for mut cmd in commands {
        // Not the job's step: no annotations, summary or outputs from here.
        for var in GITHUB_JOB_VARS {
            cmd.env_remove(var);
        }
        cmd.stdin(Stdio::null()).stdout(out.try_clone()?).stderr(err.try_clone()?);
        let program = cmd.get_program().to_string_lossy().into_owned();
        forget_own_peak();
        let start = Instant::now();
        let child =
            cmd.spawn().with_context(|| format!("cannot run `{program}` (is it installed?)"))?;
        let (code, rss) =
            wait::wait(child).with_context(|| format!("cannot wait for `{program}`"))?;
        total.wall += start.elapsed();
        total.max_rss_kib = total.max_rss_kib.max(rss);
        if total.code == Some(0) {
            total.code = code;
        }
    }
    Ok(total)
}

pub(super) fn expect_code(run: &Run, expected: i32, label: &str, log: &Path) -> Result<()> {
    if run.code != Some(expected) {
        let stderr = fs::read_to_string(log.with_extension("err")).unwrap_or_default();
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        bail!(
            "{label}: exit code {:?}, expected {expected}{}",
            run.code,
            if tail.is_empty() {
                String::new()
            } else {
                format!(" (stderr: {})", tail.into_iter().rev().collect::<Vec<_>>().join(" | "))
            }
        );
    }
    Ok(())
}

/// Waiting for a child with its resource usage.
mod wait {
    use std::io;
    use std::process::Child;

    /// The exit code (`None`: killed by a signal) and the peak RSS in KiB.
    #[cfg(target_os = "linux")]
    #[allow(unsafe_code)] // one `wait4` call: std has no peak RSS of a child
    pub fn wait(child: Child) -> io::Result<(Option<i32>, Option<u64>)> {
        /// `struct rusage` of Linux: two `timeval`s, then 14 `long`s,
        /// `ru_maxrss` (KiB) first.
        #[repr(C)]
        struct Rusage {
            times: [libc_long; 4],
            maxrss: libc_long,
            rest: [libc_long; 13],
        }
        #[allow(non_camel_case_types)]
        type libc_long = std::os::raw::c_long;
        extern "C" {
            fn wait4(pid: i32, status: *mut i32, options: i32, rusage: *mut Rusage) -> i32;
        }
        let pid = i32::try_from(child.id()).map_err(io::Error::other)?;
        let mut status = 0i32;
        let mut usage = Rusage { times: [0; 4], maxrss: 0, rest: [0; 13] };
        loop {
            // SAFETY: `pid` is our own unwaited child; `status` and `usage`
            // are valid for writes and `usage` has the layout of the kernel's
            // `struct rusage` on Linux.
            let ret = unsafe { wait4(pid, &mut status, 0, &mut usage) };
            if ret == pid {
                break;
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
        // The child is reaped: `Child` must not wait for it again (dropping it does not).
        drop(child);
        let code = if status & 0x7f == 0 { Some((status >> 8) & 0xff) } else { None };
        Ok((code, u64::try_from(usage.maxrss).ok()))
    }

    #[cfg(not(target_os = "linux"))]
    pub fn wait(mut child: Child) -> io::Result<(Option<i32>, Option<u64>)> {
        Ok((child.wait()?.code(), None))
    }
}
