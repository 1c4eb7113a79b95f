//! `conformance`: judge an MQTT broker against the OASIS specifications and its vendor's
//! documentation. Run `conformance --help`.

use clap::{Args, Parser, Subcommand};

/// What only the binary needs: the subcommands besides the run.
mod cli {
    pub mod compare;
    pub mod decode;
    pub mod fuzz;
    pub mod outputs;
    pub mod protocol;
}

use cli::outputs::{Format, OutputArgs};
use cli::protocol::Protocol;
use mqtt_conformance::broker_process::BrokerProcess;
use mqtt_conformance::check::Version;
use mqtt_conformance::checks;
use mqtt_conformance::coverage;
use mqtt_conformance::credentials;
use mqtt_conformance::execution::RunContext;
use mqtt_conformance::expected::ExpectedResults;
use mqtt_conformance::liveness::LivenessProbe;
use mqtt_conformance::profile::Profile;
use mqtt_conformance::report::{Report, RunInfo};
use mqtt_conformance::runner::{self, Progress};
use mqtt_conformance::selection::Selection;
use mqtt_conformance::transport::{Target, TlsSettings};
use mqtt_conformance::verdict::Verdict;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

const ABOUT: &str = "Judge an MQTT broker against the OASIS MQTT 3.1.1 and 5.0 specifications and its vendor's documented values.";

const AFTER: &str = "\
EXAMPLES:
  conformance --target 127.0.0.1:1883                 run every check, both versions
  conformance --target broker:1883 --protocol 5 --only 'v5/3.3*'
  conformance --only 'MQTT-3.1.2-*' --format junit --output report.xml
  conformance --junit out.xml --json out.json --html out.html   text on stdout, three files
  conformance compare mosquitto.json emqx.json --html matrix.html   runs side by side
  conformance --broker-cmd 'mosquitto -p {port}'      start a broker on a free port, test it, stop it
  conformance --profile apsaramq --topic-root parent --client-id-prefix 'GID_test@@@'
  conformance --target mqtts://broker:8883 --cafile ca.pem --cert client.pem --key client.key
  conformance --target wss://broker/mqtt              TLS + WebSocket, WebSocket checks included
  MQTT_SK_ENV=... conformance --target mqtts://INSTANCE.mqtt.aliyuncs.com --auth apsaramq-signature \\
      --access-key-id AK --instance-id INSTANCE --profile apsaramq --client-id-prefix 'GID_x@@@'
  conformance --list                                  list checks with what they cite
  conformance --list --format json --only 'v5/3.3.1/*' > mine/publish.json   scripts to adapt
  conformance --coverage                              which normative statements have a check
  conformance decode --version 5 '10 0d 00 04 4d 51 54 54 05 03 00 3c 00 00 00'

VERDICTS: pass; non-strict (a SHOULD not met); FAIL (a MUST or documented value broken);
skipped (the broker's CONNACK or the profile says the feature is not offered, or the check needs
another transport than the target's); error (could not
decide: network, timeout). Every non-pass shows expected vs observed and the packet trace.

EXIT STATUS: 0 at least one check decided and nothing failed; 1 a check failed (with --strict,
or was non-strict; or verdicts differ from --expected); 2 the target is not a usable MQTT server
(unreachable, not MQTT, no CONNACK, refused, broken CONNACK), no check could be decided, or the
arguments are wrong; 130 interrupted (Ctrl-C; the partial report is written).";

#[derive(Parser)]
#[command(name = "conformance", version, about = ABOUT, after_help = AFTER)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Decode packets given as hex (arguments or stdin) and print them in the JSON form, or the
    /// error with its byte offset, spec id and reason code.
    Decode(cli::decode::DecodeArgs),
    /// Render several JSON reports (--json of earlier runs) as one matrix: checks as rows, runs
    /// as columns, differing verdicts first; Markdown on stdout, or --html / --markdown files.
    Compare(cli::compare::CompareArgs),
    /// Fuzz a broker over the network: crashes and hangs, minimised and saved as --checks
    /// scripts; --replay re-runs them.
    #[command(after_help = cli::fuzz::AFTER)]
    Fuzz(cli::fuzz::FuzzArgs),
}

