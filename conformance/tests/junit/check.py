"""Reads conformance JUnit reports with junitparser, a JUnit reader CI tools and their plugins
use, and checks what CI dashboards rely on, against the JSON report of the same run:

- the same number of tests, failures, errors and skips as the JSON report's summary;
- class names with exactly one dot (Jenkins splits class names at dots into package and class);
- each failure or error has a one-line message that starts like the check's headline, and the
  failing case's system-out carries the packet trace.

Usage: check.py RUN.xml RUN.json [RUN.xml RUN.json ...]
"""
import json
import sys

from junitparser import Error, Failure, JUnitXml, Skipped


def check(xml_path, json_path):
    report = json.load(open(json_path))
    by_id = {r["id"]: r for r in report["results"]}
    summary = report["summary"]
    xml = JUnitXml.fromfile(xml_path)
    problems = []
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in xml:
        for case in suite:
            counts["tests"] += 1
            if case.classname.count(".") != 1:
                problems.append(f"{case.name}: class name {case.classname!r}")
            result = by_id.get(case.name)
            if result is None:
                problems.append(f"{case.name}: not in {json_path}")
                continue
            kinds = [type(r) for r in case.result]
            if Failure in kinds:
                counts["failures"] += 1
            if Error in kinds:
                counts["errors"] += 1
            if Skipped in kinds:
                counts["skipped"] += 1
            for r in case.result:
                if isinstance(r, (Failure, Error)):
                    message = r.message or ""
                    if "\n" in message or not message:
                        problems.append(f"{case.name}: message {message!r} is not one line")
                    if result["verdict"] not in ("fail", "error", "non-strict"):
                        problems.append(f"{case.name}: {result['verdict']} reported as failure")
                    if result.get("trace") and "packet trace:" not in (case.system_out or ""):
                        problems.append(f"{case.name}: no packet trace in system-out")
    # Without --strict, non-strict checks pass in JUnit.
    want = {
        "tests": len(report["results"]),
        "failures": summary["fail"],
        "errors": summary["error"],
        "skipped": summary["skipped"],
    }
    if counts != want:
        problems.append(f"counts {counts}, JSON report says {want}")
    return counts, problems


def main(args):
    if not args or len(args) % 2:
        sys.exit(__doc__)
    failed = False
    for xml_path, json_path in zip(args[::2], args[1::2]):
        counts, problems = check(xml_path, json_path)
        for p in problems[:20]:
            print(f"{xml_path}: {p}")
        failed |= bool(problems)
        print(f"{xml_path}: {counts['tests']} test cases read by junitparser"
              f" ({counts['failures']} failures, {counts['errors']} errors,"
              f" {counts['skipped']} skipped): {'PROBLEMS' if problems else 'ok'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
