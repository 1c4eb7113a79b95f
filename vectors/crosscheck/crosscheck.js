#!/usr/bin/env node
'use strict'
// Cross-checks every `result: "valid"` vector under vectors/ against the npm package mqtt-packet,
// an MQTT codec written independently of ours.
//
//   node crosscheck.js [--root DIR] [--allowlist FILE] [--verbose]
//
// For each valid vector the hex is decoded by mqtt-packet (protocolVersion 3 for "3.1", 4 for
// "3.1.1", 5 for "5.0"; "detect" takes it from the CONNECT), converted to the JSON form of
// vectors/README.md, and compared field by field with the vector's `decoded`.
// Disagreements listed in allowlist.json ({ "vector-id": "reason" }) are reported but tolerated;
// an allowlist entry whose vector is gone or now agrees is itself a failure.
// Exit status: 0 when nothing failed, 1 otherwise.

const fs = require('fs')
const path = require('path')
const { decodeVector, parseHex, groupUserProperties } = require('./lib/mqttpacket')

const args = process.argv.slice(2)
function opt (name, dflt) {
  const i = args.indexOf(name)
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt
}
const ROOT = path.resolve(opt('--root', path.join(__dirname, '..')))
const ALLOWLIST = path.resolve(opt('--allowlist', path.join(__dirname, 'allowlist.json')))
const VERBOSE = args.includes('--verbose')
const SCHEMA = 'mqtt-packet-vectors/1'
const VERSIONS = ['3.1', '3.1.1', '5.0', 'detect']

// Fields of the JSON form per packet type (vectors/README.md). `v5`: only in 5.0, `v3`: only in
// 3.1/3.1.1. A field outside this table is reported, so that a misspelt field cannot hide.
const FORM = {
  CONNECT: { protocol_name: 'all', protocol_version: 'all', clean_start: 'v5', clean_session: 'v3', keep_alive: 'all', properties: 'v5', client_identifier: 'all', will: 'all', username: 'all', password: 'all' },
  CONNACK: { session_present: 'all', reason_code: 'v5', return_code: 'v3', properties: 'v5' },
  PUBLISH: { dup: 'all', qos: 'all', retain: 'all', topic: 'all', packet_id: 'all', properties: 'v5', payload: 'all' },
  PUBACK: { packet_id: 'all', reason_code: 'v5', properties: 'v5' },
  PUBREC: { packet_id: 'all', reason_code: 'v5', properties: 'v5' },
  PUBREL: { packet_id: 'all', reason_code: 'v5', properties: 'v5' },
  PUBCOMP: { packet_id: 'all', reason_code: 'v5', properties: 'v5' },
  SUBSCRIBE: { packet_id: 'all', properties: 'v5', filters: 'all' },
  SUBACK: { packet_id: 'all', properties: 'v5', reason_codes: 'v5', return_codes: 'v3' },
  UNSUBSCRIBE: { packet_id: 'all', properties: 'v5', filters: 'all' },
  UNSUBACK: { packet_id: 'all', properties: 'v5', reason_codes: 'v5' },
  PINGREQ: {},
  PINGRESP: {},
  DISCONNECT: { reason_code: 'v5', properties: 'v5' },
  AUTH: { reason_code: 'v5', properties: 'v5' }
}
const WILL_FORM = ['qos', 'retain', 'topic', 'payload', 'properties']

function show (v) {
  if (v === undefined) return '(absent)'
  const s = JSON.stringify(v)
  return s.length > 160 ? s.slice(0, 157) + '...' : s
}

// mqtt-packet's converted properties with user properties shown as pairs again (for messages).
function rebuild (props) {
  const out = { ...props }
  if (out.user_properties && out.user_properties.grouped) {
    out.user_properties = Object.entries(out.user_properties.grouped).flatMap(([k, vs]) => vs.map(v => [k, v]))
  }
  return out
}

function deepEqual (a, b) {
  if (a === b) return true
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]))
  const ka = Object.keys(a).sort()
  const kb = Object.keys(b).sort()
  return deepEqual(ka, kb) && ka.every(k => deepEqual(a[k], b[k]))
}

