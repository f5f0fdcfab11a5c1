//! The nginx parser alone, for benchmarks and profiles (`bench/run`'s `nginx` task): reads the files,
//! then parses each of them N times, the way the loader does (`nginx::parse`: one file on its own, its
//! context guessed). No include resolution, no model, no rules.
//!
//! usage: cargo run --release --example nginx_parse -- [--repeat N] FILE...
//!
//! `--repeat 0` only reads the files (the startup cost that `bench/run` subtracts). Prints the bytes,
//! directives and syntax errors of one pass, and the wall time of all the passes; exits 1 when a file
//! has a syntax error, 2 on a usage or read error.

use std::process::ExitCode;
use std::time::Instant;

use stackcheck::source::FileId;
use stackcheck::sources::nginx::{self, Directive};

fn count(ds: &[Directive]) -> usize {
    ds.iter().map(|d| 1 + count(d.children())).sum()
}

fn main() -> ExitCode {
    let mut repeat = 1usize;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--repeat" {
            match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => repeat = n,
                None => {
                    eprintln!("nginx_parse: --repeat takes a number");
                    return ExitCode::from(2);
                }
            }
        } else {
            paths.push(a);
        }
    }
    if paths.is_empty() {
        eprintln!("usage: nginx_parse [--repeat N] FILE...");
        return ExitCode::from(2);
    }
    let mut texts = Vec::with_capacity(paths.len());
    for p in &paths {
        match std::fs::read(p) {
            Ok(b) => {
                texts.push(String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
            }
            Err(e) => {
                eprintln!("nginx_parse: {p}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let bytes: usize = texts.iter().map(String::len).sum();
    let (mut directives, mut errors) = (0, 0);
    let start = Instant::now();
    for pass in 0..repeat {
        for (i, text) in texts.iter().enumerate() {
            let parsed = std::hint::black_box(nginx::parse(FileId(i as u32), text));
            if pass == 0 {
                directives += count(&parsed.directives);
                errors += parsed.errors.len();
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let mb = (bytes * repeat) as f64 / 1e6;
    println!(
        "files {} bytes {bytes} directives {directives} errors {errors} passes {repeat} time {:.1} ms ({:.1} MB/s)",
        texts.len(),
        secs * 1e3,
        if secs > 0.0 { mb / secs } else { 0.0 }
    );
    if errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS }
}
