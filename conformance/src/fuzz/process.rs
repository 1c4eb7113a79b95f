//! `--broker-cmd` for the fuzzer: the broker process watched (exit status or signal, the tail of
//! its output kept) and restarted after a crash. The run's [`BrokerProcess`] hides its child, and
//! the fuzzer needs the exit status and the output, so it keeps its own.
//!
//! [`BrokerProcess`]: crate::broker_process::BrokerProcess

use crate::broker_process::free_port;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How much of the broker's output is kept.
const TAIL: usize = 4096;

/// A broker process started from a command line with `{port}`.
pub struct Supervised {
    command: String,
    child: Child,
    /// The port it listens on (a new free port on each start).
    pub port: u16,
    tail: Arc<Mutex<Vec<u8>>>,
}

impl Supervised {
    /// Starts `command` on a free loopback port and waits up to `ready` for it to listen.
    ///
    /// # Errors
    /// The command cannot start, exits first, or never listens.
    pub fn start(command: &str, ready: Duration) -> Result<Supervised, String> {
        let port = free_port().map_err(|e| format!("no free port: {e}"))?;
        let line = command.replace("{port}", &port.to_string());
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!("exec {line}"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {line:?}: {e}"))?;
        let tail = Arc::new(Mutex::new(Vec::new()));
        for pipe in [
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let tail = tail.clone();
            std::thread::spawn(move || keep_tail(pipe, &tail));
        }
        let mut s = Supervised {
            command: command.to_string(),
            child,
            port,
            tail,
        };
        let start = Instant::now();
        loop {
            if let Some(status) = s.exited() {
                return Err(format!("broker command {line:?} {status}:\n{}", s.tail()));
            }
            if std::net::TcpStream::connect_timeout(
                &([127, 0, 0, 1], port).into(),
                Duration::from_millis(200),
            )
            .is_ok()
            {
                return Ok(s);
            }
            if start.elapsed() > ready {
                s.stop();
                return Err(format!(
                    "broker command {line:?} did not listen on 127.0.0.1:{port} within {} s",
                    ready.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `Some("exited with status 1")` / `Some("was killed by signal 6 (SIGABRT)")` once the
    /// process has ended.
    pub fn exited(&mut self) -> Option<String> {
        let status = self.child.try_wait().ok()??;
        use std::os::unix::process::ExitStatusExt;
        Some(match (status.code(), status.signal()) {
            (_, Some(sig)) => format!("was killed by signal {sig}{}", signal_name(sig)),
            (Some(code), None) => format!("exited with status {code}"),
            (None, None) => "ended".to_string(),
        })
    }

    /// The last output lines of the process (stdout and stderr together).
    pub fn tail(&self) -> String {
        let t = self.tail.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&t).into_owned()
    }

    /// Stops it (SIGTERM, SIGKILL after two seconds) and starts the same command again.
    ///
    /// # Errors
    /// As [`Supervised::start`].
    pub fn restart(self, ready: Duration) -> Result<Supervised, String> {
        let command = self.command.clone();
        self.stop();
        Supervised::start(&command, ready)
    }

    /// Stops exactly this process: SIGTERM, then SIGKILL after two seconds; reaps it.
    pub fn stop(mut self) {
        if self.child.try_wait().ok().flatten().is_some() {
            return;
        }
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(2) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        6 => " (SIGABRT)",
        9 => " (SIGKILL)",
        11 => " (SIGSEGV)",
        7 => " (SIGBUS)",
        8 => " (SIGFPE)",
        4 => " (SIGILL)",
        15 => " (SIGTERM)",
        _ => "",
    }
}

fn keep_tail(mut pipe: Box<dyn Read + Send>, tail: &Mutex<Vec<u8>>) {
    let mut chunk = [0u8; 1024];
    while let Ok(n) = pipe.read(&mut chunk) {
        if n == 0 {
            return;
        }
        let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
        t.extend_from_slice(&chunk[..n]);
        if t.len() > TAIL {
            let cut = t.len() - TAIL;
            t.drain(..cut);
        }
    }
}
