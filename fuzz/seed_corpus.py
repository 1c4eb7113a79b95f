#!/usr/bin/env python3
"""Writes seed corpora for the fuzz targets from the test vectors (stdlib only).

Every vector (vectors/**/*.json with "schema": "mqtt-packet-vectors/1") contributes its bytes to
fuzz/corpus/<target>/, one file per input named by its SHA-1 (libFuzzer's convention, so reruns
add nothing twice). Inputs the fuzzer found are kept unless --clean is given. Corpus directories
are generated and git-ignored; committed findings live in fuzz/regressions/<target>/.

    python3 fuzz/seed_corpus.py [--clean]

decode_stream_split reads two settings bytes first (see mqtt_codec::fuzzing::decode_stream_split):
its seeds are each vector behind settings for the vector's version and direction, plus streams of
several valid packets that start with a CONNECT, read with the version unknown.
"""
import hashlib
import json
import pathlib
import shutil
import sys

FUZZ = pathlib.Path(__file__).resolve().parent
VECTORS = FUZZ.parent / "vectors"
SKIP = {"node_modules", "crosscheck", "gen", "capture", "src", "target"}
TARGETS = ["decode_v5", "decode_v311", "decode_detect", "decode_stream_split",
           "roundtrip_packet", "encode_invalid", "topic_alias"]
VERSION_BITS = {"detect": 0, "3.1": 1, "3.1.1": 2, "5.0": 3}
DIRECTION_BITS = {None: 0, "client-to-server": 1, "server-to-client": 2}


def vector_files():
    def walk(d):
        for p in sorted(d.iterdir()):
            if p.is_dir():
                if p.name not in SKIP:
                    yield from walk(p)
            elif p.suffix == ".json":
                text = p.read_text(encoding="utf-8")
                if '"mqtt-packet-vectors/1"' in text:
                    yield p, json.loads(text)
    yield from walk(VECTORS)


def unhex(s):
    return bytes.fromhex("".join(c for c in s if c not in " |\n\t"))


def main():
    clean = "--clean" in sys.argv
    seeds = {t: set() for t in TARGETS}
    valid = {}  # version -> list of valid single packets (CONNECT first)
    n = 0
    for path, doc in vector_files():
        version = doc["version"]
        for i, v in enumerate(doc["vectors"]):
            data = unhex(v["hex"])
            n += 1
            for t in ("decode_v5", "decode_v311", "decode_detect",
                      "roundtrip_packet", "encode_invalid", "topic_alias"):
                seeds[t].add(data)
            sel = VERSION_BITS[version] | DIRECTION_BITS.get(v.get("direction"), 0) << 2
            sel |= (n % 8) << 5  # vary the chunk sizes
            seeds["decode_stream_split"].add(bytes([sel, n & 0xFF]) + data)
            if v["result"] == "valid" and not v.get("stream") and not v.get("direction") \
                    and "max_packet_size" not in v and "topic_alias_maximum" not in v \
                    and len(data) < 2048:
                valid.setdefault(version, []).append(data)
    # Streams: a CONNECT of each version, then some packets of that version, version unknown.
    for version in ("3.1", "3.1.1", "5.0"):
        packets = valid.get(version, [])
        connects = [p for p in packets if p[0] >> 4 == 1]
        others = [p for p in packets if p[0] >> 4 != 1]
        for k, c in enumerate(connects[:8]):
            body = c + b"".join(others[k * 6:(k + 1) * 6])
            seeds["decode_stream_split"].add(bytes([((k % 8) << 5), k]) + body)
            seeds["decode_detect"].add(body)
    corpus = FUZZ / "corpus"
    for t, items in seeds.items():
        d = corpus / t
        if clean and d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True, exist_ok=True)
        for data in items:
            (d / hashlib.sha1(data).hexdigest()).write_bytes(data)
    print(f"{n} vectors -> " + ", ".join(f"{t} {len(s)}" for t, s in seeds.items()))


if __name__ == "__main__":
    main()