#[derive(Args)]
struct RunArgs {
    /// Broker address: host:port, host (port 1883), or a URL: mqtt://host[:1883],
    /// mqtts://host[:8883] (TLS), ws://host[:80][/path], wss://host[:443][/path] (WebSocket).
    #[arg(long, default_value = "127.0.0.1:1883", env = "MQTT_TARGET")]
    target: String,
    /// Protocol versions to test.
    #[arg(long, value_enum, default_value = "all")]
    protocol: Protocol,
    /// Vendor profile: a built-in name (oasis, apsaramq, aliyun-iot) or a JSON file.
    #[arg(long, default_value = "oasis")]
    profile: String,
    /// Load more checks from JSON script files in this directory (repeatable).
    #[arg(long = "checks", value_name = "DIR")]
    checks_dirs: Vec<std::path::PathBuf>,
    /// Run only the built-in checks from --checks, not the built-in ones.
    #[arg(long)]
    no_builtin: bool,
    /// Run only checks whose id or cited statement matches this glob (repeatable; `*` matches
    /// any characters, `/` included; `?`, `[...]`, `{a,b}` as in shells).
    #[arg(long, value_name = "GLOB")]
    only: Vec<String>,
    /// Skip checks whose id or cited statement matches this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    skip: Vec<String>,
    /// Checks run at the same time: a number, or auto (from the number of checks: 16 to 64).
    #[arg(long, default_value = "auto", value_parser = parse_jobs)]
    jobs: Jobs,
    /// Seconds each step waits for the broker (0.05 to 600).
    #[arg(long, default_value = "3", value_parser = parse_timeout)]
    timeout: Duration,
    /// Seconds the whole run may take; checks not finished by then are reported as `error`.
    #[arg(long, value_parser = parse_deadline)]
    deadline: Option<Duration>,
    #[command(flatten)]
    outputs: OutputArgs,
    /// One line per finished check on stderr, and passing checks in the text report.
    #[arg(long, short)]
    verbose: bool,
    /// Nothing on stderr but warnings and errors (no progress bar, no closing summary).
    #[arg(long, short)]
    quiet: bool,
    /// Prefix of every topic the checks use (some brokers need a pre-created parent topic).
    #[arg(long, default_value = "conformance")]
    topic_root: String,
    /// Prefix of every client id (e.g. "GID_test@@@" for ApsaraMQ).
    #[arg(long, default_value = "")]
    client_id_prefix: String,
    /// User name for CONNECT.
    #[arg(long, env = "MQTT_USERNAME")]
    username: Option<String>,
    /// Password for CONNECT; prefer the MQTT_PASSWORD variable to keep it out of shell history.
    #[arg(long, env = "MQTT_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// How CONNECT authenticates: plain (--username, --password), apsaramq-signature (secret in
    /// MQTT_SK_ENV), apsaramq-token (tokens R|..|W|.. in MQTT_PASSWORD), aliyun-iot (DeviceSecret
    /// in MQTT_DEVICE_SECRET).
    #[arg(long, default_value = "plain", value_parser = clap::builder::PossibleValuesParser::new(mqtt_conformance::credentials::MODES))]
    auth: String,
    /// ApsaraMQ instance id (apsaramq-signature, apsaramq-token).
    #[arg(long)]
    instance_id: Option<String>,
    /// ApsaraMQ AccessKey ID (apsaramq-signature, apsaramq-token).
    #[arg(long, env = "MQTT_AK_ENV", hide_env_values = true)]
    access_key_id: Option<String>,
    /// IoT Platform ProductKey (aliyun-iot).
    #[arg(long)]
    product_key: Option<String>,
    /// IoT Platform DeviceName (aliyun-iot).
    #[arg(long)]
    device_name: Option<String>,
    /// TLS: PEM file of the CA certificates to trust (default: the system roots).
    #[arg(long, value_name = "FILE")]
    cafile: Option<std::path::PathBuf>,
    /// TLS: PEM client certificate (chain) for mutual authentication.
    #[arg(long, value_name = "FILE")]
    cert: Option<std::path::PathBuf>,
    /// TLS: PEM private key of --cert.
    #[arg(long, value_name = "FILE")]
    key: Option<std::path::PathBuf>,
    /// TLS: server name for SNI and certificate verification (default: the target host).
    #[arg(long, value_name = "NAME")]
    servername: Option<String>,
    /// TLS: do not verify the broker's certificate (the report carries a loud warning).
    #[arg(long)]
    insecure: bool,
    /// WebSocket request path (default: the URL's, else /mqtt, /ws, / in turn).
    #[arg(long, value_name = "PATH")]
    ws_path: Option<String>,
    /// Start the broker under test: a shell command with {port} for a free loopback port. The run
    /// waits up to 60 s for the port to accept connections, and ends the command with SIGTERM
    /// (SIGKILL two seconds later) when done.
    #[arg(long, value_name = "CMD")]
    broker_cmd: Option<String>,
    /// Compare verdicts with an expected-results file; differences exit 1. Repeatable: later
    /// files add to and override earlier ones (a broker's file, then a transport's). With --only
    /// or --skip, entries for checks left out are ignored.
    #[arg(long, value_name = "FILE")]
    expected: Vec<String>,
    /// Write the verdicts as an expected-results file (keeps explanations of unchanged verdicts).
    #[arg(long, value_name = "FILE")]
    write_expected: Option<String>,
    /// What the broker is ("mosquitto 2.0.11, default configuration"): shown in every report,
    /// the column title in `compare`, and the description --write-expected records.
    #[arg(long, value_name = "NAME")]
    broker_name: Option<String>,
    /// List the selected checks and exit; with --format json, print their full scripts (a JSON
    /// array that --checks loads back).
    #[arg(long)]
    list: bool,
    /// Print which broker-observable normative statements have a check, and exit.
    #[arg(long)]
    coverage: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Decode(args)) => return cli::decode::run(args),
        Some(Command::Compare(args)) => return cli::compare::run(args),
        Some(Command::Fuzz(args)) => return cli::fuzz::run(args),
        None => {}
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(run(cli.run))
}

