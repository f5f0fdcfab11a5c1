//! Live DNS (`--dns live`) against a real authoritative DNS server: hickory-server, in this process, on
//! 127.0.0.1 and a free port, serving an in-memory zone. No test needs the internet. The server counts
//! the queries it receives, and drops those for `silent.stack.example` so that the timeout path is real.
#![cfg(feature = "live-dns")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hickory_server::Server;
use hickory_server::net::runtime::{Time, TokioRuntimeProvider};
use hickory_server::proto::op::{Header, HeaderCounts, MessageType, Metadata, ResponseCode};
use hickory_server::proto::rr::{LowerName, RecordType};
use hickory_server::proto::serialize::txt::Parser;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneType};
use stackcheck::config::DnsMode;
use stackcheck::load::{LoadOptions, load};
use stackcheck::sources::dns::{Answer, LookupFailure, RData, RecordSource};
use stackcheck::sources::dns_live::{self, LiveSettings};
use stackcheck::sources::domains::served_domains;

const ZONE: &str = "\
$ORIGIN stack.example.
$TTL 300
@        IN SOA ns1 hostmaster 2026120801 3600 600 86400 300
@        IN NS  ns1
ns1      IN A    192.0.2.53
app      IN A    203.0.113.10
app      IN AAAA 2001:db8::10
www      IN CNAME edge
edge     IN CNAME app
v4only   IN A    203.0.113.11
shop     IN A    198.51.100.7
blog     IN A    203.0.113.10
silent   IN A    203.0.113.12
";

/// Queries the server received: (name without the trailing dot, type).
type Queries = Arc<Mutex<Vec<(String, RecordType)>>>;

/// The zone's catalog behind a handler that counts every query and never answers the silent names.
struct Counting {
    catalog: Catalog,
    queries: Queries,
    silent: Vec<String>,
}

#[async_trait::async_trait]
impl RequestHandler for Counting {
    async fn handle_request<R: ResponseHandler, T: Time>(&self, request: &Request, response_handle: R) -> ResponseInfo {
        if let Ok(info) = request.request_info() {
            let name = info.query.name().to_string().trim_end_matches('.').to_ascii_lowercase();
            self.queries.lock().unwrap().push((name.clone(), info.query.query_type()));
            if self.silent.contains(&name) {
                // Nothing is sent back: the client waits for its timeout.
                let mut metadata = Metadata::new(request.metadata.id, MessageType::Response, request.metadata.op_code);
                metadata.response_code = ResponseCode::ServFail;
                return ResponseInfo::from(Header { metadata, counts: HeaderCounts::default() });
            }
        }
        self.catalog.handle_request::<R, T>(request, response_handle).await
    }
}

