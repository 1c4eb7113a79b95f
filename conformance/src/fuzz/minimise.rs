//! Shrinks a finding while it still reproduces: drop whole clients, then actions (halves,
//! quarters, ... single ones), then bytes inside each remaining packet. Every candidate is
//! re-checked against the oracle on a healthy broker; the number of attempts is bounded.

use super::mutate::decode_json;
use super::session::{fix_length as relength, header_len, Act, Case};

/// Re-runs a candidate and says whether the same oracle fires.
pub trait Reproducer {
    /// Whether `case` still reproduces the finding.
    fn reproduces(&mut self, case: &Case) -> impl std::future::Future<Output = bool>;
}

/// The smallest case found within `budget` attempts that still reproduces.
pub async fn minimise(case: Case, r: &mut impl Reproducer, budget: usize) -> Case {
    let mut best = case;
    let mut tries = 0usize;
    // 1. Whole clients.
    for client in best.clients() {
        if tries >= budget || best.clients().len() <= 1 {
            break;
        }
        let mut c = best.clone();
        c.actions.retain(|a| a.client != client);
        tries += 1;
        if r.reproduces(&c).await {
            best = c;
        }
    }
    // 2. Actions, in chunks from half the case down to one.
    let mut chunk = best.actions.len().div_ceil(2).max(1);
    loop {
        let mut at = 0;
        while at < best.actions.len() && tries < budget {
            if best.actions.len() <= 1 {
                break;
            }
            let mut c = best.clone();
            let end = (at + chunk).min(c.actions.len());
            c.actions.drain(at..end);
            tries += 1;
            if !c.actions.is_empty() && r.reproduces(&c).await {
                best = c;
            } else {
                at += chunk;
            }
        }
        if chunk == 1 || tries >= budget {
            break;
        }
        chunk = chunk.div_ceil(2);
    }
    // 3. Fields: drop the optional parts of each packet that still decodes (Will, properties,
    // credentials, payload), and prefer a new session to a resumed one.
    let v = best.version.protocol();
    for i in 0..best.actions.len() {
        for field in [
            "will",
            "properties",
            "username",
            "password",
            "payload",
            "clean",
        ] {
            if tries >= budget {
                break;
            }
            let Act::Send(bytes) = &best.actions[i].act else {
                continue;
            };
            let Some(mut p) = decode_json(bytes, v) else {
                continue;
            };
            let Some(obj) = p.as_object_mut() else {
                continue;
            };
            let changed = match field {
                "payload" => obj
                    .insert("payload".into(), "".into())
                    .is_some_and(|old| old != ""),
                "clean" => {
                    let key = best.version.clean_start_key();
                    obj.insert(key.into(), true.into()) == Some(false.into())
                }
                "properties" => obj
                    .remove("properties")
                    .is_some_and(|old| old.as_object().is_some_and(|o| !o.is_empty())),
                f => obj.remove(f).is_some(),
            };
            let Ok(smaller) = mqtt_codec::json::encode(&p, v) else {
                continue;
            };
            if !changed || &smaller == bytes {
                continue;
            }
            let mut c = best.clone();
            c.actions[i].act = Act::Send(smaller);
            tries += 1;
            if r.reproduces(&c).await {
                best = c;
            }
        }
    }
    // 4. Bytes: cut the tail of each packet, then drop body bytes, keeping the Remaining
    // Length consistent so what remains still frames as one packet.
    for i in 0..best.actions.len() {
        let Act::Send(bytes) = &best.actions[i].act else {
            continue;
        };
        let mut len = bytes.len();
        let mut step = len / 2;
        while step > 0 && tries < budget {
            if let Act::Send(b) = &best.actions[i].act {
                len = b.len();
            }
            let mut c = best.clone();
            if let Act::Send(b) = &mut c.actions[i].act {
                if step >= b.len().saturating_sub(2) {
                    step /= 2;
                    continue;
                }
                let keep = len - step;
                let body_start = header_len(b).unwrap_or(2);
                if keep <= body_start {
                    step /= 2;
                    continue;
                }
                b.truncate(keep);
                *b = relength(b);
            }
            tries += 1;
            if r.reproduces(&c).await {
                best = c;
            } else {
                step /= 2;
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Version;
    use crate::fuzz::session::Action;

    /// "Crashes" when client 1 sends a packet starting with 0x62 (PUBREL) after client 0 sent
    /// one starting with 0x34 (QoS 2 PUBLISH).
    struct Toy(usize);

    impl Reproducer for Toy {
        async fn reproduces(&mut self, case: &Case) -> bool {
            self.0 += 1;
            let first = |client: usize, byte: u8| {
                case.actions.iter().position(|a| {
                    a.client == client && matches!(&a.act, Act::Send(b) if b.first() == Some(&byte))
                })
            };
            matches!((first(0, 0x34), first(1, 0x62)), (Some(p), Some(r)) if p < r)
        }
    }

    fn send(client: usize, bytes: &[u8]) -> Action {
        Action {
            client,
            act: Act::Send(bytes.to_vec()),
        }
    }

    #[test]
    fn keeps_only_the_packets_that_matter() {
        let mut actions = Vec::new();
        for c in 0..3 {
            actions.push(send(c, &[0x10, 0x02, 0x00, 0x00]));
        }
        actions.push(send(2, &[0xc0, 0x00]));
        actions.push(send(0, &[0x34, 0x05, 0x00, 0x01, b'a', 0x00, 0x01]));
        actions.push(send(2, &[0x30, 0x03, 0x00, 0x01, b'b']));
        actions.push(send(1, &[0x62, 0x02, 0x00, 0x01]));
        actions.push(send(0, &[0xe0, 0x00]));
        let case = Case {
            version: Version::V311,
            actions,
            topics: Vec::new(),
            client_ids: Vec::new(),
        };
        let mut toy = Toy(0);
        let small = futures_util::FutureExt::now_or_never(minimise(case, &mut toy, 200))
            .expect("the toy reproducer never waits");
        assert_eq!(small.actions.len(), 2, "{small:?}");
        assert_eq!(small.clients(), vec![0, 1]);
        assert!(toy.0 <= 200);
    }
}
