//! Oracles that need no instrumentation: with `--broker-cmd`, the process itself (exit status or
//! signal, from the shared [`BrokerProcess`]); for any target, the shared [`LivenessProbe`] on a
//! fresh connection, tried twice.

use crate::broker_process::BrokerProcess;
use crate::liveness::LivenessProbe;
use crate::transport::Target;
use std::net::SocketAddr;
use std::time::Duration;

/// The broker under test: an address, and the process when the fuzzer started it.
pub struct Broker {
    addr: SocketAddr,
    process: Option<BrokerProcess>,
    ready: Duration,
}

impl Broker {
    /// A broker somebody else runs.
    pub fn remote(addr: SocketAddr) -> Broker {
        Broker {
            addr,
            process: None,
            ready: Duration::from_secs(60),
        }
    }

    /// Starts `command` (with `{port}`).
    ///
    /// # Errors
    /// As [`BrokerProcess::start`].
    pub fn start(command: &str) -> Result<Broker, String> {
        let ready = Duration::from_secs(60);
        let p = BrokerProcess::start(command, ready)?;
        Ok(Broker {
            addr: SocketAddr::from(([127, 0, 0, 1], p.port)),
            process: Some(p),
            ready,
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Whether the fuzzer can restart it.
    pub fn restartable(&self) -> bool {
        self.process.is_some()
    }

    /// Restarts the process (on the same port).
    ///
    /// # Errors
    /// The broker cannot be started again.
    pub fn restart(&mut self) -> Result<(), String> {
        match &mut self.process {
            Some(p) => p.restart(self.ready),
            None => Ok(()),
        }
    }

    /// How the process ended, if it did.
    pub fn exited(&mut self) -> Option<String> {
        self.process.as_mut().and_then(BrokerProcess::exit_status)
    }

    /// The current run's last output.
    pub fn tail(&self) -> Option<String> {
        self.process.as_ref().map(BrokerProcess::output_tail)
    }

    /// The liveness probe of this broker as `client_id`, each step bounded by `bound`.
    pub fn probe(&self, client_id: &str, bound: Duration) -> LivenessProbe {
        LivenessProbe {
            target: Target::tcp(self.addr.ip().to_string(), self.addr.port()),
            timeout: bound,
            client_id: client_id.to_string(),
            username: None,
            password: None,
        }
    }

    /// Stops the process the fuzzer started.
    pub fn stop(self) {
        if let Some(p) = self.process {
            p.stop();
        }
    }
}

/// Which oracle fires, if any: the process ended, or the liveness probe failed twice.
pub async fn fired(broker: &mut Broker, client_id: &str, bound: Duration) -> Option<String> {
    if let Some(how) = broker.exited() {
        return Some(how);
    }
    // A second chance: one slow answer on a loaded machine is not a hang.
    let failed = broker
        .probe(client_id, bound)
        .check_attempts(2, Duration::ZERO)
        .await
        .err()?;
    // A dying process closes its sockets a moment before it can be reaped: give the exit
    // status a chance to be the oracle, it says more than "connection refused".
    if broker.restartable() {
        for _ in 0..25 {
            if let Some(how) = broker.exited() {
                return Some(how);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    Some(format!("liveness probe failed ({failed})"))
}
