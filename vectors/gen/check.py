#!/usr/bin/env python3
"""Self-check of the vector corpus with a strict reference decoder.

    python3 vectors/gen/check.py [-v]

This decoder is written separately from the byte builder (mqttbytes.py shares no code with it)
and implements the verdict policy of vectors/gen/README.md.  For every vector of the files that
generate.py writes it checks:
  valid       decodes, to exactly `decoded`
  invalid     is refused with `reason_code`, at `offset` when the vector gives one
  acceptable  is either accepted or refused with `reason_code`
Exit status 1 on any disagreement.  Python 3.11, standard library only.
"""
from __future__ import annotations

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.dirname(HERE)
OWN_DIRS = ("v5", "v3.1.1", "v3.1", "detect")

TYPES = {1: "CONNECT", 2: "CONNACK", 3: "PUBLISH", 4: "PUBACK", 5: "PUBREC", 6: "PUBREL",
         7: "PUBCOMP", 8: "SUBSCRIBE", 9: "SUBACK", 10: "UNSUBSCRIBE", 11: "UNSUBACK",
         12: "PINGREQ", 13: "PINGRESP", 14: "DISCONNECT", 15: "AUTH"}
# id: (json name, type, allowed contexts)
PROPS = {
    0x01: ("payload_format_indicator", "b", "PUBLISH WILL"),
    0x02: ("message_expiry_interval", "4", "PUBLISH WILL"),
    0x03: ("content_type", "s", "PUBLISH WILL"),
    0x08: ("response_topic", "s", "PUBLISH WILL"),
    0x09: ("correlation_data", "x", "PUBLISH WILL"),
    0x0B: ("subscription_identifiers", "v", "PUBLISH SUBSCRIBE"),
    0x11: ("session_expiry_interval", "4", "CONNECT CONNACK DISCONNECT"),
    0x12: ("assigned_client_identifier", "s", "CONNACK"),
    0x13: ("server_keep_alive", "2", "CONNACK"),
    0x15: ("authentication_method", "s", "CONNECT CONNACK AUTH"),
    0x16: ("authentication_data", "x", "CONNECT CONNACK AUTH"),
    0x17: ("request_problem_information", "b", "CONNECT"),
    0x18: ("will_delay_interval", "4", "WILL"),
    0x19: ("request_response_information", "b", "CONNECT"),
    0x1A: ("response_information", "s", "CONNACK"),
    0x1C: ("server_reference", "s", "CONNACK DISCONNECT"),
    0x1F: ("reason_string", "s", "CONNACK PUBACK PUBREC PUBREL PUBCOMP SUBACK UNSUBACK "
                                 "DISCONNECT AUTH"),
    0x21: ("receive_maximum", "2", "CONNECT CONNACK"),
    0x22: ("topic_alias_maximum", "2", "CONNECT CONNACK"),
    0x23: ("topic_alias", "2", "PUBLISH"),
    0x24: ("maximum_qos", "b", "CONNACK"),
    0x25: ("retain_available", "b", "CONNACK"),
    0x26: ("user_properties", "p", "*"),
    0x27: ("maximum_packet_size", "4", "CONNECT CONNACK"),
    0x28: ("wildcard_subscription_available", "b", "CONNACK"),
    0x29: ("subscription_identifier_available", "b", "CONNACK"),
    0x2A: ("shared_subscription_available", "b", "CONNACK"),
}
RC = {
    "CONNACK": {0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C,
                0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F},
    "PUBACK": {0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99},
    "PUBREL": {0x00, 0x92},
    "SUBACK": {0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2},
    "UNSUBACK": {0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91},
    "DISCONNECT": {0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90,
                   0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F,
                   0xA0, 0xA1, 0xA2},
    "AUTH": {0x00, 0x18, 0x19},
}
RC["PUBREC"], RC["PUBCOMP"] = RC["PUBACK"], RC["PUBREL"]


class Refused(Exception):
    def __init__(self, rc, off=None, why=""):
        super().__init__(f"0x{rc:02x} at {off}: {why}")
        self.rc, self.off, self.why = rc, off, why


def malformed(off=None, why=""):
    return Refused(0x81, off, why)


