#!/usr/bin/env python3
"""Second, independent cross-check of the valid vectors: Wireshark's MQTT dissector (tshark).

    python3 tshark_check.py [--root DIR] [--allowlist FILE] [--verbose] [--keep DIR]

For every vector file under vectors/ (same discovery rules as crosscheck.js) all `result: "valid"`
vectors are written into one pcap (raw IPv4, stdlib `struct`): each vector gets its own TCP
connection to port 1883, whose first segment is a CONNECT of the file's protocol version (the
dissector learns the version from it) unless the vector itself starts with a CONNECT. Packets the
vector marks `"direction": "server-to-client"` (and CONNACK/SUBACK/UNSUBACK/PINGRESP) are sent from
port 1883. tshark dissects the file (`-T pdml`, which keeps every field with its position and raw
bytes) and the key fields are compared with the vector's `decoded`: packet type, header flags,
CONNECT fields, Will, username/password, CONNACK flags and code, topic, packet id, payload,
subscription filters and options, SUBACK/UNSUBACK codes, reason codes, and the properties as a
list of (identifier, value) pairs (user properties in wire order).

Disagreements listed in tshark_allowlist.json ({"vector-id": "reason"}) are tolerated; an entry
whose vector is gone or now agrees is a failure. Exit status 1 on any failure, 2 if tshark is
missing. Last line: "N passed, M failed, K allowlisted".
"""

import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = "mqtt-packet-vectors/1"
VERSIONS = {"3.1": 3, "3.1.1": 4, "5.0": 5, "detect": None}

TYPES = {1: "CONNECT", 2: "CONNACK", 3: "PUBLISH", 4: "PUBACK", 5: "PUBREC", 6: "PUBREL",
         7: "PUBCOMP", 8: "SUBSCRIBE", 9: "SUBACK", 10: "UNSUBSCRIBE", 11: "UNSUBACK",
         12: "PINGREQ", 13: "PINGRESP", 14: "DISCONNECT", 15: "AUTH"}
FROM_SERVER = {"CONNACK", "SUBACK", "UNSUBACK", "PINGRESP"}

# our property name -> (identifier, kind)
PROPS = {
    "payload_format_indicator": (0x01, "int"), "message_expiry_interval": (0x02, "int"),
    "content_type": (0x03, "str"), "response_topic": (0x08, "str"),
    "correlation_data": (0x09, "bin"), "subscription_identifiers": (0x0B, "ints"),
    "session_expiry_interval": (0x11, "int"), "assigned_client_identifier": (0x12, "str"),
    "server_keep_alive": (0x13, "int"), "authentication_method": (0x15, "str"),
    "authentication_data": (0x16, "bin"), "request_problem_information": (0x17, "int"),
    "will_delay_interval": (0x18, "int"), "request_response_information": (0x19, "int"),
    "response_information": (0x1A, "str"), "server_reference": (0x1C, "str"),
    "reason_string": (0x1F, "str"), "receive_maximum": (0x21, "int"),
    "topic_alias_maximum": (0x22, "int"), "topic_alias": (0x23, "int"),
    "maximum_qos": (0x24, "int"), "retain_available": (0x25, "int"),
    "user_properties": (0x26, "pairs"), "maximum_packet_size": (0x27, "int"),
    "wildcard_subscription_available": (0x28, "int"),
    "subscription_identifier_available": (0x29, "int"),
    "shared_subscription_available": (0x2A, "int"),
}

PRELUDE = {
    5: bytes.fromhex("100e00044d5154540502003c000001" "78"),
    4: bytes.fromhex("100d00044d5154540402003c0001" "78"),
    3: bytes.fromhex("100f00064d514973647003" "02003c000178"),
}


# ---------------------------------------------------------------- pcap writing

def ip_checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def segment(src, dst, seq, ack, payload):
    tcp = struct.pack("!HHIIBBHHH", src, dst, seq, ack, 5 << 4, 0x18, 65535, 0, 0)
    total = 20 + len(tcp) + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0,
                     bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
    ip = ip[:10] + struct.pack("!H", ip_checksum(ip)) + ip[12:]
    return ip + tcp + payload


