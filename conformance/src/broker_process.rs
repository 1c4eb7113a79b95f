//! `--broker-cmd 'CMD {port}'`: start the broker under test on a free loopback port, wait until it
//! accepts connections, and stop exactly that process afterwards.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A broker process this run started.
pub struct BrokerProcess {
    child: Child,
    /// The port it listens on.
    pub port: u16,
    /// Where its output goes.
    pub log: std::path::PathBuf,
}

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
        let out = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!("exec {line}"))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot run {line:?}: {e}"))?;
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                return Err(format!(
                    "broker command {line:?} exited with {status}:\n{text}"
                ));
            }
            if std::net::TcpStream::connect_timeout(
                &([127, 0, 0, 1], port).into(),
                Duration::from_millis(200),
            )
            .is_ok()
            {
                return Ok(BrokerProcess { child, port, log });
            }
            if start.elapsed() > ready {
                // TERM first, as after a run: a script that started helpers (RabbitMQ's epmd)
                // stops them on TERM, and SIGKILL would leave them running.
                BrokerProcess { child, port, log }.stop();
                return Err(format!(
                    "broker command {line:?} did not listen on 127.0.0.1:{port} within {} s",
                    ready.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the process (SIGTERM, then SIGKILL after two seconds) and reaps it.
    pub fn stop(mut self) {
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
