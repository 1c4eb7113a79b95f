//! `arbitrary` descriptions of MQTT packets (feature `arbitrary`), for fuzzers here and in other
//! crates (a broker's own fuzz targets can generate traffic with them).
//!
//! * [`ArbitraryPacket`]: an owned packet that is valid for its version by construction: strings
//!   without U+0000, Topic Names without wildcards, well-formed Topic Filters (and `$share/`
//!   filters in 5.0), non-zero Packet Identifiers, reason codes drawn from those §2.4 allows in the
//!   packet, properties drawn from those §2.2.2.2 allows in the packet with legal values.
//!   [`ArbitraryPacket::packet`] gives the borrowed [`Packet`] to encode.
//! * [`InvalidCase`]: a valid packet plus the same packet with exactly one rule broken, the
//!   [`ErrorKind`](crate::ErrorKind) the encoder must refuse it with, and byte [`Edit`]s that put the same defect
//!   into the valid packet's encoding together with the [`ErrorKind`](crate::ErrorKind) the decoder must report.
//!
//! The rules are written here from the specification, not taken from the codec's own checks, so a
//! disagreement between the two is a finding.
//!
//! ```
//! use arbitrary::{Arbitrary, Unstructured};
//! use mqtt_codec::arbitrary::ArbitraryPacket;
//!
//! let bytes = [7u8; 256];
//! let mut u = Unstructured::new(&bytes);
//! let owned = ArbitraryPacket::arbitrary(&mut u)?;
//! let arena = bumpalo::Bump::new();
//! let packet = owned.packet(&arena);
//! let mut out = vec![0u8; packet.encoded_len(owned.version)];
//! assert!(packet.encode_to_slice(owned.version, &mut out).is_ok());
//! # Ok::<(), arbitrary::Error>(())
//! ```

mod defects;
mod edits;
mod generate;
mod owned;

pub use defects::{Defect, InvalidCase};
pub use edits::{Anchor, BrokenBytes, Edit};
pub use owned::{
    AckKind, OwnedConnect, OwnedPacket, OwnedProperties, OwnedPublish, OwnedValue, OwnedWill,
};

pub(crate) use defects::same_rule;

use crate::packet::Packet;
use crate::version::ProtocolVersion;
use arbitrary::{Arbitrary, Result, Unstructured};
use bumpalo::Bump;

/// The versions a generated packet may have.
pub const VERSIONS: [ProtocolVersion; 3] = [
    ProtocolVersion::V3_1,
    ProtocolVersion::V3_1_1,
    ProtocolVersion::V5,
];

/// A packet valid for `version`, owned. `Arbitrary` generates only valid ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArbitraryPacket {
    /// The version the packet is encoded for.
    pub version: ProtocolVersion,
    /// The packet.
    pub packet: OwnedPacket,
}

impl ArbitraryPacket {
    /// The borrowed packet, with its lists allocated in `arena`.
    pub fn packet<'b>(&'b self, arena: &'b Bump) -> Packet<'b> {
        self.packet.build(self.version, arena)
    }

    /// A valid packet of `version`.
    ///
    /// # Errors
    /// Only [`arbitrary::Error`]s from `u` (generation never fails once data runs out).
    pub fn arbitrary_for(u: &mut Unstructured<'_>, version: ProtocolVersion) -> Result<Self> {
        Ok(ArbitraryPacket {
            version,
            packet: generate::gen_packet(u, version)?,
        })
    }
}

impl<'a> Arbitrary<'a> for ArbitraryPacket {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let version = *u.choose(&VERSIONS)?;
        Self::arbitrary_for(u, version)
    }
}