class Pcap:
    LINKTYPE_RAW = 101
    CHUNK = 60000

    def __init__(self):
        self.frames = []

    def conversation(self, port, packets):
        """packets: list of (from_server, bytes). Returns the frame numbers (1-based) per packet."""
        seq = {False: 1000, True: 500000}
        numbers = []
        for from_server, data in packets:
            src, dst = (1883, port) if from_server else (port, 1883)
            first = None
            for off in range(0, max(len(data), 1), self.CHUNK):
                chunk = data[off:off + self.CHUNK]
                self.frames.append(segment(src, dst, seq[from_server], seq[not from_server], chunk))
                seq[from_server] += len(chunk)
                if first is None:
                    first = len(self.frames)
            numbers.append((first, len(self.frames)))
        return numbers

    def write(self, path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, self.LINKTYPE_RAW))
            for i, fr in enumerate(self.frames):
                f.write(struct.pack("<IIII", i + 1, 0, len(fr), len(fr)) + fr)


# ---------------------------------------------------------------- PDML reading

def hexval(el):
    return (el.get("value") or "").lower()


def text_of(el):
    try:
        return bytes.fromhex(hexval(el)).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return el.get("show")


def walk(el):
    """Field elements below el in document (= wire) order."""
    for child in el:
        if child.tag == "field":
            yield child
            yield from walk(child)


def read_props(node):
    """List of (identifier, value) from an mqtt.properties / mqtt.will_properties field."""
    props = []
    for f in node:
        if f.tag != "field":
            continue
        name = f.get("name")
        if name == "mqtt.property_id":
            props.append([int(f.get("show"), 16), None])
        elif not props:
            continue
        elif name in ("mqtt.prop_number", "mqtt.property.topic_alias", "mqtt.property.max_qos"):
            props[-1][1] = int(f.get("show"))
        elif name == "mqtt.prop_string":
            props[-1][1] = hexval(f)
        elif name == "mqtt.property.content_type":
            props[-1][1] = hexval(f)[4:]  # the field includes the 2-byte length
        elif name == "mqtt.prop_key":
            props[-1][1] = (hexval(f), None)
        elif name == "mqtt.prop_value":
            props[-1][1] = (props[-1][1][0] if isinstance(props[-1][1], tuple) else None, hexval(f))
        elif name == "mqtt.prop_unknown":
            props[-1][1] = "unknown:" + (f.get("show") or "")
    return [tuple(p) for p in props]


def read_mqtt(proto, version):
    """Our JSON form, as far as the dissector shows it, of one <proto name="mqtt">."""
    fields = list(walk(proto))
    top = [f for f in proto if f.tag == "field"]

    def first(name, scope=fields):
        for f in scope:
            if f.get("name") == name:
                return f
        return None

    def num(name, scope=fields):
        f = first(name, scope)
        return None if f is None else int(f.get("show"), 0)

    def flag(name):
        f = first(name)
        return None if f is None else f.get("show") in ("1", "True", "true")

    t = num("mqtt.msgtype")
    out = {"type": TYPES.get(t, "type-%s" % t)}
    ty = out["type"]
    props_node = first("mqtt.properties", top)
    if props_node is not None:
        out["properties"] = read_props(props_node)

    if ty == "CONNECT":
        out["protocol_name"] = first("mqtt.protoname").get("show")
        out["protocol_version"] = num("mqtt.ver")
        out["clean"] = flag("mqtt.conflag.cleansess")
        out["keep_alive"] = num("mqtt.kalive")
        cid = first("mqtt.clientid")
        out["client_identifier"] = "" if cid is None else text_of(cid)
        if flag("mqtt.conflag.willflag"):
            w = {"qos": num("mqtt.conflag.qos"), "retain": flag("mqtt.conflag.retain")}
            wt = first("mqtt.willtopic")
            w["topic"] = None if wt is None else text_of(wt)
            wm = first("mqtt.willmsg")
            w["payload"] = "" if wm is None else hexval(wm)
            wp = first("mqtt.will_properties", top)
            if wp is not None:
                w["properties"] = read_props(wp)
            out["will"] = w
        if flag("mqtt.conflag.uname"):
            u = first("mqtt.username")
            out["username"] = "" if u is None else text_of(u)
        if flag("mqtt.conflag.passwd"):
            p = first("mqtt.passwd")
            out["password"] = "" if p is None else hexval(p)
    elif ty == "CONNACK":
        out["session_present"] = flag("mqtt.conack.flags.sp")
        code = num("mqtt.connack.reason_code") if version == 5 else None
        out["code"] = code if code is not None else num("mqtt.conack.val")
    elif ty == "PUBLISH":
        out["dup"] = flag("mqtt.dupflag")
        out["qos"] = num("mqtt.qos")
        out["retain"] = flag("mqtt.retain")
        tp = first("mqtt.topic")
        out["topic"] = "" if tp is None else text_of(tp)
        out["packet_id"] = num("mqtt.msgid")
        m = first("mqtt.msg")
        out["payload"] = "" if m is None else hexval(m)
    elif ty in ("PUBACK", "PUBREC", "PUBREL", "PUBCOMP"):
        out["packet_id"] = num("mqtt.msgid")
        out["reason_code"] = num("mqtt.%s.reason_code" % ty.lower())
    elif ty == "SUBSCRIBE":
        out["packet_id"] = num("mqtt.msgid")
        filters = []
        for f in top:
            n = f.get("name")
            if n == "mqtt.topic":
                filters.append({"filter": text_of(f)})
            elif n == "mqtt.sub.qos" and filters:
                filters[-1]["qos"] = int(f.get("show"))
            elif n == "mqtt.subscription_options" and filters:
                sub = list(walk(f))
                g = {x.get("name"): x.get("show") for x in sub}
                filters[-1]["qos"] = int(g.get("mqtt.subscription_options_qos", "-1"))
                if version == 5:
                    filters[-1]["no_local"] = g.get("mqtt.subscription_options_nl") in ("1", "True")
                    filters[-1]["retain_as_published"] = g.get("mqtt.subscription_options_rap") in ("1", "True")
                    filters[-1]["retain_handling"] = int(g.get("mqtt.subscription_options_retain", "-1"))
        out["filters"] = filters
    elif ty == "SUBACK":
        out["packet_id"] = num("mqtt.msgid")
        names = ("mqtt.suback.reason_code", "mqtt.suback.qos")
        out["codes"] = [int(f.get("show"), 0) for f in top if f.get("name") in names]
    elif ty == "UNSUBSCRIBE":
        out["packet_id"] = num("mqtt.msgid")
        out["filters"] = [text_of(f) for f in top if f.get("name") == "mqtt.topic"]
    elif ty == "UNSUBACK":
        out["packet_id"] = num("mqtt.msgid")
        out["codes"] = [int(f.get("show"), 0) for f in top if f.get("name") == "mqtt.unsuback.reason_code"]
    elif ty in ("DISCONNECT", "AUTH"):
        out["reason_code"] = num("mqtt.%s.reason_code" % ty.lower())
    return out


