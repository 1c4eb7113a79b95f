#!/usr/bin/env python3
"""Runs mosquitto_pub / mosquitto_sub through the recording proxy (record.py) against a running
mosquitto broker and writes every packet seen, tagged with the command that caused it.

    python3 capture.py --main-port P1 --noanon-port P2 --restricted-port P3 --out raw.json

capture.sh starts the broker (three loopback listeners, see there) and calls this. Each client
command gets its own Recorder (its own proxy port), so every packet is tagged with its command.
The order of the sessions below is the order of the vectors in the generated files; keep it
stable so that the vector ids and the deduplication stay stable.
"""

import argparse
import json
import shlex
import subprocess
import sys
import time
import os

sys.dont_write_bytecode = True  # no __pycache__ next to record.py
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from record import Recorder, S2C  # noqa: E402

VERSIONS = [
    # (mosquitto -V value, vector id prefix, README version)
    ("mqttv5", "v5", "5.0"),
    ("mqttv311", "v311", "3.1.1"),
    ("mqttv31", "v31", "3.1"),
]

LARGE = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" * 3 + "!" * 14  # 200 bytes

LISTENER_NOTES = {
    "main": "listener with allow_anonymous true",
    "noanon": "listener with allow_anonymous false",
    "restricted": "listener with allow_anonymous true, acl_file allowing only 'allowed/#', "
                  "max_qos 1, max_topic_alias 0",
}


class Session:
    def __init__(self, run, label, argv, listener="main", comment="", cut_before=None):
        self.run = run
        self.cut_before = cut_before
        self.label = label
        self.argv = argv
        self.listener = listener
        self.comment = comment
        self.proc = None
        self.rec = None
        self.rc = None
        self.out = ""
        self.err = ""

    def display(self):
        """The command line as written into `source` (the proxy port varies, so it is $PORT)."""
        return " ".join(shlex.quote(a) if a != "$PORT" else a for a in self.argv)

    def start(self):
        port = self.run.ports[self.listener]
        self.rec = Recorder(("127.0.0.1", port), label=self.label, cut_before=self.cut_before)
        argv = [str(self.rec.port) if a == "$PORT" else a for a in self.argv]
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        return self

    def wait_for(self, predicate, timeout=10.0):
        end = time.time() + timeout
        while time.time() < end:
            if self.rec.has_packet(predicate):
                return True
            time.sleep(0.02)
        raise RuntimeError("%s: expected packet did not appear" % self.label)

    def finish(self, timeout=30.0):
        try:
            self.out, self.err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()  # our own child, by its Popen handle
            self.out, self.err = self.proc.communicate()
            self.err += "\n[capture.py: killed after %ss]" % timeout
        self.rc = self.proc.returncode
        self.rec.wait_idle(5)
        self.rec.close()
        return self


def is_type(t):
    return lambda r: int(r["hex"][:2], 16) >> 4 == t


SUBACK = is_type(9)


class Run:
    def __init__(self, ports):
        self.ports = ports
        self.sessions = []

    def session(self, label, argv, listener="main", comment="", cut_before=None):
        s = Session(self, label, argv, listener, comment, cut_before)
        self.sessions.append(s)
        return s

    def pub(self, V, label, args, listener="main", comment=""):
        return self.session(label, ["mosquitto_pub", "-h", "127.0.0.1", "-p", "$PORT", "-V", V]
                            + args, listener, comment)

    def sub(self, V, label, args, listener="main", comment="", cut_before=None):
        return self.session(label, ["mosquitto_sub", "-h", "127.0.0.1", "-p", "$PORT", "-V", V]
                            + args, listener, comment, cut_before)


