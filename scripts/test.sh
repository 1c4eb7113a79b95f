#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls exactly this). Installs what it needs from the
# OS packages (mosquitto, Node.js for the independent decoder, Chromium for the report's browser
# test) when missing. Stages:
#   format, lints, no_std build, every cargo test (codec vectors, property tests, allocation test,
#   fuzz replays, conformance against the fake broker, transports), benches in test mode, the
#   vector generator's own check, independent decoders, short fuzz runs (cargo-fuzz installed when missing),
#   the conformance suite against real mosquitto compared with the expected-results files (whose
#   JUnit reports are read by junitparser and whose JSON reports become one matrix), and the other
#   brokers under test (aedes, amqtt, rumqttd, RabbitMQ) installed, started and compared with their
#   expected-results files.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
passed=0
failed=0
failures=()
stage() { # stage NAME COMMAND...
    local name=$1; shift
    echo
    echo "==> $name"
    local start=$SECONDS
    if "$@"; then
        passed=$((passed + 1))
        echo "==> $name: ok ($((SECONDS - start)) s)"
    else
        failed=$((failed + 1))
        failures+=("$name")
        echo "==> $name: FAILED ($((SECONDS - start)) s)"
    fi
}

need_pkg mosquitto mosquitto mosquitto-clients || true
need_pkg node nodejs npm || true
need_pkg tshark tshark || true
need_pkg openssl openssl || true
need_pkg ip iproute2 || true
need_pkg chromium chromium || true
need_pkg chromedriver chromium-driver || true

stage "cargo fmt" cargo fmt --all -- --check
stage "cargo clippy" cargo clippy --workspace --all-targets --all-features -- -D warnings
stage "codec builds no_std (no alloc)" cargo build -q -p mqtt-codec --no-default-features
stage "codec builds no_std (alloc)" cargo build -q -p mqtt-codec --no-default-features --features alloc
stage "cargo test" cargo test --workspace --all-features --no-fail-fast
stage "crates package and verify (codec, vectors, conformance), codec docs as on docs.rs" scripts/package.sh
stage "benches in test mode" cargo bench -p mqtt-codec-benches -- --test
stage "vector generator is up to date" python3 vectors/gen/generate.py --check
stage "vectors agree with the generator's reference decoder" python3 vectors/gen/check.py
stage "every codec statement has a vector" python3 vectors/gen/coverage.py --strict
stage "independent decoders agree with every valid vector" vectors/crosscheck/run.sh
stage "cargo-fuzz installed (fuzz/install.sh)" fuzz/install.sh
stage "fuzz targets (short runs)" fuzz/run.sh 15
stage "conformance runner builds" cargo build -q --release -p mqtt-conformance
conf=target/release/conformance
stage "conformance fuzz: short campaign vs mosquitto (cases/s, findings replayed)" conformance/fuzz-campaign.sh mosquitto 20
stage "conformance fuzz: short campaign vs aedes (cases/s, findings replayed)" conformance/fuzz-campaign.sh aedes 20
# Two checks get a verdict against mosquitto that depends on timing, not on the broker's logic:
# the ApsaraMQ profile's keep-alive-timeout (mosquitto's keep-alive timer fires every 5 s, so the
# close lands anywhere from 1.5 x Keep Alive to 5 s later, past the profile's 1 s tolerance; a CI
# run saw it pass once against its usual fail; only that profile has the check) and
# refused-connect-ignores-rest (the TCP reset of the refused connection can overtake the
# CONNACK). The fake-broker tests still run them.
timing=(--skip 'v*/3.1.4/refused-connect-ignores-rest')
# Every report of each run is kept here: text, JSON, JUnit, HTML (and the matrix of them all).
reports=target/conformance-reports
rm -rf "$reports" && mkdir -p "$reports"
outputs() { # outputs NAME: the report flags of a run
    echo --output "$reports/$1.txt" --json "$reports/$1.json" --junit "$reports/$1.xml" --html "$reports/$1.html"
}
stage "conformance vs mosquitto (default configuration)" \
    "$conf" --quiet "${timing[@]}" --broker-cmd 'conformance/brokers/mosquitto.sh {port} default' \
    --broker-name 'mosquitto (default configuration)' \
    --expected conformance/expected/mosquitto-default.json $(outputs mosquitto-default)
stage "conformance vs mosquitto (ApsaraMQ limits, --profile apsaramq)" \
    "$conf" --quiet "${timing[@]}" --skip 'v*/profile/keep-alive-timeout' --profile apsaramq --broker-cmd 'conformance/brokers/mosquitto.sh {port} apsaramq' \
    --broker-name 'mosquitto (ApsaraMQ limits)' \
    --expected conformance/expected/mosquitto-apsaramq.json $(outputs mosquitto-apsaramq)
stage "conformance vs the codec's example broker" scripts/example-broker-conformance.sh $(outputs example-broker)
# Further brokers under test, installed on first use into target/brokers (npm, PyPI and crates.io,
# pinned by the lock files in conformance/brokers/) or from Debian (RabbitMQ): the whole suite
# against each, compared with its expected-results file (conformance/brokers/run-expected.sh).
for broker in aedes amqtt rumqttd-v4 rumqttd-v5 rabbitmq; do
    stage "conformance vs $broker (expected/$broker.json)" conformance/brokers/run-expected.sh "$broker" $(outputs "$broker")
done
for extra in conformance/expected/*.run; do
    # Further configured runs (transports, restricted brokers): each .run file is a bash snippet.
    [ -e "$extra" ] || continue
    stage "conformance: $(basename "$extra" .run)" bash "$extra"
done
# The reports of the runs above as CI consumers read them, and side by side.
junit_pairs=()
for json in "$reports"/*.json; do
    [ -e "$json" ] && [ -e "${json%.json}.xml" ] && junit_pairs+=("${json%.json}.xml" "$json")
done
stage "conformance JUnit reports read by junitparser" conformance/tests/junit/run.sh "${junit_pairs[@]}"
stage "conformance compare: the runs as one matrix ($reports/matrix.html, matrix.md)" \
    "$conf" compare "$reports"/*.json --html "$reports/matrix.html" --markdown "$reports/matrix.md"

echo
if [ "$failed" -gt 0 ]; then
    printf 'failed stage: %s\n' "${failures[@]}"
fi
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
