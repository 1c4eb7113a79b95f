'use strict'
// Decodes MQTT packets with the npm package mqtt-packet (an implementation independent of ours)
// and converts its objects into the JSON form of vectors/README.md.
//
// Known, deliberate lossy spots of mqtt-packet's object model (the comparison accounts for them):
//  - user properties come back as { name: value | [values] }: order between different names is
//    lost, order among equal names is kept;
//  - byte-valued properties (payload_format_indicator, request_*_information, *_available) come
//    back as booleans; the spec allows only 0 and 1 there, so 0/1 is restored exactly;
//  - properties: an empty property list is simply not set;
//  - subscription_identifier(s) is a number when it occurs once, an array when repeated.

const mqtt = require('mqtt-packet')

const VERSION_NUMBER = { '3.1': 3, '3.1.1': 4, '5.0': 5 }

// mqtt-packet property name -> [our name, kind]
const PROPERTY_NAMES = {
  payloadFormatIndicator: ['payload_format_indicator', 'bool'],
  messageExpiryInterval: ['message_expiry_interval', 'int'],
  contentType: ['content_type', 'string'],
  responseTopic: ['response_topic', 'string'],
  correlationData: ['correlation_data', 'binary'],
  subscriptionIdentifier: ['subscription_identifiers', 'list'],
  sessionExpiryInterval: ['session_expiry_interval', 'int'],
  assignedClientIdentifier: ['assigned_client_identifier', 'string'],
  serverKeepAlive: ['server_keep_alive', 'int'],
  authenticationMethod: ['authentication_method', 'string'],
  authenticationData: ['authentication_data', 'binary'],
  requestProblemInformation: ['request_problem_information', 'bool'],
  willDelayInterval: ['will_delay_interval', 'int'],
  requestResponseInformation: ['request_response_information', 'bool'],
  responseInformation: ['response_information', 'string'],
  serverReference: ['server_reference', 'string'],
  reasonString: ['reason_string', 'string'],
  receiveMaximum: ['receive_maximum', 'int'],
  topicAliasMaximum: ['topic_alias_maximum', 'int'],
  topicAlias: ['topic_alias', 'int'],
  maximumQoS: ['maximum_qos', 'int'],
  retainAvailable: ['retain_available', 'bool'],
  userProperties: ['user_properties', 'pairs'],
  maximumPacketSize: ['maximum_packet_size', 'int'],
  wildcardSubscriptionAvailable: ['wildcard_subscription_available', 'bool'],
  subscriptionIdentifiersAvailable: ['subscription_identifier_available', 'bool'],
  sharedSubscriptionAvailable: ['shared_subscription_available', 'bool']
}

function hexOf (buf) {
  if (buf === undefined || buf === null) return buf
  return Buffer.from(buf).toString('hex')
}

// Parses the `hex` field of a vector: spaces, newlines and `|` are ignored.
function parseHex (text) {
  if (typeof text !== 'string') throw new Error('hex is not a string')
  const clean = text.replace(/[\s|]/g, '')
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error('hex has odd length or non-hex characters')
  return Buffer.from(clean, 'hex')
}

// Splits a byte string into MQTT control packets by fixed header + Remaining Length.
// Returns { packets: [Buffer], error: string|null }.
function splitPackets (buf) {
  const packets = []
  let pos = 0
  while (pos < buf.length) {
    let len = 0
    let mul = 1
    let i = pos + 1
    let done = false
    for (let n = 0; n < 4 && i < buf.length; n++) {
      const b = buf[i++]
      len += (b & 0x7f) * mul
      mul *= 128
      if ((b & 0x80) === 0) { done = true; break }
    }
    if (!done) return { packets, error: 'cannot read Remaining Length at offset ' + pos }
    if (i + len > buf.length) return { packets, error: 'packet at offset ' + pos + ' is truncated' }
    packets.push(buf.subarray(pos, i + len))
    pos = i + len
  }
  return { packets, error: null }
}

function convertProperties (props) {
  const out = {}
  if (!props) return out
  for (const key of Object.keys(props)) {
    const map = PROPERTY_NAMES[key]
    const value = props[key]
    if (!map) { out['mqtt-packet:' + key] = value; continue }
    const [name, kind] = map
    switch (kind) {
      case 'bool': out[name] = value === true ? 1 : value === false ? 0 : value; break
      case 'binary': out[name] = hexOf(value); break
      case 'list': out[name] = Array.isArray(value) ? value.slice() : [value]; break
      case 'pairs': {
        // Kept in mqtt-packet's grouped form; see groupUserProperties().
        const grouped = Object.create(null)
        for (const k of Object.keys(value)) {
          grouped[k] = Array.isArray(value[k]) ? value[k].slice() : [value[k]]
        }
        out[name] = { grouped }
        break
      }
      default: out[name] = value
    }
  }
  return out
}

// Our user_properties ([[name, value], ...]) in mqtt-packet's grouped form.
function groupUserProperties (pairs) {
  const grouped = Object.create(null)
  for (const p of pairs) {
    if (!Array.isArray(p) || p.length !== 2) return null
    if (!grouped[p[0]]) grouped[p[0]] = []
    grouped[p[0]].push(p[1])
  }
  return grouped
}

