//! `--broker-cmd 'CMD {port}'`: start the broker under test on a free loopback port, wait until it
//! accepts connections, and stop exactly that process afterwards. The runner and the fuzzer share
//! it: how the process ended (exit status or signal), the tail of its output, a restart after a
//! crash.

use std::io::{Read, Seek, SeekFrom};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A broker process this run started.
pub struct BrokerProcess {
    child: Child,
    /// The command line, `{port}` replaced (kept to restart it).
    line: String,
    /// The port it listens on.
    pub port: u16,
    /// Where its output goes.
    pub log: std::path::PathBuf,
    /// Where the current run's output starts in the log (restarts append to it).
    run_start: u64,
    /// The process ended on its own or was restarted: its log is evidence and is kept after
    /// [`BrokerProcess::terminate`]; otherwise the log is removed then, so runs leave no files.
    keep_log: bool,
}

/// How much of the current run's output [`BrokerProcess::output_tail`] gives at most.
const TAIL_BYTES: u64 = 4096;

/// A free TCP port on 127.0.0.1 (bound and released).
///
/// # Errors
/// If no port can be bound.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl BrokerProcess {
    /// Runs `command` (a shell command line; `{port}` is replaced by a free port) and waits up to
    /// `ready` for 127.0.0.1:port to accept connections.
    ///
    /// # Errors
    /// The command cannot start, exits early, or never listens.
    pub fn start(command: &str, ready: Duration) -> Result<BrokerProcess, String> {
        let port = free_port().map_err(|e| format!("no free port: {e}"))?;
        let line = command.replace("{port}", &port.to_string());
        let log = std::env::temp_dir().join(format!("mqtt-conformance-broker-{port}.log"));
        let child = spawn(&line, &log, false)?;
        let mut broker = BrokerProcess {
            child,
            line,
            port,
            log,
            run_start: 0,
            keep_log: false,
        };
        broker.wait_ready(ready)?;
        Ok(broker)
    }

    fn wait_ready(&mut self, ready: Duration) -> Result<(), String> {
        let start = Instant::now();
        loop {
            if let Some(how) = self.exit_status() {
                return Err(format!(
                    "broker command {:?}: {how}:\n{}",
                    self.line,
                    self.output_tail()
                ));
            }
            if std::net::TcpStream::connect_timeout(
                &([127, 0, 0, 1], self.port).into(),
                Duration::from_millis(200),
            )
            .is_ok()
            {
                return Ok(());
            }
            if start.elapsed() > ready {
                // TERM first, as after a run: a script that started helpers (RabbitMQ's epmd)
                // stops them on TERM, and SIGKILL would leave them running.
                self.keep_log = true;
                self.terminate();
                return Err(format!(
                    "broker command {:?} did not listen on 127.0.0.1:{} within {} s (its output: {})",
                    self.line,
                    self.port,
                    ready.as_secs(),
                    self.log.display()
                ));
            }
            // Short: the fuzzer restarts the broker before most re-runs while minimising.
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// If the process has ended: how, e.g. "the broker process was killed by signal 6
    /// (SIGABRT)" or "the broker process exited with status 1". `None` while it runs.
    pub fn exit_status(&mut self) -> Option<String> {
        let status = self.child.try_wait().ok().flatten()?;
        Some(match (status.code(), signal_of(&status)) {
            (_, Some(sig)) => format!(
                "the broker process was killed by signal {sig}{}",
                signal_name(sig)
            ),
            // A wrapper script that does not exec its broker reports the broker's death by a
            // signal as 128 + the signal's number.
            (Some(code), _) if code > 128 && !signal_name(code - 128).is_empty() => format!(
                "the broker process exited with status {code} (as a shell reports a child killed by signal {}{})",
                code - 128,
                signal_name(code - 128)
            ),
            (Some(code), _) => format!("the broker process exited with status {code}"),
            _ => format!("the broker process ended ({status})"),
        })
    }

    /// The last output (stdout and stderr together) of the current run of the process, at most
    /// 4 KiB, from the start of a line when it was cut.
    pub fn output_tail(&self) -> String {
        let Ok(mut f) = std::fs::File::open(&self.log) else {
            return String::new();
        };
        let end = f.seek(SeekFrom::End(0)).unwrap_or(0);
        let from = end.saturating_sub(TAIL_BYTES).max(self.run_start);
        let mut bytes = Vec::new();
        if f.seek(SeekFrom::Start(from)).is_err()
            || f.take(TAIL_BYTES).read_to_end(&mut bytes).is_err()
        {
            return String::new();
        }
        if from > self.run_start {
            let cut = bytes.iter().position(|b| *b == b'\n').map_or(0, |i| i + 1);
            bytes.drain(..cut);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// If the process has ended: how (exit status or signal) and the last lines of its output.
    /// `None` while it runs.
    pub fn exited(&mut self) -> Option<String> {
        let how = self.exit_status()?;
        let text = self.output_tail();
        let tail: Vec<&str> = text.lines().rev().take(10).collect();
        if tail.is_empty() {
            return Some(how);
        }
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        Some(format!(
            "{how}; last lines of its output:\n  {}",
            tail.join("\n  ")
        ))
    }

    /// Stops the process if it still runs and starts the same command on the same port again,
    /// waiting up to `ready` for it to accept connections (its output is appended to the log).
    ///
    /// # Errors
    /// The command cannot start again, or does not listen in time.
    pub fn restart(&mut self, ready: Duration) -> Result<(), String> {
        self.keep_log = true;
        self.terminate();
        self.run_start = std::fs::metadata(&self.log).map_or(0, |m| m.len());
        self.child = spawn(&self.line, &self.log, true)?;
        self.wait_ready(ready)
    }

    /// Stops the process (SIGTERM, then SIGKILL after two seconds) and reaps it.
    pub fn stop(mut self) {
        self.terminate();
    }

    /// Stops the process in place (SIGTERM, then SIGKILL after two seconds) and reaps it; for
    /// owners that share it (behind a lock) and cannot give it up to [`BrokerProcess::stop`].
    /// The log is removed unless the process had ended on its own or was restarted (then its
    /// output explains a crash and stays at [`BrokerProcess::log`]).
    pub fn terminate(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            self.keep_log = true;
            return;
        }
        self.kill_and_reap();
        if !self.keep_log {
            let _ = std::fs::remove_file(&self.log);
        }
    }

    fn kill_and_reap(&mut self) {
        let pid = self.child.id();
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(2) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `line` through `sh -c exec`, its output to `log` (appended when `append`).
fn spawn(line: &str, log: &std::path::Path, append: bool) -> Result<Child, String> {
    let out = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(log)
        .map_err(|e| format!("{}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    Command::new("sh")
        .arg("-c")
        .arg(format!("exec {line}"))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot run {line:?}: {e}"))
}

/// " (SIGABRT)" for 6 and the like: the signals a crashing or killed broker dies of.
fn signal_name(sig: i32) -> &'static str {
    match sig {
        4 => " (SIGILL)",
        6 => " (SIGABRT)",
        7 => " (SIGBUS)",
        8 => " (SIGFPE)",
        9 => " (SIGKILL)",
        11 => " (SIGSEGV)",
        15 => " (SIGTERM)",
        _ => "",
    }
}

#[cfg(unix)]
fn signal_of(status: &std::process::ExitStatus) -> Option<i32> {
    std::os::unix::process::ExitStatusExt::signal(status)
}

#[cfg(not(unix))]
fn signal_of(_: &std::process::ExitStatus) -> Option<i32> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A listener that stays up until it is stopped (python3 is on every machine the test
    /// command runs on: the vector scripts need it too).
    const LISTENER: &str = "python3 -c 'import socket,time,sys; s=socket.socket(); \
        s.bind((\"127.0.0.1\",{port})); s.listen(); print(\"listening\", flush=True); time.sleep(60)'";

    #[test]
    fn a_broker_stopped_by_the_run_leaves_no_log_behind() {
        let broker = BrokerProcess::start(LISTENER, Duration::from_secs(20)).expect("starts");
        let log = broker.log.clone();
        assert!(log.exists(), "{} exists while it runs", log.display());
        broker.stop();
        assert!(!log.exists(), "{} removed after stop", log.display());
    }

    #[test]
    fn a_restarted_broker_keeps_its_log_as_evidence() {
        let mut broker = BrokerProcess::start(LISTENER, Duration::from_secs(20)).expect("starts");
        broker.restart(Duration::from_secs(20)).expect("restarts");
        let log = broker.log.clone();
        broker.stop();
        let text = std::fs::read_to_string(&log).expect("log kept");
        assert_eq!(text.matches("listening").count(), 2, "{text}");
        std::fs::remove_file(&log).expect("clean up");
    }
}