# ---------------------------------------------------------------- comparison

def our_props(props):
    """Our `properties` object as (identifier, value) pairs; user properties keep their order."""
    out = []
    for name, value in (props or {}).items():
        if name not in PROPS:
            out.append((-1, "unknown property name %s" % name))
            continue
        ident, kind = PROPS[name]
        if kind == "int":
            out.append((ident, int(value) if not isinstance(value, bool) else int(value)))
        elif kind == "str":
            out.append((ident, value.encode("utf-8").hex()))
        elif kind == "bin":
            out.append((ident, value.lower()))
        elif kind == "ints":
            out.extend((ident, int(v)) for v in value)
        elif kind == "pairs":
            out.extend((ident, (k.encode("utf-8").hex(), v.encode("utf-8").hex())) for k, v in value)
    return out


def canon_props(pairs):
    # Sort by identifier only (stable): the order among equal identifiers (user properties,
    # subscription identifiers) stays wire order, the order of different ones is not compared.
    return sorted(pairs, key=lambda p: p[0])


def compare(ours, theirs, version, where, diffs):
    ty = ours.get("type")
    if ty != theirs.get("type"):
        diffs.append("%stype: vector has %r, tshark has %r" % (where, ty, theirs.get("type")))
        return

    def eq(field, a, b):
        if a != b:
            diffs.append("%s%s: vector has %s, tshark has %s" % (where, field, json.dumps(a), json.dumps(b)))

    v5 = version == 5
    if "properties" in theirs or "properties" in ours:
        eq("properties", canon_props(our_props(ours.get("properties"))),
           canon_props(theirs.get("properties", [])))
    if ty == "CONNECT":
        cv5 = ours.get("protocol_version") == 5
        for k in ("protocol_name", "protocol_version", "keep_alive", "client_identifier", "username", "password"):
            eq(k, ours.get(k), theirs.get(k))
        eq("clean_start" if cv5 else "clean_session",
           ours.get("clean_start" if cv5 else "clean_session"), theirs.get("clean"))
        w, tw = ours.get("will"), theirs.get("will")
        if (w is None) != (tw is None):
            eq("will", w, tw)
        elif w is not None:
            for k in ("qos", "retain", "topic", "payload"):
                eq("will." + k, w.get(k), tw.get(k))
            if cv5:
                eq("will.properties", canon_props(our_props(w.get("properties"))),
                   canon_props(tw.get("properties", [])))
    elif ty == "CONNACK":
        sp = theirs.get("session_present")
        if sp is None and version == 3:
            sp = False  # MQTT 3.1 has no Session Present flag; the dissector shows none
        eq("session_present", ours.get("session_present"), sp)
        eq("reason_code" if v5 else "return_code",
           ours.get("reason_code" if v5 else "return_code"), theirs.get("code"))
    elif ty == "PUBLISH":
        for k in ("dup", "qos", "retain", "topic", "packet_id", "payload"):
            eq(k, ours.get(k), theirs.get(k))
    elif ty in ("PUBACK", "PUBREC", "PUBREL", "PUBCOMP"):
        eq("packet_id", ours.get("packet_id"), theirs.get("packet_id"))
        if v5:
            # the dissector shows no reason code when it is absent on the wire (meaning 0x00)
            rc = theirs.get("reason_code")
            eq("reason_code", ours.get("reason_code"), 0 if rc is None else rc)
    elif ty == "SUBSCRIBE":
        eq("packet_id", ours.get("packet_id"), theirs.get("packet_id"))
        keys = ("filter", "qos", "no_local", "retain_as_published", "retain_handling") if v5 else ("filter", "qos")
        eq("filters", [{k: f.get(k) for k in keys} for f in ours.get("filters", [])],
           [{k: f.get(k) for k in keys} for f in theirs.get("filters", [])])
    elif ty == "SUBACK":
        eq("packet_id", ours.get("packet_id"), theirs.get("packet_id"))
        eq("reason_codes" if v5 else "return_codes",
           ours.get("reason_codes" if v5 else "return_codes"), theirs.get("codes"))
    elif ty == "UNSUBSCRIBE":
        eq("packet_id", ours.get("packet_id"), theirs.get("packet_id"))
        eq("filters", ours.get("filters"), theirs.get("filters"))
    elif ty == "UNSUBACK":
        eq("packet_id", ours.get("packet_id"), theirs.get("packet_id"))
        if v5:
            eq("reason_codes", ours.get("reason_codes"), theirs.get("codes"))
    elif ty in ("DISCONNECT", "AUTH") and v5:
        rc = theirs.get("reason_code")
        eq("reason_code", ours.get("reason_code"), 0 if rc is None else rc)


