#!/usr/bin/env python3
"""Which normative statements of class "codec" no vector cites, per version.

    python3 vectors/gen/coverage.py [--all-classes] [--quiet]

Reads every vector file under vectors/ (any *.json with "schema": "mqtt-packet-vectors/1") and the
normative index (shared/spec/normative-v5.0.json, normative-v3.1.1.json; MQTT_SPEC_INDEX_DIR
overrides the location).  Vectors of "3.1" files count for the 3.1.1 index; vectors of "detect"
files count for the version named by their id prefix (v5-, v311-, v31-).
Exit status 1 if a vector cites an id that is not in the index.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.dirname(HERE)
REPO = os.path.dirname(VECTORS)
SCHEMA = "mqtt-packet-vectors/1"
SKIP_DIRS = {"node_modules", ".git"}


def index_dir():
    env = os.environ.get("MQTT_SPEC_INDEX_DIR")
    for d in ([env] if env else []) + [os.path.join(REPO, "..", "shared", "spec"),
                                       os.path.join(REPO, "shared", "spec")]:
        if os.path.exists(os.path.join(d, "normative-v5.0.json")):
            return d
    sys.exit("coverage.py: normative index not found; set MQTT_SPEC_INDEX_DIR")


def index_version(file_version, vector_id):
    if file_version == "detect":
        file_version = {"v5": "5.0", "v311": "3.1.1", "v31": "3.1"}[vector_id.split("-")[0]]
    return "5.0" if file_version == "5.0" else "3.1.1"


def vector_files():
    for dirpath, dirnames, filenames in os.walk(VECTORS):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for fn in sorted(filenames):
            if not fn.endswith(".json") or fn == "schema.json":
                continue
            path = os.path.join(dirpath, fn)
            try:
                with open(path, encoding="utf-8") as f:
                    doc = json.load(f)
            except (OSError, ValueError):
                continue
            if isinstance(doc, dict) and doc.get("schema") == SCHEMA:
                yield os.path.relpath(path, VECTORS), doc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--all-classes", action="store_true",
                    help="also list cited/uncited statements of the other classes")
    ap.add_argument("--quiet", action="store_true", help="only the summary lines")
    ap.add_argument("--strict", action="store_true",
                    help="exit 1 when a codec statement has no vector")
    args = ap.parse_args()
    d = index_dir()
    index = {}
    for ver in ("5.0", "3.1.1"):
        with open(os.path.join(d, f"normative-v{ver}.json"), encoding="utf-8") as f:
            index[ver] = {e["id"]: e for e in json.load(f)}
    cited = {"5.0": {}, "3.1.1": {}}
    unknown = []
    nfiles = nvec = 0
    for rel, doc in vector_files():
        nfiles += 1
        for v in doc.get("vectors", []):
            nvec += 1
            ver = index_version(doc["version"], v["id"])
            for c in v.get("cites", []):
                if c not in index[ver]:
                    unknown.append(f"{rel}: {v['id']} cites {c} (not in the {ver} index)")
                cited[ver][c] = cited[ver].get(c, 0) + 1
    uncited_codec = 0
    print(f"{nvec} vectors in {nfiles} files")
    for ver in ("5.0", "3.1.1"):
        classes = sorted({e["class"] for e in index[ver].values()}) if args.all_classes \
            else ["codec"]
        for cls in classes:
            ids = [i for i, e in index[ver].items() if e["class"] == cls]
            missing = [i for i in ids if i not in cited[ver]]
            if cls == "codec":
                uncited_codec += len(missing)
            print(f"v{ver} {cls}: {len(ids) - len(missing)}/{len(ids)} statements cited, "
                  f"{len(missing)} uncited")
            if not args.quiet:
                for i in missing:
                    print(f"    uncited {i}: {index[ver][i]['paraphrase']}")
        if not args.quiet:
            few = sorted((n, i) for i, n in cited[ver].items()
                         if index[ver].get(i, {}).get("class") == "codec" and n < 2)
            for n, i in few:
                print(f"    only {n} vector cites {i}")
    for u in unknown:
        print("ERROR " + u)
    if args.strict and uncited_codec:
        print(f"ERROR {uncited_codec} codec statements have no vector")
        return 1
    return 1 if unknown else 0


if __name__ == "__main__":
    sys.exit(main())
