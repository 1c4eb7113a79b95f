"""A small MQTT byte builder used only by the vector generator.

It is deliberately independent of the Rust codec: every field is written by hand from the
OASIS specifications (MQTT 3.1.1 and 5.0), and nothing here decodes.

Packets are described by dicts in the JSON form of vectors/README.md, with bytes instead of hex
for binary fields.  Keys starting with "_" are *overrides* used to build broken packets; they
never appear in the JSON output.  See encode() for the list.
"""
from __future__ import annotations

import copy

# ---------------------------------------------------------------------------------------------
# Data types (v5 section 1.5, v3.1.1 section 1.5)
# ---------------------------------------------------------------------------------------------


def u8(n: int) -> bytes:
    assert 0 <= n <= 0xFF, n
    return bytes([n])


def u16(n: int) -> bytes:
    assert 0 <= n <= 0xFFFF, n
    return n.to_bytes(2, "big")


def u32(n: int) -> bytes:
    assert 0 <= n <= 0xFFFFFFFF, n
    return n.to_bytes(4, "big")


def vbi(n: int, width: int | None = None) -> bytes:
    """Variable Byte Integer.  `width` pads the encoding with continuation bytes to build
    deliberately non-minimal forms (width may exceed 4 to build illegal 5-byte forms)."""
    assert n >= 0
    out = []
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            break
    if width is not None and width > len(out):
        out[-1] |= 0x80
        out += [0x80] * (width - len(out) - 1) + [0x00]
    return bytes(out)


class Raw:
    """Bytes written verbatim in place of a field (string, property, VBI, ...)."""

    def __init__(self, data: bytes):
        self.data = bytes(data)


class BadStr:
    """A length-prefixed field (UTF-8 string or binary data) whose content bytes are given
    as-is, optionally with a length prefix that lies about the content length."""

    def __init__(self, data: bytes, length: int | None = None):
        self.data = bytes(data)
        self.length = len(self.data) if length is None else length


class Buf:
    """A byte buffer that remembers named positions ("marks") for error offsets."""

    def __init__(self):
        self.b = bytearray()
        self.marks: dict[str, int] = {}

    def mark(self, name):
        if name is not None:
            assert name not in self.marks, f"duplicate mark {name}"
            self.marks[name] = len(self.b)

    def put(self, data: bytes, mark=None):
        self.mark(mark)
        self.b += data

    def lstr(self, v, mark=None):
        """UTF-8 Encoded String (str) or Binary Data (bytes): Two Byte Integer length + data."""
        self.mark(mark)
        if isinstance(v, Raw):
            self.b += v.data
            return
        if isinstance(v, BadStr):
            self.b += u16(v.length) + v.data
            return
        data = v.encode("utf-8") if isinstance(v, str) else bytes(v)
        self.b += u16(len(data)) + data

    def embed(self, other: "Buf"):
        base = len(self.b)
        self.b += other.b
        for k, v in other.marks.items():
            assert k not in self.marks, f"duplicate mark {k}"
            self.marks[k] = base + v


# ---------------------------------------------------------------------------------------------
# Properties (v5 section 2.2.2.2, Table 2-4)
# ---------------------------------------------------------------------------------------------

