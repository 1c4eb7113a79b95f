//! A fuller MQTT 3.1.1 / 5.0 broker on mqtt-codec's public API alone: sessions kept in memory
//! (resumed, taken over, expiring), messages queued while offline and re-sent in flight,
//! retained messages, Will Messages (with Will Delay), QoS 0, 1 and 2 in both directions, Topic
//! Aliases from clients, Subscription Identifiers, No Local, Retain As Published and Retain
//! Handling, shared subscriptions, Message Expiry, the client's Receive Maximum and Maximum
//! Packet Size (through `MqttCodec`), Keep Alive, and the specified answer to every bad packet.
//!
//! A reference target to start from, and the codec's proof that it is enough to build a broker
//! the conformance suite passes (`conformance/brokers/example-broker.sh`).
//!
//! cargo run -p mqtt-codec --features tokio --example broker -- 1883

mod conn;
mod state;

use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::args().nth(1).unwrap_or_else(|| "1883".into());
    let listener = TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    let broker = state::Shared::default();
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(conn::serve(stream, broker.clone()));
    }
}