// Compares two property objects (ours vs mqtt-packet's converted). Pushes "where: ..." strings.
function compareProperties (ours, theirs, where, diffs) {
  // In 5.0 every packet type with a property section carries `properties` in the JSON form, also
  // when the section is absent on the wire (a 2-byte PUBACK): `{}`, as all vector files do.
  if (ours === undefined) {
    diffs.push(`${where}: vector has (absent), expected ${show(rebuild(theirs))} (5.0 packets always carry properties)`)
    return
  }
  if (typeof ours !== 'object' || ours === null || Array.isArray(ours)) {
    diffs.push(`${where}: vector has ${show(ours)}, expected an object`)
    return
  }
  const keys = new Set([...Object.keys(ours), ...Object.keys(theirs)])
  for (const k of [...keys].sort()) {
    const a = ours[k]
    const b = theirs[k]
    if (k === 'user_properties' && a !== undefined && b !== undefined) {
      const g = Array.isArray(a) ? groupUserProperties(a) : null
      if (g === null) { diffs.push(`${where}.user_properties: vector has ${show(a)}, expected [[name, value], ...]`); continue }
      if (!deepEqual({ ...g }, { ...b.grouped })) {
        diffs.push(`${where}.user_properties: vector has ${show(a)}, mqtt-packet has ${show(b.grouped)} (grouped by name)`)
      }
      continue
    }
    if (k === 'user_properties' && b !== undefined) {
      diffs.push(`${where}.user_properties: vector has (absent), mqtt-packet has ${show(b.grouped)} (grouped by name)`)
      continue
    }
    if (!deepEqual(a, b)) diffs.push(`${where}.${k}: vector has ${show(a)}, mqtt-packet has ${show(b)}`)
  }
}

// Compares one packet. `fileVersion` decides which fields are allowed.
function comparePacket (ours, theirs, where, diffs) {
  if (typeof ours !== 'object' || ours === null || Array.isArray(ours)) {
    diffs.push(`${where}: decoded is not an object`)
    return
  }
  if (ours.type !== theirs.type) {
    diffs.push(`${where}type: vector has ${show(ours.type)}, mqtt-packet has ${show(theirs.type)}`)
    return
  }
  const form = FORM[ours.type]
  // Which field set applies: CONNECT by its own protocol_version, else by what mqtt-packet was
  // told (visible in theirs: v5 forms carry `properties` or `reason_code(s)`).
  for (const k of Object.keys(ours)) {
    if (k !== 'type' && !(k in form)) diffs.push(`${where}${k}: field is not part of the README form of ${ours.type}`)
  }
  for (const k of Object.keys(form)) {
    const a = ours[k]
    const b = theirs[k]
    if (k === 'properties') {
      if (a === undefined && b === undefined) continue
      if (b === undefined) { diffs.push(`${where}properties: vector has ${show(a)}, but the packet has no properties in this protocol version`); continue }
      compareProperties(a, b, `${where}properties`, diffs)
      continue
    }
    if (k === 'will' && a !== undefined && b !== undefined && typeof a === 'object' && a !== null) {
      for (const wk of Object.keys(a)) {
        if (!WILL_FORM.includes(wk)) diffs.push(`${where}will.${wk}: field is not part of the README form of a Will`)
      }
      for (const wk of WILL_FORM) {
        if (wk === 'properties') {
          if (a.properties === undefined && b.properties === undefined) continue
          if (b.properties === undefined) { diffs.push(`${where}will.properties: vector has ${show(a.properties)}, but a Will has no properties in this protocol version`); continue }
          compareProperties(a.properties, b.properties, `${where}will.properties`, diffs)
        } else if (!deepEqual(a[wk], b[wk])) {
          diffs.push(`${where}will.${wk}: vector has ${show(a[wk])}, mqtt-packet has ${show(b[wk])}`)
        }
      }
      continue
    }
    if (!deepEqual(a, b)) diffs.push(`${where}${k}: vector has ${show(a)}, mqtt-packet has ${show(b)}`)
  }
}

