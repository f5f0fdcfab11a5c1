//! `stackcheck map` on the demo stacks (one per proxy kind): the routing graph as a table, JSON and
//! Mermaid, snapshot-tested, with the broken edges each demo is built to show.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn map(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_stackcheck"))
        .arg("map")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).expect("utf-8")
}

const DEMOS: [&str; 4] = [
    "fixtures/cases/vps-host-nginx",
    "fixtures/cases/traefik-prod-staging",
    "fixtures/cases/dokploy-file-provider",
    "fixtures/cases/caddy-nginx-app",
];

#[test]
fn table_of_every_demo() {
    for demo in DEMOS {
        let name = demo.rsplit('/').next().unwrap();
        insta::assert_snapshot!(format!("map-{name}"), map(&[demo]));
    }
}

#[test]
fn json_and_mermaid() {
    let demo = "fixtures/cases/caddy-nginx-app";
    let json = map(&[demo, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let routes = v["routes"].as_array().expect("routes");
    assert_eq!(routes.len(), 3);
    insta::assert_snapshot!("map-caddy-nginx-app-json", json);
    insta::assert_snapshot!("map-caddy-nginx-app-mermaid", map(&[demo, "--format", "mermaid"]));
}

#[test]
fn each_demo_shows_its_broken_edges() {
    let host = map(&["fixtures/cases/vps-host-nginx"]);
    assert!(host.contains("host port 8080 is published by `web` and `rag`"), "{host}");
    let traefik = map(&["fixtures/cases/traefik-prod-staging"]);
    assert!(traefik.contains("Traefik removes both"), "{traefik}");
    assert!(traefik.contains("is not attached to `traefik-public`"), "{traefik}");
    let dokploy = map(&["fixtures/cases/dokploy-file-provider"]);
    assert!(dokploy.contains("no container is named `shopfront-admin-1`"), "{dokploy}");
    assert!(dokploy.contains("`api` listens on 8000 (its command), not 8080"), "{dokploy}");
    let caddy = map(&["fixtures/cases/caddy-nginx-app"]);
    assert!(caddy.contains("`app` listens on 8000"), "{caddy}");
    assert!(caddy.contains("points at 198.51.100.7 (not this host)"), "{caddy}");
    assert!(caddy.contains("no service, alias or container is named `admin`"), "{caddy}");
}

#[test]
fn dns_off_leaves_the_dns_column_empty() {
    let out = map(&["fixtures/cases/caddy-nginx-app", "--dns", "off"]);
    assert!(!out.contains("203.0.113.10"), "{out}");
    assert!(!out.contains("198.51.100.7"), "{out}");
}

#[test]
fn mermaid_is_a_check_error() {
    let o = Command::new(env!("CARGO_BIN_EXE_stackcheck"))
        .args(["fixtures/cases/caddy-nginx-app", "--format", "mermaid"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn readme_shows_the_current_map_of_the_caddy_demo() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let out = map(&["fixtures/cases/caddy-nginx-app"]);
    assert!(readme.contains(out.trim_end()), "README.md's map block is stale; current output:\n{out}");
}