class Reader:
    def __init__(self, data, pos, end):
        self.d, self.pos, self.end = data, pos, end

    def take(self, n):
        if self.pos + n > self.end:
            raise malformed(None, "runs past the end")
        b = self.d[self.pos:self.pos + n]
        self.pos += n
        return b

    def byte(self):
        return self.take(1)[0]

    def two(self):
        return int.from_bytes(self.take(2), "big")

    def four(self):
        return int.from_bytes(self.take(4), "big")

    def varint(self):
        start, value, mult = self.pos, 0, 1
        for i in range(4):
            b = self.byte()
            value += (b & 0x7F) * mult
            mult *= 128
            if not b & 0x80:
                if i > 0 and b == 0:
                    raise malformed(start, "non-minimal Variable Byte Integer")
                return value
        raise malformed(start, "Variable Byte Integer longer than 4 bytes")

    def text(self):
        start = self.pos
        raw = self.take(self.two())
        try:
            s = raw.decode("utf-8")          # rejects overlong forms, surrogates, > U+10FFFF
        except UnicodeDecodeError:
            raise malformed(start, "ill-formed UTF-8")
        if "\x00" in s:
            raise malformed(start, "U+0000")
        return s, start

    def binary(self):
        return self.take(self.two())

    def done(self):
        return self.pos >= self.end


def check_topic_name(s, off, v5, allow_empty=False):
    if "+" in s or "#" in s:
        raise Refused(0x82, off, "wildcard in a Topic Name")
    if s == "" and not allow_empty:
        raise Refused(0x82, off, "empty Topic Name")


def filter_ok(f, v5):
    if v5 and f.startswith("$share/"):
        rest = f[len("$share/"):]
        if "/" not in rest:
            return False
        name, f = rest.split("/", 1)
        if name == "" or "+" in name or "#" in name:
            return False
    if f == "":
        return False
    levels = f.split("/")
    for i, lv in enumerate(levels):
        if "#" in lv and (lv != "#" or i != len(levels) - 1):
            return False
        if "+" in lv and lv != "+":
            return False
    return True


def read_props(r: Reader, ctx, direction):
    n = r.varint()
    sub = Reader(r.d, r.pos, r.pos + n)
    if sub.end > r.end:
        raise malformed(None, "Property Length past the end")
    out, seen = {}, set()
    while not sub.done():
        id_off = sub.pos
        pid = sub.varint()
        if pid not in PROPS:
            raise malformed(id_off, f"unknown property 0x{pid:x}")
        name, typ, allowed = PROPS[pid]
        if allowed != "*" and ctx not in allowed.split():
            raise malformed(id_off, f"{name} not allowed in {ctx}")
        if typ == "b":
            v = sub.byte()
        elif typ == "2":
            v = sub.two()
        elif typ == "4":
            v = sub.four()
        elif typ == "v":
            v = sub.varint()
        elif typ == "s":
            v, soff = sub.text()
        elif typ == "x":
            v = sub.binary().hex()
        else:
            k, _ = sub.text()
            val, _ = sub.text()
            v = [k, val]
        repeatable = typ == "p" or (pid == 0x0B and ctx == "PUBLISH")
        if pid in seen and not repeatable:
            raise Refused(0x82, id_off, f"{name} twice")
        seen.add(pid)
        if typ == "b" and v not in (0, 1):
            raise Refused(0x82, id_off, f"{name} = {v}")
        if pid in (0x21, 0x27) and v == 0:
            raise Refused(0x82, id_off, f"{name} = 0")
        if pid == 0x0B and v == 0:
            raise Refused(0x82, id_off, "Subscription Identifier 0")
        if pid == 0x0B and ctx == "PUBLISH" and direction == "client-to-server":
            raise Refused(0x82, id_off, "Subscription Identifier from a Client")
        if pid == 0x11 and ctx == "DISCONNECT" and direction == "server-to-client":
            raise Refused(0x82, id_off, "Session Expiry Interval from the Server")
        if pid == 0x23 and v == 0:
            raise Refused(0x94, id_off, "Topic Alias 0")
        if pid == 0x08:
            check_topic_name(v, soff, True, allow_empty=True)
        if typ in ("p", "v"):
            out.setdefault(name, []).append(v)
        else:
            out[name] = v
    r.pos = sub.end
    if "authentication_data" in out and "authentication_method" not in out:
        raise Refused(0x82, None, "Authentication Data without Authentication Method")
    return out


