//! What a server sends when a packet cannot be decoded: one decision per error, version and
//! connection stage, with the normative statement behind it ([`Answer`]).

use crate::error::{DecodeError, ErrorKind};
use crate::header::PacketType;
use crate::reason::{ConnectReturnCode, ReasonCode};
use crate::version::ProtocolVersion;

/// Where the server is in the connection when the error is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionStage {
    /// No CONNACK has been sent yet (the error is in, or instead of, the first CONNECT).
    AwaitingConnect,
    /// A successful CONNACK has been sent under this version.
    Connected(ProtocolVersion),
}

/// What a server does about a [`DecodeError`]: send one packet and close, or just close.
///
/// The rules differ by version and by whether CONNACK has gone out:
///
/// | error in | before CONNACK | after a successful CONNACK |
/// |---|---|---|
/// | CONNECT, 3.1/3.1.1 | CONNACK 0x01 for an unsupported Protocol Level (MQTT-3.1.2-2), 0x02 for an empty Client Identifier with Clean Session 0 (MQTT-3.1.3-8), else close (MQTT-3.1.4-1) | close (MQTT-4.8.0-1) |
/// | CONNECT, 5.0 | CONNACK with the error's reason code, then close (MQTT-4.13.1-1, MQTT-3.2.2-7) | DISCONNECT with the reason code (MQTT-4.13.1-1) |
/// | another packet, 3.1/3.1.1 | close (MQTT-3.1.0-1) | close (MQTT-4.8.0-1) |
/// | another packet, 5.0 | close: no DISCONNECT before CONNACK (MQTT-3.14.0-1) | DISCONNECT with the reason code (MQTT-4.13.1-1) |
/// | a Protocol Name that is not MQTT/MQIsdp | close (MQTT-3.1.2-1) | |
///
/// After any answer the server closes the network connection; the variants only say what to
/// write first. Build the packet with [`Answer::connack`] or [`Answer::disconnect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Send CONNACK with this code (encoded for `version`), then close.
    ConnAck {
        /// The version to encode the CONNACK for.
        version: ProtocolVersion,
        /// The 5.0 Connect Reason Code; for 3.1/3.1.1 the Connect Return Code byte, see
        /// [`ConnectReturnCode::to_reason_code`].
        code: ReasonCode,
        /// The normative statement requiring (or allowing) this answer.
        rule: &'static str,
    },
    /// Send DISCONNECT (MQTT 5.0) with this reason code, then close.
    Disconnect {
        /// The reason code.
        code: ReasonCode,
        /// The normative statement requiring (or allowing) this answer.
        rule: &'static str,
    },
    /// Close the network connection without sending anything.
    Close {
        /// The normative statement requiring this.
        rule: &'static str,
    },
}

impl Answer {
    /// The normative statement id behind the answer.
    pub const fn rule(&self) -> &'static str {
        match self {
            Answer::ConnAck { rule, .. }
            | Answer::Disconnect { rule, .. }
            | Answer::Close { rule } => rule,
        }
    }

    /// The CONNACK to send, if the answer is one, and the version to encode it for.
    ///
    /// ```
    /// use mqtt_codec::{decode, Answer, ConnectionStage, DecoderConfig, ProtocolVersion};
    /// // A 3.1.1 CONNECT with an empty Client Identifier and Clean Session 0.
    /// let connect = b"\x10\x0c\x00\x04MQTT\x04\x00\x00\x3c\x00\x00";
    /// let err = decode(connect, &DecoderConfig::server()).unwrap_err();
    /// let answer = err.answer(ConnectionStage::AwaitingConnect);
    /// assert_eq!(answer.rule(), "MQTT-3.1.3-8");
    /// let (connack, version) = answer.connack().expect("a CONNACK");
    /// let mut out = [0u8; 4];
    /// mqtt_codec::Packet::ConnAck(connack).encode_to_slice(version, &mut out)?;
    /// assert_eq!(out, [0x20, 0x02, 0x00, 0x02]); // identifier rejected
    /// # Ok::<(), mqtt_codec::EncodeError>(())
    /// ```
    pub fn connack(&self) -> Option<(crate::ConnAck<'static>, ProtocolVersion)> {
        match *self {
            Answer::ConnAck { version, code, .. } => Some((
                crate::ConnAck {
                    session_present: false,
                    reason_code: code,
                    properties: crate::Properties::NONE,
                },
                version,
            )),
            _ => None,
        }
    }

    /// The DISCONNECT to send, if the answer is one (always MQTT 5.0).
    ///
    /// ```
    /// use mqtt_codec::{decode, Answer, ConnectionStage, DecoderConfig, ProtocolVersion, ReasonCode};
    /// let v5 = ProtocolVersion::V5;
    /// // PUBLISH with QoS 3.
    /// let err = decode(b"\x36\x03\x00\x01a", &DecoderConfig::new(Some(v5))).unwrap_err();
    /// let answer = err.answer(ConnectionStage::Connected(v5));
    /// let disconnect = answer.disconnect().expect("a DISCONNECT");
    /// assert_eq!(disconnect.reason_code, ReasonCode::MALFORMED_PACKET);
    /// ```
    pub fn disconnect(&self) -> Option<crate::Disconnect<'static>> {
        match *self {
            Answer::Disconnect { code, .. } => Some(crate::Disconnect::new(code)),
            _ => None,
        }
    }
}

