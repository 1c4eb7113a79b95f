//! Will Messages, Will Delay, and what happens to a session when its connection closes
//! (session expiry).

use super::message::{Message, MsgProps};
use super::state::State;
use super::{Deviation, FakeConfig, Shared};
use bytes::Bytes;
use mqtt_codec::{ProtocolVersion, Will};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// How a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CloseKind {
    /// The client sent DISCONNECT; `with_will` unless its reason code was 0x00.
    Normal { with_will: bool },
    /// Network failure, protocol error, keep alive expiry: the Will is published.
    Abnormal,
    /// Another connection took the session over (it has dealt with the Will).
    TakenOver,
    /// The broker is stopping: nothing is published.
    Shutdown,
    /// CONNECT was refused or never came: there is no session.
    Refused,
}

/// A Will Message stored with its session.
#[derive(Debug, Clone)]
pub(crate) struct WillMsg {
    pub(crate) msg: Message,
    /// Will Delay Interval in seconds.
    pub(crate) delay: u32,
}

impl WillMsg {
    /// The Will of a CONNECT from `client_id`.
    pub(crate) fn new(w: &Will<'_>, client_id: &str, version: ProtocolVersion) -> WillMsg {
        let props = if version.is_v5() {
            MsgProps::from_properties(&w.properties)
        } else {
            MsgProps::default()
        };
        WillMsg {
            msg: Message {
                topic: w.topic.to_owned(),
                payload: Bytes::copy_from_slice(w.payload),
                qos: w.qos,
                retain: w.retain,
                props,
                received: Instant::now(),
                publisher: Some(client_id.to_owned()),
            },
            delay: w.properties.will_delay_interval().unwrap_or(0),
        }
    }

    /// Whether it waits for its delay rather than going out at once.
    pub(crate) fn is_delayed(&self, cfg: &FakeConfig) -> bool {
        self.delay > 0 && !cfg.has(&Deviation::IgnoreWillDelay)
    }
}

/// Publishes a Will now (unless the broker never publishes Wills).
pub(crate) fn publish_will(state: &mut State, will: WillMsg, cfg: &FakeConfig) {
    if cfg.has(&Deviation::NoWill) {
        return;
    }
    let mut msg = will.msg;
    msg.received = Instant::now();
    if cfg.has(&Deviation::IgnoreWillRetain) {
        msg.retain = false;
    }
    if cfg.has(&Deviation::DropWillProperties) {
        msg.props = MsgProps::default();
    }
    state.publish(msg, cfg);
}

/// Detaches connection `conn_id` from session `client_id` after the connection ended: publishes
/// or schedules the Will, ends the session or schedules its expiry.
pub(crate) fn on_closed(shared: &Arc<Shared>, client_id: &str, conn_id: u64, kind: CloseKind) {
    let publish = match kind {
        CloseKind::Normal { with_will } => {
            with_will || shared.config.has(&Deviation::WillOnNormalDisconnect)
        }
        CloseKind::Abnormal => true,
        CloseKind::TakenOver | CloseKind::Shutdown | CloseKind::Refused => return,
    };
    let cfg = &shared.config;
    let mut st = shared.lock();
    let Some(s) = st.owned(client_id, conn_id) else {
        return;
    };
    s.conn = None;
    s.epoch += 1;
    let epoch = s.epoch;
    let will = s.will.take().filter(|_| publish);
    let never = cfg.has(&Deviation::SessionNeverExpires);
    if !never && (s.expiry == 0 || cfg.has(&Deviation::NoSessionState)) {
        st.sessions.remove(client_id);
        match will {
            Some(w) if w.is_delayed(cfg) && cfg.has(&Deviation::WillDelayOutlivesSession) => {
                shared.spawn_timer(Duration::from_secs(u64::from(w.delay)), move |shared| {
                    publish_will(&mut shared.lock(), w, &shared.config);
                });
            }
            Some(w) => publish_will(&mut st, w, cfg),
            None => {}
        }
        return;
    }
    let expiry = if never { u32::MAX } else { s.expiry };
    if let Some(w) = will {
        if w.is_delayed(cfg) {
            let after = w.delay.min(expiry);
            s.pending_will = Some(w);
            let id = client_id.to_owned();
            shared.spawn_timer(Duration::from_secs(u64::from(after)), move |shared| {
                let mut st = shared.lock();
                let Some(s) = st.sessions.get_mut(&id) else {
                    return;
                };
                if s.epoch != epoch {
                    return;
                }
                if let Some(w) = s.pending_will.take() {
                    publish_will(&mut st, w, &shared.config);
                }
            });
        } else {
            publish_will(&mut st, w, cfg);
        }
    }
    if expiry != u32::MAX {
        let id = client_id.to_owned();
        shared.spawn_timer(Duration::from_secs(u64::from(expiry)), move |shared| {
            let mut st = shared.lock();
            if st.sessions.get(&id).is_none_or(|s| s.epoch != epoch) {
                return;
            }
            if let Some(mut s) = st.sessions.remove(&id) {
                if let Some(w) = s.pending_will.take() {
                    publish_will(&mut st, w, &shared.config);
                }
            }
        });
    }
}