def decode(data: bytes, ver: str, direction=None, max_size=None, alias_max=65535):
    """-> (decoded JSON, version used).  Raises Refused."""
    b0 = data[0]
    t, flags = b0 >> 4, b0 & 0x0F
    if t == 0 or (t == 15 and ver in ("3.1", "3.1.1")):
        raise malformed(0, "reserved packet type")
    name = TYPES[t]
    if name == "PUBLISH":
        if flags & 6 == 6:
            raise malformed(0, "QoS 3")
        if flags & 8 and not flags & 6:
            raise malformed(0, "DUP on QoS 0")
    elif flags != (2 if name in ("PUBREL", "SUBSCRIBE", "UNSUBSCRIBE") else 0):
        raise malformed(0, "reserved flags")
    hr = Reader(data, 1, len(data))
    rl = hr.varint()
    assert hr.pos + rl == len(data), "vector is not exactly one packet"
    if max_size is not None and len(data) > max_size:
        raise Refused(0x95, None, "larger than max_packet_size")
    r = Reader(data, hr.pos, len(data))
    v5 = ver == "5.0"
    out = {"type": name}

    def pid(allow_zero=False):
        off = r.pos
        p = r.two()
        if p == 0:
            raise Refused(0x82, off, "Packet Identifier 0")
        return p

    def props(ctx):
        return read_props(r, ctx, direction)

    if name == "CONNECT":
        pname, noff = r.text()
        loff = r.pos
        level = r.byte()
        if ver == "detect":
            if pname not in ("MQTT", "MQIsdp"):
                raise Refused(0x84, noff, "protocol name")
            if level not in (3, 4, 5):
                raise Refused(0x84, loff, "protocol level")
            if (pname == "MQIsdp") != (level == 3):
                raise Refused(0x84, None, "name/level combination")
            ver = {3: "3.1", 4: "3.1.1", 5: "5.0"}[level]
            v5 = ver == "5.0"
        want = {"5.0": ("MQTT", 5), "3.1.1": ("MQTT", 4), "3.1": ("MQIsdp", 3)}[ver]
        if pname != want[0]:
            raise Refused(0x84, noff, "protocol name")
        if level != want[1]:
            raise Refused(0x84, loff, "protocol level")
        foff = r.pos
        cf = r.byte()
        has_will, wq, wr = cf & 4, (cf >> 3) & 3, cf & 0x20
        if cf & 1:
            raise malformed(foff, "reserved connect flag")
        if not has_will and (wq or wr):
            raise malformed(foff, "Will QoS/Retain without Will Flag")
        if wq == 3:
            raise malformed(foff, "Will QoS 3")
        if not v5 and cf & 0x40 and not cf & 0x80:
            raise malformed(foff, "password without user name")
        out.update(protocol_name=pname, protocol_version=level)
        out["clean_start" if v5 else "clean_session"] = bool(cf & 2)
        out["keep_alive"] = r.two()
        if v5:
            out["properties"] = props("CONNECT")
        out["client_identifier"], _ = r.text()
        if has_will:
            w = {"qos": wq, "retain": bool(wr)}
            wp = read_props(r, "WILL", direction) if v5 else None
            w["topic"], toff = r.text()
            check_topic_name(w["topic"], toff, v5)
            w["payload"] = r.binary().hex()
            if v5:
                w["properties"] = wp
            out["will"] = w
        if cf & 0x80:
            out["username"], _ = r.text()
        if cf & 0x40:
            out["password"] = r.binary().hex()
    elif name == "CONNACK":
        aoff = r.pos
        af = r.byte()
        if af & 0xFE:
            raise malformed(aoff, "reserved acknowledge flags")
        coff = r.pos
        code = r.byte()
        if (v5 and code not in RC["CONNACK"]) or (not v5 and code > 5):
            raise malformed(coff, "CONNACK code")
        if af and code:
            raise malformed(None, "Session Present with a failure code")
        out["session_present"] = bool(af)
        out["reason_code" if v5 else "return_code"] = code
        if v5:
            out["properties"] = props("CONNACK")
    elif name == "PUBLISH":
        qos = (flags >> 1) & 3
        out.update(dup=bool(flags & 8), qos=qos, retain=bool(flags & 1))
        topic, toff = r.text()
        check_topic_name(topic, toff, v5, allow_empty=v5)
        out["topic"] = topic
        if qos:
            out["packet_id"] = pid()
        if v5:
            out["properties"] = p = props("PUBLISH")
            alias = p.get("topic_alias")
            if alias is not None and alias > alias_max:
                raise Refused(0x94, None, "Topic Alias above the maximum")
            if topic == "" and alias is None:
                raise Refused(0x82, None, "empty Topic Name without Topic Alias")
        out["payload"] = r.take(r.end - r.pos).hex()
    elif name in ("PUBACK", "PUBREC", "PUBREL", "PUBCOMP"):
        out["packet_id"] = pid()
        if v5:
            out["reason_code"], out["properties"] = 0, {}
            if not r.done():
                coff = r.pos
                out["reason_code"] = r.byte()
                if out["reason_code"] not in RC[name]:
                    raise malformed(coff, "reason code")
            if not r.done():
                out["properties"] = props(name)
    elif name in ("SUBSCRIBE", "UNSUBSCRIBE"):
        out["packet_id"] = pid()
        if v5:
            out["properties"] = props(name)
        if r.done():
            raise Refused(0x82, None, "no Topic Filter")
        filters = []
        while not r.done():
            f, foff = r.text()
            if name == "UNSUBSCRIBE":
                if not filter_ok(f, v5):
                    raise Refused(0x82, foff, "Topic Filter syntax")
                filters.append(f)
                continue
            ooff = r.pos
            o = r.byte()
            if v5:
                if o & 0xC0:
                    raise malformed(ooff, "reserved option bits")
                if o & 3 == 3 or (o >> 4) & 3 == 3:
                    raise Refused(0x82, ooff, "QoS 3 / Retain Handling 3")
            else:
                if o & 0xFC:
                    raise malformed(ooff, "reserved requested-QoS bits")
                if o == 3:
                    raise malformed(ooff, "Requested QoS 3 (3.1.1 MQTT-3.8.3-4: malformed)")
            if not filter_ok(f, v5):
                raise Refused(0x82, foff, "Topic Filter syntax")
            if v5 and f.startswith("$share/") and o & 4:
                raise Refused(0x82, ooff, "No Local on a shared subscription")
            e = {"filter": f, "qos": o & 3}
            if v5:
                e.update(no_local=bool(o & 4), retain_as_published=bool(o & 8),
                         retain_handling=(o >> 4) & 3)
            filters.append(e)
        out["filters"] = filters
    elif name in ("SUBACK", "UNSUBACK"):
        out["packet_id"] = pid()
        if v5:
            out["properties"] = props(name)
        if v5 or name == "SUBACK":
            codes = []
            while not r.done():
                coff = r.pos
                c = r.byte()
                ok = c in RC[name] if v5 else c in (0, 1, 2, 0x80)
                if not ok:
                    raise malformed(coff, "code")
                codes.append(c)
            out["reason_codes" if v5 else "return_codes"] = codes
    elif name in ("DISCONNECT", "AUTH") and v5:
        out["reason_code"], out["properties"] = 0, {}
        if not r.done():
            coff = r.pos
            out["reason_code"] = r.byte()
            if out["reason_code"] not in RC[name]:
                raise malformed(coff, "reason code")
            if name == "AUTH" or not r.done():
                out["properties"] = props(name)
    if not r.done():
        raise malformed(None, "trailing bytes")
    return out, ver


