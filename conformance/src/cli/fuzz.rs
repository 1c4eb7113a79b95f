//! `conformance fuzz`: crash and hang a broker if it can, and hand back minimal, replayable
//! proofs (see `conformance/README.md`, "Fuzzing a broker").

use super::protocol::Protocol;
use clap::Args;
use mqtt_conformance::execution::{run_check, RunContext};
use mqtt_conformance::fuzz::{self, exec::Timing, finding, Broker, Config};
use mqtt_conformance::profile::Profile;
use mqtt_conformance::transport::Target;
use mqtt_conformance::verdict::Verdict;
use std::net::ToSocketAddrs;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// What `conformance fuzz --help` teaches after the options.
pub const AFTER: &str = "\
HOW IT WORKS: each case is a session of 2-4 clients on plain TCP (a publisher and subscribers:
Wills, retained messages, shared subscriptions, QoS 1 and 2 flows, topic aliases, session
resumes), MQTT 3.1.1 or 5.0, every client id and topic under a prefix unique to the run. Cases are
generated, or taken from the corpus and mutated: the packet sequence (drop, repeat, swap, move to
another client, splice), fields (boundary values, the codec's single-rule defects) and bytes. A
case whose answers show something new (packet type, reason code, property set, a close) joins the
corpus. After every batch of --jobs cases the oracles run: the process (with --broker-cmd: exit
status or signal, output tail kept) and a liveness probe (fresh connection, CONNECT/CONNACK and
PINGREQ/PINGRESP, each within --probe-ms, tried twice). A case that fires one is re-run alone on a
restarted broker, minimised (clients, then packets, then optional fields, then bytes, re-checking
the oracle each time) and saved in --out as a --checks script (NAME.json) with a note (NAME.md:
oracle, packets, answers, broker output). With --spec-findings, an answer the strict decoder
refuses (client role, the limits the client announced) is a finding too, citing the rule it
breaks. Retained messages and sessions a case may leave are cleared after it.

EXAMPLES:
  conformance fuzz --broker-cmd 'mosquitto -p {port}' --duration 60 --seed 7
      start the broker, fuzz it for a minute, restart it after each crash
  conformance fuzz --target 127.0.0.1:1883 --jobs 8 --duration 600 --out findings/
      a broker somebody else runs: after a crash or hang it gets 10 s to come back, else the
      cases are saved as found (not minimised) and the campaign stops
  conformance fuzz --replay findings/ --broker-cmd 'mosquitto -p {port}'
      re-run saved findings, each on a freshly started broker
  conformance --no-builtin --checks findings/ --target 127.0.0.1:1883
      the same scripts through the ordinary runner, with its reports

  conformance fuzz --broker-cmd 'mosquitto -p {port}' --duration 600 --corpus corpus/
      start from the corpus a previous campaign left in corpus/, and leave this one's there

Same --seed, same --jobs and a deterministic broker: the same cases in the same order.

EXIT STATUS: 0 no finding (replay: nothing reproduced); 1 findings (replay: a finding
reproduced); 2 wrong arguments or the broker cannot be reached or started.";

/// Arguments of `fuzz`.
#[derive(Args, Debug)]
pub struct FuzzArgs {
    /// Broker address host:port (plain TCP). Ignored with --broker-cmd.
    #[arg(long, default_value = "127.0.0.1:1883", env = "MQTT_TARGET")]
    target: String,
    /// Start the broker: a shell command with {port} for a free loopback port. The fuzzer
    /// watches the process (exit status, signal, output) and restarts it after a crash.
    #[arg(long, value_name = "CMD")]
    broker_cmd: Option<String>,
    /// Seed of every random choice (default: from the clock; printed at the start).
    #[arg(long)]
    seed: Option<u64>,
    /// Seconds to fuzz.
    #[arg(long, default_value_t = 60.0)]
    duration: f64,
    /// Cases run at the same time (a batch; the oracles run after each batch).
    #[arg(long, default_value_t = 4)]
    jobs: usize,
    /// Directory for findings (scripts and notes).
    #[arg(long, default_value = "fuzz-findings")]
    out: PathBuf,
    /// Milliseconds each step of the liveness probe may take (connect, CONNACK, PINGRESP).
    #[arg(long, default_value_t = 2000)]
    probe_ms: u64,
    /// Milliseconds to wait for an answer when the acting client changes and at a case's end.
    #[arg(long, default_value_t = 20)]
    settle_ms: u64,
    /// Stop after this many distinct findings.
    #[arg(long, default_value_t = 10)]
    max_findings: usize,
    /// Re-runs the minimiser may make per finding.
    #[arg(long, default_value_t = 200)]
    minimise_budget: usize,
    /// Seconds the minimiser may take per finding (with --broker-cmd each re-run starts the
    /// broker afresh, so a finding never depends on what earlier cases left in it).
    #[arg(long, default_value_t = 120.0)]
    minimise_seconds: f64,
    /// Prefix of every topic (the run adds `fuzz/<run id>/<case>`).
    #[arg(long, default_value = "conformance")]
    topic_root: String,
    /// Answers the strict decoder refuses (in the client role, with the limits the client
    /// announced) are findings too: each breaks a MUST, and the note cites the rule. They replay
    /// with --replay (the fuzzer's own executor judges them), not through --checks.
    #[arg(long)]
    spec_findings: bool,
    /// The protocol version of generated sessions (a broker that speaks only 3.1.1 refuses
    /// every 5.0 session at its CONNECT).
    #[arg(long, value_enum, default_value = "all")]
    protocol: Protocol,
    /// Keep the corpus in DIR across campaigns: start from its cases, leave this campaign's
    /// corpus there (at most 256 cases, one JSON file each).
    #[arg(long, value_name = "DIR")]
    corpus: Option<PathBuf>,
    /// Re-run saved findings (a script file or a directory of them) instead of fuzzing.
    #[arg(long, value_name = "PATH")]
    replay: Option<PathBuf>,
    /// No progress lines.
    #[arg(long, short)]
    quiet: bool,
}

/// The least a replay waits for answers (see `replay`): aedes, freshly started, took more than
/// 20 ms to answer a finding's last packet.
const REPLAY_SETTLE_MS: u64 = 500;

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

/// Runs `fuzz`.
pub fn run(args: FuzzArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot start the async runtime: {e}")),
    };
    runtime.block_on(async {
        match &args.replay {
            Some(path) => replay(&args, path).await,
            None => campaign(&args).await,
        }
    })
}

