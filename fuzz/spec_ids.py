#!/usr/bin/env python3
"""Regenerates the statement-id lists embedded at the end of codec/src/fuzzing.rs from the
normative-statement index (conformance/spec/, a copy of shared/spec/). The fuzz targets check that
every cite a DecodeError carries is one of these ids; fuzz_replay fails when the lists are stale.

Usage: python3 fuzz/spec_ids.py [--check]
"""
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
TARGET = ROOT / "codec" / "src" / "fuzzing.rs"
BEGIN = "// BEGIN GENERATED SPEC IDS\n"
END = "// END GENERATED SPEC IDS\n"


def index(name):
    for d in (ROOT / "conformance" / "spec", ROOT.parent / "shared" / "spec"):
        p = d / name
        if p.exists():
            return [e["id"] for e in json.loads(p.read_text())]
    sys.exit(f"{name} not found")


def block():
    out = [BEGIN]
    for const, name in (("SPEC_IDS_V5", "normative-v5.0.json"),
                        ("SPEC_IDS_V311", "normative-v3.1.1.json")):
        ids = index(name)
        out.append(f"/// Statement ids of `{name}`.\n#[rustfmt::skip]\npub const {const}: [&str; {len(ids)}] = [\n")
        line = "   "
        for i in ids:
            item = f' "{i}",'
            if len(line) + len(item) > 99:
                out.append(line + "\n")
                line = "   "
            line += item
        out.append(line + "\n];\n")
    out.append(END)
    return "".join(out)


def main():
    text = TARGET.read_text()
    start = text.index(BEGIN)
    end = text.index(END) + len(END)
    new = text[:start] + block() + text[end:]
    if "--check" in sys.argv:
        if new != text:
            sys.exit("codec/src/fuzzing.rs: spec ids are stale; run python3 fuzz/spec_ids.py")
        return
    TARGET.write_text(new)


if __name__ == "__main__":
    main()
