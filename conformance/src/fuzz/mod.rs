//! `conformance fuzz`: a black-box, network, MQTT-aware broker fuzzer.
//!
//! A campaign generates multi-client sessions ([`session`]), mutates corpus entries at the
//! sequence, field and byte level ([`mutate`]), runs each case over TCP ([`exec`]) and keeps the
//! cases whose answers showed something new (response feedback: packet types, reason codes,
//! property sets, closes). After every batch of `--jobs` cases the oracles run ([`oracle`]: the
//! process, with `--broker-cmd`, and a liveness probe on a fresh connection). A
//! case that fires one is re-run alone, minimised ([`minimise`]) on a restarted broker and saved
//! as a `--checks` script with a note ([`finding`]).

pub mod corpus;
pub mod exec;
pub mod finding;
pub mod minimise;
pub mod mutate;
pub mod oracle;
pub mod session;

use exec::{Observation, Timing};
use finding::Finding;
pub use oracle::Broker;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use session::{Act, Case, Names};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Corpus entries kept at most (memory stays bounded on long campaigns).
const CORPUS_MAX: usize = 256;
/// How long a broker the fuzzer did not start gets to come back after a finding.
const RECOVERY: Duration = Duration::from_secs(10);
/// Feedback signatures remembered at most.
const SIGNATURES_MAX: usize = 65_536;

/// A campaign's settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Seed of every random choice.
    pub seed: u64,
    /// How long to fuzz.
    pub duration: Duration,
    /// Cases run at the same time.
    pub jobs: usize,
    /// Where findings go.
    pub out: PathBuf,
    /// Bound of the liveness probe.
    pub probe_bound: Duration,
    /// Per-case deadlines.
    pub timing: Timing,
    /// Topic prefix.
    pub topic_root: String,
    /// Stop after this many findings.
    pub max_findings: usize,
    /// Attempts the minimiser may make per finding.
    pub minimise_budget: usize,
    /// Wall time the minimiser may take per finding (a broker that restarts slowly).
    pub minimise_time: Duration,
    /// Progress lines on stderr.
    pub progress: bool,
    /// Answers the strict decoder refuses are findings too (`--spec-findings`).
    pub spec_findings: bool,
    /// The protocol version of generated sessions (`--protocol`); `None`: both.
    pub protocol: Option<crate::check::Version>,
    /// Where the corpus is kept across campaigns (`--corpus`).
    pub corpus_dir: Option<PathBuf>,
}

/// How a campaign went.
#[derive(Debug, Default)]
pub struct Summary {
    /// Cases run.
    pub cases: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// Corpus size at the end.
    pub corpus: usize,
    /// Distinct feedback signatures seen.
    pub signatures: usize,
    /// Scripts written.
    pub findings: Vec<PathBuf>,
    /// Broker restarts.
    pub restarts: u64,
}

impl Summary {
    /// Cases per second.
    pub fn rate(&self) -> f64 {
        self.cases as f64 / self.elapsed.as_secs_f64().max(0.001)
    }
}

/// Which oracle fires after a case, if any (see [`oracle::fired`]).
async fn oracle(broker: &mut Broker, cfg: &Config, run_id: &str) -> Option<String> {
    oracle::fired(broker, &format!("fz{run_id}probe"), cfg.probe_bound).await
}