fn broker(args: &FuzzArgs) -> Result<Broker, String> {
    match &args.broker_cmd {
        Some(cmd) => Broker::start(cmd),
        None => {
            let t = args
                .target
                .trim_start_matches("mqtt://")
                .trim_start_matches("tcp://");
            let with_port = if t.contains(':') {
                t.to_string()
            } else {
                format!("{t}:1883")
            };
            let addr = with_port
                .to_socket_addrs()
                .map_err(|e| format!("--target {}: {e}", args.target))?
                .next()
                .ok_or_else(|| format!("--target {}: no address", args.target))?;
            Ok(Broker::remote(addr))
        }
    }
}

async fn campaign(args: &FuzzArgs) -> ExitCode {
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_secs())
    });
    let cfg = Config {
        seed,
        duration: Duration::from_secs_f64(args.duration.max(0.0)),
        jobs: args.jobs.clamp(1, 256),
        out: args.out.clone(),
        probe_bound: Duration::from_millis(args.probe_ms.max(50)),
        timing: Timing {
            io: Duration::from_secs(3),
            settle: Duration::from_millis(args.settle_ms.max(1)),
        },
        topic_root: args.topic_root.clone(),
        max_findings: args.max_findings.max(1),
        minimise_budget: args.minimise_budget,
        minimise_time: Duration::from_secs_f64(args.minimise_seconds.max(0.0)),
        progress: !args.quiet,
        spec_findings: args.spec_findings,
        protocol: args.protocol.only(),
        corpus_dir: args.corpus.clone(),
    };
    let mut broker = match broker(args) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let id = format!("fzcheck{}", seed % 10_000);
    if let Err(e) = broker.probe(&id, Duration::from_secs(5)).check().await {
        let addr = broker.addr();
        broker.stop();
        return fail(format!("the broker at {addr} does not answer: {e}"));
    }
    if !args.quiet {
        eprintln!(
            "fuzz: {} for {} s, seed {seed}, {} job(s); findings in {}",
            broker.addr(),
            cfg.duration.as_secs_f64(),
            cfg.jobs,
            cfg.out.display()
        );
    }
    let summary = fuzz::campaign(&mut broker, &cfg).await;
    broker.stop();
    eprintln!(
        "fuzz: {} cases in {:.1} s ({:.0} cases/s), corpus {}, {} feedback signatures, {} broker restarts, {} finding(s){}",
        summary.cases,
        summary.elapsed.as_secs_f64(),
        summary.rate(),
        summary.corpus,
        summary.signatures,
        summary.restarts,
        summary.findings.len(),
        if summary.findings.is_empty() {
            String::new()
        } else {
            format!(" in {}", cfg.out.display())
        }
    );
    for f in &summary.findings {
        println!("{}", f.display());
    }
    if summary.findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

