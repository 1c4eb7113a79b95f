//! Shared by the integration tests: the vector corpus and the decoder settings each vector asks for.
#![allow(dead_code)]

use mqtt_codec::{DecoderConfig, Direction, ProtocolVersion};
use mqtt_vectors::{Corpus, Located};

pub fn corpus() -> Corpus {
    Corpus::embedded().unwrap_or_else(|e| panic!("vector corpus: {e}"))
}

pub fn version_of(file_version: &str) -> Option<ProtocolVersion> {
    match file_version {
        "3.1" => Some(ProtocolVersion::V3_1),
        "3.1.1" => Some(ProtocolVersion::V3_1_1),
        "5.0" => Some(ProtocolVersion::V5),
        _ => None,
    }
}

pub fn config_for(l: &Located<'_>) -> DecoderConfig {
    let v = l.vector;
    let mut cfg = DecoderConfig::new(version_of(l.version));
    if let Some(m) = v.max_packet_size {
        cfg = cfg.max_packet_size(m);
    }
    if let Some(m) = v.topic_alias_maximum {
        cfg = cfg.topic_alias_maximum(m);
    }
    match v.direction.as_deref() {
        Some("client-to-server") => cfg = cfg.direction(Direction::ClientToServer),
        Some("server-to-client") => cfg = cfg.direction(Direction::ServerToClient),
        Some(other) => panic!("{l}: unknown direction {other}"),
        None => {}
    }
    cfg
}