/// `--jobs`: a number, or chosen from the run (`None`).
#[derive(Clone, Copy, Debug)]
struct Jobs(Option<usize>);

/// Writes `text` on stdout; a reader that went away (`--list | head`) ends the output quietly
/// instead of a "Broken pipe" panic.
fn print_out(text: &str) {
    use std::io::Write;
    if let Err(e) = std::io::stdout().lock().write_all(text.as_bytes()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: writing to stdout: {e}");
        std::process::exit(2);
    }
}

fn parse_jobs(s: &str) -> Result<Jobs, String> {
    if s == "auto" {
        return Ok(Jobs(None));
    }
    match s.parse::<usize>() {
        Ok(n) if (1..=1024).contains(&n) => Ok(Jobs(Some(n))),
        _ => Err(format!("{s:?}: give auto or a number from 1 to 1024")),
    }
}

fn parse_timeout(s: &str) -> Result<Duration, String> {
    mqtt_conformance::bounds::parse_seconds(
        s,
        mqtt_conformance::bounds::MIN_STEP_TIMEOUT_SECS,
        mqtt_conformance::bounds::MAX_STEP_TIMEOUT_SECS,
    )
}

fn parse_deadline(s: &str) -> Result<Duration, String> {
    mqtt_conformance::bounds::parse_seconds(s, 1.0, 7.0 * 24.0 * 3600.0)
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

async fn run(args: RunArgs) -> ExitCode {
    let profile = match Profile::load(&args.profile) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let corpus = match mqtt_vectors::Corpus::embedded() {
        Ok(c) => c,
        Err(e) => return fail(format!("vector corpus: {e}")),
    };
    let mut all = if args.no_builtin {
        Vec::new()
    } else {
        checks::builtin(&profile, &corpus)
    };
    for dir in &args.checks_dirs {
        match checks::load_dir(dir) {
            Ok(c) => all.extend(c),
            Err(e) => return fail(e),
        }
    }
    let problems = checks::lint(&all);
    if !problems.is_empty() {
        return fail(format!("invalid checks:\n  {}", problems.join("\n  ")));
    }
    let versions: Vec<Version> = args.protocol.versions();
    let selection = match Selection::new(&args.only, &args.skip) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    all.retain(|c| versions.contains(&c.version));
    let unmatched = selection.unmatched(&all);
    let selected: Vec<_> = all.into_iter().filter(|c| selection.selects(c)).collect();
    if selected.is_empty() {
        let hints: String = unmatched.iter().map(|u| format!("\n  {u}")).collect();
        return fail(format!(
            "no check matches the selection (see --list){hints}"
        ));
    }
    for u in &unmatched {
        eprintln!("warning: {u}");
    }
    if args.coverage {
        let all: Vec<_> = versions
            .iter()
            .map(|v| coverage::coverage(&selected, *v))
            .collect();
        if args.outputs.format == Format::Json {
            match serde_json::to_string_pretty(&all) {
                Ok(text) => print_out(&format!("{text}\n")),
                Err(e) => return fail(format!("--coverage: {e}")),
            }
        } else {
            for c in &all {
                print_out(&coverage::text(c));
            }
        }
        return ExitCode::SUCCESS;
    }
    if args.list {
        if args.outputs.format == Format::Json {
            // The scripts themselves, in the format `--checks` loads: a starting point for a
            // team's own checks, and a way for other tools to see exactly what a check does.
            match serde_json::to_string_pretty(&selected) {
                Ok(text) => print_out(&format!("{text}\n")),
                Err(e) => return fail(format!("--list: {e}")),
            }
        } else {
            for c in &selected {
                print_out(&format!("{}  {}  [{}]\n", c.id, c.title, c.cites.join(" ")));
            }
        }
        eprintln!("{} checks", selected.len());
        return ExitCode::SUCCESS;
    }
    // Everything a run writes or reads, checked before the broker starts.
    if let Err(e) = args.outputs.check_writable() {
        return fail(e);
    }
    if let Some(path) = &args.write_expected {
        if let Err(e) = cli::outputs::writable(std::path::Path::new(path)) {
            return fail(format!("--write-expected {path}: {e}"));
        }
    }
    let expected = match load_expected(&args.expected) {
        Ok(e) => e,
        Err(e) => return fail(e),
    };
    // The transport and credentials, checked before any broker is started.
    let mut configured = match Target::parse(&args.target) {
        Ok(t) => t,
        Err(e) => return fail(format!("--target {}: {e}", args.target)),
    };
    configured.tls = TlsSettings {
        cafile: args.cafile.clone(),
        cert: args.cert.clone(),
        key: args.key.clone(),
        servername: args.servername.clone(),
        insecure: args.insecure,
    };
    if let Some(p) = &args.ws_path {
        configured.path = Some(if p.starts_with('/') {
            p.clone()
        } else {
            format!("/{p}")
        });
    }
    if let Err(e) = configured.validate() {
        return fail(e);
    }
    let auth_options = credentials::AuthOptions {
        username: args.username.clone(),
        password: args.password.clone().map(credentials::Secret::new),
        instance_id: args.instance_id.clone(),
        access_key_id: args.access_key_id.clone(),
        product_key: args.product_key.clone(),
        device_name: args.device_name.clone(),
        tls: configured.scheme.is_tls(),
    };
    let credentials =
        match credentials::from_options(&args.auth, &auth_options, |v| std::env::var(v).ok()) {
            Ok(c) => c.map(Arc::new),
            Err(e) => return fail(e),
        };
    for w in configured.warnings() {
        eprintln!("WARNING: {w}");
    }
    let broker = match &args.broker_cmd {
        // Generous: the wait ends as soon as the port accepts, and RabbitMQ takes 8 to 15 s to
        // start on two busy cores; a broker command that fails usually exits, which ends it too.
        Some(cmd) => match BrokerProcess::start(cmd, Duration::from_secs(60)) {
            Ok(b) => Some(Arc::new(std::sync::Mutex::new(b))),
            Err(e) => return fail(e),
        },
        None => None,
    };
    let target = match &broker {
        Some(b) => Target {
            host: "127.0.0.1".into(),
            port: b.lock().map(|b| b.port).unwrap_or_default(),
            ..configured
        },
        None => configured,
    };
    let code = run_suite(
        &args,
        profile,
        corpus,
        target,
        credentials,
        selected,
        &versions,
        broker.clone(),
    )
    .await;
    if let Some(b) = broker {
        if let Ok(mut b) = b.lock() {
            b.terminate();
        }
    }
    match code {
        Ok((report, interrupted)) => {
            let code = conclude(&args, &report, &selection, expected);
            if interrupted {
                ExitCode::from(130)
            } else {
                code
            }
        }
        Err(code) => code,
    }
}

// Each argument is one thing the run was given; bundling them would only rename them.
#[allow(clippy::too_many_arguments)]
async fn run_suite(
    args: &RunArgs,
    profile: Profile,
    corpus: mqtt_vectors::Corpus,
    target: Target,
    credentials: Option<Arc<credentials::Credentials>>,
    selected: Vec<mqtt_conformance::check::Check>,
    versions: &[Version],
    broker: Option<Arc<std::sync::Mutex<BrokerProcess>>>,
) -> Result<(Report, bool), ExitCode> {
    let started = Instant::now();
    let run_id = mqtt_conformance::execution::tag(
        &format!("{:?}{}", std::time::SystemTime::now(), std::process::id()),
        5,
    );
    let ctx = Arc::new(RunContext {
        target: target.clone(),
        timeout: args.timeout,
        topic_root: args.topic_root.clone(),
        client_id_prefix: args.client_id_prefix.clone(),
        username: args.username.clone(),
        password: args.password.clone(),
        credentials,
        profile: Arc::new(profile),
        run_id,
        vectors: Arc::new(corpus),
    });
    let mut caps = Vec::new();
    for v in versions {
        match runner::probe(&ctx, *v).await {
            Ok(c) => caps.push(c),
            Err(e) => {
                return Err(fail(format!(
                    "{} is not a usable MQTT server: {e}",
                    ctx.target
                )))
            }
        }
    }
    if caps.iter().all(|c| c.connack.is_none()) {
        let why: Vec<String> = caps
            .iter()
            .map(|c| {
                format!(
                    "MQTT {}: {}",
                    c.version.as_str(),
                    c.refused.as_deref().unwrap_or("")
                )
            })
            .collect();
        return Err(fail(format!(
            "{} is not a usable MQTT server: {}",
            ctx.target,
            why.join("; ")
        )));
    }
    let login = ctx.login(&format!(
        "{}{}",
        ctx.client_id_prefix,
        mqtt_conformance::execution::tag(&format!("live{}", ctx.run_id), 12)
    ));
    let watch = Arc::new(runner::BrokerWatch::new(
        LivenessProbe {
            target: ctx.target.clone(),
            timeout: ctx.timeout,
            client_id: login.client_id,
            username: login.username,
            password: login.password,
        },
        broker,
    ));
    let concurrent = selected.iter().filter(|c| !c.exclusive).count();
    let control = runner::RunControl {
        jobs: args.jobs.0.unwrap_or_else(|| runner::auto_jobs(concurrent)),
        stop: tokio_util::sync::CancellationToken::new(),
        stop_reason: Arc::new(std::sync::Mutex::new(String::new())),
        watch: Some(watch.clone()),
    };
    let interrupted = Arc::new(std::sync::atomic::AtomicBool::new(false));
    {
        let stop = control.stop.clone();
        let reason = control.stop_reason.clone();
        let interrupted = interrupted.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                if let Ok(mut r) = reason.lock() {
                    *r = "the run was interrupted (Ctrl-C)".into();
                }
                interrupted.store(true, std::sync::atomic::Ordering::SeqCst);
                eprintln!("interrupted: writing the partial report");
                stop.cancel();
            }
        });
    }
    if let Some(limit) = args.deadline {
        let stop = control.stop.clone();
        let reason = control.stop_reason.clone();
        tokio::spawn(async move {
            tokio::time::sleep(limit).await;
            if let Ok(mut r) = reason.lock() {
                if r.is_empty() {
                    *r = format!("the run's --deadline of {} s ran out", limit.as_secs_f64());
                }
            }
            stop.cancel();
        });
    }
    let progress = Arc::new(Progress::new(
        selected.len(),
        !args.quiet,
        args.verbose && !args.quiet,
    ));
    let results = runner::run_all(selected, ctx.clone(), &caps, &control, progress.clone()).await;
    progress.finish();
    let mut warnings = target.warnings();
    // Leave the broker as found, also after Ctrl-C or --deadline (bounded by --timeout).
    if let Some(cap) = caps.iter().find(|c| c.connack.is_some()) {
        let leftovers = mqtt_conformance::cleanup::Leftovers::from_results(&results);
        let problems =
            mqtt_conformance::cleanup::clean(&ctx, cap.version.protocol(), &leftovers).await;
        // On stderr, not in the report: what the broker did during the checks is the report's
        // subject; a clean-up it refused is the operator's to know.
        for p in problems {
            eprintln!("warning: clean-up after the run failed: {p}");
        }
    }
    warnings.extend(watch.notes());
    if control.stop.is_cancelled() {
        if let Ok(r) = control.stop_reason.lock() {
            warnings.push(format!("partial run: {r}"));
        }
    }
    let info = RunInfo {
        target: target.to_string(),
        broker: args.broker_name.clone(),
        profile: ctx.profile.name.clone(),
        versions: versions.iter().map(|v| v.as_str().to_string()).collect(),
        duration_ms: started.elapsed().as_millis() as u64,
        tool: format!("conformance {}", env!("CARGO_PKG_VERSION")),
        warnings,
    };
    Ok((
        Report::new(info, results),
        interrupted.load(std::sync::atomic::Ordering::SeqCst),
    ))
}