ALL_CONTEXTS = ["CONNECT", "WILL", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
                "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "DISCONNECT", "AUTH"]

# (identifier, wire name, type, contexts where allowed; "WILL" = Will Properties)
PROPERTIES = [
    (0x01, "payload_format_indicator", "byte", {"PUBLISH", "WILL"}),
    (0x02, "message_expiry_interval", "u32", {"PUBLISH", "WILL"}),
    (0x03, "content_type", "str", {"PUBLISH", "WILL"}),
    (0x08, "response_topic", "str", {"PUBLISH", "WILL"}),
    (0x09, "correlation_data", "bin", {"PUBLISH", "WILL"}),
    (0x0B, "subscription_identifier", "vbi", {"PUBLISH", "SUBSCRIBE"}),
    (0x11, "session_expiry_interval", "u32", {"CONNECT", "CONNACK", "DISCONNECT"}),
    (0x12, "assigned_client_identifier", "str", {"CONNACK"}),
    (0x13, "server_keep_alive", "u16", {"CONNACK"}),
    (0x15, "authentication_method", "str", {"CONNECT", "CONNACK", "AUTH"}),
    (0x16, "authentication_data", "bin", {"CONNECT", "CONNACK", "AUTH"}),
    (0x17, "request_problem_information", "byte", {"CONNECT"}),
    (0x18, "will_delay_interval", "u32", {"WILL"}),
    (0x19, "request_response_information", "byte", {"CONNECT"}),
    (0x1A, "response_information", "str", {"CONNACK"}),
    (0x1C, "server_reference", "str", {"CONNACK", "DISCONNECT"}),
    (0x1F, "reason_string", "str", {"CONNACK", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP", "SUBACK",
                                    "UNSUBACK", "DISCONNECT", "AUTH"}),
    (0x21, "receive_maximum", "u16", {"CONNECT", "CONNACK"}),
    (0x22, "topic_alias_maximum", "u16", {"CONNECT", "CONNACK"}),
    (0x23, "topic_alias", "u16", {"PUBLISH"}),
    (0x24, "maximum_qos", "byte", {"CONNACK"}),
    (0x25, "retain_available", "byte", {"CONNACK"}),
    (0x26, "user_property", "pair", set(ALL_CONTEXTS)),
    (0x27, "maximum_packet_size", "u32", {"CONNECT", "CONNACK"}),
    (0x28, "wildcard_subscription_available", "byte", {"CONNACK"}),
    (0x29, "subscription_identifier_available", "byte", {"CONNACK"}),
    (0x2A, "shared_subscription_available", "byte", {"CONNACK"}),
]
assert len(PROPERTIES) == 27
PROP = {name: (pid, typ, ctx) for pid, name, typ, ctx in PROPERTIES}
PROP_BY_ID = {pid: name for pid, name, _, _ in PROPERTIES}
# JSON keys of the repeatable properties (arrays)
JSON_LIST_KEY = {"user_property": "user_properties",
                 "subscription_identifier": "subscription_identifiers"}
LIST_KEY_TO_WIRE = {v: k for k, v in JSON_LIST_KEY.items()}


def props_to_items(props):
    """dict (JSON form) -> list of (wire name, value) in canonical order (ascending identifier,
    repeated properties in array order).  A list is returned unchanged."""
    if isinstance(props, list):
        return props
    items = []
    for key, value in props.items():
        if key in LIST_KEY_TO_WIRE:
            wire = LIST_KEY_TO_WIRE[key]
            for v in value:
                items.append((wire, tuple(v) if isinstance(v, list) else v))
        else:
            assert key in PROP, f"unknown property {key}"
            items.append((key, value))
    items.sort(key=lambda it: PROP[it[0]][0])  # stable: keeps array order of repeated ones
    return items


def items_to_props(items):
    """list of (wire name, value) -> dict (JSON form, keys in ascending identifier order)."""
    if isinstance(items, dict):
        items = props_to_items(items)
    out = {}
    for it in items:
        assert isinstance(it, tuple), f"raw property item in a valid packet: {it!r}"
        name, value = it
        if name in JSON_LIST_KEY:
            out.setdefault(JSON_LIST_KEY[name], []).append(
                list(value) if isinstance(value, tuple) else value)
        else:
            assert name not in out, f"duplicate {name} in a valid packet"
            out[name] = value
    order = {JSON_LIST_KEY.get(n, n): pid for n, (pid, _, _) in PROP.items()}
    return {k: out[k] for k in sorted(out, key=lambda k: order[k])}


def write_props(buf: Buf, props, ctx: str, length=None, width=None):
    """Property Length + Properties.  Marks: '<ctx>.len' (Property Length), '<ctx>.<name>' (the
    identifier byte of the first occurrence), '<ctx>.<name>#2' (second occurrence, ...),
    '<ctx>.<name>.v' (its value), '<ctx>.<name>.v2' (value string of a User Property),
    '<ctx>.raw<i>' (raw items).  `length`/`width` override the Property Length value/encoding
    (a Raw `length` is written verbatim)."""
    inner = Buf()
    seen: dict[str, int] = {}
    for i, item in enumerate(props_to_items(props)):
        if isinstance(item, Raw):
            inner.put(item.data, f"{ctx}.raw{i}")
            continue
        name, value = item
        pid, typ, _ = PROP[name]
        seen[name] = seen.get(name, 0) + 1
        tag = f"{ctx}.{name}" + ("" if seen[name] == 1 else f"#{seen[name]}")
        inner.put(vbi(pid), tag)
        vm = tag + ".v"
        if isinstance(value, Raw):
            inner.put(value.data, vm)
        elif typ == "byte":
            inner.put(u8(value), vm)
        elif typ == "u16":
            inner.put(u16(value), vm)
        elif typ == "u32":
            inner.put(u32(value), vm)
        elif typ == "vbi":
            inner.put(vbi(value), vm)
        elif typ in ("str", "bin"):
            inner.lstr(value, vm)
        elif typ == "pair":
            inner.lstr(value[0], vm)
            inner.lstr(value[1], vm + "2")
        else:
            raise AssertionError(typ)
    if isinstance(length, Raw):
        buf.put(length.data, f"{ctx}.len")
    else:
        buf.put(vbi(len(inner.b) if length is None else length, width), f"{ctx}.len")
    buf.embed(inner)


# ---------------------------------------------------------------------------------------------
# Packets (v5 chapter 3, v3.1.1 chapter 3)
# ---------------------------------------------------------------------------------------------

TYPE_CODE = {"CONNECT": 1, "CONNACK": 2, "PUBLISH": 3, "PUBACK": 4, "PUBREC": 5, "PUBREL": 6,
             "PUBCOMP": 7, "SUBSCRIBE": 8, "SUBACK": 9, "UNSUBSCRIBE": 10, "UNSUBACK": 11,
             "PINGREQ": 12, "PINGRESP": 13, "DISCONNECT": 14, "AUTH": 15}
FIXED_FLAGS = {t: 0 for t in TYPE_CODE}
FIXED_FLAGS.update({"PUBREL": 2, "SUBSCRIBE": 2, "UNSUBSCRIBE": 2})
ACKS = ("PUBACK", "PUBREC", "PUBREL", "PUBCOMP")


class Packet:
    """One encoded packet: fixed header, variable header, payload, and absolute marks."""

    def __init__(self, fh: bytes, vh: Buf, pl: Buf):
        self.segments = [bytes(fh), bytes(vh.b), bytes(pl.b)]
        self.data = b"".join(self.segments)
        self.marks = {"start": 0}
        for k, v in vh.marks.items():
            self.marks[k] = len(fh) + v
        for k, v in pl.marks.items():
            self.marks[k] = len(fh) + len(vh.b) + v

    def hex(self) -> str:
        return hex_segments(self.segments)


def hex_bytes(b: bytes) -> str:
    # long runs (big payloads/strings) without spaces to keep files small
    return " ".join(f"{x:02x}" for x in b) if len(b) <= 512 else b.hex()


def hex_segments(segments) -> str:
    return " | ".join(hex_bytes(s) for s in segments if s)


def encode(p: dict, ver: str) -> Packet:
    """Encode packet model `p` for protocol version `ver` ("5.0", "3.1.1", "3.1").

    Overrides (all optional):
      _flags            fixed-header flag nibble
      _rl               Remaining Length value written (default: the real length)
      _rl_width         pad the Remaining Length VBI to this many bytes
      _rl_raw           raw bytes written as the Remaining Length
      _trailing         bytes appended after the last field (counted in the Remaining Length)
      _body             raw bytes replacing variable header + payload
      _props_len/_props_len_width   override the Property Length (also inside "will")
      _form             v5 short forms: acks "short"/"rc"/"full"; DISCONNECT/AUTH "empty"/"rc"/"full";
                        CONNACK "noprops"
      CONNECT: _connect_flags, _protocol_name, _payload (raw payload bytes)
      CONNACK: _ack_flags
      PUBLISH: _no_packet_id (omit the Packet Identifier although QoS > 0)
      SUBSCRIBE filters: _options (raw Subscription Options / Requested QoS byte), _no_options
      SUBSCRIBE/UNSUBSCRIBE: _payload (raw payload bytes)
    """
    t = p["type"]
    v5 = ver == "5.0"
    vh, pl = Buf(), Buf()
    flags = FIXED_FLAGS[t]

    def props(buf, d, ctx="props"):
        write_props(buf, d.get("properties", {}), ctx, d.get("_props_len"), d.get("_props_len_width"))

    if t == "CONNECT":
        vh.lstr(p.get("_protocol_name", p["protocol_name"]), "protocol_name")
        vh.put(u8(p["protocol_version"]), "protocol_version")
        will = p.get("will")
        cf = 0
        if "username" in p:
            cf |= 0x80
        if "password" in p:
            cf |= 0x40
        if will is not None:
            cf |= 0x04 | (will["qos"] << 3) | (0x20 if will["retain"] else 0)
        if p["clean_start" if v5 else "clean_session"]:
            cf |= 0x02
        vh.put(u8(p.get("_connect_flags", cf)), "connect_flags")
        vh.put(u16(p["keep_alive"]), "keep_alive")
        if v5:
            props(vh, p)
        if "_payload" in p:
            pl.put(p["_payload"])
        else:
            pl.lstr(p["client_identifier"], "client_identifier")
            if will is not None:
                if v5:
                    props(pl, will, "will")
                pl.lstr(will["topic"], "will_topic")
                pl.lstr(will["payload"], "will_payload")
            if "username" in p:
                pl.lstr(p["username"], "username")
            if "password" in p:
                pl.lstr(p["password"], "password")
    elif t == "CONNACK":
        vh.put(u8(p.get("_ack_flags", 1 if p["session_present"] else 0)), "ack_flags")
        vh.put(u8(p["reason_code" if v5 else "return_code"]), "reason_code")
        if v5 and p.get("_form") != "noprops":
            props(vh, p)
    elif t == "PUBLISH":
        flags = (8 if p["dup"] else 0) | (p["qos"] << 1) | (1 if p["retain"] else 0)
        vh.lstr(p["topic"], "topic")
        if p["qos"] > 0 and not p.get("_no_packet_id"):
            vh.put(u16(p["packet_id"]), "packet_id")
        if v5:
            props(vh, p)
        pl.put(p["payload"], "payload")
    elif t in ACKS:
        vh.put(u16(p["packet_id"]), "packet_id")
        if v5:
            has_props = bool(props_to_items(p.get("properties", {})))
            form = p.get("_form") or ("full" if has_props else "rc" if p["reason_code"] else "short")
            if form in ("rc", "full"):
                vh.put(u8(p["reason_code"]), "reason_code")
            if form == "full":
                props(vh, p)
    elif t == "SUBSCRIBE":
        vh.put(u16(p["packet_id"]), "packet_id")
        if v5:
            props(vh, p)
        if "_payload" in p:
            pl.put(p["_payload"])
        for i, f in enumerate(p["filters"]):
            pl.lstr(f["filter"], f"filter{i}")
            opts = f["qos"]
            if v5:
                opts |= (4 if f["no_local"] else 0) | (8 if f["retain_as_published"] else 0) \
                    | (f["retain_handling"] << 4)
            if not f.get("_no_options"):
                pl.put(u8(f.get("_options", opts)), f"options{i}")
    elif t == "SUBACK":
        vh.put(u16(p["packet_id"]), "packet_id")
        if v5:
            props(vh, p)
        for i, c in enumerate(p["reason_codes" if v5 else "return_codes"]):
            pl.put(u8(c), f"code{i}")
    elif t == "UNSUBSCRIBE":
        vh.put(u16(p["packet_id"]), "packet_id")
        if v5:
            props(vh, p)
        if "_payload" in p:
            pl.put(p["_payload"])
        for i, f in enumerate(p["filters"]):
            pl.lstr(f, f"filter{i}")
    elif t == "UNSUBACK":
        vh.put(u16(p["packet_id"]), "packet_id")
        if v5:
            props(vh, p)
            for i, c in enumerate(p["reason_codes"]):
                pl.put(u8(c), f"code{i}")
    elif t in ("PINGREQ", "PINGRESP"):
        pass
    elif t in ("DISCONNECT", "AUTH"):
        if v5:
            has_props = bool(props_to_items(p.get("properties", {})))
            if p.get("_form"):
                form = p["_form"]
            elif has_props:
                form = "full"
            elif p["reason_code"] == 0:
                form = "empty"
            else:
                form = "rc" if t == "DISCONNECT" else "full"  # AUTH has no reason-code-only form
            if form in ("rc", "full"):
                vh.put(u8(p["reason_code"]), "reason_code")
            if form == "full":
                props(vh, p)
    else:
        raise AssertionError(t)

    if "_body" in p:
        vh, pl = Buf(), Buf()
        vh.put(p["_body"])
    if "_trailing" in p:
        pl.put(p["_trailing"], "trailing")
    flags = p.get("_flags", flags)
    if "_rl_raw" in p:
        rl = p["_rl_raw"]
    else:
        rl = vbi(p.get("_rl", len(vh.b) + len(pl.b)), p.get("_rl_width"))
    fh = u8(TYPE_CODE[t] << 4 | flags) + rl
    return Packet(fh, vh, pl)


# ---------------------------------------------------------------------------------------------
# JSON form (vectors/README.md "The JSON form of a packet")
# ---------------------------------------------------------------------------------------------

KEY_ORDER = {
    "CONNECT": ["type", "protocol_name", "protocol_version", "clean_start", "clean_session",
                "keep_alive", "properties", "client_identifier", "will", "username", "password"],
    "CONNACK": ["type", "session_present", "reason_code", "return_code", "properties"],
    "PUBLISH": ["type", "dup", "qos", "retain", "topic", "packet_id", "properties", "payload"],
    "SUBSCRIBE": ["type", "packet_id", "properties", "filters"],
    "SUBACK": ["type", "packet_id", "properties", "reason_codes", "return_codes"],
    "UNSUBSCRIBE": ["type", "packet_id", "properties", "filters"],
    "UNSUBACK": ["type", "packet_id", "properties", "reason_codes"],
    "PINGREQ": ["type"], "PINGRESP": ["type"],
    "DISCONNECT": ["type", "reason_code", "properties"],
    "AUTH": ["type", "reason_code", "properties"],
}
for _a in ACKS:
    KEY_ORDER[_a] = ["type", "packet_id", "reason_code", "properties"]
WILL_ORDER = ["qos", "retain", "topic", "payload", "properties"]
FILTER_ORDER = ["filter", "qos", "no_local", "retain_as_published", "retain_handling"]


def normalize(p):
    """Drop overrides ("_" keys) and turn property lists into canonical dicts: this is the
    packet as a decoder sees it, and what an encoder is given."""
    if isinstance(p, dict):
        out = {}
        for k, v in p.items():
            if k.startswith("_"):
                continue
            out[k] = items_to_props(v) if k == "properties" else normalize(v)
        return out
    if isinstance(p, list):
        return [normalize(x) for x in p]
    if isinstance(p, (Raw, BadStr)):
        raise AssertionError("raw field in a packet that must be valid")
    return copy.deepcopy(p)


def _jsonify(v):
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).hex()
    if isinstance(v, tuple):
        return [_jsonify(x) for x in v]
    if isinstance(v, list):
        return [_jsonify(x) for x in v]
    if isinstance(v, dict):
        return {k: _jsonify(x) for k, x in v.items()}
    return v


def _ordered(d, order):
    extra = [k for k in d if k not in order]
    assert not extra, f"unexpected keys {extra}"
    return {k: d[k] for k in order if k in d}


def to_json(p: dict) -> dict:
    n = normalize(p)
    out = _ordered(n, KEY_ORDER[n["type"]])
    if "will" in out:
        out["will"] = _ordered(out["will"], WILL_ORDER)
    if out["type"] == "SUBSCRIBE":
        out["filters"] = [_ordered(f, FILTER_ORDER) for f in out["filters"]]
    return _jsonify(out)