impl DecodeError {
    /// What a server sends about this error: CONNACK with a code, DISCONNECT with a reason
    /// code, or nothing (close); correct for 3.1, 3.1.1 and 5.0 (the rules are tabled on
    /// [`Answer`]).
    ///
    /// `stage` says whether a CONNACK has been sent: before it a 5.0 server must not send
    /// DISCONNECT (MQTT-3.14.0-1), after it no second CONNACK may follow.
    ///
    /// ```
    /// use mqtt_codec::{decode, Answer, ConnectionStage, DecoderConfig, ProtocolVersion, ReasonCode};
    /// // A CONNECT with Protocol Level 7.
    /// let err = decode(b"\x10\x0c\x00\x04MQTT\x07\x02\x00\x3c\x00\x00", &DecoderConfig::server())
    ///     .unwrap_err();
    /// assert_eq!(
    ///     err.answer(ConnectionStage::AwaitingConnect),
    ///     Answer::ConnAck {
    ///         version: ProtocolVersion::V3_1_1,
    ///         code: ReasonCode(0x01), // unacceptable protocol version
    ///         rule: "MQTT-3.1.2-2",
    ///     }
    /// );
    ///
    /// // After CONNACK, a 3.1.1 server just closes.
    /// let v311 = ProtocolVersion::V3_1_1;
    /// let err = decode(b"\x36\x03\x00\x01a", &DecoderConfig::new(Some(v311))).unwrap_err();
    /// assert_eq!(err.answer(ConnectionStage::Connected(v311)), Answer::Close { rule: "MQTT-4.8.0-1" });
    /// ```
    pub fn answer(&self, stage: ConnectionStage) -> Answer {
        let in_connect = self.packet_type() == Some(PacketType::Connect);
        match stage {
            ConnectionStage::AwaitingConnect if in_connect => self.answer_connect(),
            ConnectionStage::AwaitingConnect => {
                // Before CONNACK: nothing but CONNECT is acceptable, and a 5.0 server may not
                // send DISCONNECT yet.
                let rule = match self.version() {
                    Some(ProtocolVersion::V5) => "MQTT-3.14.0-1",
                    _ => "MQTT-3.1.0-1",
                };
                Answer::Close { rule }
            }
            ConnectionStage::Connected(ProtocolVersion::V5) => Answer::Disconnect {
                code: self.reason_code(),
                rule: "MQTT-4.13.1-1",
            },
            ConnectionStage::Connected(_) => Answer::Close {
                rule: "MQTT-4.8.0-1",
            },
        }
    }