// Converts one mqtt-packet object into our JSON form. `version` is 3, 4 or 5 (the receiver's).
function toOurs (pkt, version) {
  const type = String(pkt.cmd).toUpperCase()
  const out = { type }
  const v5 = version === 5
  switch (pkt.cmd) {
    case 'connect': {
      const cv5 = pkt.protocolVersion === 5
      out.protocol_name = pkt.protocolId
      out.protocol_version = pkt.bridgeMode ? pkt.protocolVersion + 128 : pkt.protocolVersion
      out[cv5 ? 'clean_start' : 'clean_session'] = pkt.clean
      out.keep_alive = pkt.keepalive
      if (cv5) out.properties = convertProperties(pkt.properties)
      out.client_identifier = pkt.clientId
      if (pkt.will) {
        const w = { qos: pkt.will.qos, retain: pkt.will.retain, topic: pkt.will.topic,
          payload: hexOf(pkt.will.payload) }
        if (cv5) w.properties = convertProperties(pkt.will.properties)
        out.will = w
      }
      if (pkt.username !== undefined) out.username = pkt.username
      if (pkt.password !== undefined) out.password = hexOf(pkt.password)
      break
    }
    case 'connack':
      out.session_present = pkt.sessionPresent
      if (v5) {
        out.reason_code = pkt.reasonCode
        out.properties = convertProperties(pkt.properties)
      } else {
        out.return_code = pkt.returnCode
      }
      break
    case 'publish':
      out.dup = pkt.dup
      out.qos = pkt.qos
      out.retain = pkt.retain
      out.topic = pkt.topic
      if (pkt.qos > 0) out.packet_id = pkt.messageId
      if (v5) out.properties = convertProperties(pkt.properties)
      out.payload = hexOf(pkt.payload)
      break
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp':
      out.packet_id = pkt.messageId
      if (v5) {
        out.reason_code = pkt.reasonCode
        out.properties = convertProperties(pkt.properties)
      }
      break
    case 'subscribe':
      out.packet_id = pkt.messageId
      if (v5) out.properties = convertProperties(pkt.properties)
      out.filters = pkt.subscriptions.map(s => {
        const f = { filter: s.topic, qos: s.qos }
        if (v5) {
          f.no_local = s.nl
          f.retain_as_published = s.rap
          f.retain_handling = s.rh
        }
        return f
      })
      break
    case 'suback':
      out.packet_id = pkt.messageId
      if (v5) out.properties = convertProperties(pkt.properties)
      out[v5 ? 'reason_codes' : 'return_codes'] = pkt.granted.slice()
      break
    case 'unsubscribe':
      out.packet_id = pkt.messageId
      if (v5) out.properties = convertProperties(pkt.properties)
      out.filters = pkt.unsubscriptions.slice()
      break
    case 'unsuback':
      out.packet_id = pkt.messageId
      if (v5) {
        out.properties = convertProperties(pkt.properties)
        out.reason_codes = (pkt.granted || []).slice()
      }
      break
    case 'pingreq': case 'pingresp':
      break
    case 'disconnect':
      if (v5) {
        out.reason_code = pkt.reasonCode
        out.properties = convertProperties(pkt.properties)
      }
      break
    case 'auth':
      out.reason_code = pkt.reasonCode
      out.properties = convertProperties(pkt.properties)
      break
    default:
      out['mqtt-packet:cmd'] = pkt.cmd
  }
  return out
}

// Decodes exactly one control packet. Returns { packet (our form) } or { error }.
function decodePacket (buf, version) {
  const parser = mqtt.parser({ protocolVersion: version })
  const got = []
  let error = null
  parser.on('packet', p => got.push(p))
  parser.on('error', e => { if (!error) error = e })
  let left
  try {
    left = parser.parse(buf)
  } catch (e) {
    return { error: 'mqtt-packet threw: ' + e.message }
  }
  if (error) return { error: 'mqtt-packet: ' + error.message }
  if (got.length !== 1) return { error: 'mqtt-packet produced ' + got.length + ' packets' }
  if (left !== 0) return { error: 'mqtt-packet left ' + left + ' bytes unread' }
  return { packet: toOurs(got[0], got[0].cmd === 'connect' ? got[0].protocolVersion : version), raw: got[0] }
}

// Decodes the bytes of a vector. `fileVersion` is "3.1", "3.1.1", "5.0" or "detect".
// For streams every packet is decoded on its own (mqtt-packet looks at its whole input buffer in
// places, so feeding packets one by one keeps each decode independent); a CONNECT in a "detect"
// stream sets the version for the packets after it.
function decodeVector (buf, fileVersion, stream) {
  let version = VERSION_NUMBER[fileVersion] || null
  const { packets, error } = splitPackets(buf)
  if (error) return { error }
  if (!stream && packets.length !== 1) return { error: 'hex holds ' + packets.length + ' packets, expected 1' }
  const decoded = []
  for (let i = 0; i < packets.length; i++) {
    const pk = packets[i]
    if (version === null && (pk[0] >> 4) !== 1) return { error: 'version "detect" but packet ' + i + ' comes before any CONNECT' }
    const r = decodePacket(pk, version || 4)
    if (r.error) return { error: (stream ? 'packet ' + i + ': ' : '') + r.error }
    if (r.raw.cmd === 'connect' && fileVersion === 'detect') version = r.raw.protocolVersion
    decoded.push(r.packet)
  }
  return { decoded: stream ? decoded : decoded[0] }
}

module.exports = { decodeVector, decodePacket, splitPackets, parseHex, groupUserProperties, VERSION_NUMBER, PROPERTY_NAMES }
