//! The HTML report and the matrix, opened in a real browser: Debian's headless Chromium, driven
//! through chromedriver (WebDriver, the `fantoccini` crate). The test reads the rendered DOM (the
//! counts, the filters, a failing check's trace that is hidden until its summary is clicked) and
//! saves screenshots in `target/browser-test/` for a person to look at.
//!
//! Needs the Debian packages `chromium` and `chromium-driver` (scripts/test.sh installs them); a
//! missing browser fails the test, it is never skipped. Pages are read from files; Chromium runs
//! with its background networking off and a fresh profile.

mod support;

use fantoccini::{Client, ClientBuilder, Locator};
use mqtt_fake_broker::{Deviation, FakeConfig, FakeLimits};
use serde_json::{json, Value};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use support::cli::{conformance, run_against, scratch};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The chromedriver this test started; stopped (that process, by its handle) when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start() -> Driver {
        for exe in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(exe).exists(),
                "{exe} is missing: install the Debian packages chromium and chromium-driver \
                 (scripts/test.sh does)"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        Driver { child, port }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn connect(driver: &Driver, profile: &Path) -> Client {
    let caps = json!({
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1400",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let Value::Object(caps) = caps else {
        unreachable!()
    };
    let url = format!("http://127.0.0.1:{}", driver.port);
    // chromedriver takes a moment to listen.
    let mut last = String::new();
    for _ in 0..50 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => return c,
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("no WebDriver session from chromedriver: {last}");
}

async fn eval(c: &Client, script: &str) -> Value {
    c.execute(script, Vec::new()).await.expect(script)
}

async fn count(c: &Client, script: &str) -> u64 {
    eval(c, script)
        .await
        .as_u64()
        .unwrap_or_else(|| panic!("{script}: not a number"))
}

fn file_url(p: &Path) -> String {
    format!("file://{}", p.canonicalize().unwrap().display())
}

fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target/")
        .join("browser-test");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn check_report(c: &Client, html: &Path, json: &Path) {
    let report: Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let summary = &report["summary"];
    c.goto(&file_url(html)).await.unwrap();
    assert!(c
        .title()
        .await
        .unwrap()
        .starts_with("MQTT conformance: deviating"));

    // The counts shown are the report's.
    for v in ["pass", "non-strict", "fail", "skipped", "error"] {
        let shown = c
            .find(Locator::Css(&format!("span.count[data-count=\"{v}\"]")))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(shown, summary[v].to_string(), "count of {v}");
    }
    // At first only failures, non-strict and errors are shown.
    let visible = "return [...document.querySelectorAll('.check')].filter(e => e.offsetParent !== null).length";
    let not_passing = summary["fail"].as_u64().unwrap()
        + summary["non-strict"].as_u64().unwrap()
        + summary["error"].as_u64().unwrap();
    assert_eq!(count(c, visible).await, not_passing);
    let shown: u64 = c
        .find(Locator::Id("shown"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(shown, not_passing);

    // A failing check's evidence is collapsed until its summary is clicked.
    let check = "//div[@id='check-v5/3.2.2/clean-session-present-0']";
    let trace = c
        .find(Locator::XPath(&format!("{check}//pre[@class='trace']")))
        .await
        .unwrap();
    assert!(
        !trace.is_displayed().await.unwrap(),
        "trace shown before opening"
    );
    let summary_line = c
        .find(Locator::XPath(&format!("{check}//summary")))
        .await
        .unwrap();
    assert!(summary_line
        .text()
        .await
        .unwrap()
        .starts_with("expected CONNACK 0x00, got CONNACK 0x00"));
    summary_line.click().await.unwrap();
    assert!(
        trace.is_displayed().await.unwrap(),
        "trace hidden after opening"
    );
    let text = trace.text().await.unwrap();
    assert!(text.contains("<- {") && text.contains("CONNACK"), "{text}");
    let observed = c
        .find(Locator::XPath(&format!("{check}//pre[@class='observed']")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let observed: Value = serde_json::from_str(&observed).expect("observed is shown as JSON");
    assert_eq!(observed["reaction"]["packet"]["session_present"], true);
    // A cite links to its statement in the page's index.
    let cite = c
        .find(Locator::XPath(&format!("{check}//a[@class='cite']")))
        .await
        .unwrap();
    let href = cite.attr("href").await.unwrap().unwrap();
    let target = href.trim_start_matches('#');
    assert!(
        count(
            c,
            &format!("return document.getElementById('{target}') ? 1 : 0")
        )
        .await
            == 1
    );
    let png = c.screenshot().await.unwrap();
    std::fs::write(screenshots().join("report.png"), png).unwrap();

    // Showing passes adds them.
    c.find(Locator::Css("input[data-verdict=\"pass\"]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(
        count(c, visible).await,
        not_passing + summary["pass"].as_u64().unwrap()
    );
}

async fn check_matrix(c: &Client, html: &Path) {
    c.goto(&file_url(html)).await.unwrap();
    let rows = "return document.querySelectorAll('tr.row').length";
    let differing = "return document.querySelectorAll('tr.row.differs').length";
    let visible = "return [...document.querySelectorAll('tr.row')].filter(e => e.offsetParent !== null).length";
    let (all, differ) = (count(c, rows).await, count(c, differing).await);
    assert!(differ > 0 && differ < all, "{differ} of {all} rows differ");
    let said: u64 = c
        .find(Locator::Id("differing"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(said, differ);
    // Differences first.
    let first_rows = format!(
        "return [...document.querySelectorAll('tr.row')].slice(0, {differ}).filter(r => r.classList.contains('differs')).length"
    );
    assert_eq!(count(c, &first_rows).await, differ);
    // Two columns: the conforming run and the deviating one.
    assert_eq!(
        count(c, "return document.querySelectorAll('th.run-label').length").await,
        2
    );
    assert_eq!(count(c, visible).await, all);
    c.find(Locator::Id("only-differences"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(count(c, visible).await, differ);
    let png = c.screenshot().await.unwrap();
    std::fs::write(screenshots().join("matrix.png"), png).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_and_matrix_render_in_chromium() {
    let dir = scratch("browser-test");
    let only: &[&str] = &["*/3.2.2/*", "v5/3.14/refuse-disconnect-trailing-bytes"];
    let deviating = FakeConfig {
        limits: FakeLimits {
            retain_available: false,
            ..FakeLimits::default()
        },
        deviations: vec![Deviation::AlwaysSessionPresent, Deviation::SilentClose],
        ..FakeConfig::default()
    };
    let a = run_against(FakeConfig::default(), "conforming", &dir, only, &[]).await;
    let b = run_against(deviating, "deviating", &dir, only, &[]).await;
    let matrix = dir.join("matrix.html");
    let out = conformance(&[
        "compare",
        a.json.to_str().unwrap(),
        b.json.to_str().unwrap(),
        "--html",
        matrix.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));

    let driver = Driver::start();
    let profile = dir.join("chromium-profile");
    std::fs::create_dir_all(&profile).unwrap();
    let run = async {
        let c = connect(&driver, &profile).await;
        check_report(&c, &b.html, &b.json).await;
        check_matrix(&c, &matrix).await;
        c.close().await.unwrap();
    };
    tokio::time::timeout(Duration::from_secs(180), run)
        .await
        .expect("the browser test finished within 3 minutes");
    drop(driver);
}