function checkVector (vec, fileVersion) {
  const diffs = []
  let buf
  try {
    buf = parseHex(vec.hex)
  } catch (e) {
    return [`hex: ${e.message}`]
  }
  if (vec.decoded === undefined) return ['decoded: missing on a valid vector']
  const r = decodeVector(buf, fileVersion, vec.stream === true)
  if (r.error) return [`decode: ${r.error}`]
  if (vec.stream === true) {
    if (!Array.isArray(vec.decoded)) return ['decoded: a stream vector needs an array']
    if (vec.decoded.length !== r.decoded.length) {
      diffs.push(`decoded: vector lists ${vec.decoded.length} packets, the hex holds ${r.decoded.length}`)
    }
    const n = Math.min(vec.decoded.length, r.decoded.length)
    for (let i = 0; i < n; i++) comparePacket(vec.decoded[i], r.decoded[i], `[${i}].`, diffs)
  } else {
    comparePacket(vec.decoded, r.decoded, '', diffs)
  }
  return diffs
}

function findFiles (dir, out) {
  for (const ent of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (ent.name.startsWith('.') || ent.name === 'node_modules') continue
    const p = path.join(dir, ent.name)
    if (ent.isDirectory()) findFiles(p, out)
    else if (ent.isFile() && ent.name.endsWith('.json') && ent.name !== 'schema.json') out.push(p)
  }
  return out
}

function main () {
  let allow = {}
  const failures = []
  const allowlisted = []
  if (fs.existsSync(ALLOWLIST)) {
    try {
      allow = JSON.parse(fs.readFileSync(ALLOWLIST, 'utf8'))
    } catch (e) {
      failures.push(`${path.relative(ROOT, ALLOWLIST)}: cannot be read: ${e.message}`)
    }
  }
  for (const [id, reason] of Object.entries(allow)) {
    if (typeof reason !== 'string' || reason.trim().length < 20) {
      failures.push(`allowlist#${id}: needs a real reason (a sentence), got ${show(reason)}`)
    }
  }

  let passed = 0
  let skipped = 0
  const nonVector = []
  const seen = new Map()
  const seenAllow = new Set()

  for (const file of findFiles(ROOT, [])) {
    const rel = path.relative(ROOT, file)
    let doc
    try {
      doc = JSON.parse(fs.readFileSync(file, 'utf8'))
    } catch (e) {
      failures.push(`${rel}: not valid JSON: ${e.message}`)
      continue
    }
    if (!doc || typeof doc !== 'object' || doc.schema !== SCHEMA || !Array.isArray(doc.vectors)) {
      nonVector.push(rel)
      continue
    }
    if (!VERSIONS.includes(doc.version)) {
      failures.push(`${rel}: version ${show(doc.version)} is not one of ${VERSIONS.join(', ')}`)
      continue
    }
    for (const vec of doc.vectors) {
      const id = vec && typeof vec.id === 'string' ? vec.id : '(no id)'
      const where = `${rel}#${id}`
      if (seen.has(id)) failures.push(`${where}: id: also used in ${seen.get(id)}`)
      else seen.set(id, rel)
      if (!vec || vec.result !== 'valid') { skipped++; continue }
      const diffs = checkVector(vec, doc.version)
      const reason = allow[id]
      if (reason !== undefined) seenAllow.add(id)
      if (diffs.length === 0) {
        if (reason !== undefined) failures.push(`${where}: allowlisted ("${reason}") but mqtt-packet now agrees; remove it from allowlist.json`)
        else { passed++; if (VERBOSE) console.log(`ok   ${where}`) }
      } else if (reason !== undefined) {
        allowlisted.push(`${where}: ${diffs.join('; ')}\n       allowlisted because: ${reason}`)
      } else {
        for (const d of diffs) failures.push(`${where}: ${d}`)
      }
    }
  }
  for (const id of Object.keys(allow)) {
    if (!seenAllow.has(id)) failures.push(`allowlist#${id}: no valid vector has this id any more; remove the entry`)
  }

  if (VERBOSE && nonVector.length) console.log(`not vector files (skipped): ${nonVector.join(', ')}`)
  for (const a of allowlisted) console.log(`ALLOWLISTED ${a}`)
  for (const f of failures) console.log(`FAIL ${f}`)
  console.log(`mqtt-packet: ${skipped} vectors with result other than "valid" not checked`)
  // Failures are counted per message so that a vector with several differing fields shows each.
  const failedIds = new Set(failures.map(f => f.split(':')[0]))
  console.log(`${passed} passed, ${failedIds.size} failed, ${allowlisted.length} allowlisted`)
  process.exitCode = failures.length ? 1 : 0
}

main()
