#!/usr/bin/env node
'use strict'
// Turns the raw capture written by capture.py into the vector files
//   vectors/captured/mosquitto-v5.json, mosquitto-v311.json, mosquitto-v31.json
//
//   node build_vectors.js RAW.json [OUTDIR]
//
// `decoded` comes from mqtt-packet (crosscheck/lib/mqttpacket.js), converted to the JSON form of
// vectors/README.md. The one place where mqtt-packet's object model loses information, the wire
// order of user properties with different names, is restored from the bytes (see orderPairs).
// One vector per distinct hex per file, in capture order.

const fs = require('fs')
const path = require('path')
const lib = require('../crosscheck/lib/mqttpacket')

const raw = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
const OUTDIR = process.argv[3] || path.join(__dirname, '..', 'captured')

const FILES = { v5: 'mosquitto-v5.json', v311: 'mosquitto-v311.json', v31: 'mosquitto-v31.json' }
const VNUM = { '5.0': 5, '3.1.1': 4, '3.1': 3 }

// Normative statements the bytes clearly exercise (ids from shared/spec). Keyed by
// "tag/session label/TYPE"; everything else has `cites: []`.
const CITES = {
  'v311/pub-noid/CONNECT': ['MQTT-3.1.3-7'],
  'v5/pub-noid/CONNACK': ['MQTT-3.2.2-16'],
  'v311/refused-not-authorized/CONNACK': ['MQTT-3.2.2-4'],
  'v5/refused-not-authorized/CONNACK': ['MQTT-3.2.2-6'],
  'v5/pub-auth-method/CONNACK': ['MQTT-3.2.2-6']
}

function readVarint (buf, pos) {
  let value = 0
  let mul = 1
  for (let n = 0; n < 4; n++) {
    const b = buf[pos + n]
    value += (b & 0x7f) * mul
    mul *= 128
    if ((b & 0x80) === 0) return { value, bytes: n + 1 }
  }
  throw new Error('bad varint at ' + pos)
}

function varintSize (v) { return v < 128 ? 1 : v < 16384 ? 2 : v < 2097152 ? 3 : 4 }

// Offsets where the variable header and the payload start (payload === end when none).
function layout (buf, d, v) {
  const rl = readVarint(buf, 1)
  const vh = 1 + rl.bytes
  const end = vh + rl.value
  const props = at => { const p = readVarint(buf, at); return at + p.bytes + p.value }
  let pl = end
  switch (d.type) {
    case 'CONNECT': {
      const nameLen = buf.readUInt16BE(vh)
      let p = vh + 2 + nameLen + 1 + 1 + 2
      if (d.protocol_version === 5) p = props(p)
      pl = p
      break
    }
    case 'PUBLISH': {
      let p = vh + 2 + buf.readUInt16BE(vh)
      if (d.qos > 0) p += 2
      if (v === 5) p = props(p)
      pl = p
      break
    }
    case 'SUBSCRIBE': case 'UNSUBSCRIBE': case 'SUBACK':
      pl = v === 5 ? props(vh + 2) : vh + 2
      break
    case 'UNSUBACK':
      pl = v === 5 ? props(vh + 2) : end
      break
  }
  return { vh, pl, end, rlBytes: rl.bytes, rl: rl.value }
}

function spacedHex (buf, cuts) {
  const parts = []
  let last = 0
  for (const c of cuts) {
    if (c > last && c <= buf.length) { parts.push(buf.subarray(last, c)); last = c }
  }
  if (last < buf.length) parts.push(buf.subarray(last))
  return parts.map(p => p.toString('hex').replace(/(..)(?!$)/g, '$1 ')).join(' | ')
}

// mqtt-packet groups user properties by name; put them back into wire order by finding each
// encoded pair (0x26, name, value) in the packet, searching from `from` onwards.
function orderPairs (buf, grouped, from) {
  const found = []
  const used = new Set()
  for (const name of Object.keys(grouped)) {
    for (const value of grouped[name]) {
      const n = Buffer.from(name, 'utf8')
      const val = Buffer.from(value, 'utf8')
      const enc = Buffer.concat([Buffer.from([0x26, n.length >> 8, n.length & 0xff]), n,
        Buffer.from([val.length >> 8, val.length & 0xff]), val])
      let at = buf.indexOf(enc, from)
      while (at >= 0 && used.has(at)) at = buf.indexOf(enc, at + 1)
      if (at < 0) throw new Error('cannot find user property ' + name + '=' + value + ' in the bytes')
      used.add(at)
      found.push([at, [name, value]])
    }
  }
  return found.sort((a, b) => a[0] - b[0]).map(x => x[1])
}