    /// The answer to an error in the first CONNECT.
    fn answer_connect(&self) -> Answer {
        let v311 = |code: ConnectReturnCode, rule| Answer::ConnAck {
            version: ProtocolVersion::V3_1_1,
            code: code.to_reason_code(),
            rule,
        };
        match (self.kind(), self.version()) {
            // The client's level is one the server does not speak: answer in the 3.1.1 form,
            // which is what a 3.1.1 client expects; a 5.0 server may equally just close.
            (ErrorKind::UnsupportedProtocolLevel { .. }, _) => v311(
                ConnectReturnCode::UnacceptableProtocolVersion,
                "MQTT-3.1.2-2",
            ),
            // A wrong Protocol Name: the version is unknown, and both versions allow closing.
            (ErrorKind::UnsupportedProtocolName, _) | (_, None) => Answer::Close {
                rule: "MQTT-3.1.2-1",
            },
            (kind, Some(ProtocolVersion::V5)) => Answer::ConnAck {
                version: ProtocolVersion::V5,
                code: kind.reason_code(),
                rule: "MQTT-4.13.1-1",
            },
            (ErrorKind::EmptyClientIdentifierWithoutCleanSession, Some(v)) => Answer::ConnAck {
                version: v,
                code: ConnectReturnCode::IdentifierRejected.to_reason_code(),
                rule: "MQTT-3.1.3-8",
            },
            (_, Some(_)) => Answer::Close {
                rule: "MQTT-3.1.4-1",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode, DecoderConfig};

    const V5: ProtocolVersion = ProtocolVersion::V5;
    const V311: ProtocolVersion = ProtocolVersion::V3_1_1;

    fn error(bytes: &[u8], cfg: &DecoderConfig) -> DecodeError {
        match decode(bytes, cfg) {
            Err(e) => e,
            Ok(other) => panic!("decoded {other:?}"),
        }
    }

    /// CONNECT flags with the reserved bit set.
    const CONNECT_V5_RESERVED: &[u8] = b"\x10\x0d\x00\x04MQTT\x05\x03\x00\x3c\x00\x00\x00";
    const CONNECT_V311_RESERVED: &[u8] = b"\x10\x0c\x00\x04MQTT\x04\x03\x00\x3c\x00\x00";

    #[test]
    fn v5_connect_error_is_answered_with_connack_carrying_its_reason_code() {
        let err = error(CONNECT_V5_RESERVED, &DecoderConfig::server());
        assert_eq!(err.packet_type(), Some(PacketType::Connect));
        assert_eq!(
            err.answer(ConnectionStage::AwaitingConnect),
            Answer::ConnAck {
                version: V5,
                code: ReasonCode::MALFORMED_PACKET,
                rule: "MQTT-4.13.1-1"
            }
        );
    }

    #[test]
    fn v311_malformed_connect_is_closed_without_connack() {
        let err = error(CONNECT_V311_RESERVED, &DecoderConfig::server());
        assert_eq!(
            err.answer(ConnectionStage::AwaitingConnect),
            Answer::Close {
                rule: "MQTT-3.1.4-1"
            }
        );
    }

    #[test]
    fn v31_empty_client_id_without_clean_session_gets_identifier_rejected_in_v31() {
        // MQIsdp level 3, flags 0 (Clean Session 0), empty Client Identifier.
        let err = error(
            b"\x10\x0e\x00\x06MQIsdp\x03\x00\x00\x3c\x00\x00",
            &DecoderConfig::server(),
        );
        let answer = err.answer(ConnectionStage::AwaitingConnect);
        assert_eq!(
            answer,
            Answer::ConnAck {
                version: ProtocolVersion::V3_1,
                code: ReasonCode(0x02),
                rule: "MQTT-3.1.3-8"
            }
        );
    }

    #[test]
    fn wrong_protocol_name_is_closed() {
        let err = error(
            b"\x10\x0c\x00\x04MQTX\x04\x02\x00\x3c\x00\x00",
            &DecoderConfig::server(),
        );
        assert_eq!(
            err.answer(ConnectionStage::AwaitingConnect),
            Answer::Close {
                rule: "MQTT-3.1.2-1"
            }
        );
    }

    #[test]
    fn other_packet_before_connack_is_closed_even_in_v5() {
        let err = error(b"\xc0\x00", &DecoderConfig::server());
        assert_eq!(err.packet_type(), Some(PacketType::PingReq));
        assert!(matches!(
            err.answer(ConnectionStage::AwaitingConnect),
            Answer::Close { .. }
        ));
    }

    #[test]
    fn v5_error_after_connack_is_answered_with_disconnect() {
        let err = error(b"\x60\x02\x00\x01", &DecoderConfig::new(Some(V5)));
        assert_eq!(err.packet_type(), Some(PacketType::PubRel));
        let answer = err.answer(ConnectionStage::Connected(V5));
        assert_eq!(
            answer.disconnect().map(|d| d.reason_code),
            Some(ReasonCode::MALFORMED_PACKET)
        );
        assert_eq!(answer.connack(), None);
    }

    #[test]
    fn v311_error_after_connack_closes() {
        let err = error(b"\x60\x02\x00\x01", &DecoderConfig::new(Some(V311)));
        assert_eq!(
            err.answer(ConnectionStage::Connected(V311)),
            Answer::Close {
                rule: "MQTT-4.8.0-1"
            }
        );
    }

    #[test]
    fn too_large_packet_names_its_type_from_the_fixed_header() {
        let cfg = DecoderConfig::new(Some(V5)).max_packet_size(10);
        let err = error(b"\x30\x7f", &cfg);
        assert_eq!(err.packet_type(), Some(PacketType::Publish));
        assert_eq!(
            err.answer(ConnectionStage::Connected(V5)),
            Answer::Disconnect {
                code: ReasonCode::PACKET_TOO_LARGE,
                rule: "MQTT-4.13.1-1"
            }
        );
    }
}