def capture_version(run, V, tag):
    v5 = V == "mqttv5"
    subs_main_filters = ["-t", "data/#", "-t", "café/+", "-t", "x/+/y"]

    # Background: a client with a 5 s keepalive that stays idle: PINGREQ / PINGRESP, then -W ends
    # it (mosquitto_sub sends DISCONNECT, in v5 with reason 0x04).
    ping = run.sub(V, "ping", ["-i", tag + "-ping", "-k", "5", "-t", "ping/none", "-W", "7"],
                   comment="idle subscriber with keepalive 5").start()

    # The main subscriber: several filters, QoS 2; receives everything published below.
    publishes = []  # (label, args, messages delivered to the main subscriber, listener, comment)
    # Sessions about the CONNECT publish the same small message with the same client id, so that
    # their other packets are byte-identical and deduplicate to one vector.
    pid = tag + "-pub"
    X = ["-t", "data/x", "-m", "x"]
    publishes += [
        ("pub-noid", ["-t", "data/noid", "-m", "hello"], 1,
         "no -i: libmosquitto sends an empty client id in 3.1.1/5.0, a random one in 3.1"),
        ("pub-qos0-keepalive", ["-i", pid, "-k", "30", "-t", "data/q0", "-m", "qos0"], 1,
         "QoS 0, keepalive 30"),
        ("pub-qos1", ["-i", pid, "-q", "1", "-t", "data/q1", "-m", "qos1"], 1, "QoS 1"),
        ("pub-qos2", ["-i", pid, "-q", "2", "-t", "data/q2", "-m", "qos2"], 1, "QoS 2"),
        ("pub-qos1-retain", ["-i", pid, "-q", "1", "-r", "-t", "data/retained", "-m", "kept"],
         1, "QoS 1 retained"),
        ("pub-qos2-retain", ["-i", pid, "-q", "2", "-r", "-t", "data/retained2", "-m", "kept2"],
         1, "QoS 2 retained"),
        ("pub-utf8", ["-i", pid, "-q", "1", "-t", "café/ü", "-m", "grüße"], 1,
         "non-ASCII UTF-8 topic and payload"),
        ("pub-level-wildcard-match", ["-i", pid, "-t", "x/1/y", "-m", "level"], 1,
         "topic matched by the filter x/+/y"),
        ("pub-empty", ["-i", pid, "-q", "1", "-n", "-t", "data/empty"], 1,
         "zero-length payload (-n)"),
        ("pub-large", ["-i", pid, "-t", "data/large", "-m", LARGE], 1,
         "200-byte payload: two-byte Remaining Length"),
        ("pub-userpass", ["-i", pid, "-u", "alice", "-P", "s3cret"] + X, 1, "username and password"),
        ("pub-username", ["-i", pid, "-u", "bob"] + X, 1, "username without password"),
        ("pub-will", ["-i", pid, "--will-topic", "will/" + tag, "--will-payload", "gone",
                      "--will-qos", "1", "--will-retain"] + X, 1,
         "Will: QoS 1, retained, payload 'gone'"),
        ("pub-will-empty", ["-i", pid, "--will-topic", "will/empty"] + X,
         1, "Will: QoS 0, no --will-payload (zero-length Will payload)"),
        ("pub-will-qos2-userpass", ["-i", pid, "-u", "carol", "-P", "pw", "--will-topic", "will/q2",
                                    "--will-payload", "bye", "--will-qos", "2"] + X,
         1, "Will QoS 2 together with username and password"),
        ("pub-persistent", ["-c", "-i", tag + "-persist"] + X, 1,
         "-c: clean session / clean start 0"),
    ]
    if tag == "v31":
        publishes.append(
            ("pub-long-id", ["-i", "v31-client-id-longer-than-23"] + X, 1,
             "28-character client id: MQTT 3.1 says 1 to 23 characters and lets a broker refuse "
             "longer ones with CONNACK 2; mosquitto accepts it"))
    if v5:
        publishes += [
            ("pub-connect-props", ["-i", pid] + X + [
                                   "-D", "connect", "session-expiry-interval", "60",
                                   "-D", "connect", "receive-maximum", "10",
                                   "-D", "connect", "user-property", "a", "b",
                                   "-D", "connect", "maximum-packet-size", "65536",
                                   "-D", "connect", "topic-alias-maximum", "5",
                                   "-D", "connect", "request-problem-information", "0",
                                   "-D", "connect", "request-response-information", "1"], 1,
             "CONNECT properties"),
            ("pub-session-expiry", ["-i", pid, "-x", "120"] + X, 1,
             "-x 120: session expiry interval"),
            ("pub-keepalive-over-max", ["-i", pid, "-k", "7200"] + X, 1,
             "keepalive 7200 above the broker's max_keepalive 3600: CONNACK carries server keep alive"),
            ("pub-will-props", ["-i", pid, "--will-topic", "will/props", "--will-payload", "wp",
                                "--will-qos", "2",
                                "-D", "will", "will-delay-interval", "10",
                                "-D", "will", "message-expiry-interval", "300",
                                "-D", "will", "content-type", "text/plain",
                                "-D", "will", "response-topic", "will/resp",
                                "-D", "will", "correlation-data", "c0ffee",
                                "-D", "will", "payload-format-indicator", "1",
                                "-D", "will", "user-property", "wk", "wv",
                                ] + X, 1, "Will properties"),
            ("pub-props", ["-i", pid, "-q", "1", "-r", "-t", "data/props/a", "-m", '{"v":1}',
                           "-D", "publish", "message-expiry-interval", "120",
                           "-D", "publish", "content-type", "application/json",
                           "-D", "publish", "response-topic", "resp/t",
                           "-D", "publish", "correlation-data", "req-1",
                           "-D", "publish", "payload-format-indicator", "1",
                           "-D", "publish", "user-property", "k1", "v1",
                           "-D", "publish", "user-property", "k2", "v2",
                           "-D", "publish", "user-property", "k1", "v3"], 1,
             "retained QoS 1 PUBLISH with properties (forwarded with RETAIN 1 only to the "
             "retain-as-published subscription)"),
            ("pub-topic-alias", ["-i", pid, "-q", "2", "-t", "data/alias", "-m", "aliased",
                                 "-D", "publish", "topic-alias", "3", "--repeat", "2"], 2,
             "topic alias 3 set, then used with an empty topic name (--repeat 2)"),
            ("pub-disconnect-props", ["-i", pid, "-x", "30"] + X + [
                                      "-D", "disconnect", "session-expiry-interval", "0",
                                      "-D", "disconnect", "user-property", "bye", "now"], 1,
             "DISCONNECT with properties"),
            ("pub-topic-alias-invalid", ["-i", pid, "-t", "data/badalias", "-m", "x",
                                         "-D", "publish", "topic-alias", "20"], 0,
             "topic alias 20 above the broker's maximum of 10: the broker disconnects"),
            ("pub-auth-method", ["-i", pid] + X + [
                                 "-D", "connect", "authentication-method", "SCRAM-SHA-1",
                                 "-D", "connect", "authentication-data", "client-first"], 0,
             "authentication method the broker does not support: CONNACK refuses"),
        ]
    expected = sum(p[2] for p in publishes)

    sub_main = run.sub(V, "sub-multi", ["-i", tag + "-sub", "-k", "60", "-q", "2"] + subs_main_filters
                       + ["-v", "-C", str(expected), "-W", "40"],
                       comment="subscriber: three filters at QoS 2, receives the publishes").start()
    sub_main.wait_for(SUBACK)
    sub_opts = None
    if v5:
        sub_opts = run.sub(V, "sub-options", ["-i", tag + "-subopt", "-q", "1", "-t", "data/props/#",
                                              "-t", "data/alias",
                                              "--retain-as-published",
                                              "-D", "subscribe", "subscription-identifier", "42",
                                              "-D", "subscribe", "user-property", "sk", "sv",
                                              "-v", "-C", "3", "-W", "40"],
                           comment="v5 subscriber: retain-as-published, subscription identifier 42").start()
        sub_opts.wait_for(SUBACK)

    for label, args, _n, comment in publishes:
        run.pub(V, label, args, comment=comment).start().finish()

    sub_main.finish(45)
    if sub_opts:
        sub_opts.finish(45)
        # pub-props left a retained message on data/props/a: delete it before the next version.
        run.pub(V, "pub-clear-retained-props", ["-i", pid, "-r", "-n", "-t", "data/props/a"],
                comment="retained zero-length PUBLISH (deletes the retained message)").start().finish()

    # DUP: the proxy withholds the broker's first PUBLISH to a clean-session-0 subscriber and cuts
    # the connection; mosquitto_sub reconnects and the broker sends the message again, DUP set.
    dup = run.sub(V, "sub-redelivery", ["-c", "-i", tag + "-dup", "-q", "1", "-t", "redeliver/t",
                                        "-v", "-C", "1", "-W", "20"],
                  comment="persistent QoS 1 subscriber whose first delivery is cut off by the proxy",
                  cut_before=lambda d, p: d == S2C and p[0] >> 4 == 3).start()
    dup.wait_for(SUBACK)
    run.pub(V, "pub-for-redelivery", ["-i", pid, "-q", "1", "-t", "redeliver/t", "-m", "again"],
            comment="QoS 1 message that the broker has to deliver twice").start().finish()
    dup.finish(25)

    # A late subscriber gets the retained messages (PUBLISH from the broker with RETAIN 1).
    run.sub(V, "sub-retained", ["-i", tag + "-retsub", "-q", "2", "-t", "data/retained",
                                "-t", "data/retained2", "-v", "-C", "2", "-W", "20"],
            comment="subscriber that receives two retained messages").start().finish()
    # Clear the retained messages: retained PUBLISH with a zero-length payload.
    run.pub(V, "pub-clear-retained", ["-i", tag + "-pub", "-r", "-n", "-t", "data/retained"],
            comment="retained zero-length PUBLISH (deletes the retained message)").start().finish()
    run.pub(V, "pub-clear-retained-qos1", ["-i", tag + "-pub", "-q", "1", "-r", "-n", "-t", "data/retained2"],
            comment="retained zero-length QoS 1 PUBLISH").start().finish()

    # SUBSCRIBE then UNSUBSCRIBE (one filter subscribed, one never subscribed).
    unsub_args = ["-i", tag + "-unsub", "-t", "keep/a", "-t", "keep/b", "-U", "keep/a",
                  "-U", "never/subscribed", "-E"]
    if v5:
        unsub_args += ["-D", "unsubscribe", "user-property", "uk", "uv"]
    run.sub(V, "unsubscribe", unsub_args,
            comment="subscribe to two filters, unsubscribe from one of them and one never subscribed"
            ).start().finish()

    # Refused connection: listener without anonymous access.
    run.pub(V, "refused-not-authorized", ["-i", tag + "-pub", "-t", "data/x", "-m", "x"],
            listener="noanon", comment="anonymous client on a listener that requires a login").start().finish()
    # Restricted listener: max_qos 1 (announced in the v5 CONNACK) downgrades a QoS 2 subscription;
    # the second filter is a shared subscription. (mosquitto 2.0.11's acl_file does not refuse
    # subscriptions, so no SUBACK failure code can be had from it.)
    run.sub(V, "subscribe-max-qos", ["-i", tag + "-maxq", "-q", "2", "-t", "allowed/a",
                                     "-t", "$share/grp/allowed/b", "-E"],
            listener="restricted",
            comment="QoS 2 SUBSCRIBE (one plain, one shared filter) on a listener with max_qos 1"
            ).start().finish()
    run.pub(V, "publish-acl-denied", ["-i", tag + "-pub", "-q", "1", "-t", "denied/x", "-m", "x"],
            listener="restricted", comment="QoS 1 PUBLISH to a topic the ACL denies").start().finish()

    ping.finish(20)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--main-port", type=int, required=True)
    ap.add_argument("--noanon-port", type=int, required=True)
    ap.add_argument("--restricted-port", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", help="capture only this -V value (for debugging)")
    args = ap.parse_args()

    versions = {}
    for exe in ("mosquitto_pub", "mosquitto_sub"):
        text = subprocess.run([exe, "--help"], capture_output=True, text=True).stdout
        versions[exe] = text.splitlines()[1].split(" version ")[1].split()[0]
    text = subprocess.run(["mosquitto", "-h"], capture_output=True, text=True).stdout
    versions["mosquitto"] = text.splitlines()[0].split(" version ")[1].split()[0]

    out = {"tool_versions": versions, "listeners": LISTENER_NOTES, "runs": []}
    for V, tag, version in VERSIONS:
        if args.only and args.only != V:
            continue
        run = Run({"main": args.main_port, "noanon": args.noanon_port,
                   "restricted": args.restricted_port})
        t0 = time.time()
        capture_version(run, V, tag)
        print("captured %s: %d sessions in %.1fs" % (V, len(run.sessions), time.time() - t0),
              file=sys.stderr)
        sessions = []
        for s in run.sessions:
            recs = sorted(s.rec.records, key=lambda r: r["seq"])
            for r in recs:
                if "note" in r:
                    print("  note %s: %s" % (s.label, r["note"]), file=sys.stderr)
            sessions.append({"label": s.label, "command": s.display(), "exe": s.argv[0],
                             "listener": s.listener, "comment": s.comment,
                             "exit_code": s.rc, "stderr": s.err.strip(), "records": recs})
        out["runs"].append({"V": V, "tag": tag, "version": version, "sessions": sessions})
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