/// Clears what a case may have left behind: retained messages on its topics, sessions of its
/// client ids.
async fn cleanup(addr: SocketAddr, case: &Case, timing: Timing) {
    if !leaves_state(case) {
        return;
    }
    let v = mqtt_codec::ProtocolVersion::V3_1_1;
    let mut actions = Vec::new();
    let mut n = 0;
    // The case's client ids, and any id a mutated CONNECT without Clean Start carries.
    let mut ids = case.client_ids.clone();
    for a in &case.actions {
        let Act::Send(b) = &a.act else { continue };
        if b.first().is_some_and(|f| f >> 4 == 1) {
            let p = mutate::decode_json(b, case.version.protocol());
            let kept = p.filter(|p| p["clean_session"] == false || p["clean_start"] == false);
            if let Some(id) = kept.and_then(|p| p["client_identifier"].as_str().map(str::to_string))
            {
                if !id.is_empty() && !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
    }
    for id in &ids {
        let connect = serde_json::json!({"type": "CONNECT", "protocol_version": 4,
            "clean_session": true, "keep_alive": 10, "client_identifier": id});
        actions.push(session::Action {
            client: n,
            act: Act::Send(session::encode(&connect, v)),
        });
        actions.push(session::Action {
            client: n,
            act: Act::Send(session::encode(
                &serde_json::json!({"type": "DISCONNECT"}),
                v,
            )),
        });
        n += 1;
    }
    let id = format!(
        "{}x",
        case.client_ids.first().map_or("fzclean", String::as_str)
    );
    let connect = serde_json::json!({"type": "CONNECT", "protocol_version": 4,
        "clean_session": true, "keep_alive": 10, "client_identifier": id});
    actions.push(session::Action {
        client: n,
        act: Act::Send(session::encode(&connect, v)),
    });
    // The case's own topics, and every topic a retained PUBLISH or Will of the case names after
    // its mutations (a long-topic mutation, a flipped bit inside a topic).
    let mut topics: Vec<String> = case.topics.clone();
    // Topics the decoder refuses (a U+0000, invalid UTF-8) that a lenient broker may still have
    // stored a retained message at: cleared with their raw bytes, last (a strict broker closes).
    let mut raw_clears: Vec<Vec<u8>> = Vec::new();
    for a in &case.actions {
        let Act::Send(b) = &a.act else { continue };
        let retained = match b.first().map(|f| f >> 4) {
            Some(3) if b[0] & 1 == 1 => {
                let p = mutate::decode_json(b, case.version.protocol());
                if p.is_none() {
                    if let Some(clear) = raw_retained_clear(b).filter(|c| !raw_clears.contains(c)) {
                        raw_clears.push(clear);
                    }
                }
                p.and_then(|p| p["topic"].as_str().map(str::to_string))
            }
            // A CONNECT whose Will is retained (the Will topic a mutation may have changed),
            // also one the codec refuses (aedes keeps the Will of a CONNECT with Will QoS 3).
            Some(1) => match mutate::decode_json(b, case.version.protocol()) {
                Some(p) => p["will"]["topic"]
                    .as_str()
                    .filter(|_| p["will"]["retain"] == true)
                    .map(str::to_string),
                None => crate::cleanup::lenient_retained_will_topic(b),
            },
            _ => None,
        };
        if let Some(t) = retained.filter(|t| !t.is_empty() && !topics.contains(t)) {
            topics.push(t);
        }
    }
    for t in &topics {
        let p = serde_json::json!({"type": "PUBLISH", "topic": t, "retain": true, "payload": ""});
        actions.push(session::Action {
            client: n,
            act: Act::Send(session::encode(&p, v)),
        });
    }
    for clear in raw_clears {
        actions.push(session::Action {
            client: n,
            act: Act::Send(clear),
        });
    }
    actions.push(session::Action {
        client: n,
        act: Act::Send(session::encode(
            &serde_json::json!({"type": "DISCONNECT"}),
            v,
        )),
    });
    let clean = Case {
        version: crate::check::Version::V311,
        actions,
        topics: Vec::new(),
        client_ids: Vec::new(),
    };
    let _ = exec::run(&clean, addr, timing).await;
}

/// A 3.1.1 QoS 0 retained PUBLISH with an empty payload to the raw Topic Name bytes of `publish`
/// (whatever they are), which clears a retained message stored there.
fn raw_retained_clear(publish: &[u8]) -> Option<Vec<u8>> {
    let h = session::header_len(publish)?;
    let len = usize::from(u16::from_be_bytes([*publish.get(h)?, *publish.get(h + 1)?]));
    let topic = publish.get(h + 2..h + 2 + len).filter(|t| !t.is_empty())?;
    let mut p = vec![0x31, 0];
    p.extend_from_slice(&publish[h..h + 2]);
    p.extend_from_slice(topic);
    Some(session::fix_length(&p))
}

/// Whether a case may leave retained messages or sessions behind: a PUBLISH with Retain, a
/// CONNECT without Clean Start or with a retained Will.
fn leaves_state(case: &Case) -> bool {
    case.actions.iter().any(|a| match &a.act {
        Act::Send(b) => match b.first().map(|f| f >> 4) {
            Some(3) => b[0] & 1 == 1,
            Some(1) => {
                let h = session::header_len(b).unwrap_or(2);
                let name = b.get(h + 1).map_or(4, |n| usize::from(*n));
                b.get(h + 2 + name + 1)
                    .is_none_or(|f| f & 0x02 == 0 || f & 0x20 != 0)
            }
            _ => false,
        },
        Act::Reconnect => false,
    })
}

/// Re-runs candidates on a healthy broker (restarted when it is not). When the fuzzer runs the
/// broker's process (`--broker-cmd`), a candidate reproduces only if it does so on a freshly
/// started broker: a finding must not need what earlier cases left there (a retained message at a
/// Topic Name no client can clear, a session), because its replay starts a fresh broker. A spec
/// finding's candidate is tried on the broker as it is first and re-run on a restarted one only
/// when it fires there, so the candidates that do not reproduce cost no restart. A crash or a hang
/// restarts the broker when it fires, as before.
/// Against a `--target` the broker is the one there is, cleaned up after each re-run.
struct Rerun<'b> {
    broker: &'b mut Broker,
    cfg: &'b Config,
    run_id: &'b str,
    last: Observation,
    restarts: u64,
    /// The broker must be restarted (or waited for) before the next re-run: it crashed or
    /// wedged, or only a fresh process will do.
    broken: bool,
    /// The broker has run no case since it was (re)started.
    fresh: bool,
    /// For a spec finding: the decoder's error kind that must come back.
    rule: Option<String>,
    /// Past this, candidates count as not reproducing: the minimiser keeps what it has.
    deadline: Option<Instant>,
}

impl Rerun<'_> {
    /// Makes sure the broker answers before a re-run: restarts the process when there is one,
    /// else waits up to [`RECOVERY`] for the broker to come back (a supervisor may restart it).
    async fn healthy(&mut self) -> bool {
        if !(self.broken || self.broker.exited().is_some()) {
            return true;
        }
        if self.broker.restartable() {
            if self.broker.restart().is_err() {
                return false;
            }
            self.restarts += 1;
            self.broken = false;
            self.fresh = true;
            return true;
        }
        let id = format!("fz{}probe", self.run_id);
        let start = Instant::now();
        while start.elapsed() < RECOVERY {
            if self
                .broker
                .probe(&id, self.cfg.probe_bound)
                .check()
                .await
                .is_ok()
            {
                self.broken = false;
                return true;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        false
    }

    /// Runs `case` once on a healthy broker: whether the finding's oracle fired, and whether the
    /// broker was fresh.
    async fn run(&mut self, case: &Case) -> (bool, bool) {
        if self.deadline.is_some_and(|d| Instant::now() > d) || !self.healthy().await {
            return (false, false);
        }
        let fresh = std::mem::replace(&mut self.fresh, false);
        let obs = exec::run(case, self.broker.addr(), self.cfg.timing).await;
        let fired = match &self.rule {
            Some(rule) => obs.violations.iter().any(|(k, _)| k == rule),
            None => oracle(self.broker, self.cfg, self.run_id).await.is_some(),
        };
        if fired {
            self.last = obs;
        }
        // A crash or a hang: the next run needs a restart.
        if fired && self.rule.is_none() {
            self.broken = true;
        } else {
            cleanup(self.broker.addr(), case, self.cfg.timing).await;
        }
        (fired, fresh)
    }

    /// After a finding: a restartable broker starts afresh for the campaign (what the last
    /// cases left could fire again in the next batches); any other must answer.
    async fn hand_back(&mut self) -> bool {
        self.broken |= self.broker.restartable();
        self.healthy().await
    }
}

impl minimise::Reproducer for Rerun<'_> {
    async fn reproduces(&mut self, case: &Case) -> bool {
        let (fired, fresh) = self.run(case).await;
        // A crash or a hang is confirmed by the restart it forces (a second run would cost a
        // whole liveness probe: the wedge test's minimisation went past its bound).
        if !fired || fresh || self.rule.is_none() || !self.broker.restartable() {
            return fired;
        }
        // It fired on a broker that had run other cases: only a fresh one's answer counts.
        self.broken = true;
        self.run(case).await.0
    }
}

/// Runs a campaign against `broker`. Findings are minimised and written to `cfg.out`.
pub async fn campaign(broker: &mut Broker, cfg: &Config) -> Summary {
    let started = Instant::now();
    let run_id = crate::execution::tag(
        &format!("{}|{:?}", cfg.seed, std::time::SystemTime::now()),
        4,
    );
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut corpus: Vec<Case> = match &cfg.corpus_dir {
        Some(dir) => corpus::load(dir, CORPUS_MAX, mutate::MAX_ACTIONS, mutate::MAX_PACKET)
            .into_iter()
            .filter(|c| cfg.protocol.is_none_or(|v| c.version == v))
            .collect(),
        None => Vec::new(),
    };
    if cfg.progress && cfg.corpus_dir.is_some() {
        eprintln!("fuzz: {} case(s) from the corpus directory", corpus.len());
    }
    let mut seen: HashSet<String> = HashSet::new();
    let mut found: HashSet<String> = HashSet::new();
    // The rules (decoder error kinds) of the spec findings saved so far.
    let mut saved_rules: HashSet<String> = HashSet::new();
    let mut summary = Summary::default();
    let mut n: u64 = 0;
    let mut last_progress = Instant::now();
    let topic_root = format!("{}/fuzz", cfg.topic_root.trim_end_matches('/'));
    while started.elapsed() < cfg.duration && summary.findings.len() < cfg.max_findings {
        // One batch: `jobs` cases at once.
        let mut batch: Vec<(Case, Vec<&'static str>)> = Vec::new();
        for _ in 0..cfg.jobs.max(1) {
            n += 1;
            let mut names = Names::new(&topic_root, &run_id, n);
            names.only = cfg.protocol;
            if corpus.is_empty() || rng.random_bool(0.2) {
                batch.push((session::generate(&mut rng, &names), Vec::new()));
            } else {
                let mut case = corpus[rng.random_range(0..corpus.len())].clone();
                let other = corpus[rng.random_range(0..corpus.len())].clone();
                let m = mutate::mutate(&mut rng, &mut case, Some(&other), &names);
                batch.push((case, m));
            }
        }
        let addr = broker.addr();
        let runs = batch.iter().map(|(c, _)| exec::run(c, addr, cfg.timing));
        let observations = futures_util::future::join_all(runs).await;
        summary.cases += batch.len() as u64;
        let mut fired = oracle(broker, cfg, &run_id).await;
        let mut rule = None;
        if fired.is_none() && cfg.spec_findings {
            // A rule already saved is not minimised again: a broker that breaks one rule often
            // (aedes answers every Packet Identifier 0 in kind) would spend the campaign on it.
            let mut violations = observations.iter().flat_map(|o| &o.violations);
            if let Some((kind, text)) = violations.find(|(k, _)| !saved_rules.contains(k)) {
                rule = Some(kind.clone());
                fired = Some(format!(
                    "the broker sent a packet the specification forbids: {text}"
                ));
            }
        }
        for ((case, _), obs) in batch.iter().zip(&observations) {
            let new = obs.signatures.iter().filter(|s| !seen.contains(*s)).count();
            if new > 0 && seen.len() < SIGNATURES_MAX {
                seen.extend(obs.signatures.iter().cloned());
                if corpus.len() < CORPUS_MAX {
                    corpus.push(case.clone());
                } else {
                    let at = rng.random_range(0..corpus.len());
                    corpus[at] = case.clone();
                }
            }
            if fired.is_none() || rule.is_some() {
                cleanup(addr, case, cfg.timing).await;
            }
        }
        if let Some(first_oracle) = fired {
            let tail = broker.tail();
            if cfg.progress {
                eprintln!("fuzz: after case {n}: {first_oracle}; minimising");
            }
            let mut rerun = Rerun {
                broker,
                cfg,
                run_id: &run_id,
                last: Observation::default(),
                restarts: 0,
                broken: rule.is_none(),
                fresh: false,
                rule: rule.clone(),
                deadline: None,
            };
            if !rerun.healthy().await {
                // Nothing can bring the broker back: keep the evidence as it is.
                summary.restarts += rerun.restarts;
                for (case, mutations) in &batch {
                    let f = Finding {
                        oracle: format!("{first_oracle} (not minimised: the broker did not come back within {} s; use --broker-cmd)", RECOVERY.as_secs()),
                        case: case.clone(),
                        original: (case.actions.len(), case.size()),
                        mutations: mutations.clone(),
                        output_tail: tail.clone(),
                        received: Vec::new(),
                        origin: format!("`conformance fuzz --seed {}` (batch ending with case {n}, run {run_id})", cfg.seed),
                    };
                    record(&mut summary, cfg, &f);
                }
                eprintln!(
                    "fuzz: the broker is down and cannot be restarted (use --broker-cmd); stopping"
                );
                break;
            }
            // Which case of the batch was it? Each alone, on a fresh broker.
            let mut culprit = None;
            for (case, m) in &batch {
                if minimise::Reproducer::reproduces(&mut rerun, case).await {
                    culprit = Some((case.clone(), m.clone()));
                    break;
                }
            }
            let Some((case, mutations)) = culprit else {
                if cfg.progress {
                    eprintln!("fuzz: not reproducible alone (state from earlier cases, or timing); going on");
                }
                let ok = rerun.hand_back().await;
                summary.restarts += rerun.restarts;
                if !ok {
                    eprintln!("fuzz: the broker is down and cannot be restarted (use --broker-cmd); stopping");
                    break;
                }
                continue;
            };
            let original = (case.actions.len(), case.size());
            rerun.deadline = Some(Instant::now() + cfg.minimise_time);
            let mut small = minimise::minimise(case.clone(), &mut rerun, cfg.minimise_budget).await;
            rerun.deadline = None;
            // The minimised case's own oracle and output, on a fresh broker. A slow moment can
            // make one re-run look like a reproduction: a minimised case that does not reproduce
            // twice more gives way to the case as found.
            let _ = rerun.healthy().await;
            let mut again = minimise::Reproducer::reproduces(&mut rerun, &small).await;
            if !again {
                again = minimise::Reproducer::reproduces(&mut rerun, &small).await;
                if !again {
                    small = case.clone();
                    again = minimise::Reproducer::reproduces(&mut rerun, &small).await;
                }
            }
            let oracle_text = if again {
                let spec = rule.as_ref().and_then(|r| {
                    rerun
                        .last
                        .violations
                        .iter()
                        .find(|(k, _)| k == r)
                        .map(|(_, t)| {
                            format!("the broker sent a packet the specification forbids: {t}")
                        })
                });
                let how = spec.or_else(|| rerun.broker.exited());
                how.unwrap_or_else(|| first_oracle.clone())
            } else {
                first_oracle.clone()
            };
            let received = std::mem::take(&mut rerun.last.received);
            let out_tail = rerun.broker.tail().or(tail);
            let ok = rerun.hand_back().await;
            summary.restarts += rerun.restarts;
            // One finding per rule broken (spec findings) or way of failing, and packet types.
            let key = format!(
                "{}|{}|{}",
                oracle_kind(&oracle_text),
                rule.as_deref().unwrap_or(""),
                small
                    .actions
                    .iter()
                    .map(|a| match &a.act {
                        Act::Send(b) => format!("{:x}", b.first().unwrap_or(&0) >> 4),
                        Act::Reconnect => "r".into(),
                    })
                    .collect::<String>()
            );
            if rule.is_some() && !again {
                // Its answer came back once on a fresh broker, then not in three more runs: not
                // a finding a replay can show (a crash, by contrast, was seen and is kept).
                if cfg.progress {
                    eprintln!("fuzz: not reproduced again on a fresh broker (timing); not saved");
                }
            } else if found.insert(key) {
                saved_rules.extend(rule.clone());
                let f = Finding {
                    oracle: oracle_text,
                    case: small,
                    original,
                    mutations,
                    output_tail: out_tail,
                    received,
                    origin: format!(
                        "`conformance fuzz --seed {}` (case {n}, run {run_id})",
                        cfg.seed
                    ),
                };
                record(&mut summary, cfg, &f);
            }
            if !ok {
                eprintln!(
                    "fuzz: the broker is down and cannot be restarted (use --broker-cmd); stopping"
                );
                break;
            }
        }
        if cfg.progress && last_progress.elapsed() >= Duration::from_secs(2) {
            last_progress = Instant::now();
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "fuzz: {:>4.0} s  {} cases ({:.0}/s)  corpus {}  signatures {}  findings {}",
                secs,
                summary.cases,
                summary.cases as f64 / secs.max(0.001),
                corpus.len(),
                seen.len(),
                summary.findings.len()
            );
        }
    }
    if let Some(dir) = &cfg.corpus_dir {
        if let Err(e) = corpus::save(dir, &corpus) {
            eprintln!("fuzz: cannot save the corpus: {e}");
        }
    }
    summary.elapsed = started.elapsed();
    summary.corpus = corpus.len();
    summary.signatures = seen.len();
    summary
}

/// Saves `f` in `cfg.out` and counts it.
fn record(summary: &mut Summary, cfg: &Config, f: &Finding) {
    let slug = format!("s{}-{}", cfg.seed, summary.findings.len() + 1);
    match finding::save(&cfg.out, &slug, f, cfg.timing.settle.as_millis() as u64) {
        Ok(path) => {
            eprintln!(
                "fuzz: FINDING {}: {} ({} actions, {} bytes, {} clients; from {} actions, {} bytes)",
                path.display(),
                f.oracle,
                f.case.actions.len(),
                f.case.size(),
                f.case.clients().len(),
                f.original.0,
                f.original.1
            );
            summary.findings.push(path);
        }
        Err(e) => eprintln!("fuzz: cannot save the finding: {e}"),
    }
}

/// The oracle without its details, for telling findings apart.
fn oracle_kind(text: &str) -> &str {
    if text.contains("specification forbids") {
        "spec"
    } else if text.contains("signal") {
        "signal"
    } else if text.contains("process") {
        "exit"
    } else if text.contains("refused") || text.contains("closed") || text.contains("reset") {
        "gone"
    } else {
        "hang"
    }
}

#[cfg(test)]
mod tests {
    use super::raw_retained_clear;

    #[test]
    fn a_topic_the_decoder_refuses_is_cleared_with_its_raw_bytes() {
        // A QoS 1 retained PUBLISH to "a<U+0000>b", Packet Identifier 7, payload "x".
        let publish = [0x33, 0x08, 0x00, 0x03, b'a', 0, b'b', 0x00, 0x07, b'x'];
        assert_eq!(
            raw_retained_clear(&publish),
            Some(vec![0x31, 0x05, 0x00, 0x03, b'a', 0, b'b'])
        );
        // A Topic Name length past the packet's end: nothing to clear.
        assert_eq!(raw_retained_clear(&[0x31, 0x02, 0x00, 0x09]), None);
    }
}
