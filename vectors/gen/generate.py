#!/usr/bin/env python3
"""Generate the MQTT packet test vectors under vectors/ (see vectors/README.md).

Independent of the Rust codec: bytes are built by mqttbytes.py, written from the OASIS specs.
Python 3.11, standard library only.  Deterministic: the same input always gives the same files.

    python3 vectors/gen/generate.py            # write all files
    python3 vectors/gen/generate.py --check    # only verify the files on disk are up to date

Every `cites` id is checked against the normative index (shared/spec/normative-*.json); an
unknown id aborts the run.  Set MQTT_SPEC_INDEX_DIR if the index is not at ../../shared/spec
relative to the repository root.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

sys.dont_write_bytecode = True  # keep vectors/gen free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mqttbytes import (ACKS, ALL_CONTEXTS, FIXED_FLAGS, PROP, PROP_BY_ID,  # noqa: E402
                       PROPERTIES, TYPE_CODE, BadStr, Raw, encode, hex_segments, normalize,
                       to_json, u16, vbi)

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.dirname(HERE)
REPO = os.path.dirname(VECTORS)
SCHEMA = "mqtt-packet-vectors/1"
PREFIX = {"5.0": "v5", "3.1.1": "v311", "3.1": "v31"}


# ---------------------------------------------------------------------------------------------
# Normative index
# ---------------------------------------------------------------------------------------------

def index_dir():
    env = os.environ.get("MQTT_SPEC_INDEX_DIR")
    for d in ([env] if env else []) + [os.path.join(REPO, "..", "shared", "spec"),
                                       os.path.join(REPO, "shared", "spec")]:
        if os.path.exists(os.path.join(d, "normative-v5.0.json")):
            return os.path.normpath(d)
    sys.exit("generate.py: normative index not found; set MQTT_SPEC_INDEX_DIR")


def load_index():
    d = index_dir()
    idx = {}
    for ver in ("5.0", "3.1.1"):
        with open(os.path.join(d, f"normative-v{ver}.json"), encoding="utf-8") as f:
            idx[ver] = {e["id"]: e for e in json.load(f)}
    return idx


INDEX = load_index()


def index_version(ver):
    """3.1 vectors cite the 3.1.1 index (3.1 has no numbered statements)."""
    return "3.1.1" if ver in ("3.1", "3.1.1") else "5.0"


# Semantic citation keys -> (5.0 ids, 3.1.1 ids).  The two standards number the same rule
# differently (e.g. "no wildcards in Topic Names" is 4.7.0-1 in 5.0 and 4.7.1-1 in 3.1.1).
CITE = {
    "utf8": ("MQTT-1.5.4-1", "MQTT-1.5.3-1"),
    "nul": ("MQTT-1.5.4-2", "MQTT-1.5.3-2"),
    "bom": ("MQTT-1.5.4-3", "MQTT-1.5.3-3"),
    "vbi": ("MQTT-1.5.5-1", None),
    "pair": ("MQTT-1.5.7-1", None),
    "fh": ("MQTT-2.1.3-1", ["MQTT-2.2.2-1", "MQTT-2.2.2-2"]),
    "qos0_nopid": ("MQTT-2.2.1-2", "MQTT-2.3.1-5"),
    "pid": ("MQTT-2.2.1-3", "MQTT-2.3.1-1"),
    "pid_server": ("MQTT-2.2.1-4", "MQTT-2.3.1-1"),
    "pid_echo": ("MQTT-2.2.1-5", "MQTT-2.3.1-6"),
    "pid_echo_sub": ("MQTT-2.2.1-6", "MQTT-2.3.1-7"),
    "proplen0": ("MQTT-2.2.2-1", None),
    "c_proto_name": ("MQTT-3.1.2-1", "MQTT-3.1.2-1"),
    "c_proto_level": ("MQTT-3.1.2-2", "MQTT-3.1.2-2"),
    "c_reserved": ("MQTT-3.1.2-3", "MQTT-3.1.2-3"),
    "c_will_present": ("MQTT-3.1.2-9", "MQTT-3.1.2-9"),
    "c_willflag0_qos": ("MQTT-3.1.2-11", ["MQTT-3.1.2-11", "MQTT-3.1.2-13"]),
    "c_will_qos": ("MQTT-3.1.2-12", "MQTT-3.1.2-14"),
    "c_willflag0_retain": ("MQTT-3.1.2-13", ["MQTT-3.1.2-11", "MQTT-3.1.2-15"]),
    "c_user0": ("MQTT-3.1.2-16", "MQTT-3.1.2-18"),
    "c_user1": ("MQTT-3.1.2-17", "MQTT-3.1.2-19"),
    "c_pass0": ("MQTT-3.1.2-18", "MQTT-3.1.2-20"),
    "c_pass1": ("MQTT-3.1.2-19", "MQTT-3.1.2-21"),
    "c_pass_needs_user": (None, "MQTT-3.1.2-22"),
    "c_order": ("MQTT-3.1.3-1", "MQTT-3.1.3-1"),
    "c_clientid": ("MQTT-3.1.3-3", "MQTT-3.1.3-3"),
    "c_clientid_utf8": ("MQTT-3.1.3-4", "MQTT-3.1.3-4"),
    "c_willtopic_utf8": ("MQTT-3.1.3-11", "MQTT-3.1.3-10"),
    "c_username_utf8": ("MQTT-3.1.3-12", "MQTT-3.1.3-11"),
    "c_empty_id_clean": (None, "MQTT-3.1.3-7"),
    "c_format": ("MQTT-3.1.4-1", "MQTT-3.1.4-1"),
    "ca_reserved": ("MQTT-3.2.2-1", None),
    "ca_sp_fail": ("MQTT-3.2.2-6", "MQTT-3.2.2-4"),
    "ca_codes": ("MQTT-3.2.2-8", None),
    "p_dup_qos0": ("MQTT-3.3.1-2", ["MQTT-3.3.1-2", "MQTT-4.3.1-1"]),
    "p_qos3": ("MQTT-3.3.1-4", "MQTT-3.3.1-4"),
    "p_topic_utf8": ("MQTT-3.3.2-1", "MQTT-3.3.2-1"),
    "p_topic_nowild": (["MQTT-3.3.2-2", "MQTT-4.7.0-1"], ["MQTT-3.3.2-2", "MQTT-4.7.1-1"]),
    "wild_in_name": ("MQTT-4.7.0-1", "MQTT-4.7.1-1"),
    "f_hash": ("MQTT-4.7.1-1", "MQTT-4.7.1-2"),
    "f_plus": ("MQTT-4.7.1-2", "MQTT-4.7.1-3"),
    "topic_len1": ("MQTT-4.7.3-1", "MQTT-4.7.3-1"),
    "topic_nul": ("MQTT-4.7.3-2", "MQTT-4.7.3-2"),
    "topic_max": ("MQTT-4.7.3-3", "MQTT-4.7.3-3"),
    "share1": ("MQTT-4.8.2-1", None),
    "share2": ("MQTT-4.8.2-2", None),
    "p_alias0": ("MQTT-3.3.2-8", None),
    "p_alias_max": ("MQTT-3.3.2-9", None),
    "p_resp_utf8": ("MQTT-3.3.2-13", None),
    "p_resp_nowild": ("MQTT-3.3.2-14", None),
    "p_ctype_utf8": ("MQTT-3.3.2-19", None),
    "p_subid_c2s": ("MQTT-3.3.4-6", None),
    "puback_codes": ("MQTT-3.4.2-1", None),
    "pubrec_codes": ("MQTT-3.5.2-1", None),
    "pubrel_flags": ("MQTT-3.6.1-1", "MQTT-3.6.1-1"),
    "pubrel_codes": ("MQTT-3.6.2-1", None),
    "pubcomp_codes": ("MQTT-3.7.2-1", None),
    "sub_flags": ("MQTT-3.8.1-1", "MQTT-3.8.1-1"),
    "sub_utf8": ("MQTT-3.8.3-1", "MQTT-3.8.3-1"),
    "sub_nonempty": ("MQTT-3.8.3-2", "MQTT-3.8.3-3"),
    "sub_nolocal_shared": ("MQTT-3.8.3-4", None),
    "sub_opts_reserved": ("MQTT-3.8.3-5", "MQTT-3.8.3-4"),
    "suback_codes": ("MQTT-3.9.3-2", "MQTT-3.9.3-2"),
    "unsub_flags": ("MQTT-3.10.1-1", "MQTT-3.10.1-1"),
    "unsub_utf8": ("MQTT-3.10.3-1", "MQTT-3.10.3-1"),
    "unsub_nonempty": ("MQTT-3.10.3-2", "MQTT-3.10.3-2"),
    "unsuback_codes": ("MQTT-3.11.3-2", None),
    "disc_flags": ("MQTT-3.14.1-1", "MQTT-3.14.1-1"),
    "disc_codes": ("MQTT-3.14.2-1", None),
    "disc_sei": ("MQTT-3.14.2-2", None),
    "auth_flags": ("MQTT-3.15.1-1", None),
    "auth_codes": ("MQTT-3.15.2-1", None),
    "max_size_server": ("MQTT-3.2.2-15", None),
    "max_size_client": ("MQTT-3.1.2-24", None),
}
CODE_CITE = {"PUBACK": "puback_codes", "PUBREC": "pubrec_codes", "PUBREL": "pubrel_codes",
             "PUBCOMP": "pubcomp_codes", "CONNACK": "ca_codes", "SUBACK": "suback_codes",
             "UNSUBACK": "unsuback_codes", "DISCONNECT": "disc_codes", "AUTH": "auth_codes"}


def cites(ver, *keys):
    """Citation keys (or literal ids 'MQTT-...') -> ids for this version."""
    col = 0 if index_version(ver) == "5.0" else 1
    out = []
    for k in keys:
        if k.startswith("MQTT-"):
            ids = k
        else:
            ids = CITE[k][col]
        if ids is None:
            continue
        for i in [ids] if isinstance(ids, str) else ids:
            if i not in out:
                out.append(i)
    return out


# ---------------------------------------------------------------------------------------------
# Vector files
# ---------------------------------------------------------------------------------------------

ALL_IDS: set[str] = set()
NOTES = {
    "utf8": "exercises UTF-8 Encoded String rules",
    "vbi": "exercises Variable Byte Integer encoding",
    "boundary": "a value at the edge of its range",
    "large": "a large vector (tens of kilobytes or more)",
    "direction": "the verdict depends on who sent the packet (see `direction`)",
    "limit": "uses a decoder limit (`max_packet_size` or `topic_alias_maximum`)",
    "property-order": "properties not in ascending identifier order (legal, but not what the encoder writes)",
    "short-form": "a v5 shortened form (Reason Code and/or Property Length omitted)",
}


class VFile:
    def __init__(self, relpath, version, family, description):
        self.relpath = relpath
        self.version = version          # file version ("detect" allowed)
        self.family = family
        self.description = description
        self.vectors = []

    # -- helpers -------------------------------------------------------------------------------
    def _id(self, slug, ver):
        vid = f"{PREFIX[ver]}-{self.family}-{slug}"
        assert vid not in ALL_IDS, f"duplicate vector id {vid}"
        assert all(c.isalnum() or c == "-" for c in vid) and vid == vid.lower(), vid
        ALL_IDS.add(vid)
        return vid

    def _ver(self, ver):
        ver = ver or self.version
        assert ver in PREFIX, f"{self.relpath}: give ver= for vectors in a '{self.version}' file"
        return ver

    def _check_cites(self, vid, ver, cs):
        idx = INDEX[index_version(ver)]
        for c in cs:
            if c not in idx:
                sys.exit(f"generate.py: vector {vid} cites {c}, which is not in the "
                         f"{index_version(ver)} index")
        return list(cs)

    def _add(self, v, direction, flags, extra):
        if direction:
            assert direction in ("client-to-server", "server-to-client")
            v["direction"] = direction
        for k in ("max_packet_size", "topic_alias_maximum", "source"):
            if k in extra:
                v[k] = extra.pop(k)
        assert not extra, extra
        fl = list(flags or [])
        if direction and "direction" not in fl:
            fl.append("direction")
        if ("max_packet_size" in v or "topic_alias_maximum" in v) and "limit" not in fl:
            fl.append("limit")
        if len(v["hex"]) > 20000 and "large" not in fl:
            fl.append("large")
        for f in fl:
            assert f in NOTES, f
        if fl:
            v["flags"] = fl
        self.vectors.append(v)
        return v

    # -- vector kinds ----------------------------------------------------------------------------
    def valid(self, slug, comment, pkt, cs=(), ver=None, direction=None, canonical=True,
              flags=None, **extra):
        ver = self._ver(ver)
        vid = self._id(slug, ver)
        enc = encode(pkt, ver)
        # canonical <=> the encoder, given the decoded packet, writes exactly these bytes
        again = encode(normalize(pkt), ver)
        is_canon = again.data == enc.data
        assert is_canon == canonical, f"{vid}: canonical is {is_canon}, declared {canonical}"
        v = {"id": vid, "comment": comment, "hex": enc.hex(), "result": "valid",
             "decoded": to_json(pkt), "cites": self._check_cites(vid, ver, cs)}
        if not canonical:
            v["canonical"] = False
        return self._add(v, direction, flags, extra)

    def invalid(self, slug, comment, pkt, rc, cs=(), offset=None, ver=None, direction=None,
                flags=None, result="invalid", **extra):
        ver = self._ver(ver)
        vid = self._id(slug, ver)
        enc = pkt if isinstance(pkt, RawPacket) else encode(pkt, ver)
        v = {"id": vid, "comment": comment, "hex": enc.hex(), "result": result,
             "reason_code": f"0x{rc:02x}"}
        if offset is not None:
            v["offset"] = enc.marks[offset] if isinstance(offset, str) else offset
        v["cites"] = self._check_cites(vid, ver, cs)
        return self._add(v, direction, flags, extra)

    def acceptable(self, slug, comment, pkt, rc, cs=(), **kw):
        return self.invalid(slug, comment, pkt, rc, cs, result="acceptable", **kw)

    def write(self, check_only=False):
        notes = {}
        for v in self.vectors:
            for f in v.get("flags", []):
                notes[f] = NOTES[f]
        doc = {"schema": SCHEMA, "version": self.version, "description": self.description}
        if notes:
            doc["notes"] = {k: notes[k] for k in sorted(notes)}
        doc["vectors"] = self.vectors
        text = json.dumps(doc, indent=1, ensure_ascii=True) + "\n"
        path = os.path.join(VECTORS, self.relpath)
        if check_only:
            with open(path, encoding="utf-8") as f:
                if f.read() != text:
                    return False
            return True
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        return True


class RawPacket:
    """Hand-written bytes (for packets the encoder cannot express)."""

    def __init__(self, *segments, marks=None):
        self.segments = [bytes(s) for s in segments]
        self.data = b"".join(self.segments)
        self.marks = marks or {}

    def hex(self):
        return hex_segments(self.segments)


# ---------------------------------------------------------------------------------------------
# Packet models (JSON form with bytes for binary fields)
# ---------------------------------------------------------------------------------------------

def is5(ver):
    return ver == "5.0"


def connect(ver, **kw):
    p = {"type": "CONNECT", "protocol_name": "MQIsdp" if ver == "3.1" else "MQTT",
         "protocol_version": {"5.0": 5, "3.1.1": 4, "3.1": 3}[ver]}
    if is5(ver):
        p.update(clean_start=True, keep_alive=60, properties={})
    else:
        p.update(clean_session=True, keep_alive=60)
    p["client_identifier"] = "c1"
    p.update(kw)
    return p


def will(ver, **kw):
    w = {"qos": 0, "retain": False, "topic": "w/t", "payload": b"bye"}
    if is5(ver):
        w["properties"] = {}
    w.update(kw)
    return w


def connack(ver, rc=0, sp=False, **kw):
    p = {"type": "CONNACK", "session_present": sp}
    if is5(ver):
        p.update(reason_code=rc, properties={})
    else:
        p["return_code"] = rc
    p.update(kw)
    return p


def publish(ver, qos=0, topic="a/b", payload=b"hi", pid=1, dup=False, retain=False, **kw):
    p = {"type": "PUBLISH", "dup": dup, "qos": qos, "retain": retain, "topic": topic}
    if qos:
        p["packet_id"] = pid
    if is5(ver):
        p["properties"] = {}
    p["payload"] = payload
    p.update(kw)
    return p


def ack(ver, t, pid=1, rc=0, **kw):
    p = {"type": t, "packet_id": pid}
    if is5(ver):
        p.update(reason_code=rc, properties={})
    p.update(kw)
    return p


def flt(ver, f, qos=0, nl=False, rap=False, rh=0, **kw):
    d = {"filter": f, "qos": qos}
    if is5(ver):
        d.update(no_local=nl, retain_as_published=rap, retain_handling=rh)
    d.update(kw)
    return d


def subscribe(ver, filters=None, pid=1, **kw):
    p = {"type": "SUBSCRIBE", "packet_id": pid}
    if is5(ver):
        p["properties"] = {}
    p["filters"] = filters if filters is not None else [flt(ver, "a/b")]
    p.update(kw)
    return p


def suback(ver, codes=(0,), pid=1, **kw):
    p = {"type": "SUBACK", "packet_id": pid}
    if is5(ver):
        p.update(properties={}, reason_codes=list(codes))
    else:
        p["return_codes"] = list(codes)
    p.update(kw)
    return p


def unsubscribe(ver, filters=("a/b",), pid=1, **kw):
    p = {"type": "UNSUBSCRIBE", "packet_id": pid}
    if is5(ver):
        p["properties"] = {}
    p["filters"] = list(filters)
    p.update(kw)
    return p


def unsuback(ver, codes=(0,), pid=1, **kw):
    p = {"type": "UNSUBACK", "packet_id": pid}
    if is5(ver):
        p.update(properties={}, reason_codes=list(codes))
    p.update(kw)
    return p


def disconnect(ver, rc=0, **kw):
    p = {"type": "DISCONNECT"}
    if is5(ver):
        p.update(reason_code=rc, properties={})
    p.update(kw)
    return p


def auth(rc=0x18, **kw):
    p = {"type": "AUTH", "reason_code": rc, "properties": {}}
    p.update(kw)
    return p


def ping(t="PINGREQ", **kw):
    p = {"type": t}
    p.update(kw)
    return p


def minimal(ver, t):
    """A small valid packet of each type."""
    return {"CONNECT": lambda: connect(ver), "CONNACK": lambda: connack(ver),
            "PUBLISH": lambda: publish(ver),
            "PUBACK": lambda: ack(ver, "PUBACK"), "PUBREC": lambda: ack(ver, "PUBREC"),
            "PUBREL": lambda: ack(ver, "PUBREL"), "PUBCOMP": lambda: ack(ver, "PUBCOMP"),
            "SUBSCRIBE": lambda: subscribe(ver), "SUBACK": lambda: suback(ver),
            "UNSUBSCRIBE": lambda: unsubscribe(ver), "UNSUBACK": lambda: unsuback(ver),
            "PINGREQ": lambda: ping("PINGREQ"), "PINGRESP": lambda: ping("PINGRESP"),
            "DISCONNECT": lambda: disconnect(ver), "AUTH": lambda: auth(0)}[t]()


def slug(s):
    return s.replace("_", "-").replace(" ", "-").lower()


# ---------------------------------------------------------------------------------------------
# Reason codes (v5 Table 2-6 and the per-packet tables)
# ---------------------------------------------------------------------------------------------

RC_NAME = {
    0x00: "success", 0x01: "granted-qos-1", 0x02: "granted-qos-2", 0x04: "disconnect-with-will",
    0x10: "no-matching-subscribers", 0x11: "no-subscription-existed",
    0x18: "continue-authentication", 0x19: "re-authenticate", 0x80: "unspecified-error",
    0x81: "malformed-packet", 0x82: "protocol-error", 0x83: "implementation-specific-error",
    0x84: "unsupported-protocol-version", 0x85: "client-identifier-not-valid",
    0x86: "bad-user-name-or-password", 0x87: "not-authorized", 0x88: "server-unavailable",
    0x89: "server-busy", 0x8A: "banned", 0x8B: "server-shutting-down",
    0x8C: "bad-authentication-method", 0x8D: "keep-alive-timeout", 0x8E: "session-taken-over",
    0x8F: "topic-filter-invalid", 0x90: "topic-name-invalid", 0x91: "packet-identifier-in-use",
    0x92: "packet-identifier-not-found", 0x93: "receive-maximum-exceeded",
    0x94: "topic-alias-invalid", 0x95: "packet-too-large", 0x96: "message-rate-too-high",
    0x97: "quota-exceeded", 0x98: "administrative-action", 0x99: "payload-format-invalid",
    0x9A: "retain-not-supported", 0x9B: "qos-not-supported", 0x9C: "use-another-server",
    0x9D: "server-moved", 0x9E: "shared-subscriptions-not-supported",
    0x9F: "connection-rate-exceeded", 0xA0: "maximum-connect-time",
    0xA1: "subscription-identifiers-not-supported", 0xA2: "wildcard-subscriptions-not-supported",
}
UNDEFINED_CODES = [0x03, 0x05, 0x7F, 0xA3, 0xFF]   # in no table at all

CODES = {
    "CONNACK": [0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90,
                0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F],
    "PUBACK": [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99],
    "PUBREC": [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99],
    "PUBREL": [0x00, 0x92],
    "PUBCOMP": [0x00, 0x92],
    "SUBACK": [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2],
    "UNSUBACK": [0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91],
    "DISCONNECT": [0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90,
                   0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F,
                   0xA0, 0xA1, 0xA2],
    "AUTH": [0x00, 0x18, 0x19],
}
# "Sent by" restrictions (v5 Tables 3-10 and 3-11; PUBACK/PUBREC 0x10 "sent only by the Server")
C2S, S2C = "client-to-server", "server-to-client"
SENT_BY = {
    "DISCONNECT": {0x04: C2S, **{c: S2C for c in (0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x9A, 0x9B,
                                                   0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2)}},
    "AUTH": {0x00: S2C, 0x19: C2S},
    "PUBACK": {0x10: S2C},
    "PUBREC": {0x10: S2C},
}


def disallowed_codes(t):
    return sorted(set(RC_NAME) - set(CODES[t])) + UNDEFINED_CODES


def rc_text(c):
    t = RC_NAME.get(c, "undefined").replace("-", " ").replace("qos", "QoS")
    return t[0].upper() + t[1:]


def fmt_val(v):
    """A property value as it reads in a comment."""
    if isinstance(v, (bytes, bytearray)):
        return "hex " + (bytes(v).hex() or "(empty)")
    if isinstance(v, tuple):
        return f'"{v[0]}": "{v[1]}"'
    if isinstance(v, str):
        return f'"{v}"'
    return str(v)


def rc_slug(c):
    return f"{c:02x}-{RC_NAME.get(c, 'undefined')}"


# Sample property values: valid everywhere the property is allowed.
SAMPLE = {
    "payload_format_indicator": 1, "message_expiry_interval": 3600, "content_type": "text/plain",
    "response_topic": "reply/to", "correlation_data": b"\x00\x01\x02\x03",
    "subscription_identifier": 42, "session_expiry_interval": 3600,
    "assigned_client_identifier": "auto-7f3a", "server_keep_alive": 120,
    "authentication_method": "SCRAM-SHA-256", "authentication_data": b"n,,n=user",
    "request_problem_information": 0, "will_delay_interval": 30,
    "request_response_information": 1, "response_information": "resp/base",
    "server_reference": "other.example:1883", "reason_string": "because",
    "receive_maximum": 100, "topic_alias_maximum": 16, "topic_alias": 7, "maximum_qos": 1,
    "retain_available": 0, "user_property": ("key", "value"), "maximum_packet_size": 65536,
    "wildcard_subscription_available": 0, "subscription_identifier_available": 0,
    "shared_subscription_available": 0,
}
BYTE01 = [n for n, (_, typ, _) in PROP.items() if typ == "byte"]   # all byte props are 0/1 only


def ctx_packet(ctx, items):
    """A small valid v5 packet whose property list (of context `ctx`) is `items`."""
    V = "5.0"
    if ctx == "CONNECT":
        return connect(V, properties=items)
    if ctx == "WILL":
        return connect(V, will=will(V, properties=items))
    if ctx == "CONNACK":
        return connack(V, properties=items)
    if ctx == "PUBLISH":
        return publish(V, properties=items)
    if ctx in ACKS:
        return ack(V, ctx, properties=items)
    if ctx == "SUBSCRIBE":
        return subscribe(V, properties=items)
    if ctx == "SUBACK":
        return suback(V, properties=items)
    if ctx == "UNSUBSCRIBE":
        return unsubscribe(V, properties=items)
    if ctx == "UNSUBACK":
        return unsuback(V, properties=items)
    if ctx == "DISCONNECT":
        return disconnect(V, properties=items)
    if ctx == "AUTH":
        return auth(0x18, properties=items)
    raise AssertionError(ctx)


def ctx_mark(ctx):
    return "will" if ctx == "WILL" else "props"


def needs(ctx, name):
    """Other properties a context needs so that `name` is the only thing under test."""
    if name == "authentication_data":
        return [("authentication_method", SAMPLE["authentication_method"])]
    if ctx == "AUTH" and name != "authentication_method":
        return [("authentication_method", SAMPLE["authentication_method"])]
    return []


def prop_direction(ctx, name):
    if ctx == "PUBLISH" and name == "subscription_identifier":
        return S2C
    if ctx == "DISCONNECT" and name == "session_expiry_interval":
        return C2S
    return None


def add_allowed_properties(F, ctx, family_note, prefix=""):
    """Valid vectors: every property allowed in `ctx`, alone (plus what it needs)."""
    for pid, name, typ, allowed in PROPERTIES:
        if ctx not in allowed:
            continue
        values = [0, 1] if name in BYTE01 else [SAMPLE[name]]
        for val in values:
            items = sorted(needs(ctx, name) + [(name, val)], key=lambda it: PROP[it[0]][0])
            s = f"{prefix}{'will-' if ctx == 'WILL' else ''}prop-{slug(name)}" + (
                f"-{val}" if name in BYTE01 else "")
            cs = ["pair"] if name == "user_property" else []
            if ctx == "PUBLISH" and name == "response_topic":
                cs.append("p_resp_utf8")
            if ctx == "PUBLISH" and name == "content_type":
                cs.append("p_ctype_utf8")
            F.valid(s, f"{family_note}: {prop_title(name)} (0x{pid:02x}) = {fmt_val(val)}",
                    ctx_packet(ctx, items), cites("5.0", *cs),
                    direction=prop_direction(ctx, name))


def prop_title(name):
    return name.replace("_", " ").title().replace("Qos", "QoS")


# ---------------------------------------------------------------------------------------------
# Shared string / topic cases
# ---------------------------------------------------------------------------------------------

BAD_UTF8 = [  # (slug, bytes, comment, extra cite keys)
    ("invalid-ff", b"a\xffb", "byte 0xFF never appears in UTF-8", []),
    ("lone-continuation", b"a\x80b", "continuation byte 0x80 without a lead byte", []),
    ("overlong-nul", b"a\xc0\x80b", "overlong 2-byte encoding of U+0000 (C0 80)", ["nul"]),
    ("overlong-2byte", b"a\xc1\xbf", "overlong 2-byte encoding of U+007F (C1 BF)", []),
    ("overlong-3byte", b"a\xe0\x80\x80", "overlong 3-byte encoding of U+0000 (E0 80 80)", ["nul"]),
    ("overlong-3byte-slash", b"a\xe0\x80\xaf", "overlong 3-byte encoding of '/' (E0 80 AF)", []),
    ("overlong-4byte", b"a\xf0\x80\x80\x80", "overlong 4-byte encoding of U+0000", ["nul"]),
    ("surrogate-high", b"a\xed\xa0\x80", "encoded surrogate U+D800 (ED A0 80)", []),
    ("surrogate-low", b"a\xed\xbf\xbf", "encoded surrogate U+DFFF (ED BF BF)", []),
    ("surrogate-pair", b"\xed\xa0\xbd\xed\xb8\x80", "CESU-8 surrogate pair for U+1F600", []),
    ("above-10ffff", b"a\xf4\x90\x80\x80", "code point above U+10FFFF (F4 90 80 80)", []),
    ("lead-f5", b"a\xf5\x80\x80\x80", "lead byte 0xF5 is never valid", []),
    ("truncated-sequence", b"a\xe2\x82", "string ends inside a 3-byte sequence", []),
    ("missing-continuation", b"\xe2\x82a", "3-byte sequence interrupted by ASCII", []),
]
DISALLOWED_CP = [  # "SHOULD NOT ... MAY treat as Malformed" (v5 1.5.4, v3.1.1 1.5.3)
    ("control-u0001", "a\u0001b", "control character U+0001"),
    ("control-u001f", "a\u001fb", "control character U+001F"),
    ("control-u007f", "a\u007fb", "control character U+007F"),
    ("control-u009f", "a\u009fb", "C1 control character U+009F"),
    ("noncharacter-ufffe", "a\ufffeb", "noncharacter U+FFFE"),
    ("noncharacter-uffff", "a\uffffb", "noncharacter U+FFFF"),
    ("noncharacter-u10ffff", "a\U0010ffffb", "noncharacter U+10FFFF"),
]
BAD_FILTERS = [  # (slug, filter, comment, cite keys)
    ("hash-not-last", "a/#/b", "'#' is not the last level", ["f_hash"]),
    ("hash-not-alone-after", "a#", "'#' shares its level with 'a'", ["f_hash"]),
    ("hash-not-alone-end", "a/b#", "'#' shares its level with 'b'", ["f_hash"]),
    ("hash-then-slash", "#/", "'#' followed by a separator", ["f_hash"]),
    ("hash-first-char", "#a", "'#' followed by more characters", ["f_hash"]),
    ("double-hash", "##", "'##' in one level", ["f_hash"]),
    ("plus-not-alone", "a+b", "'+' shares its level", ["f_plus"]),
    ("plus-level-prefix", "a/+b", "'+' followed by characters in its level", ["f_plus"]),
    ("plus-level-suffix", "a/b+", "'+' preceded by characters in its level", ["f_plus"]),
    ("plus-start", "+a/b", "'+a' as a level", ["f_plus"]),
    ("double-plus", "++", "'++' in one level", ["f_plus"]),
    ("plus-hash", "+#", "'+#' in one level", ["f_plus", "f_hash"]),
]
BAD_SHARES = [  # v5 only
    ("share-no-filter", "$share/g", "'$share/g' has no '/' and Topic Filter after the ShareName",
     ["share2"]),
    ("share-empty-name", "$share//a", "empty ShareName", ["share1"]),
    ("share-only-prefix", "$share/", "no ShareName and no Topic Filter", ["share1"]),
    ("share-name-plus", "$share/g+/a", "'+' in the ShareName", ["share2"]),
    ("share-name-hash", "$share/g#/a", "'#' in the ShareName", ["share2"]),
    ("share-name-is-plus", "$share/+/a", "the ShareName is '+'", ["share2"]),
    ("share-name-is-hash", "$share/#", "the ShareName is '#', no Topic Filter", ["share2"]),
    ("share-empty-filter", "$share/g/", "empty Topic Filter after the ShareName",
     ["share2", "topic_len1"]),
    ("share-bad-filter", "$share/g/a#", "Topic Filter after the ShareName is invalid",
     ["share2", "f_hash"]),
]
GOOD_FILTERS = [
    ("single-level", "a", []), ("two-levels", "a/b", []),
    ("hash-alone", "#", ["f_hash"]), ("plus-alone", "+", ["f_plus"]),
    ("plus-plus", "+/+", ["f_plus"]), ("plus-middle", "a/+/c", ["f_plus"]),
    ("hash-last", "a/#", ["f_hash"]), ("plus-then-hash", "+/#", ["f_plus", "f_hash"]),
    ("slash-only", "/", []), ("empty-levels", "//", []), ("leading-slash-hash", "/#", ["f_hash"]),
    ("dollar-sys", "$SYS/#", ["f_hash"]), ("spaces", "a b/ c", []),
    ("unicode", "caf\u00e9/\u20ac/\U0001f600", ["utf8"]),
    ("bom", "a/\ufeff/b", ["bom"]),
    ("dollar-share-like", "$shared/g/a", []),
]
GOOD_SHARES = [
    ("share", "$share/g/a/b", ["share1", "share2"]),
    ("share-hash", "$share/g/#", ["share1", "share2", "f_hash"]),
    ("share-plus", "$share/group-1/+/x", ["share1", "share2", "f_plus"]),
    ("share-long-name", "$share/" + "n" * 100 + "/a", ["share1", "share2"]),
]
WILD_TOPICS = [("plus", "a/+"), ("hash", "a/#"), ("hash-alone", "#"), ("plus-alone", "+"),
               ("plus-in-level", "a+b"), ("hash-in-level", "a#b")]


# =============================================================================================
# Case lists, one function per file
# =============================================================================================

DIR = {"5.0": "v5", "3.1.1": "v3.1.1", "3.1": "v3.1"}
VNAME = {"5.0": "MQTT 5.0", "3.1.1": "MQTT 3.1.1", "3.1": "MQTT 3.1"}


def new_file(ver, name, family, description):
    return VFile(f"{DIR[ver]}/{name}.json", ver, family, f"{VNAME[ver]} {description}")


# ---------------------------------------------------------------------------------------------
def f_primitives(ver):
    F = new_file(ver, "primitives", "prim",
                 "data types inside complete packets: UTF-8 strings, string pairs, binary data, "
                 "integers, Variable Byte Integers")
    v5 = is5(ver)
    U = ["utf8"]
    # --- well-formed UTF-8 ---
    F.valid("utf8-spec-example", "Topic Name 'A' U+2A6D4: the spec's 1-byte + 4-byte example",
            publish(ver, topic="A\U0002a6d4"), cites(ver, "utf8", "p_topic_utf8"), flags=U)
    F.valid("utf8-2-3-4-byte", "Topic Name with 2-, 3- and 4-byte characters",
            publish(ver, topic="caf\u00e9/\u20ac/\U0001f600"), cites(ver, "utf8", "p_topic_utf8"),
            flags=U)
    F.valid("utf8-range-edges", "Topic Name with U+00A0 U+07FF U+0800 U+D7FF U+E000 U+FFFD "
            "U+10000 U+10FFFD (edges of the encoding lengths and of the surrogate gap)",
            publish(ver, topic="\u00a0\u07ff\u0800\ud7ff\ue000\ufffd\U00010000\U0010fffd"),
            cites(ver, "utf8", "p_topic_utf8"), flags=U + ["boundary"])
    F.valid("utf8-bom-start", "Topic Name starting with EF BB BF: it is U+FEFF and must be kept",
            publish(ver, topic="\ufeffa/b"), cites(ver, "bom"), flags=U)
    F.valid("utf8-bom-only", "Topic Name that is just U+FEFF",
            publish(ver, topic="\ufeff"), cites(ver, "bom"), flags=U)
    F.valid("utf8-bom-middle", "Topic Name with U+FEFF between levels",
            publish(ver, topic="a/\ufeff/b"), cites(ver, "bom"), flags=U)
    F.valid("utf8-bom-client-id", "Client Identifier starting with U+FEFF, which must be kept",
            connect(ver, client_identifier="\ufeffc1"), cites(ver, "bom", "c_clientid_utf8"),
            flags=U)
    for s, text, comment in DISALLOWED_CP:
        F.acceptable(f"utf8-{s}", f"Topic Name with {comment}: SHOULD NOT be sent, a receiver "
                     "MAY treat it as Malformed", publish(ver, topic=text), 0x81, [],
                     offset="topic", flags=U)
    # --- ill-formed UTF-8 ---
    for s, data, comment, extra in BAD_UTF8:
        F.invalid(f"utf8-{s}", f"Topic Name with {comment}", publish(ver, topic=BadStr(data)),
                  0x81, cites(ver, "utf8", "p_topic_utf8", *extra), offset="topic", flags=U)
    F.invalid("utf8-nul", "Topic Name containing U+0000 (byte 00)",
              publish(ver, topic=BadStr(b"a\x00b")), 0x81,
              cites(ver, "nul", "topic_nul", "p_topic_utf8"), offset="topic", flags=U)
    F.invalid("utf8-nul-only", "Topic Name that is a single 00 byte",
              publish(ver, topic=BadStr(b"\x00")), 0x81, cites(ver, "nul", "topic_nul"),
              offset="topic", flags=U)
    F.invalid("utf8-client-id-invalid", "Client Identifier with byte 0xFF",
              connect(ver, client_identifier=BadStr(b"c\xff")), 0x81,
              cites(ver, "utf8", "c_clientid_utf8"), offset="client_identifier", flags=U)
    F.invalid("utf8-client-id-surrogate", "Client Identifier with encoded surrogate ED A0 80",
              connect(ver, client_identifier=BadStr(b"c\xed\xa0\x80")), 0x81,
              cites(ver, "utf8", "c_clientid_utf8"), offset="client_identifier", flags=U)
    F.invalid("utf8-client-id-nul", "Client Identifier containing U+0000",
              connect(ver, client_identifier=BadStr(b"c\x001")), 0x81,
              cites(ver, "nul", "c_clientid_utf8"), offset="client_identifier", flags=U)
    F.invalid("utf8-client-id-overlong-nul", "Client Identifier containing C0 80",
              connect(ver, client_identifier=BadStr(b"c\xc0\x80")), 0x81,
              cites(ver, "utf8", "nul", "c_clientid_utf8"), offset="client_identifier", flags=U)
    # --- length prefixes ---
    F.valid("string-empty", "empty Client Identifier (length 0x0000)",
            connect(ver, client_identifier=""), cites(ver, "c_clientid"), flags=["boundary"])
    F.invalid("string-length-past-end", "Topic Name length 0x000a but the packet ends 3-4 bytes "
              "later", publish(ver, topic=BadStr(b"a/b", 10), payload=b""), 0x81,
              cites(ver, "p_topic_utf8"))
    F.invalid("string-length-ffff-past-end", "Topic Name length 0xffff in a packet of a few bytes",
              publish(ver, topic=BadStr(b"abc", 0xFFFF), payload=b""), 0x81, [])
    F.invalid("string-length-odd-byte", "Remaining Length 1: only half of a Topic Name length",
              publish(ver, _body=b"\x00"), 0x81, cites(ver, "p_topic_utf8"))
    F.valid("binary-empty-payload", "PUBLISH with an empty payload (zero-length Binary)",
            publish(ver, payload=b""), cites(ver, "qos0_nopid"), flags=["boundary"])
    F.valid("binary-all-byte-values", "PUBLISH payload with every byte value 00..ff",
            publish(ver, payload=bytes(range(256))), cites(ver, "qos0_nopid"))
    # --- integers ---
    F.valid("two-byte-packet-id-max", "QoS 1 PUBLISH with Packet Identifier 65535",
            publish(ver, qos=1, pid=0xFFFF), cites(ver, "pid"), flags=["boundary"])
    F.valid("two-byte-packet-id-1", "QoS 1 PUBLISH with Packet Identifier 1",
            publish(ver, qos=1, pid=1), cites(ver, "pid"), flags=["boundary"])
    F.valid("two-byte-keep-alive-max", "CONNECT Keep Alive 65535",
            connect(ver, keep_alive=0xFFFF), [], flags=["boundary"])
    F.valid("two-byte-keep-alive-0", "CONNECT Keep Alive 0",
            connect(ver, keep_alive=0), [], flags=["boundary"])
    if not v5:
        return F
    # --- v5: four byte integers, string pairs, VBIs in properties ---
    F.valid("four-byte-max", "PUBLISH Message Expiry Interval 0xffffffff",
            publish(ver, properties={"message_expiry_interval": 0xFFFFFFFF}), [],
            flags=["boundary"])
    F.valid("four-byte-session-expiry-max", "CONNECT Session Expiry Interval 0xffffffff (never)",
            connect(ver, properties={"session_expiry_interval": 0xFFFFFFFF}), [],
            flags=["boundary"])
    F.valid("two-byte-receive-maximum-max", "CONNECT Receive Maximum 65535",
            connect(ver, properties={"receive_maximum": 0xFFFF}), [], flags=["boundary"])
    F.valid("two-byte-receive-maximum-1", "CONNECT Receive Maximum 1",
            connect(ver, properties={"receive_maximum": 1}), [], flags=["boundary"])
    F.valid("four-byte-maximum-packet-size-1", "CONNECT Maximum Packet Size 1",
            connect(ver, properties={"maximum_packet_size": 1}), [], flags=["boundary"])
    F.valid("pair-empty", "User Property with empty name and empty value",
            publish(ver, properties={"user_properties": [["", ""]]}), cites(ver, "pair"),
            flags=["boundary"])
    F.valid("pair-bom", "User Property name and value that are U+FEFF",
            publish(ver, properties={"user_properties": [["\ufeff", "\ufeffv"]]}),
            cites(ver, "pair", "bom"), flags=U)
    F.valid("pair-value-65535-bytes", "User Property value of 65535 bytes (longest string)",
            publish(ver, properties={"user_properties": [["k", "v" * 0xFFFF]]}),
            cites(ver, "pair"), flags=["boundary"])
    for which, mark in (("name", "props.user_property.v"), ("value", "props.user_property.v2")):
        pair = {"name": lambda b: (BadStr(b), "v"), "value": lambda b: ("k", BadStr(b))}[which]
        F.invalid(f"pair-{which}-invalid-utf8", f"User Property {which} with byte 0xFF",
                  publish(ver, properties=[("user_property", pair(b"x\xff"))]), 0x81,
                  cites(ver, "pair", "utf8"), offset=mark, flags=U)
        F.invalid(f"pair-{which}-surrogate", f"User Property {which} with ED B0 80 (U+DC00)",
                  publish(ver, properties=[("user_property", pair(b"\xed\xb0\x80"))]), 0x81,
                  cites(ver, "pair", "utf8"), offset=mark, flags=U)
        F.invalid(f"pair-{which}-nul", f"User Property {which} containing U+0000",
                  publish(ver, properties=[("user_property", pair(b"a\x00"))]), 0x81,
                  cites(ver, "pair", "nul"), offset=mark, flags=U)
    F.invalid("reason-string-invalid-utf8", "PUBACK Reason String with overlong E0 80 80",
              ack(ver, "PUBACK", rc=0x80, properties=[("reason_string", BadStr(b"\xe0\x80\x80"))]),
              0x81, cites(ver, "utf8"), offset="props.reason_string.v", flags=U)
    F.invalid("assigned-client-id-nul", "CONNACK Assigned Client Identifier containing U+0000",
              connack(ver, properties=[("assigned_client_identifier", BadStr(b"id\x00"))]), 0x81,
              cites(ver, "nul"), offset="props.assigned_client_identifier.v", flags=U)
    for n in (1, 127, 128, 16383, 16384, 2097151, 2097152, 268435455):
        F.valid(f"vbi-{n}", f"SUBSCRIBE Subscription Identifier {n} "
                f"({len(vbi(n))}-byte Variable Byte Integer {vbi(n).hex(' ')})",
                subscribe(ver, properties={"subscription_identifiers": [n]}), cites(ver, "vbi"),
                flags=["vbi", "boundary"])
    F.invalid("vbi-non-minimal-2-bytes", "SUBSCRIBE Subscription Identifier 1 written as 81 00",
              subscribe(ver, properties=[("subscription_identifier", Raw(b"\x81\x00"))]), 0x81,
              cites(ver, "vbi"), offset="props.subscription_identifier.v", flags=["vbi"])
    F.invalid("vbi-non-minimal-4-bytes", "SUBSCRIBE Subscription Identifier 127 written as "
              "ff 80 80 00", subscribe(ver, properties=[("subscription_identifier",
                                                          Raw(b"\xff\x80\x80\x00"))]),
              0x81, cites(ver, "vbi"), offset="props.subscription_identifier.v", flags=["vbi"])
    F.invalid("vbi-non-minimal-3-bytes", "SUBSCRIBE Subscription Identifier 16383 written as "
              "ff ff 00", subscribe(ver, properties=[("subscription_identifier",
                                                       Raw(b"\xff\xff\x00"))]),
              0x81, cites(ver, "vbi"), offset="props.subscription_identifier.v", flags=["vbi"])
    F.invalid("vbi-five-bytes", "SUBSCRIBE Subscription Identifier written with 5 bytes "
              "80 80 80 80 01", subscribe(ver, properties=[("subscription_identifier",
                                                            Raw(b"\x80\x80\x80\x80\x01"))]),
              0x81, cites(ver, "vbi"), offset="props.subscription_identifier.v", flags=["vbi"])
    F.invalid("vbi-five-bytes-ff", "SUBSCRIBE Subscription Identifier ff ff ff ff 7f (overflow)",
              subscribe(ver, properties=[("subscription_identifier",
                                          Raw(b"\xff\xff\xff\xff\x7f"))]),
              0x81, cites(ver, "vbi"), offset="props.subscription_identifier.v", flags=["vbi"])
    F.invalid("vbi-property-length-non-minimal", "PUBLISH Property Length 0 written as 80 00",
              publish(ver, _props_len_width=2), 0x81, cites(ver, "vbi"), offset="props.len",
              flags=["vbi"])
    F.invalid("vbi-property-length-non-minimal-nonzero", "PUBLISH Property Length 5 written as "
              "85 80 00", publish(ver, properties={"message_expiry_interval": 10},
                                  _props_len_width=3),
              0x81, cites(ver, "vbi"), offset="props.len", flags=["vbi"])
    F.invalid("vbi-property-length-five-bytes", "CONNECT Property Length written as "
              "80 80 80 80 00", connect(ver, _props_len_width=5), 0x81, cites(ver, "vbi"),
              offset="props.len", flags=["vbi"])
    F.invalid("vbi-property-identifier-non-minimal", "PUBLISH property identifier 1 (Payload "
              "Format Indicator) written as 81 00", publish(ver, properties=[Raw(b"\x81\x00\x01")]),
              0x81, cites(ver, "vbi"), offset="props.raw0", flags=["vbi"])
    return F


# ---------------------------------------------------------------------------------------------
def f_fixed_header(ver):
    F = new_file(ver, "fixed_header", "fh",
                 "fixed header: packet types, reserved flag bits, Remaining Length encoding")
    v5 = is5(ver)
    F.valid("pingreq", "PINGREQ: the smallest packet (2 bytes)", ping(), cites(ver, "fh"))
    # Remaining Length boundaries (PUBLISH QoS 0, topic "a")
    head = 3 + (1 if v5 else 0)
    for rl in (127, 128, 16383, 16384):
        payload = bytes(i % 251 for i in range(rl - head))
        F.valid(f"remaining-length-{rl}", f"PUBLISH with Remaining Length {rl} "
                f"(encoded {vbi(rl).hex(' ')})", publish(ver, topic="a", payload=payload),
                cites(ver, "vbi"), flags=["vbi", "boundary"])
    # non-minimal / over-long Remaining Length
    F.invalid("remaining-length-non-minimal-0", "PINGREQ with Remaining Length 0 written as "
              "80 00", ping(_rl_width=2), 0x81, cites(ver, "vbi"), offset=1, flags=["vbi"])
    F.invalid("remaining-length-non-minimal-4-bytes", "PINGRESP with Remaining Length 0 written "
              "as 80 80 80 00", ping("PINGRESP", _rl_width=4), 0x81, cites(ver, "vbi"), offset=1,
              flags=["vbi"])
    F.invalid("remaining-length-non-minimal-publish", "PUBLISH with Remaining Length 6 written "
              "as 86 00", publish(ver, topic="a", payload=b"x" * (6 - head), _rl_width=2), 0x81,
              cites(ver, "vbi"), offset=1, flags=["vbi"])
    F.invalid("remaining-length-non-minimal-128", "PUBLISH with Remaining Length 128 written as "
              "80 81 00", publish(ver, topic="a", payload=b"x" * (128 - head), _rl_width=3),
              0x81, cites(ver, "vbi"), offset=1, flags=["vbi"])
    F.invalid("remaining-length-five-bytes", "PINGREQ with a 5-byte Remaining Length "
              "80 80 80 80 00", ping(_rl_width=5), 0x81, cites(ver, "vbi"), offset=1,
              flags=["vbi"])
    F.invalid("remaining-length-five-bytes-publish", "PUBLISH whose Remaining Length 6 is "
              "written with 5 bytes", publish(ver, topic="a", payload=b"x" * (6 - head),
                                              _rl_width=5),
              0x81, cites(ver, "vbi"), offset=1, flags=["vbi"])
    # packet types that do not exist
    F.invalid("type-0", "packet type 0 (reserved)", RawPacket(b"\x00\x00"), 0x81, [], offset=0)
    F.invalid("type-0-with-body", "packet type 0 with flags 0x2 and a 2-byte body",
              RawPacket(b"\x02\x02", b"\x00\x01"), 0x81, [], offset=0)
    if not v5:
        F.invalid("type-15", "packet type 15 (reserved in 3.1.x; AUTH exists only in 5.0)",
                  RawPacket(b"\xf0\x00"), 0x81, [], offset=0)
        F.invalid("type-15-v5-auth", "a v5 AUTH packet (type 15, reason 0x18, no properties)",
                  RawPacket(b"\xf0\x02", b"\x18\x00"), 0x81, [], offset=0)
    # reserved flag bits, every type but PUBLISH (PUBLISH flags are in publish.json)
    specific = {"PUBREL": "pubrel_flags", "SUBSCRIBE": "sub_flags", "UNSUBSCRIBE": "unsub_flags",
                "DISCONNECT": "disc_flags", "AUTH": "auth_flags"}
    for t in types_for(ver):
        if t == "PUBLISH":
            continue
        good = FIXED_FLAGS[t]
        bad = [0x1, 0x2, 0x4, 0x8] if good == 0 else [0x0, 0x3, 0x6, 0xA, 0xF]
        for fl in bad:
            p = minimal(ver, t)
            p["_flags"] = fl
            F.invalid(f"flags-{t.lower()}-{fl:x}", f"{t} with fixed-header flags {fl:04b} "
                      f"(must be {good:04b})", p, 0x81,
                      cites(ver, "fh", *([specific[t]] if t in specific else [])), offset=0)
    # decoder limit
    p = publish(ver, topic="a/b", payload=b"0123456789")
    size = len(encode(p, ver).data)
    F.valid("max-packet-size-equal", f"PUBLISH of {size} bytes with max_packet_size {size}",
            p, cites(ver, "max_size_server"), max_packet_size=size, flags=["boundary"])
    F.invalid("max-packet-size-exceeded", f"PUBLISH of {size} bytes with max_packet_size "
              f"{size - 1}", p, 0x95, cites(ver, "max_size_server", "max_size_client"),
              max_packet_size=size - 1)
    F.invalid("max-packet-size-exceeded-connect", "CONNECT larger than max_packet_size 16",
              connect(ver, client_identifier="a-client-id"), 0x95, [], max_packet_size=16)
    return F


def types_for(ver):
    return [t for t in TYPE_CODE if is5(ver) or t != "AUTH"]


# ---------------------------------------------------------------------------------------------
def f_connect(ver):
    F = new_file(ver, "connect", "connect", "CONNECT: Connection Request")
    v5 = is5(ver)
    cl = "clean_start" if v5 else "clean_session"
    W = lambda **kw: will(ver, **kw)  # noqa: E731
    if v5:
        F.valid("minimal", "Clean Start, Keep Alive 60, no properties, empty Client Identifier",
                connect(ver, client_identifier=""), cites(ver, "c_clientid", "proplen0"))
        F.invalid("reserved-flag", "Connect Flags bit 0 set",
                  connect(ver, client_identifier="", _connect_flags=0x03), 0x81,
                  cites(ver, "c_reserved"), offset="connect_flags")
    else:
        F.valid("minimal", "Clean Session, Keep Alive 60, empty ClientId",
                connect(ver, client_identifier=""),
                cites(ver, "c_clientid", "c_empty_id_clean"))
        F.invalid("reserved-flag", "Connect Flags bit 0 set",
                  connect(ver, client_identifier="", _connect_flags=0x03), 0x81,
                  cites(ver, "c_reserved"), offset="connect_flags")
    F.valid("client-id", "Client Identifier 'c1', no Will, User Name or Password", connect(ver),
            cites(ver, "c_clientid", "c_clientid_utf8", "c_user0", "c_pass0"))
    F.valid(f"{slug(cl)}-0", ("Clean Start" if v5 else "Clean Session") + " 0 with a Client Identifier", connect(ver, **{cl: False}),
            cites(ver, "c_clientid"))
    F.valid("client-id-23-chars", "Client Identifier of 23 characters from the always-allowed set",
            connect(ver, client_identifier="0123456789abcdefghijKLM"), cites(ver, "c_clientid"),
            flags=["boundary"])
    F.valid("client-id-long", "Client Identifier of 200 bytes (a codec does not limit it)",
            connect(ver, client_identifier="x" * 200), cites(ver, "c_clientid"))
    F.valid("client-id-unicode", "Client Identifier with non-ASCII characters",
            connect(ver, client_identifier="cli\u00ebnt-\u4e2d"),
            cites(ver, "c_clientid_utf8", "utf8"))
    # Will
    F.valid("will-qos-0", "Will Flag, Will QoS 0, Will Retain 0",
            connect(ver, will=W()), cites(ver, "c_will_present", "c_will_qos", "c_order"))
    F.valid("will-qos-1", "Will QoS 1", connect(ver, will=W(qos=1)),
            cites(ver, "c_will_present", "c_will_qos"))
    F.valid("will-qos-2-retain", "Will QoS 2 and Will Retain",
            connect(ver, will=W(qos=2, retain=True)), cites(ver, "c_will_present", "c_will_qos"))
    F.valid("will-retain-qos-0", "Will Retain with Will QoS 0",
            connect(ver, will=W(retain=True)), cites(ver, "c_will_present"))
    F.valid("will-empty-payload", "Will with an empty payload",
            connect(ver, will=W(payload=b"")), cites(ver, "c_will_present"), flags=["boundary"])
    F.valid("will-binary-payload", "Will payload with bytes 00 ff 80",
            connect(ver, will=W(payload=b"\x00\xff\x80")), cites(ver, "c_will_present"))
    F.valid("will-topic-bom", "Will Topic containing U+FEFF",
            connect(ver, will=W(topic="w/\ufeff")), cites(ver, "c_willtopic_utf8", "bom"))
    # User Name / Password
    F.valid("username", "User Name 'user'", connect(ver, username="user"),
            cites(ver, "c_user1", "c_pass0", "c_username_utf8"))
    F.valid("username-password", "User Name and Password",
            connect(ver, username="user", password=b"secret"),
            cites(ver, "c_user1", "c_pass1", "c_order"))
    F.valid("username-empty", "empty User Name", connect(ver, username=""),
            cites(ver, "c_user1"), flags=["boundary"])
    F.valid("password-empty", "User Name and empty Password",
            connect(ver, username="u", password=b""), cites(ver, "c_pass1"), flags=["boundary"])
    F.valid("password-binary", "Password with non-UTF-8 bytes (it is Binary Data)",
            connect(ver, username="u", password=b"\x00\xff\xc0\x80"), cites(ver, "c_pass1"))
    F.valid("everything", "Will (QoS 1, retained), User Name, Password, Keep Alive 0",
            connect(ver, keep_alive=0, will=W(qos=1, retain=True), username="user",
                    password=b"pw", **{cl: False}),
            cites(ver, "c_order", "c_will_present", "c_user1", "c_pass1"))
    if v5:
        F.valid("password-without-username", "Password Flag without User Name Flag (allowed in "
                "5.0)", connect(ver, password=b"token"), cites(ver, "c_pass1", "c_user0"))
    else:
        F.invalid("password-without-username", "Password Flag without User Name Flag",
                  connect(ver, password=b"token"), 0x81, cites(ver, "c_pass_needs_user"),
                  offset="connect_flags")
        F.invalid("password-flag-only", "Password Flag without User Name Flag and no password "
                  "either", connect(ver, _connect_flags=0x42), 0x81,
                  cites(ver, "c_pass_needs_user"), offset="connect_flags")
        F.acceptable("empty-client-id-clean-session-0", "empty ClientId with CleanSession 0: the "
                     "Server answers CONNACK 0x02 (Identifier rejected)",
                     connect(ver, client_identifier="", clean_session=False), 0x85,
                     cites(ver, "c_empty_id_clean"))
    # Connect Flags
    for fl, s, c, key in [
        (0x0A, "will-flag-0-will-qos-1", "Will Flag 0 with Will QoS 1", "c_willflag0_qos"),
        (0x12, "will-flag-0-will-qos-2", "Will Flag 0 with Will QoS 2", "c_willflag0_qos"),
        (0x1A, "will-flag-0-will-qos-3", "Will Flag 0 with Will QoS 3", "c_willflag0_qos"),
        (0x22, "will-flag-0-will-retain", "Will Flag 0 with Will Retain", "c_willflag0_retain"),
        (0x2A, "will-flag-0-will-retain-qos-1", "Will Flag 0 with Will Retain and Will QoS 1",
         ("c_willflag0_retain", "c_willflag0_qos")),
        (0x01, "reserved-flag-alone", "only the reserved bit set (Clean flag 0)", "c_reserved"),
        (0xFF, "all-flags", "Connect Flags 0xff (reserved bit and Will QoS 3)", "c_reserved"),
    ]:
        keys = key if isinstance(key, tuple) else (key,)
        F.invalid(s, c, connect(ver, _connect_flags=fl), 0x81, cites(ver, *keys),
                  offset="connect_flags")
    F.invalid("will-qos-3", "Will Flag with Will QoS 3", connect(ver, will=W(), _connect_flags=0x1E),
              0x81, cites(ver, "c_will_qos"), offset="connect_flags")
    F.invalid("will-qos-3-retain", "Will Flag, Will Retain, Will QoS 3",
              connect(ver, will=W(), _connect_flags=0x3E), 0x81, cites(ver, "c_will_qos"),
              offset="connect_flags")
    # flags vs payload
    F.invalid("will-flag-without-will", "Will Flag set but the payload ends after the Client "
              "Identifier", connect(ver, _connect_flags=0x06), 0x81, cites(ver, "c_will_present"))
    F.invalid("will-missing-payload", "Will Flag set, Will Topic present, Will Payload missing",
              connect(ver, will=W(), _payload=encode_fields(ver, "c1", will_props=True,
                                                            topic="w/t")),
              0x81, cites(ver, "c_will_present"))
    F.invalid("username-flag-without-username", "User Name Flag set but no User Name",
              connect(ver, _connect_flags=0x82), 0x81, cites(ver, "c_user1"))
    F.invalid("username-without-flag", "a User Name after the Client Identifier but User Name "
              "Flag 0", connect(ver, _trailing=u16(4) + b"user"), 0x81, cites(ver, "c_user0"))
    F.invalid("password-flag-without-password", "User Name and Password Flags set, Password "
              "missing", connect(ver, username="u", _connect_flags=0xC2), 0x81,
              cites(ver, "c_pass1"))
    F.invalid("password-without-flag", "User Name, then a Password although Password Flag is 0",
              connect(ver, username="u", _trailing=u16(2) + b"pw"), 0x81, cites(ver, "c_pass0"))
    F.invalid("missing-client-id", "payload empty: no Client Identifier",
              connect(ver, _payload=b""), 0x81, cites(ver, "c_clientid"))
    F.invalid("client-id-length-past-end", "Client Identifier length 5 with 2 bytes left",
              connect(ver, client_identifier=BadStr(b"c1", 5)), 0x81, cites(ver, "c_clientid"))
    F.invalid("will-payload-length-past-end", "Will Payload length 100 with 3 bytes left",
              connect(ver, will=W(payload=BadStr(b"bye", 100))), 0x81,
              cites(ver, "c_will_present"))
    F.invalid("password-length-past-end", "Password length 9 with 2 bytes left",
              connect(ver, username="u", password=BadStr(b"pw", 9)), 0x81, cites(ver, "c_pass1"))
    F.invalid("trailing-bytes", "one byte after the Password",
              connect(ver, username="u", password=b"pw", _trailing=b"\x00"), 0x81,
              cites(ver, "c_format"))
    # strings
    F.invalid("username-invalid-utf8", "User Name with byte 0xFF",
              connect(ver, username=BadStr(b"us\xffer")), 0x81,
              cites(ver, "c_username_utf8", "utf8"), offset="username", flags=["utf8"])
    F.invalid("username-nul", "User Name containing U+0000",
              connect(ver, username=BadStr(b"us\x00er")), 0x81,
              cites(ver, "c_username_utf8", "nul"), offset="username", flags=["utf8"])
    F.invalid("will-topic-invalid-utf8", "Will Topic with encoded surrogate ED A0 80",
              connect(ver, will=W(topic=BadStr(b"w/\xed\xa0\x80"))), 0x81,
              cites(ver, "c_willtopic_utf8", "utf8"), offset="will_topic", flags=["utf8"])
    F.invalid("will-topic-nul", "Will Topic containing U+0000",
              connect(ver, will=W(topic=BadStr(b"w/\x00"))), 0x81,
              cites(ver, "c_willtopic_utf8", "nul", "topic_nul"), offset="will_topic",
              flags=["utf8"])
    F.invalid("will-topic-wildcard-plus", "Will Topic 'w/+' (a Topic Name with a wildcard)",
              connect(ver, will=W(topic="w/+")), 0x82, cites(ver, "wild_in_name"),
              offset="will_topic")
    F.invalid("will-topic-wildcard-hash", "Will Topic 'w/#'",
              connect(ver, will=W(topic="w/#")), 0x82, cites(ver, "wild_in_name"),
              offset="will_topic")
    F.invalid("will-topic-empty", "empty Will Topic (Topic Names are at least one character)",
              connect(ver, will=W(topic="")), 0x82, cites(ver, "topic_len1"),
              offset="will_topic")
    # truncation
    full = encode(connect(ver), ver).segments[1]
    for s, n, c in [("truncated-protocol-name", 4, "the packet ends inside the Protocol Name"),
                    ("truncated-before-flags", 7, "the packet ends after the Protocol Level"),
                    ("truncated-keep-alive", 9, "the packet ends inside Keep Alive")]:
        F.invalid(s, c, connect(ver, _body=full[:n]), 0x81, cites(ver, "c_format"))
    if not v5:
        return F
    F.invalid("missing-properties", "the packet ends after Keep Alive: no Property Length",
              connect(ver, _body=full[:10]), 0x81, cites(ver, "proplen0"))
    F.invalid("property-length-past-end", "Property Length 20 but only the Client Identifier "
              "follows", connect(ver, _props_len=20), 0x81, cites(ver, "c_format"))
    F.invalid("will-property-length-past-end", "Will Property Length 40 runs past the packet",
              connect(ver, will=W(_props_len=40)), 0x81, cites(ver, "c_will_present"))
    F.invalid("authentication-data-without-method", "Authentication Data without Authentication "
              "Method", connect(ver, properties={"authentication_data": b"\x01\x02"}), 0x82, [])
    F.invalid("will-authentication-data-only", "Will Properties with Authentication Data (not "
              "a Will property)", connect(ver, will=W(properties={"authentication_data": b"x"})),
              0x81, [], offset="will.authentication_data")
    # properties: every allowed one, alone
    add_allowed_properties(F, "CONNECT", "CONNECT property")
    add_allowed_properties(F, "WILL", "CONNECT Will property")
    rich = {"session_expiry_interval": 86400, "authentication_method": "SCRAM-SHA-256",
            "authentication_data": b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
            "request_problem_information": 0, "request_response_information": 1,
            "receive_maximum": 20, "topic_alias_maximum": 10,
            "user_properties": [["region", "eu"], ["region", "us"], ["\u00e9", "\u20ac"]],
            "maximum_packet_size": 1048576}
    wrich = {"payload_format_indicator": 1, "message_expiry_interval": 600,
             "content_type": "application/json", "response_topic": "status/replies",
             "correlation_data": b"\xca\xfe", "will_delay_interval": 5,
             "user_properties": [["k", "v"]]}
    F.valid("rich", "every CONNECT property and every Will property, User Name, Password",
            connect(ver, clean_start=False, keep_alive=30, properties=rich,
                    client_identifier="rich-client",
                    will=W(qos=2, retain=True, payload=b'{"online":false}', properties=wrich),
                    username="alice", password=b"s3cr3t"),
            cites(ver, "c_order", "c_will_present", "c_user1", "c_pass1"))
    F.valid("properties-out-of-order", "CONNECT properties in descending identifier order "
            "(order has no meaning; the encoder sorts them)",
            connect(ver, properties=[("maximum_packet_size", 4096), ("receive_maximum", 5),
                                     ("session_expiry_interval", 10)]),
            [], canonical=False, flags=["property-order"])
    return F


def encode_fields(ver, client_id, will_props=False, topic=None):
    """Raw CONNECT payload pieces (for payloads that stop part-way)."""
    out = u16(len(client_id)) + client_id.encode()
    if will_props and is5(ver):
        out += b"\x00"
    if topic is not None:
        out += u16(len(topic)) + topic.encode()
    return out


# ---------------------------------------------------------------------------------------------
def f_connack(ver):
    F = new_file(ver, "connack", "connack", "CONNACK: Connect acknowledgement")
    v5 = is5(ver)
    if v5:
        F.valid("minimal", "Session Present 0, Success, no properties",
                connack(ver), cites(ver, "proplen0", "ca_codes"))
        F.valid("session-present", "Session Present 1, Success", connack(ver, sp=True),
                cites(ver, "ca_reserved"))
        for c in CODES["CONNACK"][1:]:
            F.valid(f"code-{rc_slug(c)}", f"Reason Code 0x{c:02x} ({rc_text(c)}), Session Present 0",
                    connack(ver, rc=c), cites(ver, "ca_codes", "ca_sp_fail"))
        for c in disallowed_codes("CONNACK"):
            F.invalid(f"bad-code-{rc_slug(c)}", f"Reason Code 0x{c:02x} ({rc_text(c)}): not a CONNACK code",
                      connack(ver, rc=c), 0x81, cites(ver, "ca_codes"), offset="reason_code")
        F.invalid("missing-property-length", "Remaining Length 2: the Property Length is missing",
                  connack(ver, _form="noprops"), 0x81, cites(ver, "proplen0"))
        F.invalid("property-length-past-end", "Property Length 9 with nothing after it",
                  connack(ver, _props_len=9), 0x81, [])
        F.invalid("trailing-bytes", "one byte after the properties",
                  connack(ver, _trailing=b"\x00"), 0x81, [])
        add_allowed_properties(F, "CONNACK", "CONNACK property")
        rich = {"session_expiry_interval": 0xFFFFFFFF, "assigned_client_identifier":
                "auto-0f3c2d", "server_keep_alive": 30, "authentication_method": "SCRAM-SHA-256",
                "authentication_data": b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
                "response_information": "resp/auto-0f3c2d", "server_reference": "b.example",
                "reason_string": "welcome", "receive_maximum": 10, "topic_alias_maximum": 5,
                "maximum_qos": 1, "retain_available": 1,
                "user_properties": [["a", "1"], ["b", "2"]], "maximum_packet_size": 262144,
                "wildcard_subscription_available": 1, "subscription_identifier_available": 1,
                "shared_subscription_available": 0}
        F.valid("rich", "Success with every CONNACK property", connack(ver, properties=rich),
                cites(ver, "pair"))
        F.valid("refused-with-reason", "0x9C Use another server with Server Reference and "
                "Reason String", connack(ver, rc=0x9C, properties={
                    "server_reference": "other:1883", "reason_string": "moved"}),
                cites(ver, "ca_codes", "ca_sp_fail"))
        F.valid("properties-out-of-order", "CONNACK properties out of identifier order",
                connack(ver, properties=[("topic_alias_maximum", 5), ("maximum_qos", 0),
                                         ("assigned_client_identifier", "x")]),
                [], canonical=False, flags=["property-order"])
    else:
        F.valid("minimal", "Session Present 0, return code 0 (accepted)", connack(ver), [])
        F.valid("session-present", "Session Present 1, return code 0", connack(ver, sp=True), [])
        names = {1: "unacceptable-protocol-version", 2: "identifier-rejected",
                 3: "server-unavailable", 4: "bad-user-name-or-password", 5: "not-authorized"}
        for c, n in names.items():
            F.valid(f"code-{c:02x}-{n}", f"return code {c} ({n.replace('-', ' ')})",
                    connack(ver, rc=c), cites(ver, "ca_sp_fail"))
        for c in (6, 0x80, 0x84, 0xFF):
            F.invalid(f"bad-code-{c:02x}", f"return code 0x{c:02x} (reserved)",
                      connack(ver, rc=c), 0x81, [], offset="reason_code")
        F.invalid("remaining-length-3", "a third byte after the return code (v5-style property "
                  "length)", connack(ver, _trailing=b"\x00"), 0x81, [])
        F.invalid("remaining-length-1", "Remaining Length 1: return code missing",
                  connack(ver, _body=b"\x00"), 0x81, [])
    # both versions
    for fl in (0x02, 0x80, 0xFE, 0x03):
        F.invalid(f"ack-flags-{fl:02x}", f"Connect Acknowledge Flags 0x{fl:02x}: reserved bits "
                  "set", connack(ver, _ack_flags=fl), 0x81, cites(ver, "ca_reserved"),
                  offset="ack_flags")
    fails = [0x80, 0x84, 0x87, 0x9F] if v5 else [1, 2, 3, 4, 5]
    for c in fails:
        F.invalid(f"session-present-with-{c:02x}", f"Session Present 1 with failure code 0x{c:02x}",
                  connack(ver, rc=c, sp=True), 0x81, cites(ver, "ca_sp_fail"))
    return F


# ---------------------------------------------------------------------------------------------
def f_publish(ver):
    F = new_file(ver, "publish", "publish", "PUBLISH: Publish message")
    v5 = is5(ver)
    F.valid("qos0-minimal", "QoS 0, Topic Name 'a', empty payload",
            publish(ver, topic="a", payload=b""), cites(ver, "qos0_nopid", "p_topic_utf8"))
    F.valid("qos0", "QoS 0 'a/b' payload 'hi' (no Packet Identifier)", publish(ver),
            cites(ver, "qos0_nopid"))
    F.valid("qos1", "QoS 1, Packet Identifier 1", publish(ver, qos=1), cites(ver, "pid"))
    F.valid("qos2", "QoS 2, Packet Identifier 2", publish(ver, qos=2, pid=2), cites(ver, "pid"))
    F.valid("qos1-packet-id-max", "QoS 1, Packet Identifier 65535",
            publish(ver, qos=1, pid=0xFFFF), cites(ver, "pid"), flags=["boundary"])
    F.valid("qos2-packet-id-max", "QoS 2, Packet Identifier 65535",
            publish(ver, qos=2, pid=0xFFFF), cites(ver, "pid"), flags=["boundary"])
    F.valid("retain", "QoS 0 with RETAIN", publish(ver, retain=True), [])
    F.valid("retain-empty-payload", "RETAIN with an empty payload (clears the retained message)",
            publish(ver, retain=True, payload=b""), [])
    F.valid("dup-qos1", "DUP with QoS 1", publish(ver, qos=1, dup=True, pid=7), [])
    F.valid("dup-qos2-retain", "DUP, QoS 2, RETAIN (flags 1101)",
            publish(ver, qos=2, dup=True, retain=True, pid=9), [])
    F.valid("topic-slash", "Topic Name '/'", publish(ver, topic="/"), cites(ver, "topic_len1"))
    F.valid("topic-dollar", "Topic Name '$SYS/broker/load'",
            publish(ver, topic="$SYS/broker/load"), [])
    F.valid("topic-space", "Topic Name ' ' (a single space)", publish(ver, topic=" "),
            cites(ver, "topic_len1"))
    F.valid("topic-empty-levels", "Topic Name 'a//b/'", publish(ver, topic="a//b/"), [])
    F.valid("topic-share-like", "Topic Name '$share/g/a' (only filters have shared meaning)",
            publish(ver, topic="$share/g/a"), [])
    F.valid("topic-bom", "Topic Name 'a/' U+FEFF, kept as is", publish(ver, topic="a/\ufeff"),
            cites(ver, "bom"), flags=["utf8"])
    big = "t/" + "x" * (0xFFFF - 2)
    F.valid("topic-65535-bytes", "Topic Name of 65535 bytes (the longest possible)",
            publish(ver, topic=big, payload=b""), cites(ver, "topic_max"), flags=["boundary"])
    F.valid("payload-binary", "payload with bytes 00..ff", publish(ver, payload=bytes(range(256))),
            [])
    # fixed-header flags
    for fl, s, c, key in [(0x6, "qos-3", "QoS 3 (flags 0110)", "p_qos3"),
                          (0x7, "qos-3-retain", "QoS 3 with RETAIN (flags 0111)", "p_qos3"),
                          (0xE, "qos-3-dup", "QoS 3 with DUP (flags 1110)", "p_qos3"),
                          (0xF, "qos-3-all", "flags 1111", "p_qos3")]:
        F.invalid(s, c, publish(ver, qos=1, _flags=fl), 0x81, cites(ver, key, "fh"), offset=0)
    F.invalid("dup-qos-0", "DUP with QoS 0 (flags 1000)", publish(ver, _flags=0x8), 0x81,
              cites(ver, "p_dup_qos0"), offset=0)
    F.invalid("dup-qos-0-retain", "DUP with QoS 0 and RETAIN (flags 1001)",
              publish(ver, _flags=0x9), 0x81, cites(ver, "p_dup_qos0"), offset=0)
    # packet identifier
    for q in (1, 2):
        F.invalid(f"qos{q}-packet-id-0", f"QoS {q} with Packet Identifier 0",
                  publish(ver, qos=q, pid=0), 0x82, cites(ver, "pid"), offset="packet_id")
    F.invalid("qos1-missing-packet-id", "QoS 1 but the packet ends after the Topic Name",
              publish(ver, qos=1, payload=b"", _body=u16(1) + b"a"), 0x81, cites(ver, "pid"))
    # topic name
    for s, t in WILD_TOPICS:
        F.invalid(f"topic-wildcard-{s}", f"Topic Name '{t}' contains a wildcard",
                  publish(ver, topic=t), 0x82, cites(ver, "p_topic_nowild"), offset="topic")
    if v5:
        F.invalid("topic-empty", "empty Topic Name and no Topic Alias",
                  publish(ver, topic=""), 0x82, cites(ver, "topic_len1"))
    else:
        F.invalid("topic-empty", "empty Topic Name", publish(ver, topic=""), 0x82,
                  cites(ver, "topic_len1"), offset="topic")
    F.invalid("topic-length-past-end", "Topic Name length 300 in a short packet",
              publish(ver, topic=BadStr(b"a/b", 300)), 0x81, cites(ver, "p_topic_utf8"))
    if not v5:
        return F
    F.invalid("missing-property-length", "QoS 0, the packet ends after the Topic Name",
              publish(ver, _body=u16(1) + b"a"), 0x81, cites(ver, "proplen0"))
    F.invalid("qos1-missing-property-length", "QoS 1, the packet ends after the Packet "
              "Identifier", publish(ver, qos=1, _body=u16(1) + b"a" + u16(1)), 0x81,
              cites(ver, "proplen0"))
    F.invalid("property-length-past-end", "Property Length 100 runs past the packet",
              publish(ver, _props_len=100), 0x81, [])
    F.invalid("property-length-into-payload", "Property Length 2 but no properties: payload "
              "bytes 26 00 read as a User Property cut off by the Property Length", publish(ver, payload=b"\x26\x00\x01",
                                                                  _props_len=2),
              0x81, [])
    # properties: every allowed one, alone
    add_allowed_properties(F, "PUBLISH", "PUBLISH property")
    F.valid("correlation-data-empty", "empty Correlation Data",
            publish(ver, properties={"correlation_data": b""}), [], flags=["boundary"])
    F.valid("payload-format-utf8", "Payload Format Indicator 1 with a UTF-8 payload",
            publish(ver, payload="h\u00e9llo".encode(), properties={"payload_format_indicator": 1}),
            [])
    F.acceptable("payload-format-utf8-bad-payload", "Payload Format Indicator 1 but the payload "
                 "is not UTF-8: a receiver MAY check and refuse with 0x99",
                 publish(ver, payload=b"\xff\xfe", properties={"payload_format_indicator": 1}),
                 0x99, [])
    F.valid("user-properties-same-name", "three User Properties, two with the same name, order "
            "kept", publish(ver, properties={"user_properties": [["a", "1"], ["b", "2"],
                                                                   ["a", "3"]]}),
            cites(ver, "pair"))
    F.valid("subscription-identifier-max", "Subscription Identifier 268435455 from the Server",
            publish(ver, properties={"subscription_identifiers": [268435455]}), cites(ver, "vbi"),
            direction=S2C, flags=["boundary"])
    F.valid("subscription-identifiers-multiple", "three Subscription Identifiers from the Server",
            publish(ver, properties={"subscription_identifiers": [1, 16384, 268435455]}),
            cites(ver, "vbi"), direction=S2C)
    F.invalid("subscription-identifier-from-client", "Subscription Identifier in a PUBLISH sent "
              "by a Client", publish(ver, properties={"subscription_identifiers": [5]}), 0x82,
              cites(ver, "p_subid_c2s"), offset="props.subscription_identifier", direction=C2S)
    F.invalid("subscription-identifier-from-client-qos1", "QoS 1 PUBLISH from a Client with a "
              "User Property and a Subscription Identifier",
              publish(ver, qos=1, properties={"subscription_identifiers": [1],
                                              "user_properties": [["k", "v"]]}), 0x82,
              cites(ver, "p_subid_c2s"), offset="props.subscription_identifier", direction=C2S)
    F.invalid("subscription-identifier-0", "Subscription Identifier 0 (from the Server)",
              publish(ver, properties={"subscription_identifiers": [0]}), 0x82, [],
              offset="props.subscription_identifier", direction=S2C)
    F.invalid("subscription-identifier-0-second", "Subscription Identifiers 3 and 0",
              publish(ver, properties={"subscription_identifiers": [3, 0]}), 0x82, [],
              offset="props.subscription_identifier#2", direction=S2C)
    # Topic Alias
    F.valid("topic-alias-with-topic", "Topic Name 'a/b' and Topic Alias 1 (sets the alias)",
            publish(ver, properties={"topic_alias": 1}), [])
    F.valid("topic-alias-empty-topic", "empty Topic Name with Topic Alias 1 (uses the alias)",
            publish(ver, topic="", properties={"topic_alias": 1}), cites(ver, "topic_len1"))
    F.valid("topic-alias-65535", "Topic Alias 65535 (decoder default topic_alias_maximum)",
            publish(ver, properties={"topic_alias": 65535}), [], flags=["boundary"])
    F.valid("topic-alias-at-maximum", "Topic Alias 30 with topic_alias_maximum 30",
            publish(ver, properties={"topic_alias": 30}), cites(ver, "p_alias_max"),
            topic_alias_maximum=30, flags=["boundary"])
    F.invalid("topic-alias-above-maximum", "Topic Alias 31 with topic_alias_maximum 30",
              publish(ver, properties={"topic_alias": 31}), 0x94, cites(ver, "p_alias_max"),
              topic_alias_maximum=30)
    F.invalid("topic-alias-none-allowed", "Topic Alias 1 with topic_alias_maximum 0",
              publish(ver, properties={"topic_alias": 1}), 0x94, cites(ver, "p_alias_max"),
              topic_alias_maximum=0)
    F.invalid("topic-alias-0", "Topic Alias 0", publish(ver, properties={"topic_alias": 0}),
              0x94, cites(ver, "p_alias0"), offset="props.topic_alias")
    F.invalid("topic-alias-0-empty-topic", "empty Topic Name with Topic Alias 0",
              publish(ver, topic="", properties={"topic_alias": 0}), 0x94,
              cites(ver, "p_alias0"), offset="props.topic_alias")
    # Response Topic / Content Type
    for s, t in [("plus", "reply/+"), ("hash", "reply/#")]:
        F.invalid(f"response-topic-wildcard-{s}", f"Response Topic '{t}'",
                  publish(ver, properties={"response_topic": t}), 0x82,
                  cites(ver, "p_resp_nowild"), offset="props.response_topic.v")
    F.invalid("response-topic-invalid-utf8", "Response Topic with byte 0xC0 0xAF (overlong '/')",
              publish(ver, properties={"response_topic": BadStr(b"r\xc0\xaf")}), 0x81,
              cites(ver, "p_resp_utf8", "utf8"), offset="props.response_topic.v", flags=["utf8"])
    F.invalid("response-topic-nul", "Response Topic containing U+0000",
              publish(ver, properties={"response_topic": BadStr(b"r/\x00")}), 0x81,
              cites(ver, "p_resp_utf8", "nul"), offset="props.response_topic.v", flags=["utf8"])
    F.invalid("content-type-invalid-utf8", "Content Type with surrogate ED BF BF",
              publish(ver, properties={"content_type": BadStr(b"text/\xed\xbf\xbf")}), 0x81,
              cites(ver, "p_ctype_utf8", "utf8"), offset="props.content_type.v", flags=["utf8"])
    F.invalid("content-type-nul", "Content Type containing U+0000",
              publish(ver, properties={"content_type": BadStr(b"a\x00")}), 0x81,
              cites(ver, "p_ctype_utf8", "nul"), offset="props.content_type.v", flags=["utf8"])
    rich = {"payload_format_indicator": 1, "message_expiry_interval": 60,
            "content_type": "application/json", "response_topic": "reply/42",
            "correlation_data": b"\x00\x00\x00\x2a", "subscription_identifiers": [7, 300],
            "topic_alias": 3, "user_properties": [["trace", "abc"], ["hop", "1"]]}
    F.valid("rich", "QoS 2, RETAIN, every PUBLISH property (from the Server)",
            publish(ver, qos=2, retain=True, pid=0x1234, topic="sensors/t1",
                    payload=b'{"t":21.5}', properties=rich),
            cites(ver, "pair", "vbi"), direction=S2C)
    F.valid("properties-out-of-order", "PUBLISH properties in descending identifier order",
            publish(ver, properties=[("user_property", ("z", "1")), ("topic_alias", 2),
                                     ("content_type", "text/plain"),
                                     ("payload_format_indicator", 0)]),
            [], canonical=False, flags=["property-order"])
    F.valid("properties-interleaved-user", "User Properties interleaved with other properties "
            "(the relative order of User Properties is kept)",
            publish(ver, properties=[("user_property", ("a", "1")), ("content_type", "t"),
                                     ("user_property", ("b", "2"))]),
            cites(ver, "pair"), canonical=False, flags=["property-order"])
    return F


# ---------------------------------------------------------------------------------------------
def f_ack(ver):
    F = new_file(ver, "ack", "ack", "PUBACK, PUBREC, PUBREL, PUBCOMP: QoS 1 and QoS 2 "
                 "acknowledgements")
    v5 = is5(ver)
    for t in ACKS:
        lt = t.lower()
        F.valid(f"{lt}-minimal", f"{t} Packet Identifier 1" + (
            " (Reason Code and Property Length omitted: Success)" if v5 else ""),
            ack(ver, t), cites(ver, "pid_echo"), flags=["short-form"] if v5 else None)
        F.valid(f"{lt}-packet-id-max", f"{t} Packet Identifier 65535",
                ack(ver, t, pid=0xFFFF), cites(ver, "pid_echo"), flags=["boundary"])
        F.invalid(f"{lt}-packet-id-0", f"{t} Packet Identifier 0", ack(ver, t, pid=0), 0x82,
                  cites(ver, "pid_echo"), offset="packet_id")
        F.invalid(f"{lt}-remaining-length-1", f"{t} with Remaining Length 1",
                  ack(ver, t, _body=b"\x00"), 0x81, [])
        F.invalid(f"{lt}-remaining-length-0", f"{t} with Remaining Length 0",
                  ack(ver, t, _body=b""), 0x81, [])
        if not v5:
            F.invalid(f"{lt}-remaining-length-3", f"{t} with a third byte (a v5 Reason Code)",
                      ack(ver, t, _trailing=b"\x00"), 0x81, [])
            F.invalid(f"{lt}-remaining-length-4", f"{t} with v5 Reason Code and Property Length",
                      ack(ver, t, _trailing=b"\x00\x00"), 0x81, [])
            continue
        cc = CODE_CITE[t]
        F.valid(f"{lt}-success-explicit", f"{t} with Reason Code 0x00 written out (RL 3)",
                ack(ver, t, _form="rc"), cites(ver, cc), canonical=False, flags=["short-form"])
        F.valid(f"{lt}-success-empty-properties", f"{t} with Reason Code 0x00 and Property "
                "Length 0 (RL 4)", ack(ver, t, _form="full"), cites(ver, cc), canonical=False)
        for c in CODES[t][1:]:
            F.valid(f"{lt}-code-{rc_slug(c)}", f"{t} Reason Code 0x{c:02x} ({rc_text(c)}) "
                    "(Property Length omitted)", ack(ver, t, rc=c), cites(ver, cc),
                    direction=SENT_BY.get(t, {}).get(c), flags=["short-form"])
        c1 = CODES[t][-1]
        F.valid(f"{lt}-code-{c1:02x}-empty-properties", f"{t} Reason Code 0x{c1:02x} with "
                "Property Length 0", ack(ver, t, rc=c1, _form="full"), cites(ver, cc),
                canonical=False)
        F.valid(f"{lt}-code-{c1:02x}-with-properties", f"{t} Reason Code 0x{c1:02x}, Reason "
                "String and two User Properties", ack(ver, t, rc=c1, properties={
                    "reason_string": "no such id", "user_properties": [["x", "1"], ["x", "2"]]}),
                cites(ver, cc, "pair"))
        for c in disallowed_codes(t):
            F.invalid(f"{lt}-bad-code-{rc_slug(c)}", f"{t} Reason Code 0x{c:02x} ({rc_text(c)}): not in the "
                      f"{t} table", ack(ver, t, rc=c), 0x81, cites(ver, cc), offset="reason_code")
        for c, d in SENT_BY.get(t, {}).items():
            other = C2S if d == S2C else S2C
            F.acceptable(f"{lt}-code-{c:02x}-wrong-direction", f"{t} Reason Code 0x{c:02x} "
                         f"({rc_text(c)}) sent {other.replace('-', ' ')}: the table reserves it "
                         "for the other side", ack(ver, t, rc=c), 0x82, cites(ver, cc),
                         direction=other)
        F.invalid(f"{lt}-property-length-past-end", f"{t} Property Length 5 with nothing after",
                  ack(ver, t, _form="full", _props_len=5), 0x81, [])
        F.invalid(f"{lt}-trailing-bytes", f"{t} with a byte after the properties",
                  ack(ver, t, _form="full", _trailing=b"\x00"), 0x81, [])
        add_allowed_properties(F, t, f"{t} property", prefix=f"{lt}-")
    return F


# ---------------------------------------------------------------------------------------------
def f_subscribe(ver):
    F = new_file(ver, "subscribe", "subscribe", "SUBSCRIBE: Subscribe request")
    v5 = is5(ver)
    G = lambda f, **kw: flt(ver, f, **kw)  # noqa: E731
    F.valid("minimal", "one Topic Filter 'a/b', QoS 0", subscribe(ver),
            cites(ver, "sub_nonempty", "sub_utf8", "pid"))
    F.valid("qos-1", "Topic Filter with QoS 1", subscribe(ver, [G("a/b", qos=1)]), [])
    F.valid("qos-2", "Topic Filter with QoS 2", subscribe(ver, [G("a/b", qos=2)]), [])
    F.valid("packet-id-max", "Packet Identifier 65535", subscribe(ver, pid=0xFFFF),
            cites(ver, "pid"), flags=["boundary"])
    F.valid("multiple-filters", "three Topic Filters with QoS 0, 1, 2",
            subscribe(ver, [G("a", qos=0), G("b/+", qos=1), G("c/#", qos=2)]),
            cites(ver, "sub_nonempty"))
    for s, f, keys in GOOD_FILTERS:
        F.valid(f"filter-{s}", f"Topic Filter '{f}'", subscribe(ver, [G(f)]),
                cites(ver, "sub_utf8", *keys))
    F.valid("filter-65535-bytes", "Topic Filter of 65535 bytes ending in '/#'",
            subscribe(ver, [G("f/" + "y" * (0xFFFF - 4) + "/#")]), cites(ver, "topic_max"),
            flags=["boundary"])
    if not v5:
        for s, f in [("share-no-filter", "$share/g"), ("share-empty-name", "$share//a"),
                     ("share-name-plus", "$share/+/a")]:
            F.valid(f"filter-{s}", f"Topic Filter '{f}': no shared subscriptions in 3.1.1, so "
                    "this is an ordinary filter", subscribe(ver, [G(f)]), cites(ver, "sub_utf8"))
    F.invalid("packet-id-0", "Packet Identifier 0", subscribe(ver, pid=0), 0x82,
              cites(ver, "pid"), offset="packet_id")
    F.invalid("empty-payload", "no Topic Filter at all", subscribe(ver, []), 0x82,
              cites(ver, "sub_nonempty"))
    for s, f, c, keys in BAD_FILTERS:
        F.invalid(f"filter-{s}", f"Topic Filter '{f}': {c}", subscribe(ver, [G(f)]), 0x82,
                  cites(ver, *keys), offset="filter0")
    F.invalid("filter-empty", "empty Topic Filter", subscribe(ver, [G("")]), 0x82,
              cites(ver, "topic_len1"), offset="filter0")
    F.invalid("second-filter-invalid", "Topic Filters 'a/b' and 'a/#/b'",
              subscribe(ver, [G("a/b"), G("a/#/b")]), 0x82, cites(ver, "f_hash"),
              offset="filter1")
    F.invalid("filter-invalid-utf8", "Topic Filter with byte 0xFF",
              subscribe(ver, [G(BadStr(b"a/\xff"))]), 0x81, cites(ver, "sub_utf8", "utf8"),
              offset="filter0", flags=["utf8"])
    F.invalid("filter-surrogate", "Topic Filter with encoded surrogate ED A0 80",
              subscribe(ver, [G(BadStr(b"a/\xed\xa0\x80"))]), 0x81,
              cites(ver, "sub_utf8", "utf8"), offset="filter0", flags=["utf8"])
    F.invalid("filter-nul", "Topic Filter containing U+0000",
              subscribe(ver, [G(BadStr(b"a/\x00/#"))]), 0x81,
              cites(ver, "sub_utf8", "nul", "topic_nul"), offset="filter0", flags=["utf8"])
    F.invalid("missing-options", "Topic Filter without its options byte",
              subscribe(ver, [G("a/b", _no_options=True)]), 0x81, cites(ver, "sub_nonempty"))
    F.invalid("second-missing-options", "second Topic Filter without its options byte",
              subscribe(ver, [G("a"), G("b", _no_options=True)]), 0x81, [])
    F.invalid("filter-length-past-end", "Topic Filter length 50 with 4 bytes left",
              subscribe(ver, [G(BadStr(b"a/b", 50), _no_options=True)], _trailing=b"\x00"),
              0x81, [])
    if not v5:
        for val, s, c, rc in [(0x03, "requested-qos-3", "Requested QoS 3 (3.1.1 calls it malformed)", 0x81),
                              (0x04, "reserved-bit-2", "Requested QoS byte 0x04", 0x81),
                              (0x10, "reserved-bit-4", "Requested QoS byte 0x10", 0x81),
                              (0x80, "reserved-bit-7", "Requested QoS byte 0x80", 0x81),
                              (0xFC, "reserved-bits-all", "Requested QoS byte 0xfc", 0x81)]:
            F.invalid(s, c, subscribe(ver, [G("a/b", _options=val)]), rc,
                      cites(ver, "sub_opts_reserved"), offset="options0")
        return F
    for s, f, keys in GOOD_SHARES:
        F.valid(f"filter-{s}", f"shared subscription '{f}'",
                subscribe(ver, [G(f, qos=1)]), cites(ver, "sub_utf8", *keys))
    for s, f, c, keys in BAD_SHARES:
        F.invalid(f"filter-{s}", f"Topic Filter '{f}': {c}", subscribe(ver, [G(f)]), 0x82,
                  cites(ver, *keys), offset="filter0")
    # Subscription Options
    F.valid("options-no-local", "No Local", subscribe(ver, [G("a/b", nl=True)]), [])
    F.valid("options-retain-as-published", "Retain As Published",
            subscribe(ver, [G("a/b", rap=True)]), [])
    F.valid("options-retain-handling-1", "Retain Handling 1",
            subscribe(ver, [G("a/b", rh=1)]), [])
    F.valid("options-retain-handling-2", "Retain Handling 2",
            subscribe(ver, [G("a/b", rh=2)]), [])
    F.valid("options-all", "QoS 2, No Local, Retain As Published, Retain Handling 2 (0x2e)",
            subscribe(ver, [G("a/b", qos=2, nl=True, rap=True, rh=2)]), [])
    F.valid("share-options", "shared subscription with QoS 2, Retain As Published, Retain "
            "Handling 1 (No Local 0)", subscribe(ver, [G("$share/g/a", qos=2, rap=True, rh=1)]),
            cites(ver, "sub_nolocal_shared"))
    for val, s, c, rc, key in [
        (0x03, "options-qos-3", "Subscription Options Maximum QoS 3", 0x82, None),
        (0x30, "options-retain-handling-3", "Subscription Options Retain Handling 3", 0x82, None),
        (0x40, "options-reserved-bit-6", "Subscription Options bit 6 set", 0x81,
         "sub_opts_reserved"),
        (0x80, "options-reserved-bit-7", "Subscription Options bit 7 set", 0x81,
         "sub_opts_reserved"),
        (0xC1, "options-reserved-bits-6-7", "Subscription Options 0xc1", 0x81,
         "sub_opts_reserved"),
    ]:
        F.invalid(s, c, subscribe(ver, [G("a/b", _options=val)]), rc,
                  cites(ver, *([key] if key else [])), offset="options0")
    F.invalid("no-local-shared", "No Local on '$share/g/a/b'",
              subscribe(ver, [G("$share/g/a/b", nl=True)]), 0x82,
              cites(ver, "sub_nolocal_shared"), offset="options0")
    F.invalid("no-local-shared-second", "'a' then No Local on '$share/g/#'",
              subscribe(ver, [G("a"), G("$share/g/#", nl=True)]), 0x82,
              cites(ver, "sub_nolocal_shared"), offset="options1")
    # properties
    F.invalid("subscription-identifier-0", "Subscription Identifier 0",
              subscribe(ver, properties={"subscription_identifiers": [0]}), 0x82, [],
              offset="props.subscription_identifier")
    F.invalid("subscription-identifier-twice", "two Subscription Identifiers",
              subscribe(ver, properties=[("subscription_identifier", 1),
                                         ("subscription_identifier", 2)]), 0x82, [],
              offset="props.subscription_identifier#2")
    F.invalid("missing-property-length", "the packet ends after the Packet Identifier",
              subscribe(ver, _body=u16(1)), 0x81, cites(ver, "proplen0"))
    F.invalid("property-length-past-end", "Property Length 30 runs past the packet",
              subscribe(ver, _props_len=30), 0x81, [])
    add_allowed_properties(F, "SUBSCRIBE", "SUBSCRIBE property")
    F.valid("rich", "Subscription Identifier, User Properties, three filters with options",
            subscribe(ver, [G("a/+", qos=1, nl=True), G("$share/grp/b/#", qos=2, rh=2),
                            G("c", rap=True, rh=1)], pid=0x0102,
                      properties={"subscription_identifiers": [16384],
                                  "user_properties": [["k", "v"]]}),
            cites(ver, "vbi", "pair", "share1", "share2"))
    return F


# ---------------------------------------------------------------------------------------------
def f_suback(ver):
    F = new_file(ver, "suback", "suback", "SUBACK: Subscribe acknowledgement")
    v5 = is5(ver)
    F.valid("minimal", "one code: Granted QoS 0", suback(ver), cites(ver, "suback_codes"))
    F.valid("packet-id-max", "Packet Identifier 65535", suback(ver, pid=0xFFFF), [],
            flags=["boundary"])
    F.invalid("packet-id-0", "Packet Identifier 0", suback(ver, pid=0), 0x82,
              cites(ver, "pid_echo_sub"), offset="packet_id")
    if v5:
        good, bad = CODES["SUBACK"], disallowed_codes("SUBACK")
    else:
        good, bad = [0, 1, 2, 0x80], [3, 0x04, 0x7F, 0x81, 0x83, 0x87, 0x8F, 0xA2, 0xFF]
    for c in good[1:]:
        name = rc_text(c) if v5 else {1: "Success, maximum QoS 1", 2: "Success, maximum QoS 2",
                                      0x80: "Failure"}[c]
        F.valid(f"code-{rc_slug(c) if v5 else f'{c:02x}-' + slug(name.replace(',', ''))}",
                f"code 0x{c:02x} ({name})", suback(ver, [c]),
                cites(ver, "suback_codes"))
    F.valid("codes-multiple", f"codes {', '.join(f'0x{c:02x}' for c in good)}",
            suback(ver, good), cites(ver, "suback_codes"))
    for c in bad:
        F.invalid(f"bad-code-{rc_slug(c) if v5 else f'{c:02x}'}",
                  f"code 0x{c:02x}" + (f" ({rc_text(c)})" if v5 else "") + ": not a SUBACK code",
                  suback(ver, [c]), 0x81, cites(ver, "suback_codes"), offset="code0")
    F.invalid("second-code-bad", "codes 0x00 and 0x03", suback(ver, [0, 3]), 0x81,
              cites(ver, "suback_codes"), offset="code1")
    F.acceptable("no-codes", "no Reason Code at all (a SUBSCRIBE has at least one filter)",
                 suback(ver, []), 0x82, [])
    if not v5:
        return F
    F.invalid("missing-property-length", "the packet ends after the Packet Identifier",
              suback(ver, _body=u16(1)), 0x81, cites(ver, "proplen0"))
    F.invalid("property-length-past-end", "Property Length 10 runs past the packet",
              suback(ver, _props_len=10), 0x81, [])
    add_allowed_properties(F, "SUBACK", "SUBACK property")
    F.valid("rich", "Reason String, User Property, codes 0x01 and 0xa2",
            suback(ver, [1, 0xA2], properties={"reason_string": "no wildcards",
                                               "user_properties": [["k", "v"]]}),
            cites(ver, "suback_codes", "pair"))
    return F


# ---------------------------------------------------------------------------------------------
def f_unsubscribe(ver):
    F = new_file(ver, "unsubscribe", "unsubscribe", "UNSUBSCRIBE: Unsubscribe request")
    v5 = is5(ver)
    F.valid("minimal", "one Topic Filter 'a/b'", unsubscribe(ver),
            cites(ver, "unsub_nonempty", "unsub_utf8", "pid"))
    F.valid("multiple", "Topic Filters 'a', 'b/+', 'c/#'",
            unsubscribe(ver, ["a", "b/+", "c/#"]), cites(ver, "unsub_utf8", "f_plus", "f_hash"))
    F.valid("packet-id-max", "Packet Identifier 65535", unsubscribe(ver, pid=0xFFFF),
            cites(ver, "pid"), flags=["boundary"])
    F.valid("filter-bom", "Topic Filter with U+FEFF", unsubscribe(ver, ["\ufeff/#"]),
            cites(ver, "bom"), flags=["utf8"])
    F.valid("filter-hash", "Topic Filter '#'", unsubscribe(ver, ["#"]), cites(ver, "f_hash"))
    F.invalid("packet-id-0", "Packet Identifier 0", unsubscribe(ver, pid=0), 0x82,
              cites(ver, "pid"), offset="packet_id")
    F.invalid("empty-payload", "no Topic Filter", unsubscribe(ver, []), 0x82,
              cites(ver, "unsub_nonempty"))
    F.invalid("filter-empty", "empty Topic Filter", unsubscribe(ver, [""]), 0x82,
              cites(ver, "topic_len1"), offset="filter0")
    for s, f, c, keys in BAD_FILTERS[:4] + BAD_FILTERS[6:8]:
        F.invalid(f"filter-{s}", f"Topic Filter '{f}': {c}", unsubscribe(ver, [f]), 0x82,
                  cites(ver, *keys), offset="filter0")
    F.invalid("second-filter-invalid", "Topic Filters 'a' and 'a+'",
              unsubscribe(ver, ["a", "a+"]), 0x82, cites(ver, "f_plus"), offset="filter1")
    F.invalid("filter-invalid-utf8", "Topic Filter with overlong C0 AF",
              unsubscribe(ver, [BadStr(b"a\xc0\xaf")]), 0x81, cites(ver, "unsub_utf8", "utf8"),
              offset="filter0", flags=["utf8"])
    F.invalid("filter-nul", "Topic Filter containing U+0000",
              unsubscribe(ver, [BadStr(b"a\x00")]), 0x81,
              cites(ver, "unsub_utf8", "nul", "topic_nul"), offset="filter0", flags=["utf8"])
    F.invalid("filter-length-past-end", "Topic Filter length 9 with 3 bytes left",
              unsubscribe(ver, [BadStr(b"a/b", 9)]), 0x81, cites(ver, "unsub_utf8"))
    F.invalid("filter-odd-byte", "a single byte after the last Topic Filter",
              unsubscribe(ver, _trailing=b"\x00"), 0x81, cites(ver, "unsub_utf8"))
    if not v5:
        F.valid("filter-share-like", "Topic Filter '$share//a' (ordinary filter in 3.1.1)",
                unsubscribe(ver, ["$share//a"]), cites(ver, "unsub_utf8"))
        return F
    F.valid("share", "shared subscription '$share/g/a/b'", unsubscribe(ver, ["$share/g/a/b"]),
            cites(ver, "share1", "share2"))
    for s, f, c, keys in BAD_SHARES[:4]:
        F.invalid(f"filter-{s}", f"Topic Filter '{f}': {c}", unsubscribe(ver, [f]), 0x82,
                  cites(ver, *keys), offset="filter0")
    F.invalid("missing-property-length", "the packet ends after the Packet Identifier",
              unsubscribe(ver, _body=u16(1)), 0x81, cites(ver, "proplen0"))
    add_allowed_properties(F, "UNSUBSCRIBE", "UNSUBSCRIBE property")
    F.valid("rich", "two User Properties and three filters",
            unsubscribe(ver, ["a", "$share/g/b", "c/#"],
                        properties={"user_properties": [["k", "v"], ["k", "w"]]}),
            cites(ver, "pair"))
    return F


# ---------------------------------------------------------------------------------------------
def f_unsuback(ver):
    F = new_file(ver, "unsuback", "unsuback", "UNSUBACK: Unsubscribe acknowledgement")
    v5 = is5(ver)
    F.valid("minimal", "Packet Identifier 1" + (", Success" if v5 else ""), unsuback(ver),
            cites(ver, "unsuback_codes"))
    F.valid("packet-id-max", "Packet Identifier 65535", unsuback(ver, pid=0xFFFF), [],
            flags=["boundary"])
    F.invalid("packet-id-0", "Packet Identifier 0", unsuback(ver, pid=0), 0x82,
              cites(ver, "pid_echo_sub"), offset="packet_id")
    if not v5:
        F.invalid("remaining-length-3", "a v5-style Reason Code after the Packet Identifier",
                  unsuback(ver, _trailing=b"\x00"), 0x81, [])
        F.invalid("remaining-length-1", "Remaining Length 1", unsuback(ver, _body=b"\x00"),
                  0x81, [])
        return F
    for c in CODES["UNSUBACK"][1:]:
        F.valid(f"code-{rc_slug(c)}", f"Reason Code 0x{c:02x} ({rc_text(c)})", unsuback(ver, [c]),
                cites(ver, "unsuback_codes"))
    F.valid("codes-multiple", "all seven UNSUBACK codes", unsuback(ver, CODES["UNSUBACK"]),
            cites(ver, "unsuback_codes"))
    for c in disallowed_codes("UNSUBACK"):
        F.invalid(f"bad-code-{rc_slug(c)}", f"Reason Code 0x{c:02x} ({rc_text(c)}): not an UNSUBACK code",
                  unsuback(ver, [c]), 0x81, cites(ver, "unsuback_codes"), offset="code0")
    F.invalid("second-code-bad", "codes 0x11 and 0x92", unsuback(ver, [0x11, 0x92]), 0x81,
              cites(ver, "unsuback_codes"), offset="code1")
    F.acceptable("no-codes", "no Reason Code at all (an UNSUBSCRIBE has at least one filter)",
                 unsuback(ver, []), 0x82, [])
    F.invalid("missing-property-length", "the packet ends after the Packet Identifier",
              unsuback(ver, _body=u16(1)), 0x81, cites(ver, "proplen0"))
    add_allowed_properties(F, "UNSUBACK", "UNSUBACK property")
    F.valid("rich", "Reason String, User Property, codes 0x00 0x11",
            unsuback(ver, [0, 0x11], properties={"reason_string": "partly",
                                                 "user_properties": [["k", "v"]]}),
            cites(ver, "unsuback_codes", "pair"))
    return F


# ---------------------------------------------------------------------------------------------
def f_ping(ver):
    F = new_file(ver, "ping", "ping", "PINGREQ and PINGRESP")
    for t in ("PINGREQ", "PINGRESP"):
        lt = t.lower()
        F.valid(lt, t, ping(t), cites(ver, "fh"))
        F.invalid(f"{lt}-remaining-length-1", f"{t} with one body byte", ping(t, _trailing=b"\x00"),
                  0x81, [])
        F.invalid(f"{lt}-remaining-length-2", f"{t} with two body bytes",
                  ping(t, _trailing=b"\x00\x00"), 0x81, [])
    return F


# ---------------------------------------------------------------------------------------------
def f_disconnect(ver):
    F = new_file(ver, "disconnect", "disconnect", "DISCONNECT: Disconnect notification")
    v5 = is5(ver)
    F.valid("minimal", "Remaining Length 0" + (" (Normal disconnection)" if v5 else ""),
            disconnect(ver), cites(ver, "disc_codes"), flags=["short-form"] if v5 else None)
    F.invalid("trailing-bytes", "a byte after the last field",
              disconnect(ver, **({"_form": "full", "_trailing": b"\x00"} if v5 else
                                 {"_trailing": b"\x00"})), 0x81, [])
    if not v5:
        F.invalid("remaining-length-2", "v5-style Reason Code and Property Length",
                  disconnect(ver, _trailing=b"\x00\x00"), 0x81, [])
        return F
    F.valid("normal-explicit", "Reason Code 0x00 written out (RL 1)", disconnect(ver, _form="rc"),
            cites(ver, "disc_codes"), canonical=False, flags=["short-form"])
    F.valid("normal-empty-properties", "Reason Code 0x00 and Property Length 0 (RL 2)",
            disconnect(ver, _form="full"), cites(ver, "disc_codes"), canonical=False)
    for c in CODES["DISCONNECT"][1:]:
        F.valid(f"code-{rc_slug(c)}", f"Reason Code 0x{c:02x} ({rc_text(c)}) (Property Length "
                "omitted)", disconnect(ver, c), cites(ver, "disc_codes"),
                direction=SENT_BY["DISCONNECT"].get(c), flags=["short-form"])
    F.valid("code-8e-empty-properties", "Session taken over with Property Length 0",
            disconnect(ver, 0x8E, _form="full"), cites(ver, "disc_codes"), canonical=False,
            direction=S2C)
    for c in disallowed_codes("DISCONNECT"):
        if c == 0x8C:
            # The spec disagrees with itself: the 2.4 table lists 0x8C (Bad authentication method)
            # for DISCONNECT, the 3.14.2.1 DISCONNECT table does not.
            F.acceptable(f"code-{rc_slug(c)}-tables-disagree", "Reason Code 0x8c (Bad authentication "
                         "method): allowed in DISCONNECT by the 2.4 table, absent from the 3.14.2.1 "
                         "table", disconnect(ver, c), 0x81, cites(ver, "disc_codes"))
            continue
        F.invalid(f"bad-code-{rc_slug(c)}", f"Reason Code 0x{c:02x} ({rc_text(c)}): not a DISCONNECT code",
                  disconnect(ver, c), 0x81, cites(ver, "disc_codes"), offset="reason_code")
    for c, d in SENT_BY["DISCONNECT"].items():
        other = C2S if d == S2C else S2C
        F.acceptable(f"code-{c:02x}-wrong-direction", f"Reason Code 0x{c:02x} ({rc_text(c)}) sent "
                     f"{other.replace('-', ' ')}: the table reserves it for the other side",
                     disconnect(ver, c), 0x82, cites(ver, "disc_codes"), direction=other)
    F.invalid("session-expiry-from-server", "Session Expiry Interval in a DISCONNECT sent by the "
              "Server", disconnect(ver, 0x8B, properties={"session_expiry_interval": 0}), 0x82,
              cites(ver, "disc_sei"), offset="props.session_expiry_interval", direction=S2C)
    F.valid("session-expiry-from-client", "Session Expiry Interval 0 in a DISCONNECT sent by "
            "the Client", disconnect(ver, properties={"session_expiry_interval": 0}),
            cites(ver, "disc_sei"), direction=C2S)
    F.invalid("property-length-past-end", "Property Length 7 with nothing after it",
              disconnect(ver, _form="full", _props_len=7), 0x81, [])
    add_allowed_properties(F, "DISCONNECT", "DISCONNECT property")
    F.valid("server-moved", "0x9D Server moved with Server Reference and Reason String",
            disconnect(ver, 0x9D, properties={"server_reference": "new.example:8883",
                                              "reason_string": "migrated"}),
            cites(ver, "disc_codes"), direction=S2C)
    F.valid("rich-client", "0x04 with Session Expiry Interval, Reason String, User Properties",
            disconnect(ver, 0x04, properties={"session_expiry_interval": 120,
                                              "reason_string": "bye",
                                              "user_properties": [["k", "v"], ["k2", "v2"]]}),
            cites(ver, "disc_codes", "disc_sei", "pair"), direction=C2S)
    return F


# ---------------------------------------------------------------------------------------------
def f_auth():
    ver = "5.0"
    F = new_file(ver, "auth", "auth", "AUTH: Authentication exchange")
    M = {"authentication_method": "SCRAM-SHA-256"}
    F.valid("minimal", "Remaining Length 0: Success, no properties (sent by the Server)",
            auth(0), cites(ver, "auth_codes"), direction=S2C, flags=["short-form"])
    F.valid("success-with-method", "Success with Authentication Method and Data (Server)",
            auth(0, properties={**M, "authentication_data": b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ="}),
            cites(ver, "auth_codes"), direction=S2C)
    F.valid("continue", "Continue authentication with Method and Data",
            auth(0x18, properties={**M, "authentication_data": b"c=biws,r=abc"}),
            cites(ver, "auth_codes"))
    F.valid("continue-method-only", "Continue authentication with only the Method",
            auth(0x18, properties=dict(M)), cites(ver, "auth_codes"))
    F.valid("reauthenticate", "Re-authenticate (sent by the Client)",
            auth(0x19, properties={**M, "authentication_data": b"n,,n=user,r=xyz"}),
            cites(ver, "auth_codes"), direction=C2S)
    F.valid("rich", "Continue with Method, Data, Reason String, User Properties",
            auth(0x18, properties={**M, "authentication_data": b"\x00\x01",
                                   "reason_string": "step 2",
                                   "user_properties": [["a", "b"], ["a", "c"]]}),
            cites(ver, "auth_codes", "pair"))
    F.valid("properties-out-of-order", "Continue with Data before Method",
            auth(0x18, properties=[("authentication_data", b"\x01"),
                                   ("authentication_method", "X")]),
            [], canonical=False, flags=["property-order"])
    for c in disallowed_codes("AUTH"):
        F.invalid(f"bad-code-{rc_slug(c)}", f"Reason Code 0x{c:02x} ({rc_text(c)}): not an AUTH code",
                  auth(c, properties=dict(M)), 0x81, cites(ver, "auth_codes"),
                  offset="reason_code")
    for c, d in SENT_BY["AUTH"].items():
        other = C2S if d == S2C else S2C
        F.acceptable(f"code-{c:02x}-wrong-direction", f"Reason Code 0x{c:02x} ({rc_text(c)}) "
                     f"sent {other.replace('-', ' ')}", auth(c, properties=dict(M)), 0x82,
                     cites(ver, "auth_codes"), direction=other)
    F.invalid("data-without-method", "Continue authentication with Authentication Data but no "
              "Authentication Method", auth(0x18, properties={"authentication_data": b"\x01"}),
              0x82, [])
    F.acceptable("continue-without-method", "Continue authentication with no properties: "
                 "omitting the Authentication Method is a Protocol Error",
                 auth(0x18), 0x82, [])
    F.invalid("remaining-length-1", "Remaining Length 1 (Reason Code 0x18, Property Length "
              "missing): only the RL 0 short form exists for AUTH", auth(0x18, _form="rc"),
              0x81, [])
    F.invalid("property-length-past-end", "Property Length 40 runs past the packet",
              auth(0x18, properties=dict(M), _props_len=40), 0x81, [])
    F.invalid("trailing-bytes", "a byte after the properties",
              auth(0x18, properties=dict(M), _trailing=b"\x00"), 0x81, [])
    F.invalid("method-invalid-utf8", "Authentication Method with byte 0xFE",
              auth(0x18, properties={"authentication_method": BadStr(b"SCRAM\xfe")}), 0x81,
              cites(ver, "utf8"), offset="props.authentication_method.v", flags=["utf8"])
    add_allowed_properties(F, "AUTH", "AUTH property")
    return F


# ---------------------------------------------------------------------------------------------
def f_properties():
    ver = "5.0"
    F = new_file(ver, "properties", "props", "Properties: identifiers, where each property is "
                 "allowed, duplicates, value ranges, lengths")
    # every property in every packet (or the Will) where it is NOT allowed -> 0x81
    for ctx in ALL_CONTEXTS:
        for pid, name, typ, allowed in PROPERTIES:
            if ctx in allowed:
                continue
            items = [(name, SAMPLE[name])]
            if ctx == "AUTH":
                items = [("authentication_method", "M")] + items
            F.invalid(f"not-allowed-{slug(ctx)}-{slug(name)}",
                      f"{prop_title(name)} (0x{pid:02x}) in "
                      f"{'the CONNECT Will Properties' if ctx == 'WILL' else ctx}: not allowed "
                      "there", ctx_packet(ctx, items), 0x81, [],
                      offset=f"{ctx_mark(ctx)}.{name}")
    # User Property is allowed in every property list; only packets without one refuse it
    F.invalid("not-allowed-pingreq-user-property", "PINGREQ followed by a property list with a "
              "User Property (PINGREQ has no Variable Header: trailing bytes)",
              ping(_trailing=b"\x0b\x26\x00\x03key\x00\x03val"), 0x81, [])
    # unknown identifiers
    known = set(PROP_BY_ID)
    unknown = [i for i in range(0x00, 0x2C) if i not in known] + [0x7F]
    for i in unknown:
        F.invalid(f"unknown-id-{i:02x}", f"PUBLISH property identifier 0x{i:02x} (not defined)",
                  publish(ver, properties=[Raw(bytes([i, 0x00]))]), 0x81, [],
                  offset="props.raw0")
    F.invalid("unknown-id-80-01", "PUBLISH property identifier 128 (two-byte VBI 80 01)",
              publish(ver, properties=[Raw(b"\x80\x01\x00")]), 0x81, [], offset="props.raw0")
    F.invalid("unknown-id-after-known", "a User Property then identifier 0x04 in CONNECT",
              connect(ver, properties=[("user_property", ("k", "v")), Raw(b"\x04\x00\x00\x00\x00")]),
              0x81, [], offset="props.raw1")
    F.invalid("unknown-id-00-connack", "identifier 0x00 in CONNACK",
              connack(ver, properties=[Raw(b"\x00")]), 0x81, [], offset="props.raw0")
    F.invalid("unknown-id-2b-disconnect", "identifier 0x2b in DISCONNECT",
              disconnect(ver, properties=[Raw(b"\x2b\x00")]), 0x81, [], offset="props.raw0")
    F.invalid("unknown-id-7f-will", "identifier 0x7f in the Will Properties",
              connect(ver, will=will(ver, properties=[Raw(b"\x7f\x00")])), 0x81, [],
              offset="will.raw0")
    # duplicates of once-only properties, in every context that allows them -> 0x82
    for ctx in ALL_CONTEXTS:
        for pid, name, typ, allowed in PROPERTIES:
            if ctx not in allowed or name == "user_property" or (
                    name == "subscription_identifier" and ctx == "PUBLISH"):
                continue
            val = SAMPLE[name]
            items = sorted(needs(ctx, name), key=lambda it: PROP[it[0]][0]) + [(name, val),
                                                                               (name, val)]
            F.invalid(f"duplicate-{slug(ctx)}-{slug(name)}",
                      f"{prop_title(name)} twice in "
                      f"{'the Will Properties' if ctx == 'WILL' else ctx}",
                      ctx_packet(ctx, items), 0x82, [], offset=f"{ctx_mark(ctx)}.{name}#2",
                      direction=prop_direction(ctx, name))
    F.valid("repeat-user-property", "User Property repeated with the same name and value",
            publish(ver, properties={"user_properties": [["k", "v"], ["k", "v"]]}),
            cites(ver, "pair"))
    F.valid("repeat-subscription-identifier", "Subscription Identifier twice with the same "
            "value in a PUBLISH from the Server",
            publish(ver, properties={"subscription_identifiers": [9, 9]}), [], direction=S2C)
    # byte properties that must be 0 or 1 -> 0x82
    for ctx in ALL_CONTEXTS:
        for name in BYTE01:
            if ctx not in PROP[name][2]:
                continue
            for val in (2, 0xFF):
                F.invalid(f"value-{slug(ctx)}-{slug(name)}-{val}",
                          f"{prop_title(name)} = {val} in "
                          f"{'the Will Properties' if ctx == 'WILL' else ctx} (must be 0 or 1)",
                          ctx_packet(ctx, [(name, val)]), 0x82, [],
                          offset=f"{ctx_mark(ctx)}.{name}")
    for ctx in ("CONNECT", "CONNACK"):
        for name in ("receive_maximum", "maximum_packet_size"):
            F.invalid(f"value-{slug(ctx)}-{slug(name)}-0", f"{prop_title(name)} = 0 in {ctx}",
                      ctx_packet(ctx, [(name, 0)]), 0x82, [], offset=f"props.{name}")
        F.valid(f"value-{slug(ctx)}-topic-alias-maximum-0", f"Topic Alias Maximum 0 in {ctx} "
                "(no aliases; allowed)", ctx_packet(ctx, [("topic_alias_maximum", 0)]), [],
                flags=["boundary"])
        F.valid(f"value-{slug(ctx)}-session-expiry-0", f"Session Expiry Interval 0 in {ctx}",
                ctx_packet(ctx, [("session_expiry_interval", 0)]), [], flags=["boundary"])
    F.valid("value-connack-server-keep-alive-0", "Server Keep Alive 0 in CONNACK",
            connack(ver, properties={"server_keep_alive": 0}), [], flags=["boundary"])
    F.valid("value-will-delay-max", "Will Delay Interval 0xffffffff",
            connect(ver, will=will(ver, properties={"will_delay_interval": 0xFFFFFFFF})), [],
            flags=["boundary"])
    # lengths: Property Length against the packet and against the property values
    F.invalid("length-past-packet", "PUBLISH Property Length 50, packet ends first",
              publish(ver, properties={"content_type": "t"}, _props_len=50), 0x81, [])
    F.invalid("length-cuts-four-byte", "Message Expiry Interval cut by the Property Length "
              "(3 of its 5 bytes inside)", publish(ver, payload=b"\x00\x00\x00\x00",
                                                   properties=[Raw(b"\x02\x00\x00")]), 0x81, [])
    F.invalid("length-cuts-two-byte", "Topic Alias cut by the Property Length",
              publish(ver, payload=b"\x05\x05", properties=[Raw(b"\x23\x00")]), 0x81, [])
    F.invalid("length-cuts-byte", "Payload Format Indicator with no value inside the Property "
              "Length", publish(ver, payload=b"\x01", properties=[Raw(b"\x01")]), 0x81, [])
    F.invalid("length-cuts-string", "Content Type length 5 but the Property Length ends 2 "
              "bytes into it (the payload would supply the rest)",
              publish(ver, payload=b"cdefgh", properties=[Raw(b"\x03\x00\x05ab")]), 0x81, [])
    F.invalid("length-cuts-binary", "Correlation Data longer than the Property Length allows",
              publish(ver, payload=b"\x03\x04\x05", properties=[Raw(b"\x09\x00\x04\x01\x02")]),
              0x81, [])
    F.invalid("length-cuts-pair", "User Property with its value missing inside the Property "
              "Length", publish(ver, payload=b"\x00\x01v", properties=[Raw(b"\x26\x00\x01k")]),
              0x81, [])
    F.invalid("length-cuts-vbi", "Subscription Identifier VBI continues past the Property "
              "Length", publish(ver, payload=b"\x01", properties=[Raw(b"\x0b\x80")]), 0x81, [],
              direction=S2C)
    F.invalid("length-cuts-identifier", "property identifier VBI 80 continues past the "
              "Property Length", publish(ver, payload=b"\x01", properties=[Raw(b"\x80")]),
              0x81, [])
    F.invalid("string-past-packet", "Reason String length 0x0100 with 3 bytes left",
              disconnect(ver, 0x80, properties=[("reason_string", BadStr(b"abc", 0x100))],
                         _props_len=6), 0x81, [])
    F.invalid("will-length-cuts-string", "Will Content Type cut by the Will Property Length",
              connect(ver, will=will(ver, topic="ab", properties=[Raw(b"\x03\x00\x04ab")])),
              0x81, [])
    F.valid("empty-string-values", "Content Type, Response Topic... empty strings are allowed "
            "where no rule forbids them (Content Type, Correlation Data)",
            publish(ver, properties={"content_type": "", "correlation_data": b""}), [],
            flags=["boundary"])
    return F


# ---------------------------------------------------------------------------------------------
def f_connect_31():
    ver = "3.1"
    F = VFile("v3.1/connect.json", ver, "connect", "MQTT 3.1 CONNECT: protocol name 'MQIsdp', "
              "level 3 (other 3.1 packets are as in 3.1.1)")
    F.valid("minimal", "MQIsdp level 3, Clean Session, Keep Alive 60, ClientId 'c1'",
            connect(ver), cites(ver, "c_clientid"))
    F.valid("clean-session-0", "Clean Session 0", connect(ver, clean_session=False),
            cites(ver, "c_clientid"))
    F.valid("will", "Will QoS 1, retained", connect(ver, will=will(ver, qos=1, retain=True)),
            cites(ver, "c_will_present", "c_will_qos"))
    F.valid("username-password", "User Name and Password",
            connect(ver, username="user", password=b"pw"), cites(ver, "c_user1", "c_pass1"))
    F.valid("everything", "Will, User Name, Password",
            connect(ver, will=will(ver, qos=2), username="user", password=b"pw", keep_alive=0),
            cites(ver, "c_order"))
    F.valid("client-id-23-chars", "ClientId of 23 characters (the 3.1 maximum)",
            connect(ver, client_identifier="abcdefghijklmnopqrstuvw"), cites(ver, "c_clientid"),
            flags=["boundary"])
    F.acceptable("client-id-24-chars", "ClientId of 24 characters: 3.1 limits it to 23, the "
                 "Server answers CONNACK 0x02 (Identifier rejected)",
                 connect(ver, client_identifier="abcdefghijklmnopqrstuvwx"), 0x85, [])
    F.acceptable("client-id-empty", "empty ClientId: 3.1 requires 1 to 23 characters",
                 connect(ver, client_identifier=""), 0x85, [])
    F.invalid("reserved-flag", "Connect Flags bit 0 set", connect(ver, _connect_flags=0x03),
              0x81, cites(ver, "c_reserved"), offset="connect_flags")
    F.invalid("password-without-username", "Password Flag without User Name Flag",
              connect(ver, password=b"pw"), 0x81, cites(ver, "c_pass_needs_user"),
              offset="connect_flags")
    F.invalid("will-qos-3", "Will QoS 3", connect(ver, will=will(ver), _connect_flags=0x1E),
              0x81, cites(ver, "c_will_qos"), offset="connect_flags")
    F.invalid("will-flag-0-will-retain", "Will Flag 0 with Will Retain",
              connect(ver, _connect_flags=0x22), 0x81, cites(ver, "c_willflag0_retain"),
              offset="connect_flags")
    F.invalid("client-id-invalid-utf8", "ClientId with byte 0xFF",
              connect(ver, client_identifier=BadStr(b"c\xff")), 0x81,
              cites(ver, "c_clientid_utf8", "utf8"), offset="client_identifier", flags=["utf8"])
    F.invalid("trailing-bytes", "a byte after the ClientId", connect(ver, _trailing=b"\x00"),
              0x81, cites(ver, "c_format"))
    return F


# ---------------------------------------------------------------------------------------------
def f_detect():
    F = VFile("detect/connect.json", "detect", "connect-detect",
              "CONNECT as the first packet of a connection: the receiver learns the protocol "
              "version from it (ids name the version the CONNECT claims)")
    F.valid("v5", "MQTT level 5", connect("5.0"), cites("5.0", "c_proto_name"), ver="5.0")
    F.valid("v311", "MQTT level 4", connect("3.1.1"), [], ver="3.1.1")
    F.valid("v31", "MQIsdp level 3", connect("3.1"), [], ver="3.1")
    F.valid("v5-will-auth", "MQTT level 5 with Will and Authentication Method",
            connect("5.0", will=will("5.0", qos=1),
                    properties={"authentication_method": "PLAIN"}), [], ver="5.0")

    def bad(v, s, c, name, level, off, ck):
        p = connect(v, protocol_version=level, _protocol_name=BadStr(name))
        F.invalid(s, c, p, 0x84, cites(v, ck), offset=off, ver=v)
    bad("5.0", "name-mqtx", "Protocol Name 'MQTX', level 5", b"MQTX", 5, "protocol_name",
        "c_proto_name")
    bad("5.0", "name-lowercase", "Protocol Name 'mqtt', level 5", b"mqtt", 5, "protocol_name",
        "c_proto_name")
    bad("5.0", "name-empty", "empty Protocol Name, level 5", b"", 5, "protocol_name",
        "c_proto_name")
    bad("3.1.1", "name-mqtx", "Protocol Name 'MQTX', level 4", b"MQTX", 4, "protocol_name",
        "c_proto_name")
    bad("3.1.1", "name-http", "Protocol Name 'HTTP', level 4", b"HTTP", 4, "protocol_name",
        "c_proto_name")
    bad("5.0", "level-6", "'MQTT' level 6", b"MQTT", 6, "protocol_version", "c_proto_level")
    bad("5.0", "level-0", "'MQTT' level 0", b"MQTT", 0, "protocol_version", "c_proto_level")
    bad("5.0", "level-255", "'MQTT' level 255", b"MQTT", 255, "protocol_version",
        "c_proto_level")
    bad("3.1.1", "level-84", "'MQTT' level 0x84 (level 4 with the bridge bit some brokers use)",
        b"MQTT", 0x84, "protocol_version", "c_proto_level")
    bad("3.1.1", "level-2", "'MQTT' level 2", b"MQTT", 2, "protocol_version", "c_proto_level")
    # combinations where neither field alone is wrong: no offset
    bad("3.1", "mqisdp-level-4", "'MQIsdp' with level 4 (MQIsdp goes with level 3 only)",
        b"MQIsdp", 4, None, "c_proto_level")
    bad("3.1", "mqisdp-level-5", "'MQIsdp' with level 5", b"MQIsdp", 5, None, "c_proto_level")
    bad("3.1.1", "mqtt-level-3", "'MQTT' with level 3 (level 3 goes with 'MQIsdp')", b"MQTT", 3,
        None, "c_proto_level")
    return F


# =============================================================================================

def all_files():
    files = []
    for ver in ("5.0", "3.1.1"):
        files += [f_primitives(ver), f_fixed_header(ver)]
        if ver == "5.0":
            files.append(f_properties())
        files += [f_connect(ver), f_connack(ver), f_publish(ver), f_ack(ver), f_subscribe(ver),
                  f_suback(ver), f_unsubscribe(ver), f_unsuback(ver), f_ping(ver),
                  f_disconnect(ver)]
        if ver == "5.0":
            files.append(f_auth())
    files += [f_connect_31(), f_detect()]
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="do not write; exit 1 if any file on disk differs")
    args = ap.parse_args()
    files = all_files()
    stale = []
    total = 0
    for F in files:
        if not F.write(check_only=args.check):
            stale.append(F.relpath)
        total += len(F.vectors)
        if not args.check:
            print(f"{F.relpath:32} {len(F.vectors):5} vectors")
    if args.check:
        if stale:
            print("out of date: " + ", ".join(stale))
            return 1
        print(f"up to date: {len(files)} files, {total} vectors")
        return 0
    print(f"{'total':32} {total:5} vectors in {len(files)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
