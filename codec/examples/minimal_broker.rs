//! A small MQTT 3.1.1 / 5.0 broker on mqtt-codec's public API: CONNECT, SUBSCRIBE, PUBLISH
//! QoS 0 and 1 forwarded to every matching subscriber, PINGREQ, DISCONNECT, and the answer the
//! specification asks for when a client sends a bad packet.
//!
//! cargo run -p mqtt-codec --features tokio --example minimal_broker -- 1883
use futures_util::{SinkExt, StreamExt};
use mqtt_codec::forward::{Delivery, Forward};
use mqtt_codec::{
    topic, Ack, Answer, CodecError, ConnAck, ConnectionStage, DecoderConfig, Frame, MqttCodec,
    Packet, QoS, ReasonCode, SubAck,
};
use std::num::NonZeroU16;
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};
use tokio_util::codec::Framed;

/// Every subscription: Topic Filter, granted QoS, and the subscriber's outbox.
type Subscriptions = Arc<Mutex<Vec<(String, QoS, UnboundedSender<(Frame, QoS)>)>>>;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::args().nth(1).unwrap_or_else(|| "1883".into());
    let listener = TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    let subscriptions = Subscriptions::default();
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(serve(stream, subscriptions.clone()));
    }
}

async fn serve(stream: TcpStream, subscriptions: Subscriptions) {
    let mut conn = Framed::new(stream, MqttCodec::new(DecoderConfig::server()));
    let (outbox, mut inbox) = unbounded_channel::<(Frame, QoS)>();
    let mut stage = ConnectionStage::AwaitingConnect;
    let mut last_id = 0u16;
    loop {
        tokio::select! {
            // Queued deliveries go out before the next packet is read: a PINGRESP never
            // overtakes a message that the PUBLISH before the PINGREQ caused.
            biased;
            Some((frame, granted)) = inbox.recv() => {
                let (Packet::Publish(p), ConnectionStage::Connected(version)) = (frame.packet(), stage) else { continue };
                let Ok(forward) = Forward::new(&p) else { continue };
                last_id = last_id % u16::MAX + 1;
                let delivery = Delivery::new(granted, NonZeroU16::new(last_id));
                let Ok(Ok(out)) = forward.with_publish(&delivery, version, |p| Frame::from_packet(&p, version)) else { continue };
                if conn.send(&out).await.is_err() {
                    break;
                }
            }
            received = conn.next() => {
                let frame = match received {
                    Some(Ok(frame)) => frame,
                    Some(Err(CodecError::Decode(e))) => break answer(&mut conn, e.answer(stage)).await,
                    _ => break,
                };
                let reply = match (stage, frame.packet()) {
                    (ConnectionStage::AwaitingConnect, Packet::Connect(c)) => {
                        stage = ConnectionStage::Connected(c.protocol_version);
                        Packet::ConnAck(ConnAck::accept(false))
                    }
                    (ConnectionStage::Connected(_), Packet::Publish(p)) => {
                        for (filter, qos, to) in subscriptions.lock().unwrap().iter() {
                            if topic::matches(filter, p.topic) {
                                let _ = to.send((frame.clone(), *qos));
                            }
                        }
                        match p.packet_id {
                            Some(id) => Packet::PubAck(Ack::new(id)),
                            None => continue,
                        }
                    }
                    (ConnectionStage::Connected(_), Packet::Subscribe(s)) => {
                        let mut codes = Vec::new();
                        for sub in s.filters.iter() {
                            let qos = sub.options.qos.min(QoS::AtLeastOnce);
                            let entry = (sub.filter.to_owned(), qos, outbox.clone());
                            subscriptions.lock().unwrap().push(entry);
                            codes.push(ReasonCode(qos as u8));
                        }
                        let suback = SubAck::new(s.packet_id, &codes);
                        if conn.send(Packet::SubAck(suback)).await.is_err() {
                            break;
                        }
                        continue;
                    }
                    (ConnectionStage::Connected(_), Packet::PingReq) => Packet::PingResp,
                    (ConnectionStage::Connected(_), Packet::PubAck(_)) => continue,
                    _ => break, // DISCONNECT, or a packet this broker does not handle
                };
                if conn.send(reply).await.is_err() {
                    break;
                }
            }
        }
    }
    subscriptions
        .lock()
        .unwrap()
        .retain(|(_, _, to)| !to.same_channel(&outbox));
}

/// Sends what `answer` says (a CONNACK or a DISCONNECT), if anything, before the connection closes.
async fn answer(conn: &mut Framed<TcpStream, MqttCodec>, answer: Answer) {
    if let Some((connack, version)) = answer.connack() {
        conn.codec_mut().set_version(version);
        let _ = conn.send(Packet::ConnAck(connack)).await;
    } else if let Some(disconnect) = answer.disconnect() {
        let _ = conn.send(Packet::Disconnect(disconnect)).await;
    }
}