async fn replay(args: &FuzzArgs, path: &std::path::Path) -> ExitCode {
    let checks = match finding::load(path) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    if checks.is_empty() {
        return fail(format!("{}: no scripts", path.display()));
    }
    let profile = match Profile::load("oasis") {
        Ok(p) => Arc::new(p),
        Err(e) => return fail(e),
    };
    let vectors = match mqtt_vectors::Corpus::embedded() {
        Ok(c) => Arc::new(c),
        Err(e) => return fail(format!("vector corpus: {e}")),
    };
    let mut reproduced = 0;
    for check in &checks {
        // Each finding on a fresh broker when the fuzzer starts it: one crash must not hide
        // the next.
        let broker = match broker(args) {
            Ok(b) => b,
            Err(e) => return fail(e),
        };
        let addr = broker.addr();
        let target = match Target::parse(&addr.to_string()) {
            Ok(t) => t,
            Err(e) => return fail(e),
        };
        let ctx = RunContext {
            target,
            timeout: Duration::from_millis(args.probe_ms.max(50)),
            topic_root: args.topic_root.clone(),
            client_id_prefix: String::new(),
            username: None,
            password: None,
            credentials: None,
            profile: profile.clone(),
            run_id: mqtt_conformance::execution::tag(
                &format!("{:?}", std::time::SystemTime::now()),
                4,
            ),
            vectors: vectors.clone(),
        };
        let (verdict, observed) = if finding::is_spec_finding(check) {
            let Some(case) = finding::case_of(check) else {
                return fail(format!(
                    "{}: a packet of the script cannot be encoded",
                    check.id
                ));
            };
            // A replay has time, and a freshly started broker (a JIT runtime's first packets)
            // answers slower than the warm one of the campaign: at least REPLAY_SETTLE_MS.
            let timing = Timing {
                io: Duration::from_secs(3),
                settle: Duration::from_millis(args.settle_ms.max(REPLAY_SETTLE_MS)),
            };
            let obs = fuzz::exec::run(&case, addr, timing).await;
            match obs.violations.first() {
                Some((_, text)) => (Verdict::Fail, format!(": {text}")),
                None => (Verdict::Pass, String::new()),
            }
        } else {
            let result = run_check(check, &ctx).await;
            let observed = result
                .observed
                .as_ref()
                .map_or(String::new(), |o| format!(": {}", o.summary));
            (result.verdict, observed)
        };
        broker.stop();
        let what = match verdict {
            Verdict::Fail => {
                reproduced += 1;
                "REPRODUCED"
            }
            Verdict::Pass => "not reproduced",
            _ => "undecided",
        };
        println!("{}  {what}{observed}", check.id);
    }
    eprintln!("{reproduced} of {} finding(s) reproduced", checks.len());
    if reproduced > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
