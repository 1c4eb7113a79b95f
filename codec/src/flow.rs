//! Flow control: the Receive Maximum quota (MQTT 5.0 §4.9).

use crate::error::ErrorKind;
use crate::packet::QoS;

/// Counts QoS 1 and 2 PUBLISH packets received and not yet acknowledged, against the Receive
/// Maximum this side announced (0x93 when the peer exceeds it).
///
/// ```
/// use mqtt_codec::{flow::InflightWindow, QoS};
/// let mut window = InflightWindow::new(2);
/// window.on_publish(QoS::AtLeastOnce).unwrap();
/// window.on_publish(QoS::ExactlyOnce).unwrap();
/// window.on_publish(QoS::AtMostOnce).unwrap(); // QoS 0 does not count
/// assert_eq!(window.on_publish(QoS::AtLeastOnce).unwrap_err().reason_code().0, 0x93);
/// window.on_acknowledged();
/// assert!(window.on_publish(QoS::AtLeastOnce).is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InflightWindow {
    maximum: u16,
    inflight: u16,
}

impl InflightWindow {
    /// A window of `receive_maximum` (0 is not a legal Receive Maximum; it is treated as 1).
    pub const fn new(receive_maximum: u16) -> Self {
        let maximum = if receive_maximum == 0 {
            1
        } else {
            receive_maximum
        };
        InflightWindow {
            maximum,
            inflight: 0,
        }
    }

    /// Records an incoming PUBLISH.
    ///
    /// # Errors
    /// [`ErrorKind::ReceiveMaximumExceeded`] when a QoS 1 or 2 PUBLISH would exceed the quota.
    pub fn on_publish(&mut self, qos: QoS) -> Result<(), ErrorKind> {
        if qos == QoS::AtMostOnce {
            return Ok(());
        }
        if self.inflight >= self.maximum {
            return Err(ErrorKind::ReceiveMaximumExceeded {
                maximum: self.maximum,
            });
        }
        self.inflight += 1;
        Ok(())
    }

    /// Records that one was acknowledged (PUBACK, PUBCOMP, or PUBREC with a failure code).
    pub fn on_acknowledged(&mut self) {
        self.inflight = self.inflight.saturating_sub(1);
    }

    /// Messages currently in flight.
    pub const fn inflight(&self) -> u16 {
        self.inflight
    }
}