/// Writes the reports of a finished run and says how it went: the exit status.
fn conclude(
    args: &RunArgs,
    report: &Report,
    selection: &Selection,
    expected: Option<ExpectedResults>,
) -> ExitCode {
    match args.outputs.write(report, args.verbose) {
        Ok(files) if !args.quiet && !files.is_empty() => {
            eprintln!(
                "{} checks: {}; reports in {}",
                report.results.len(),
                report.summary.sentence(),
                files.join(", ")
            );
        }
        Ok(_) => {}
        Err(e) => return fail(e),
    }
    let results = &report.results;
    let decided = results.iter().any(|r| {
        matches!(
            r.verdict,
            Verdict::Pass | Verdict::NonStrict | Verdict::Fail
        )
    });
    let mut failed = results.iter().any(|r| r.verdict.fails(args.outputs.strict));
    if let Some(path) = &args.write_expected {
        let previous = ExpectedResults::load(path).ok();
        let name = args.broker_name.as_deref().unwrap_or("unnamed broker");
        let file = ExpectedResults::from_results(name, results, previous.as_ref());
        if let Err(e) = std::fs::write(
            path,
            serde_json::to_string_pretty(&file).unwrap_or_default() + "\n",
        ) {
            return fail(format!("{path}: {e}"));
        }
    }
    if let Some(mut expected) = expected {
        if selection.is_filtering() {
            expected
                .results
                .retain(|id, _| results.iter().any(|r| &r.id == id) || selection.selects_id(id));
        }
        let path = args.expected.join(" + ");
        let diffs = expected.compare(results);
        if diffs.is_empty() {
            eprintln!("verdicts match {path} ({} checks)", results.len());
            // Known, explained failures are not a regression.
            failed = false;
        } else {
            eprintln!("verdicts differ from {path}:");
            for d in &diffs {
                eprintln!("  {d}");
            }
            return ExitCode::from(1);
        }
    }
    if failed {
        ExitCode::from(1)
    } else if !decided {
        eprintln!("error: no check could be decided (every check was skipped or ended in error)");
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// The `--expected` files merged (later ones add to and override earlier ones), or `None`.
fn load_expected(paths: &[String]) -> Result<Option<ExpectedResults>, String> {
    let mut merged: Option<ExpectedResults> = None;
    for path in paths {
        let e = ExpectedResults::load(path).map_err(|e| format!("--expected {e}"))?;
        match &mut merged {
            Some(m) => m.results.extend(e.results),
            None => merged = Some(e),
        }
    }
    Ok(merged)
}