# ---------------------------------------------------------------- driver

def parse_hex(text):
    clean = re.sub(r"[\s|]", "", text)
    return bytes.fromhex(clean)


def split_packets(buf):
    out, pos = [], 0
    while pos < len(buf):
        length, mul, i = 0, 1, pos + 1
        while True:
            if i >= len(buf):
                raise ValueError("truncated Remaining Length")
            b = buf[i]
            i += 1
            length += (b & 0x7F) * mul
            mul *= 128
            if not b & 0x80:
                break
        out.append(buf[pos:i + length])
        pos = i + length
    return out


def find_files(root):
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "node_modules")
        for fn in sorted(filenames):
            if fn.endswith(".json") and fn != "schema.json":
                found.append(os.path.join(dirpath, fn))
    return found


def check_file(path, rel, doc, tshark, keep):
    """Returns {vector id: [diffs]} for the valid vectors of one file."""
    version = VERSIONS[doc["version"]]
    pcap = Pcap()
    jobs = []  # (vector, [frame ranges of the vector's packets], stream version)
    results = {}
    for n, vec in enumerate(v for v in doc["vectors"] if isinstance(v, dict) and v.get("result") == "valid"):
        vid = vec.get("id", "(no id)")
        try:
            packets = split_packets(parse_hex(vec["hex"]))
        except (ValueError, KeyError, TypeError) as e:
            results[vid] = ["hex: %s" % e]
            continue
        if not packets:
            results[vid] = ["hex: empty"]
            continue
        v = version
        if v is None:  # "detect": take the version from the vector's CONNECT
            v = packets[0][8] if packets[0][0] >> 4 == 1 and len(packets[0]) > 8 else 4
            v = {3: 3, 4: 4, 5: 5}.get(v & 0x7F, 4)
        convo = []
        if packets[0][0] >> 4 != 1:
            convo.append((False, PRELUDE[v]))
        direction = vec.get("direction")
        decoded = vec.get("decoded")
        for i, pk in enumerate(packets):
            ty = TYPES.get(pk[0] >> 4)
            from_server = direction == "server-to-client" or (direction is None and ty in FROM_SERVER)
            convo.append((from_server, pk))
        frames = pcap.conversation(20000 + n, convo)
        if packets[0][0] >> 4 != 1:
            frames = frames[1:]
        jobs.append((vec, frames, v))
    if not jobs:
        return results
    tmp = tempfile.mkdtemp(prefix="tshark-check-")
    try:
        pcap_path = os.path.join(tmp, "vectors.pcap")
        pcap.write(pcap_path)
        if keep:
            shutil.copy(pcap_path, os.path.join(keep, rel.replace(os.sep, "_") + ".pcap"))
        proc = subprocess.run([tshark, "-n", "-r", pcap_path, "-T", "pdml",
                               "-o", "tcp.desegment_tcp_streams:TRUE",
                               "-d", "tcp.port==1883,mqtt"],
                              capture_output=True, text=True, env=dict(os.environ, LC_ALL="C.UTF-8"))
        if proc.returncode != 0:
            raise RuntimeError("tshark failed: " + proc.stderr.strip())
        root = ET.fromstring(proc.stdout)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    by_frame = {}
    for pkt in root.iter("packet"):
        num = None
        for proto in pkt.iter("proto"):
            if proto.get("name") == "geninfo":
                for f in proto:
                    if f.get("name") == "num":
                        num = int(f.get("show"))
        by_frame[num] = [p for p in pkt if p.tag == "proto" and p.get("name") == "mqtt"]
    for vec, frames, v in jobs:
        vid = vec.get("id", "(no id)")
        protos = []
        first_frame, last_frame = frames[0][0], frames[-1][1]
        for fr in range(first_frame, last_frame + 1):
            protos.extend(by_frame.get(fr, []))
        decoded = vec.get("decoded")
        stream = vec.get("stream") is True
        ours = decoded if stream else [decoded]
        diffs = []
        if not isinstance(ours, list) or not all(isinstance(o, dict) for o in ours):
            diffs.append("decoded: not an object (or array of objects for a stream)")
        elif len(protos) != len(ours):
            diffs.append("tshark found %d MQTT packets, the vector decodes to %d" % (len(protos), len(ours)))
        else:
            for i, (o, p) in enumerate(zip(ours, protos)):
                theirs = read_mqtt(p, v)
                compare(o, theirs, v, "[%d]." % i if stream else "", diffs)
        results[vid] = diffs
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.join(HERE, ".."))
    ap.add_argument("--allowlist", default=os.path.join(HERE, "tshark_allowlist.json"))
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--keep", help="directory to keep the generated pcap files in")
    args = ap.parse_args()
    tshark = shutil.which("tshark")
    if not tshark:
        print("tshark_check: tshark is not installed", file=sys.stderr)
        return 2
    root = os.path.abspath(args.root)
    failures, allowlisted = [], []
    allow = {}
    if os.path.exists(args.allowlist):
        try:
            with open(args.allowlist, encoding="utf-8") as f:
                allow = json.load(f)
        except ValueError as e:
            failures.append("%s: cannot be read: %s" % (args.allowlist, e))
    for vid, reason in allow.items():
        if not isinstance(reason, str) or len(reason.strip()) < 20:
            failures.append("tshark_allowlist#%s: needs a real reason (a sentence)" % vid)
    passed = 0
    seen_allow = set()
    for path in find_files(root):
        rel = os.path.relpath(path, root)
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except ValueError as e:
            failures.append("%s: not valid JSON: %s" % (rel, e))
            continue
        if not isinstance(doc, dict) or doc.get("schema") != SCHEMA or not isinstance(doc.get("vectors"), list):
            continue
        if doc.get("version") not in VERSIONS:
            failures.append("%s: unknown version %r" % (rel, doc.get("version")))
            continue
        for vid, diffs in check_file(path, rel, doc, tshark, args.keep).items():
            where = "%s#%s" % (rel, vid)
            reason = allow.get(vid)
            if reason is not None:
                seen_allow.add(vid)
            if not diffs:
                if reason is not None:
                    failures.append("%s: allowlisted (%r) but tshark now agrees; remove the entry" % (where, reason))
                else:
                    passed += 1
                    if args.verbose:
                        print("ok   " + where)
            elif reason is not None:
                allowlisted.append("%s: %s\n       allowlisted because: %s" % (where, "; ".join(diffs), reason))
            else:
                failures.extend("%s: %s" % (where, d) for d in diffs)
    for vid in allow:
        if vid not in seen_allow:
            failures.append("tshark_allowlist#%s: no valid vector has this id any more; remove the entry" % vid)
    for a in allowlisted:
        print("ALLOWLISTED " + a)
    for f in failures:
        print("FAIL " + f)
    failed_ids = {f.split(":")[0] for f in failures}
    print("tshark: %d passed, %d failed, %d allowlisted" % (passed, len(failed_ids), len(allowlisted)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
