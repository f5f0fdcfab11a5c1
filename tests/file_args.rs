//! FILE arguments (what pre-commit passes): the stacks are discovered from the repository's top and the
//! report keeps the stacks that contain the files (src/scope.rs).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

fn stackcheck(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stackcheck"))
        .current_dir(dir)
        .args(args)
        .args(["--format", "compact"])
        .output()
        .expect("runs")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A repository with two stacks, each with an undefined variable.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join(".git")).unwrap();
    write(
        root,
        "app/docker-compose.prod.yml",
        "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n",
    );
    write(root, "app/.env.production", "# the password moved to the vault\n");
    write(
        root,
        "legacy/docker-compose.yml",
        "services:\n  web:\n    image: nginx:1.27\n    environment:\n      SITE: ${SITE_NAME}\n",
    );
    write(root, "legacy/.env", "OTHER=1\n");
    write(root, "README.md", "# infra\n");
    dir
}

#[test]
fn a_file_reports_the_stacks_that_contain_it() {
    let repo = repo();
    let root = repo.path();
    let all = out(&stackcheck(root, &["."]));
    assert!(all.contains("POSTGRES_PASSWORD") && all.contains("SITE_NAME"), "{all}");

    // The env file alone: its stack's compose file is where the problem is.
    let o = stackcheck(root, &["app/.env.production"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        out(&o),
        "app/docker-compose.prod.yml:5:26: C105 [error] `POSTGRES_PASSWORD` is not defined in any interpolation source\n"
    );
    let o = stackcheck(root, &["legacy/docker-compose.yml"]);
    assert!(out(&o).contains("SITE_NAME") && !out(&o).contains("POSTGRES_PASSWORD"), "{}", out(&o));
    // Both files: both stacks.
    let o = stackcheck(root, &["legacy/.env", "app/.env.production"]);
    assert_eq!(out(&o), all);
    // A file no stack contains: nothing to report.
    let o = stackcheck(root, &["README.md"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(out(&o), "");
    // From inside a stack's directory, the repository is still found.
    let o = stackcheck(&root.join("app"), &[".env.production"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("docker-compose.prod.yml:5:26: C105") && !out(&o).contains("SITE_NAME"), "{}", out(&o));
}

#[test]
fn the_configuration_file_checks_everything() {
    let repo = repo();
    let root = repo.path();
    write(root, "stackcheck.toml", "[rules]\nignore = [\"E207\"]\n");
    let all = out(&stackcheck(root, &["."]));
    let o = stackcheck(root, &["stackcheck.toml"]);
    assert_eq!(out(&o), all);
    assert!(all.contains("POSTGRES_PASSWORD") && all.contains("SITE_NAME"), "{all}");
}

#[test]
fn a_mounted_proxy_config_belongs_to_its_stack() {
    let repo = repo();
    let root = repo.path();
    write(
        root,
        "app/docker-compose.yml",
        "services:\n  proxy:\n    image: nginx:1.27\n    volumes:\n      - ./nginx/site.conf:/etc/nginx/conf.d/default.conf:ro\n",
    );
    write(
        root,
        "app/nginx/site.conf",
        "server {\n  listen 80;\n  location / {\n    proxy_pass http://web:8000;\n  }\n}\n",
    );
    let from_conf = out(&stackcheck(root, &["app/nginx/site.conf"]));
    let from_compose = out(&stackcheck(root, &["app/docker-compose.prod.yml"]));
    assert_eq!(from_conf, from_compose);
    assert!(from_conf.contains("POSTGRES_PASSWORD") && !from_conf.contains("SITE_NAME"), "{from_conf}");
}
