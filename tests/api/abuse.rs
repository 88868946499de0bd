//! Requests an attacker would send to take the server down or make it misbehave, each
//! refused quickly with a code while `/healthz` keeps answering. The expensive documents
//! and the connection attacks run against the real binary (a child process), so that its
//! memory can be read honestly from `/proc/<pid>/status`; the argument checks run on both
//! engines through the test app.

use crate::app::{Engine, TestApp};
use crate::both_engines;
use chasqui::config::HttpConfig;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Within this, every abusive request gets its answer.
const QUICK: Duration = Duration::from_secs(1);
/// The most memory the server may use (its peak resident set), in MB.
const MEMORY_MB: u64 = 300;

/// The `chasqui` binary serving the demo data set from a SQLite file of its own.
struct Server {
    child: Child,
    base: String,
    address: String,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("chasqui.db").display()
        );
        let mut child = Command::new(env!("CARGO_BIN_EXE_chasqui"))
            .args([
                "serve",
                "--demo",
                "--listen",
                "127.0.0.1:0",
                "--database-url",
            ])
            .arg(&url)
            .args(extra)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("starting chasqui: {e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads the log to the end (a full pipe would block the server), handing over the
        // address it listens on.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let address = rest.trim_end_matches("/graphql").trim().to_owned();
                    let _ = tx.send(address);
                }
            }
        });
        let address = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("chasqui did not start listening: {e}"));
        Server {
            child,
            base: format!("http://{address}"),
            address,
            _dir: dir,
        }
    }

    /// A field of `/proc/<pid>/status` in kB (`VmHWM` is the peak resident set).
    fn status_kb(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_else(|e| panic!("reading the server's status: {e}"));
        status
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{field}:")))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in {status}"))
    }

    fn peak_memory_mb(&self) -> u64 {
        self.status_kb("VmHWM") / 1024
    }

    fn open_files(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .map(|d| d.count())
            .unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `/healthz` every 50 ms until stopped; counts the polls that did not answer 200
/// within a second.
struct HealthWatch {
    stop: Arc<AtomicBool>,
    failures: Arc<AtomicU64>,
    polls: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl HealthWatch {
    fn start(base: &str) -> HealthWatch {
        let stop = Arc::new(AtomicBool::new(false));
        let failures = Arc::new(AtomicU64::new(0));
        let polls = Arc::new(AtomicU64::new(0));
        let url = format!("{base}/healthz");
        let (s, f, p) = (stop.clone(), failures.clone(), polls.clone());
        let task = tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(QUICK)
                .build()
                .unwrap_or_else(|e| panic!("{e}"));
            while !s.load(Ordering::SeqCst) {
                let ok = matches!(client.get(&url).send().await, Ok(r) if r.status() == 200);
                p.fetch_add(1, Ordering::SeqCst);
                if !ok {
                    f.fetch_add(1, Ordering::SeqCst);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
        HealthWatch {
            stop,
            failures,
            polls,
            task,
        }
    }

    /// (polls, polls that failed)
    async fn finish(self) -> (u64, u64) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.task.await;
        (
            self.polls.load(Ordering::SeqCst),
            self.failures.load(Ordering::SeqCst),
        )
    }
}

/// Sends `query` anonymously, giving up after five seconds; (status, body, time taken).
async fn send(client: &reqwest::Client, base: &str, query: &str) -> (u16, Value, Duration) {
    let started = Instant::now();
    let response = client
        .post(format!("{base}/graphql"))
        .timeout(Duration::from_secs(5))
        .json(&json!({ "query": query }))
        .send()
        .await;
    let elapsed = started.elapsed();
    match response {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response.json().await.unwrap_or(Value::Null);
            (status, body, elapsed)
        }
        Err(err) => (0, json!({ "transport": err.to_string() }), elapsed),
    }
}

fn aliases(count: usize, field: &str) -> String {
    let body: String = (0..count).map(|i| format!("a{i}: {field} ")).collect();
    format!("{{ {body} }}")
}

/// A closed ring of `n` positions (the last equal to the first) around a point of the
/// demo's Apurímac: a simple polygon, so only its size makes it costly.
fn circle(n: usize, radius: f64) -> Value {
    let mut ring: Vec<Value> = (0..n - 1)
        .map(|i| {
            let a = i as f64 / (n - 1) as f64 * std::f64::consts::TAU;
            let round = |v: f64| (v * 1e5).round() / 1e5;
            json!([
                round(-72.2 + radius * a.cos()),
                round(-14.0 + radius * a.sin())
            ])
        })
        .collect();
    ring.push(ring[0].clone());
    json!({ "type": "Polygon", "coordinates": [ring] })
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

/// Each expensive document of issue 13 is refused before it runs, within a second and
/// with a code, while `/healthz` keeps answering; the server's peak memory stays low.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expensive_documents_are_refused_quickly_while_health_answers() {
    let server = Server::start(&[]);
    let client = reqwest::Client::new();
    let health = HealthWatch::start(&server.base);
    let polygon = |n: usize| circle(n, 0.5).to_string();
    let timeline = "timeline(first: 100) { nodes { ... on Event { title case { title } } } }";
    let documents: Vec<(&str, String)> = vec![
        ("60 aliases of casesGeoJson", aliases(60, "casesGeoJson")),
        (
            "2,500 aliases of caseStats",
            aliases(2_500, "caseStats(groupBy: [STATUS, KIND]) { count }"),
        ),
        (
            "caseStats by month and province without a period",
            "{ caseStats(groupBy: [MONTH, PROVINCE, STATUS, KIND]) { count } }".to_owned(),
        ),
        (
            "pages of timelines of pages of cases, through the Case interface",
            format!(
                "{{ cases(first: 100) {{ nodes {{ {} }} }} }}",
                timeline.replace("case { title }", &format!("case {{ {timeline} }}"))
            ),
        ),
        (
            "a polygon of 20,000 vertices",
            format!(
                "{{ cases(filter: {{ inArea: {} }}) {{ totalCount }} }}",
                graphql_literal(&polygon(20_000))
            ),
        ),
        (
            "five aliases of a polygon of 8,000 vertices",
            aliases(
                5,
                &format!(
                    "cases(filter: {{ inArea: {} }}) {{ totalCount }}",
                    graphql_literal(&polygon(8_000))
                ),
            ),
        ),
    ];
    let mut report = Vec::new();
    let mut refusals = Vec::new();
    for (name, document) in &documents {
        let (status, body, elapsed) = send(&client, &server.base, document).await;
        report.push(format!(
            "{name} ({} KB): HTTP {status} {} in {} ms",
            document.len() / 1024,
            code(&body),
            elapsed.as_millis()
        ));
        refusals.push((name, body, elapsed));
    }
    println!("{}", report.join("\n"));
    for (name, body, elapsed) in refusals {
        assert!(
            elapsed < QUICK,
            "{name}: answered in {} ms",
            elapsed.as_millis()
        );
        assert!(
            matches!(code(&body), "GRAPHQL_VALIDATION_FAILED" | "BAD_USER_INPUT"),
            "{name}: not refused with a code: {}",
            body.to_string().chars().take(300).collect::<String>()
        );
        assert!(body.get("data").is_none(), "{name}: it ran");
    }
    // What the limits admit still answers quickly: a department-sized polygon, a whole
    // GeoJSON answer, the README's counts.
    let admitted = [
        format!(
            "{{ cases(filter: {{ inArea: {} }}) {{ totalCount }} }}",
            graphql_literal(&polygon(2_500))
        ),
        format!(
            "{{ events(filter: {{ inArea: {} }}) {{ totalCount }} }}",
            graphql_literal(&polygon(9_500))
        ),
        "{ casesGeoJson(limit: 10000) }".to_owned(),
        r#"{ byRegion: caseStats(groupBy: [REGION, STATUS]) { count status region { code name } }
             byMonth: caseStats(groupBy: [MONTH, STATUS], filter: { activeFrom: "2017-01", activeTo: "2017-07" }) { month { label } status count } }"#
            .to_owned(),
    ];
    for document in &admitted {
        let (status, body, elapsed) = send(&client, &server.base, document).await;
        report.push(format!(
            "admitted ({} KB): HTTP {status} in {} ms",
            document.len() / 1024,
            elapsed.as_millis()
        ));
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
        assert!(elapsed < QUICK, "answered in {} ms", elapsed.as_millis());
    }
    let (polls, failures) = health.finish().await;
    let peak = server.peak_memory_mb();
    report.push(format!(
        "/healthz: {polls} polls, {failures} failed; peak memory {peak} MB"
    ));
    println!("{}", report.join("\n"));
    assert!(polls > 0);
    assert_eq!(failures, 0, "/healthz stopped answering");
    assert!(peak < MEMORY_MB, "peak memory {peak} MB");
}

/// A JSON value written as a GraphQL literal (object keys unquoted).
fn graphql_literal(json: &str) -> String {
    let value: Value = serde_json::from_str(json).unwrap_or(Value::Null);
    fn write(value: &Value, out: &mut String) {
        match value {
            Value::Object(map) => {
                out.push('{');
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(k);
                    out.push(':');
                    write(v, out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(v, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write(&value, &mut out);
    out
}

/// Whether the server closed the connection (read gives end of file or an error) within
/// `wait`.
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut buffer = [0u8; 1024];
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

/// Half-sent headers and idle connections are closed after the header timeout, new
/// connections past the cap are refused at once with a code, and `/healthz` answers
/// throughout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_half_open_connections_are_closed() {
    let server = Server::start(&["--header-timeout-ms", "400", "--max-connections", "300"]);
    let files_before = server.open_files();
    let health = HealthWatch::start(&server.base);
    let connect = || async {
        TcpStream::connect(&server.address)
            .await
            .unwrap_or_else(|e| panic!("connect: {e}"))
    };

    // Half-sent headers: the request line and one header, never the blank line.
    let mut half = connect().await;
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Hundreds of idle sockets that never send a byte.
    let mut idle = Vec::new();
    for _ in 0..250 {
        idle.push(connect().await);
    }
    // A keep-alive connection left idle after one request.
    let mut kept = connect().await;
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut answer = [0u8; 512];
    let n = kept
        .read(&mut answer)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 200"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let files_held = server.open_files();

    let started = Instant::now();
    assert!(
        closed_within(&mut half, QUICK).await,
        "half-sent headers kept open"
    );
    assert!(
        closed_within(&mut kept, QUICK).await,
        "idle keep-alive connection kept open"
    );
    for (i, socket) in idle.iter_mut().enumerate() {
        let left = (started + QUICK).saturating_duration_since(Instant::now());
        assert!(
            closed_within(socket, left).await,
            "idle socket {i} still open after {} ms",
            started.elapsed().as_millis()
        );
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let files_after = server.open_files();

    // Past the cap, a new connection gets a coded 503 at once and is closed.
    let mut full = Vec::new();
    for _ in 0..300 {
        full.push(connect().await);
    }
    let mut refused = connect().await;
    let mut text = Vec::new();
    let read = tokio::time::timeout(QUICK, refused.read_to_end(&mut text)).await;
    let text = String::from_utf8_lossy(&text).to_string();
    assert!(read.is_ok(), "a connection past the cap was left hanging");
    assert!(
        text.starts_with("HTTP/1.1 503") && text.contains("TOO_MANY_CONNECTIONS"),
        "past the cap: {text:?}"
    );
    drop(full);
    tokio::time::sleep(Duration::from_millis(600)).await;

    let (polls, failures) = health.finish().await;
    println!(
        "open files: {files_before} before, {files_held} with 252 connections held, \
         {files_after} after the timeout; /healthz: {polls} polls, {failures} failed"
    );
    assert!(
        files_after < files_before + 10,
        "{files_after} open files after"
    );
    assert_eq!(failures, 0, "/healthz stopped answering");
}

/// A response larger than `--max-response-bytes` is refused with a code instead of being
/// sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_past_the_size_limit_are_refused() {
    let server = Server::start(&["--max-response-bytes", "4096"]);
    let client = reqwest::Client::new();
    let (status, body, _) = send(
        &client,
        &server.base,
        "{ cases(first: 100) { nodes { title summary } } }",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(code(&body), "RESPONSE_TOO_LARGE", "{body}");
    let (status, body, _) = send(&client, &server.base, "{ service { name } }").await;
    assert_eq!(status, 200, "{body}");
}

// Answers past 256 KB are written on a blocking thread, under the same size limit.
#[tokio::test]
async fn large_answers_are_written_within_the_limit() {
    let introspection = "__schema { types { name description fields { name description args { name description } } } }";
    let document = aliases(6, introspection);
    for (limit, refused) in [(4 * 1024 * 1024, false), (300 * 1024, true)] {
        let config = HttpConfig {
            max_response_bytes: limit,
            ..HttpConfig::default()
        };
        let app = TestApp::spawn_with(Engine::Sqlite, config).await;
        let response = app
            .client
            .post(format!("{}/graphql", app.base))
            .json(&json!({ "query": document }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap_or_default();
        if refused {
            let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            assert_eq!((status, code(&body)), (400, "RESPONSE_TOO_LARGE"), "{body}");
        } else {
            assert_eq!(status, 200);
            assert!(bytes.len() > 300 * 1024, "{} bytes", bytes.len());
            let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            assert!(body["data"]["a5"]["types"].is_array());
        }
    }
}

// Requests running at once share one price budget: past it they wait their turn (within
// their timeout) instead of adding up in memory, and each still runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expensive_requests_wait_for_each_other() {
    let config = HttpConfig {
        max_cost_in_flight: 12_000,
        rate_limit_per_minute: None,
        ..HttpConfig::default()
    };
    let app = TestApp::spawn_with(Engine::Sqlite, config).await;
    chasqui::demo::load(&app.store)
        .await
        .unwrap_or_else(|e| panic!("demo: {e}"));
    let heavy = "{ casesGeoJson(limit: 10000) }";
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let (client, base) = (app.client.clone(), app.base.clone());
            tokio::spawn(async move { send(&client, &base, heavy).await })
        })
        .collect();
    for task in tasks {
        let (status, body, _) = task.await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(status, 200, "{body}");
        assert!(
            body["data"]["casesGeoJson"]["features"].is_array(),
            "{body}"
        );
    }
    // A request dearer than the whole budget runs alone rather than never.
    let config = HttpConfig {
        max_cost_in_flight: 100,
        ..HttpConfig::default()
    };
    let app = TestApp::spawn_with(Engine::Sqlite, config).await;
    let body = app.graphql_as(None, heavy, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
}

// Every way a text argument reaches the server, with the characters that are refused:
// NUL, other C0 controls and DEL (tab, line feed and carriage return are text).
both_engines!(control_characters_in_arguments_are_bad_input, |engine| {
    let config = HttpConfig {
        rate_limit_per_minute: None,
        ..HttpConfig::default()
    };
    let app = TestApp::spawn_with(engine, config).await;
    chasqui::demo::load(&app.store)
        .await
        .unwrap_or_else(|e| panic!("demo: {e}"));
    let bad = ["\u{0}", "\u{1}", "\u{1b}", "\u{7f}"];
    // (document with `$t`, the variable's type, the argument the error names)
    let queries = [
        ("{ case(slug: $t) { id } }", "String", "slug"),
        ("{ actor(slug: $t) { id } }", "String", "slug"),
        ("{ location(code: $t) { id } }", "String", "code"),
        (
            "{ actors(filter: {name: $t}) { nodes { id } } }",
            "String",
            "filter.name",
        ),
        (
            "{ locations(filter: {name: $t}) { nodes { id } } }",
            "String",
            "filter.name",
        ),
        (
            "{ locations(filter: {within: $t}) { nodes { id } } }",
            "String",
            "filter.within",
        ),
        (
            "{ cases(filter: {region: [$t]}) { totalCount } }",
            "String!",
            "filter.region[0]",
        ),
        (
            "{ cases(filter: {topics: [\"mining\", $t]}) { totalCount } }",
            "String!",
            "filter.topics[1]",
        ),
        (
            "{ caseStats(groupBy: [STATUS], filter: {region: [$t]}) { count } }",
            "String!",
            "filter.region[0]",
        ),
        (
            "{ casesGeoJson(filter: {topics: [$t]}) { totalCount } }",
            "String!",
            "filter.topics[0]",
        ),
        (
            "{ newsItems(filter: {publisher: $t}) { nodes { id } } }",
            "String",
            "filter.publisher",
        ),
        ("{ cases(after: $t) { totalCount } }", "String", "after"),
        (
            "{ search(query: $t) { nodes { score } } }",
            "String!",
            "query",
        ),
        (
            "{ auditLog(filter: {author: $t}) { nodes { at } } }",
            "String",
            "filter.author",
        ),
    ];
    let mut tried = 0;
    for (template, ty, field) in queries {
        for c in bad {
            let text = format!("x{c}y");
            // As a literal in the document, and as a variable.
            let literal = template.replace("$t", &json!(text).to_string());
            let declared = format!("query($t: {ty}) {template}");
            for (query, variables) in [(literal, json!({})), (declared, json!({ "t": text }))] {
                let response = app
                    .client
                    .post(format!("{}/graphql", app.base))
                    .bearer_auth(&app.admin)
                    .json(&json!({ "query": query, "variables": variables }))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                assert_eq!(
                    code(&body),
                    "BAD_USER_INPUT",
                    "{query} {variables}: HTTP {status} {body}"
                );
                assert_eq!(
                    body["errors"][0]["extensions"]["field"], field,
                    "{query}: {body}"
                );
                assert!(body["data"].is_null(), "{query}: {body}");
                tried += 1;
            }
        }
    }
    // A cursor is text the server wrote; what it decodes to is checked too.
    for tag in ["ctia", "ctid", "csla"] {
        use base64::Engine;
        let cursor =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{tag}|1|x\u{0}y"));
        let field = match tag {
            "ctia" | "ctid" => "TITLE",
            _ => "SLUG",
        };
        let direction = if tag.ends_with('d') { "DESC" } else { "ASC" };
        let body = app
            .graphql_as(
                None,
                &format!(
                    "{{ cases(orderBy: {{field: {field}, direction: {direction}}}, after: {cursor:?}) {{ totalCount }} }}"
                ),
                json!({}),
            )
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "cursor {tag}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "after", "{body}");
        tried += 1;
    }
    // The map routes' parameters go through the same check.
    for (parameter, value) in [
        ("topics", "%00"),
        ("topics", "mining,%01"),
        ("region", "03%00"),
        ("actor", "%7F"),
        ("activeFrom", "2017%00"),
    ] {
        for route in ["geojson/cases", "map.svg"] {
            let url = format!("{}/{route}?{parameter}={value}", app.base);
            let response = app
                .client
                .get(&url)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            assert_eq!(status, 400, "{url}: {body}");
            assert_eq!(code(&body), "BAD_USER_INPUT", "{url}: {body}");
            let named = body["errors"][0]["extensions"]["field"]
                .as_str()
                .unwrap_or_default();
            assert!(named.starts_with(parameter), "{url}: names {named}");
            tried += 1;
        }
    }
    // Tab, line feed and carriage return are text.
    let body = app
        .graphql_as(
            None,
            "query($q: String!) { search(query: $q) { nodes { score } } }",
            json!({"q": "bambas\tmina\r\n"}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    println!("control characters refused in {tried} requests");
});

// Lists in inputs have a cap, refused with the field's name.
both_engines!(lists_in_inputs_are_capped, |engine| {
    let app = TestApp::with_demo(engine).await;
    let topics: Vec<String> = (0..10_000).map(|i| format!("t{i}")).collect();
    let body = app
        .graphql_as(
            None,
            "query($t: [String!]) { cases(filter: {topics: $t}) { totalCount } }",
            json!({ "t": topics }),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "filter.topics");
    let body = app
        .graphql(
            "mutation($i: CreateActorInput!) { createActor(input: $i) { id } }",
            json!({"i": {"slug": "many-names", "name": "Many", "kind": "PERSON",
                         "aliases": (0..1_000).map(|i| format!("a{i}")).collect::<Vec<_>>()}}),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.aliases");
    let group_by = vec!["STATUS"; 50];
    let body = app
        .graphql_as(
            None,
            "query($g: [CaseStatDimension!]!) { caseStats(groupBy: $g) { count } }",
            json!({ "g": group_by }),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "groupBy");
    let url = format!(
        "{}/geojson/cases?topics={}",
        app.base,
        topics[..1_000].join(",")
    );
    let response = app
        .client
        .get(&url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "topics");
    // Up to the cap is fine.
    let body = app
        .graphql_as(
            None,
            "query($t: [String!]) { cases(filter: {topics: $t}) { totalCount } }",
            json!({ "t": &topics[..100] }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
});

// Answers that depend on the caller tell shared caches so: a request with a token is
// private, and every GET that depends on the caller varies by `Authorization`.
both_engines!(answers_that_depend_on_the_caller_are_not_shared, |engine| {
    let app = TestApp::with_demo(engine).await;
    let get = |path: String, token: Option<String>| {
        let mut request = app.client.get(format!("{}/{path}", app.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let query = "graphql?query=%7B%20cases%20%7B%20totalCount%20%7D%20%7D".to_owned();
    for path in [query, "geojson/cases".to_owned(), "map.svg".to_owned()] {
        for token in [Some(app.viewer.clone()), None] {
            let response = get(path.clone(), token.clone())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(response.status(), 200, "{path}");
            let header = |name: &str| {
                response
                    .headers()
                    .get_all(name)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .collect::<Vec<_>>()
                    .join(", ")
                    .to_ascii_lowercase()
            };
            assert!(
                header("vary").contains("authorization"),
                "{path} (token: {}): Vary is {:?}",
                token.is_some(),
                header("vary")
            );
            if token.is_some() {
                let cache = header("cache-control");
                assert!(
                    cache.contains("private") || cache.contains("no-store"),
                    "{path} with a token: Cache-Control is {cache:?}"
                );
            }
        }
    }
    // A mutation's answer is never stored.
    let response = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&app.editor)
        .json(&json!({"query": "{ service { name } }"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let cache = response
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        cache.contains("no-store") || cache.contains("private"),
        "{cache:?}"
    );
});

/// Wrong tokens count against the address's rate: guessing tokens is rate limited.
#[tokio::test]
async fn unauthenticated_answers_are_rate_limited() {
    let config = HttpConfig {
        rate_limit_per_minute: Some(60),
        rate_burst: 3,
        ..HttpConfig::default()
    };
    let app = TestApp::spawn_with(Engine::Sqlite, config).await;
    let mut statuses = Vec::new();
    for i in 0..6 {
        let response = app
            .client
            .post(format!("{}/graphql", app.base))
            .bearer_auth(format!("chq_guess{i}"))
            .json(&json!({"query": "{ service { name } }"}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429, 429]);
}

// Two `Authorization` headers are refused, whichever comes first.
both_engines!(two_authorization_headers_are_refused, |engine| {
    let app = TestApp::spawn(engine).await;
    for (first, second) in [
        (app.admin.clone(), "chq_wrong".to_owned()),
        ("chq_wrong".to_owned(), app.admin.clone()),
        (app.viewer.clone(), app.admin.clone()),
    ] {
        let response = app
            .client
            .post(format!("{}/graphql", app.base))
            .header("authorization", format!("Bearer {first}"))
            .header("authorization", format!("Bearer {second}"))
            .json(&json!({"query": "{ auditLog(first: 1) { nodes { at } } }"}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 400, "{body}");
        assert_eq!(code(&body), "BAD_REQUEST", "{body}");
    }
});