def main():
    verbose = "-v" in sys.argv
    failures = checked = 0
    for d in OWN_DIRS:
        root = os.path.join(VECTORS, d)
        for fn in sorted(os.listdir(root)):
            with open(os.path.join(root, fn), encoding="utf-8") as f:
                doc = json.load(f)
            for v in doc["vectors"]:
                checked += 1
                data = bytes.fromhex(v["hex"].replace("|", " ").replace(" ", ""))
                try:
                    got, _ = decode(data, doc["version"], v.get("direction"),
                                    v.get("max_packet_size"), v.get("topic_alias_maximum", 65535))
                    err = None
                except Refused as e:
                    got, err = None, e
                problem = None
                if v["result"] == "valid":
                    if err:
                        problem = f"refused: {err}"
                    elif got != v["decoded"]:
                        problem = f"decoded differently:\n  got  {got}\n  want {v['decoded']}"
                elif err is None:
                    if v["result"] == "invalid":
                        problem = "accepted"
                else:
                    want = int(v["reason_code"], 16)
                    if err.rc != want:
                        problem = f"refused with {err} (want {v['reason_code']})"
                    elif "offset" in v and err.off != v["offset"]:
                        problem = f"offset {err.off} (want {v['offset']}): {err.why}"
                if problem:
                    failures += 1
                    print(f"{d}/{fn} {v['id']}: {problem}")
                elif verbose:
                    print(f"ok {v['id']}")
    print(f"{checked} vectors checked, {failures} disagreements")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