function fixUserProperties (buf, d, from) {
  const fix = (props, start) => {
    if (props && props.user_properties && props.user_properties.grouped) {
      props.user_properties = orderPairs(buf, props.user_properties.grouped, start)
    }
  }
  fix(d.properties, from)
  if (d.will) fix(d.will.properties, from)
}

// Not the shortest form (vectors/README.md `canonical`)?
function nonCanonical (buf, d, v, lay) {
  const why = []
  if (lay.rlBytes !== varintSize(lay.rl)) why.push('Remaining Length not in the fewest bytes')
  if (v === 5 && ['PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP'].includes(d.type)) {
    if (lay.rl === 3 && d.reason_code === 0) why.push('explicit reason code 0x00 without properties')
    if (lay.rl >= 4 && buf[lay.vh + 3] === 0) why.push('explicit Property Length 0')
  }
  if (v === 5 && ['DISCONNECT', 'AUTH'].includes(d.type)) {
    if (lay.rl === 1 && d.reason_code === 0) why.push('explicit reason code 0x00 without properties')
    if (lay.rl >= 2 && buf[lay.vh + 1] === 0) why.push('explicit Property Length 0')
  }
  for (const [where, props] of [['', d.properties], ['Will ', d.will && d.will.properties]]) {
    if (props && !ascendingIds(props)) why.push(`${where}properties not in ascending identifier order`)
  }
  return why
}

// Property identifiers by JSON name (MQTT 5.0 table 2-4); our encoder writes them in ascending order.
const PROPERTY_IDS = {
  payload_format_indicator: 0x01, message_expiry_interval: 0x02, content_type: 0x03, response_topic: 0x08,
  correlation_data: 0x09, subscription_identifiers: 0x0B, session_expiry_interval: 0x11,
  assigned_client_identifier: 0x12, server_keep_alive: 0x13, authentication_method: 0x15,
  authentication_data: 0x16, request_problem_information: 0x17, will_delay_interval: 0x18,
  request_response_information: 0x19, response_information: 0x1A, server_reference: 0x1C,
  reason_string: 0x1F, receive_maximum: 0x21, topic_alias_maximum: 0x22, topic_alias: 0x23,
  maximum_qos: 0x24, retain_available: 0x25, user_properties: 0x26, maximum_packet_size: 0x27,
  wildcard_subscription_available: 0x28, subscription_identifier_available: 0x29,
  shared_subscription_available: 0x2A
}

// mqtt-packet fills its properties object in wire order, so key order is wire order.
function ascendingIds (props) {
  const ids = Object.keys(props).map(k => PROPERTY_IDS[k])
  return ids.every((id, i) => i === 0 || ids[i - 1] <= id)
}

function q (s) { return JSON.stringify(s) }

function summary (d, dir) {
  const bits = []
  const p = d.properties && Object.keys(d.properties).length ? ' properties ' + Object.keys(d.properties).join(',') : ''
  switch (d.type) {
    case 'CONNECT':
      bits.push(`${d.protocol_name} level ${d.protocol_version}`, `client id ${q(d.client_identifier)}`,
        `keepalive ${d.keep_alive}`, `${d.protocol_version === 5 ? 'clean start' : 'clean session'} ${d.clean_start ?? d.clean_session ? 1 : 0}`)
      if (d.will) bits.push(`Will QoS ${d.will.qos}${d.will.retain ? ' retained' : ''} on ${q(d.will.topic)}${d.will.properties && Object.keys(d.will.properties).length ? ' with properties ' + Object.keys(d.will.properties).join(',') : ''}`)
      if (d.username !== undefined) bits.push(`username ${q(d.username)}`)
      if (d.password !== undefined) bits.push('password')
      break
    case 'CONNACK':
      bits.push(`session present ${d.session_present ? 1 : 0}`, d.reason_code !== undefined ? `reason 0x${d.reason_code.toString(16).padStart(2, '0')}` : `return code ${d.return_code}`)
      break
    case 'PUBLISH':
      bits.push(`QoS ${d.qos}`, d.retain ? 'RETAIN' : '', d.dup ? 'DUP' : '', `topic ${q(d.topic)}`,
        d.packet_id !== undefined ? `packet id ${d.packet_id}` : '', `${d.payload.length / 2}-byte payload`)
      break
    case 'SUBSCRIBE':
      bits.push(`packet id ${d.packet_id}`, 'filters ' + d.filters.map(f => `${f.filter} (QoS ${f.qos}${f.retain_as_published ? ', RAP' : ''}${f.no_local ? ', NL' : ''}${f.retain_handling ? ', RH ' + f.retain_handling : ''})`).join(', '))
      break
    case 'UNSUBSCRIBE':
      bits.push(`packet id ${d.packet_id}`, 'filters ' + d.filters.join(', '))
      break
    case 'SUBACK': case 'UNSUBACK': {
      const codes = d.reason_codes || d.return_codes
      bits.push(`packet id ${d.packet_id}`)
      if (codes) bits.push('codes ' + codes.map(c => '0x' + c.toString(16).padStart(2, '0')).join(' '))
      break
    }
    case 'PUBACK': case 'PUBREC': case 'PUBREL': case 'PUBCOMP':
      bits.push(`packet id ${d.packet_id}`)
      if (d.reason_code !== undefined) bits.push(`reason 0x${d.reason_code.toString(16).padStart(2, '0')}`)
      break
    case 'DISCONNECT': case 'AUTH':
      if (d.reason_code !== undefined) bits.push(`reason 0x${d.reason_code.toString(16).padStart(2, '0')}`)
      break
  }
  return `${d.type} ${dir === 'client-to-server' ? 'from the client' : 'from the broker'}: ` +
    bits.filter(Boolean).join(', ') + p
}