struct TestServer {
    addr: SocketAddr,
    queries: Queries,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// Serves `zone` (origin taken from its `$ORIGIN`) on 127.0.0.1 and a free UDP port, in a thread with
    /// its own runtime. Panics when the zone does not load or the socket cannot be bound.
    fn start(zone: &str, silent: &[&str]) -> TestServer {
        let (origin, records) = Parser::new(zone.to_owned(), None, None).parse().expect("the test zone parses");
        let handler = InMemoryZoneHandler::<TokioRuntimeProvider>::new(
            origin.clone(),
            records,
            ZoneType::Primary,
            AxfrPolicy::Deny,
        )
        .expect("the test zone loads");
        let mut catalog = Catalog::new();
        catalog.upsert(LowerName::from(&origin), vec![Arc::new(handler)]);
        let queries: Queries = Arc::default();
        let handler =
            Counting { catalog, queries: queries.clone(), silent: silent.iter().map(|s| (*s).to_owned()).collect() };
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the test DNS server");
            rt.block_on(async move {
                let socket = match tokio::net::UdpSocket::bind("127.0.0.1:0").await {
                    Ok(s) => s,
                    Err(e) => {
                        let _ = addr_tx.send(Err(format!("cannot bind 127.0.0.1:0/udp: {e}")));
                        return;
                    }
                };
                let addr = socket.local_addr().expect("the bound address");
                let mut server = Server::new(handler);
                server.register_socket(socket);
                let _ = addr_tx.send(Ok(addr));
                let _ = stop_rx.await;
                let _ = server.shutdown_gracefully().await;
            });
        });
        let addr = addr_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the test DNS server did not report its address")
            .unwrap_or_else(|e| panic!("the test DNS server did not start: {e}"));
        TestServer { addr, queries, stop: Some(stop_tx), thread: Some(thread) }
    }

    fn count(&self, name: &str, rtype: RecordType) -> usize {
        self.queries.lock().unwrap().iter().filter(|(n, t)| n == name && *t == rtype).count()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A stack served by Traefik labels, host nginx and a Caddyfile, with `[dns] mode = "live"` pointed at
/// `server`.
fn write_stack(dir: &Path, nameserver: &str, timeout: &str) {
    let files: &[(&str, String)] = &[
        (
            "docker-compose.yml",
            "\
services:
  traefik:
    image: traefik:v3.2
    ports:
      - \"80:80\"
      - \"443:443\"
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock:ro
  app:
    image: ghcr.io/example/app:1.4.2
    labels:
      - traefik.enable=true
      - traefik.http.routers.app.rule=Host(`app.stack.example`) || Host(`WWW.stack.example`)
      - traefik.http.routers.app.entrypoints=websecure
  api:
    image: ghcr.io/example/api:1.4.2
    labels:
      - traefik.http.routers.api.rule=Host(`v4only.stack.example`) && PathPrefix(`/api`)
      - traefik.http.routers.old.rule=Host(`missing.stack.example`) || Host(`silent.stack.example`)
      - traefik.http.routers.preview.rule=HostRegexp(`^.+\\.preview\\.stack\\.example$`)
      - traefik.http.routers.dev.rule=Host(`app.localhost`)
  worker:
    image: ghcr.io/example/worker:1.4.2
    labels:
      - traefik.enable=false
      - traefik.http.routers.worker.rule=Host(`worker.stack.example`)
"
            .to_owned(),
        ),
        (
            "nginx/shop.conf",
            "\
server {
    listen 80;
    server_name shop.stack.example _ *.shop.stack.example;
    location / { proxy_pass http://127.0.0.1:8080; }
}
"
            .to_owned(),
        ),
        (
            "Caddyfile",
            "blog.stack.example {\n    reverse_proxy 127.0.0.1:8081\n}\n:8082 {\n    respond ok\n}\n".to_owned(),
        ),
        (
            "stackcheck.toml",
            format!(
                "\
[host]
public_ip = \"203.0.113.10\"

[[stack]]
name = \"prod\"
compose = [\"docker-compose.yml\"]
domains = [\"app.stack.example\", \"*.stack.example\"]

[dns]
mode = \"live\"
nameservers = [\"{nameserver}\"]
timeout = \"{timeout}\"
"
            ),
        ),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn load_stack(dir: &Path) -> stackcheck::load::Loaded {
    let config = stackcheck::config::load(&dir.join("stackcheck.toml")).expect("the test config is valid");
    load(&LoadOptions { paths: vec![dir.to_path_buf()], config: Some(config), ..LoadOptions::default() })
}

#[test]
fn served_domains_come_from_config_traefik_nginx_and_caddy() {
    let dir = tempfile::tempdir().unwrap();
    // No lookup here: mode off.
    write_stack(dir.path(), "127.0.0.1:9", "1s");
    let config = stackcheck::config::load(&dir.path().join("stackcheck.toml")).unwrap();
    let loaded = load(&LoadOptions {
        paths: vec![dir.path().to_path_buf()],
        config: Some(config),
        dns_mode: Some(DnsMode::Off),
        ..LoadOptions::default()
    });
    assert!(loaded.model.dns.live.is_none());
    let domains = served_domains(&loaded.model);
    let names: Vec<&str> = domains.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "app.stack.example",
            "app.stack.example",
            "www.stack.example",
            "v4only.stack.example",
            "missing.stack.example",
            "silent.stack.example",
            "shop.stack.example",
            "blog.stack.example",
        ]
    );
    // Each span points at the name as written.
    for (name, span) in &domains {
        let written = loaded.model.db.slice(*span).trim_matches('"');
        assert_eq!(written.to_ascii_lowercase(), *name, "{}", loaded.model.db.path(span.file).display());
    }
}

#[test]
fn live_lookups_are_recorded_as_data() {
    let server = TestServer::start(ZONE, &["silent.stack.example"]);
    let dir = tempfile::tempdir().unwrap();
    write_stack(dir.path(), &server.addr.to_string(), "300ms");
    let loaded = load_stack(dir.path());
    let dns = &loaded.model.dns;
    assert_eq!(dns.mode, DnsMode::Live);
    let live = dns.live.as_ref().expect("live mode looked the domains up");
    assert_eq!(live.servers, [server.addr.to_string()]);
    assert_eq!(live.timeout, Duration::from_millis(300));
    let names: Vec<&str> = live.lookups.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "app.stack.example",
            "blog.stack.example",
            "missing.stack.example",
            "shop.stack.example",
            "silent.stack.example",
            "v4only.stack.example",
            "www.stack.example",
        ]
    );
    let lookup = |n: &str| dns.live_lookup(n).unwrap_or_else(|| panic!("{n} was not looked up"));

    // A and AAAA answered.
    let app = lookup("app.stack.example");
    assert_eq!((&app.a, &app.aaaa), (&Answer::Records, &Answer::Records));
    let zone = dns.records().expect("live records are the records in force");
    let r = zone.resolve("app.stack.example");
    assert_eq!(r.a.len(), 1);
    assert_eq!(zone.records[r.a[0]].data, RData::A("203.0.113.10".parse().unwrap()));
    assert_eq!(zone.records[r.aaaa[0]].data, RData::Aaaa("2001:db8::10".parse().unwrap()));
    assert!(zone.records.iter().all(|r| r.source == RecordSource::Live && r.span.is_none() && r.name_span.is_none()));

    // A CNAME chain: www -> edge -> app, kept record by record.
    let www = lookup("WWW.stack.example.");
    assert_eq!(www.a, Answer::Records);
    let r = zone.resolve("www.stack.example");
    let chain: Vec<&RData> = r.chain.iter().map(|i| &zone.records[*i].data).collect();
    assert_eq!(chain, [&RData::Cname("edge.stack.example".to_owned()), &RData::Cname("app.stack.example".to_owned())]);
    assert_eq!(zone.records[r.a[0]].data, RData::A("203.0.113.10".parse().unwrap()));
    assert!(!r.looped && r.leaves_zone.is_none());

    // The name exists with an A only: its AAAA is NODATA, not a failure.
    let v4 = lookup("v4only.stack.example");
    assert_eq!((&v4.a, &v4.aaaa), (&Answer::Records, &Answer::NoData));
    assert!(v4.failure().is_none());

    // NXDOMAIN is an answer, not a failure.
    let missing = lookup("missing.stack.example");
    assert_eq!((&missing.a, &missing.aaaa), (&Answer::NxDomain, &Answer::NxDomain));
    assert!(missing.nx_domain() && missing.failure().is_none());

    // The server drops the query: a timeout, recorded per name while the others were answered.
    let silent = lookup("silent.stack.example");
    assert_eq!(silent.a, Answer::Failed(LookupFailure::Timeout));
    assert_eq!(silent.failure(), Some(&LookupFailure::Timeout));

    // Skipped names were never asked.
    for name in ["worker.stack.example", "app.localhost", "stack.example"] {
        assert!(dns.live_lookup(name).is_none(), "{name}");
    }
    // Live answers are never zone-file syntax errors.
    assert!(loaded.findings.iter().all(|f| f.code != "P012"));
}

#[test]
fn each_name_is_asked_once_per_run() {
    let server = TestServer::start(ZONE, &[]);
    let dir = tempfile::tempdir().unwrap();
    write_stack(dir.path(), &server.addr.to_string(), "2s");
    let loaded = load_stack(dir.path());
    assert!(loaded.model.dns.live.is_some());
    // app.stack.example is served twice (config and label, in two spellings of case): one query per type.
    assert_eq!(server.count("app.stack.example", RecordType::A), 1);
    assert_eq!(server.count("app.stack.example", RecordType::AAAA), 1);
    assert_eq!(server.count("www.stack.example", RecordType::A), 1);
    let total = server.queries.lock().unwrap().len();
    // Seven names, two types each; the CNAME chain is answered by the server within its zone.
    assert_eq!(total, 14, "{:?}", server.queries.lock().unwrap());
}

#[test]
fn unreachable_server_is_a_failure_not_an_answer() {
    // A port where nothing listens (bound, then released).
    let port = std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let settings =
        LiveSettings { servers: vec![SocketAddr::from(([127, 0, 0, 1], port))], timeout: Duration::from_millis(500) };
    let live = dns_live::lookup(&["app.stack.example".to_owned()], &settings);
    let l = &live.lookups[0];
    // hickory reports the ICMP "port unreachable" as a timeout; either way the name is unverified.
    assert!(matches!(l.a, Answer::Failed(_)), "{:?}", l.a);
    assert!(l.failure().is_some() && !l.nx_domain());
    assert!(live.zone.records.is_empty());
}

#[test]
fn inspect_shows_live_records() {
    let server = TestServer::start(ZONE, &[]);
    let dir = tempfile::tempdir().unwrap();
    // The config names a server that does not exist; --dns-server replaces it.
    write_stack(dir.path(), "127.0.0.1:9", "2s");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stackcheck"))
        .arg("inspect")
        .arg(dir.path())
        .args(["--dns", "live", "--dns-server", &server.addr.to_string()])
        .output()
        .expect("stackcheck runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("inspect prints JSON");
    let dns = &v["dns"];
    assert_eq!(dns["mode"], "live");
    assert_eq!(dns["live"]["servers"][0], server.addr.to_string());
    let records = dns["records"].as_array().expect("records");
    let has = |name: &str, rtype: &str, data: &str| {
        records.iter().any(|r| r["name"] == name && r["type"] == rtype && r["data"] == data && r["source"] == "live")
    };
    assert!(has("app.stack.example", "A", "203.0.113.10"), "{records:?}");
    assert!(has("app.stack.example", "AAAA", "2001:db8::10"), "{records:?}");
    assert!(has("www.stack.example", "CNAME", "edge.stack.example"), "{records:?}");
    let lookups = dns["live"]["lookups"].as_array().expect("lookups");
    let missing = lookups.iter().find(|l| l["name"] == "missing.stack.example").expect("missing was looked up");
    assert_eq!(missing["a"], "nxdomain");
    assert_eq!(missing["failure"], serde_json::Value::Null);
    let v4 = lookups.iter().find(|l| l["name"] == "v4only.stack.example").expect("v4only was looked up");
    assert_eq!((&v4["a"], &v4["aaaa"]), (&serde_json::json!("records"), &serde_json::json!("nodata")));
}

#[test]
fn dns_rules_read_live_answers() {
    let server = TestServer::start(ZONE, &["silent.stack.example"]);
    let dir = tempfile::tempdir().unwrap();
    write_stack(dir.path(), &server.addr.to_string(), "300ms");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stackcheck"))
        .arg(dir.path())
        .args(["--select", "D", "--format", "compact"])
        .output()
        .expect("stackcheck runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let found: Vec<(&str, &str)> = text
        .lines()
        .filter_map(|l| {
            let code = l.split_whitespace().nth(1)?;
            let name = l.split('`').nth(1)?;
            Some((code, name))
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("D702", "v4only.stack.example"),
            ("D701", "missing.stack.example"),
            ("D704", "silent.stack.example"),
            ("D702", "shop.stack.example"),
        ],
        "{text}"
    );
    assert!(text.contains("198.51.100.7"), "{text}");
    assert_eq!(out.status.code(), Some(1), "D701/D702 are errors");
}

/// By hand: `cargo test --release --test dns_live -- --ignored --nocapture bench_`. Live DNS of 50
/// domains against the local server, 2 s timeout, 9 runs; prints each run and the median.
#[test]
#[ignore = "a measurement, run by hand"]
fn bench_fifty_domains() {
    let mut zone = String::from(
        "$ORIGIN bench.example.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 192.0.2.53\n",
    );
    let names: Vec<String> = (0..50).map(|i| format!("d{i}.bench.example")).collect();
    for i in 0..50 {
        zone.push_str(&format!("d{i} IN A 203.0.113.{}\nd{i} IN AAAA 2001:db8::{i:x}\n", i + 1));
    }
    let server = TestServer::start(&zone, &[]);
    let settings = LiveSettings { servers: vec![server.addr], timeout: Duration::from_secs(2) };
    let mut times = Vec::new();
    for run in 0..9 {
        let start = Instant::now();
        let live = dns_live::lookup(&names, &settings);
        let took = start.elapsed();
        assert!(live.lookups.iter().all(|l| l.a == Answer::Records && l.aaaa == Answer::Records), "{live:?}");
        assert_eq!(live.zone.records.len(), 100);
        println!("run {run}: {:.1} ms", ms(took));
        times.push(took);
    }
    times.sort();
    println!("lookup(): median of {}: {:.1} ms (50 names, A + AAAA)", times.len(), ms(times[times.len() / 2]));

    // End to end: the binary on a stack whose stackcheck.toml lists the 50 domains, live vs off.
    let dir = tempfile::tempdir().unwrap();
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    std::fs::write(
        dir.path().join("docker-compose.yml"),
        "services:\n  app:\n    image: ghcr.io/example/app:1.4.2\n    restart: unless-stopped\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("stackcheck.toml"),
        format!(
            "[[stack]]\nname = \"prod\"\ncompose = [\"docker-compose.yml\"]\ndomains = [{}]\n\n[dns]\nmode = \"live\"\nnameservers = [\"{}\"]\ntimeout = \"2s\"\n",
            quoted.join(", "),
            server.addr
        ),
    )
    .unwrap();
    for mode in ["off", "live"] {
        let mut runs = Vec::new();
        for _ in 0..9 {
            let start = Instant::now();
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_stackcheck"))
                .arg("inspect")
                .arg(dir.path())
                .args(["--dns", mode])
                .output()
                .unwrap();
            runs.push(start.elapsed());
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("inspect prints JSON");
            if mode == "live" {
                let lookups = v["dns"]["live"]["lookups"].as_array().expect("lookups");
                assert_eq!(lookups.len(), 50);
                assert!(lookups.iter().all(|l| l["a"] == "records" && l["aaaa"] == "records"), "{lookups:?}");
            }
        }
        runs.sort();
        println!("stackcheck inspect --dns {mode}: median of {}: {:.1} ms", runs.len(), ms(runs[runs.len() / 2]));
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