function slug (s) {
  return s.normalize('NFKD').replace(/[^\x00-\x7f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'x'
}

function build () {
  const tv = raw.tool_versions
  const problems = []
  for (const run of raw.runs) {
    const v = VNUM[run.version]
    const byHex = new Map()
    const ids = new Set()
    const vectors = []
    for (const s of run.sessions) {
      for (const [ri, r] of s.records.entries()) {
        const next = s.records[ri + 1]
        const withheld = next && next.note && next.note.startsWith('cut:') && next.conn === r.conn
        if (r.note) {
          if (!r.note.startsWith('cut:')) problems.push(`${run.tag}/${s.label}: proxy note: ${r.note}`)
          continue
        }
        const buf = Buffer.from(r.hex, 'hex')
        const res = lib.decodePacket(buf, v)
        if (res.error) { problems.push(`${run.tag}/${s.label}: ${r.hex}: ${res.error}`); continue }
        const d = res.packet
        if (byHex.has(r.hex)) {
          const prev = byHex.get(r.hex)
          prev.dirs.add(r.dir)
          continue
        }
        const lay = layout(buf, d, v)
        fixUserProperties(buf, d, lay.vh)
        let kind = d.type.toLowerCase()
        if (d.type === 'PUBLISH' && d.dup) kind += '-dup'
        if (d.type === 'PUBLISH' && r.dir === 'server-to-client') kind += '-' + slug(d.topic || ('alias-' + d.properties.topic_alias))
        let id = `${run.tag}-capture-${s.label}-${kind}`
        if (ids.has(id) && d.packet_id !== undefined) id += `-pid${d.packet_id}`
        let n = 2
        const base = id
        while (ids.has(id)) id = `${base}-${n++}`
        ids.add(id)

        const why = nonCanonical(buf, d, v, lay)
        const source = r.dir === 'client-to-server'
          ? `${s.exe} ${tv[s.exe]}: ${s.command}`
          : `mosquitto ${tv.mosquitto} broker (${raw.listeners[s.listener]}, see capture/capture.sh) answering: ${s.command}`
        const vec = {
          id,
          comment: summary(d, r.dir) + (s.comment ? ` [${s.comment}]` : '') +
            (withheld ? ' (the proxy withheld this packet from the client and cut the connection)' : '') +
            (why.length ? `; not canonical: ${why.join(', ')}` : ''),
          hex: spacedHex(buf, [lay.vh, lay.pl]),
          result: 'valid',
          decoded: d,
          cites: CITES[`${run.tag}/${s.label}/${d.type}`] || [],
          direction: r.dir,
          source
        }
        if (why.length) vec.canonical = false
        const entry = { vec, dirs: new Set([r.dir]) }
        byHex.set(r.hex, entry)
        vectors.push(entry)
      }
    }
    const out = vectors.map(({ vec, dirs }) => {
      if (dirs.size > 1) {
        delete vec.direction
        vec.comment += ' (the same bytes were also seen in the other direction)'
      }
      return vec
    })
    const doc = {
      schema: 'mqtt-packet-vectors/1',
      version: run.version,
      description: `Packets captured from mosquitto_pub/mosquitto_sub ${tv.mosquitto_pub} and the mosquitto ${tv.mosquitto} broker speaking MQTT ${run.version} (-V ${run.V}); regenerate with capture/capture.sh`,
      vectors: out
    }
    const file = path.join(OUTDIR, FILES[run.tag])
    fs.writeFileSync(file, JSON.stringify(doc, null, 2) + '\n')
    console.log(`${file}: ${out.length} vectors (${out.filter(x => x.canonical === false).length} not canonical)`)
  }
  if (problems.length) {
    for (const p of problems) console.error('PROBLEM ' + p)
    process.exitCode = 1
  }
}

build()
