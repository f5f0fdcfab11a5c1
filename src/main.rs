//! The `stackcheck` command line: parses arguments, calls the library, prints, maps to an exit code
//! (0 clean, 1 findings at or above `--fail-on`, 2 usage or internal error).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use stackcheck::finding::Severity;
use stackcheck::load::LoadOptions;
use stackcheck::report::{self, Format, RenderOptions};
use stackcheck::{CheckOptions, rules};

#[derive(Parser)]
#[command(
    name = "stackcheck",
    version,
    about = "Pre-deploy validator for self-hosted stacks: compose, env files, proxies, DNS"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Lint the stacks under PATH (the default command).
    Check(CheckArgs),
    /// List the rules: code, name, severity, fix, summary.
    Rules {
        #[arg(long, value_enum)]
        format: Option<FormatArg>,
    },
    /// Print one rule's documentation.
    Rule {
        /// A code (C101) or a name (host-port-conflict).
        rule: String,
    },
    /// Print the resolved model as JSON (secrets masked).
    Inspect(CheckArgs),
    /// Print the routing map: domain -> DNS -> proxy -> upstream -> service:port (`--format json|mermaid`).
    Map(CheckArgs),
    /// Write a starter stackcheck.toml from what discovery finds under PATH (default: .).
    Init {
        path: Option<PathBuf>,
        /// Overwrite an existing stackcheck.toml.
        #[arg(long)]
        force: bool,
    },
    /// Print a shell completion script.
    Completions { shell: clap_complete::Shell },
    /// Write the man pages (stackcheck.1 and one per subcommand) into DIR, for packagers.
    #[command(hide = true, name = "generate-man")]
    GenerateMan { dir: PathBuf },
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Human,
    Compact,
    Json,
    Sarif,
    Github,
    /// A Mermaid flowchart (`map` only).
    Mermaid,
}

/// What a run prints after loading and checking.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Check,
    Inspect,
    Map,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
}

#[derive(Args, Clone, Default)]
struct CheckArgs {
    /// Directories or files to check (default: the current directory).
    paths: Vec<PathBuf>,
    /// Compose files of one stack, in order (like `docker compose -f`).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Interpolation env file (repeatable; replaces the project `.env`, like docker compose).
    #[arg(long = "env-file", value_name = "FILE")]
    env_files: Vec<PathBuf>,
    /// Project name (like `docker compose -p`).
    #[arg(short = 'p', long = "project-name")]
    project_name: Option<String>,
    /// Activate a profile (repeatable; `*` for all).
    #[arg(long = "profile")]
    profiles: Vec<String>,
    /// Rules to enable: codes, names or prefixes (`C1`), comma-separated; default ALL.
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Rules to disable: codes, names or prefixes, comma-separated.
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Exit 1 when a finding reaches this severity.
    #[arg(long = "fail-on", value_enum)]
    fail_on: Option<FailOn>,
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// No colors (also honoured: the NO_COLOR environment variable).
    #[arg(long = "no-color")]
    no_color: bool,
    /// Print findings only, no summary.
    #[arg(short, long)]
    quiet: bool,
    /// Print counts per rule, and the suppression comments that suppressed nothing.
    #[arg(long)]
    statistics: bool,
    /// Threads for loading and rules (default: all cores).
    #[arg(short = 'j', long)]
    jobs: Option<usize>,
    /// Let the process environment feed interpolation, as compose does on the server.
    #[arg(long = "use-shell-env")]
    use_shell_env: bool,
    /// No template stand-ins for absent env files; `${VAR:?}` fails without an env file (for the server).
    #[arg(long = "strict-env")]
    strict_env: bool,
    /// The configuration file (default: stackcheck.toml or .stackcheck.toml, searched upward from PATH).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where DNS records come from: off, file (the config's `[dns] records`) or live (replaces `[dns] mode`).
    #[arg(long, value_enum, value_name = "MODE")]
    dns: Option<DnsArg>,
    /// The address the served domains must point at (added to `[host] public_ip`); repeatable.
    #[arg(long = "expect-ip", value_name = "IP")]
    expect_ip: Vec<std::net::IpAddr>,
    /// Apply the safe fixes (with --unsafe-fixes, the unsafe ones too), then report what remains.
    #[arg(long)]
    fix: bool,
    /// Include the unsafe fixes: applied with --fix, --fix-only or --diff.
    #[arg(long = "unsafe-fixes")]
    unsafe_fixes: bool,
    /// Print the fixes as a unified diff and change nothing (exit 1 when there is a diff).
    #[arg(long, conflicts_with = "fix_only")]
    diff: bool,
    /// Apply the fixes and report nothing else (exit 0 unless an error occurs).
    #[arg(long = "fix-only")]
    fix_only: bool,
    /// Live DNS asks this name server (`IP` or `IP:PORT`) instead of `[dns] nameservers` or the system's;
    /// repeatable.
    #[arg(long = "dns-server", value_name = "ADDR", value_parser = dns_server)]
    dns_servers: Vec<std::net::SocketAddr>,
}

fn dns_server(s: &str) -> Result<std::net::SocketAddr, String> {
    stackcheck::config::parse_nameserver(s).ok_or_else(|| format!("`{s}` is not an address (e.g. 127.0.0.1:5353)"))
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum DnsArg {
    Off,
    File,
    Live,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(msg) => {
            eprintln!("stackcheck: error: {msg}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<u8, String> {
    match cli.command {
        None => check(cli.check, Mode::Check),
        Some(Command::Check(args)) => check(args, Mode::Check),
        Some(Command::Inspect(args)) => check(args, Mode::Inspect),
        Some(Command::Map(args)) => check(args, Mode::Map),
        Some(Command::Rules { format }) => match format {
            Some(FormatArg::Json) => {
                print(&(serde_json::to_string_pretty(&rules::json()).map_err(|e| e.to_string())? + "\n"), None)
            }
            _ => print(&rules::table(), None),
        },
        Some(Command::Rule { rule }) => match rules::find(&rule) {
            Some(r) => {
                let width = terminal_size::terminal_size().map_or(100, |(w, _)| usize::from(w.0).clamp(60, 120));
                print(&rules::render_doc(r, width), None)
            }
            None => Err(format!("no rule `{rule}` (`stackcheck rules` lists them)")),
        },
        Some(Command::Init { path, force }) => {
            let dir = path.unwrap_or_else(|| PathBuf::from("."));
            if !dir.is_dir() {
                return Err(format!("{}: not a directory", dir.display()));
            }
            let target = dir.join("stackcheck.toml");
            if target.exists() && !force {
                return Err(format!("{} exists (use --force to overwrite)", target.display()));
            }
            let report = stackcheck::check(&CheckOptions {
                load: LoadOptions { paths: vec![dir.clone()], ..LoadOptions::default() },
                ..CheckOptions::default()
            });
            let text = stackcheck::init::starter(&report.model, &dir);
            std::fs::write(&target, text).map_err(|e| format!("cannot write {}: {e}", target.display()))?;
            eprintln!(
                "wrote {} ({} stacks)",
                target.display(),
                report.model.stacks.iter().filter(|s| !s.fragment).count()
            );
            Ok(0)
        }
        Some(Command::Completions { shell }) => {
            let mut cmd = Cli::command();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "stackcheck", &mut buf);
            print(&String::from_utf8_lossy(&buf), None)
        }
        Some(Command::GenerateMan { dir }) => generate_man(&dir),
    }
}

/// The man pages, rendered from the same clap definition as the binary (never out of date).
fn generate_man(dir: &std::path::Path) -> Result<u8, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let cmd = Cli::command();
    let mut pages = vec![("stackcheck".to_owned(), cmd.clone())];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("stackcheck-{}", sub.get_name());
        pages.push((name.clone(), sub.clone().display_name(name.clone()).bin_name(name)));
    }
    for (name, page) in pages {
        let mut buf = Vec::new();
        clap_mangen::Man::new(page).render(&mut buf).map_err(|e| e.to_string())?;
        let path = dir.join(format!("{name}.1"));
        stackcheck::term::write_atomic(&path, &buf).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(0)
}

fn print(s: &str, output: Option<&PathBuf>) -> Result<u8, String> {
    match output {
        Some(path) => {
            stackcheck::term::write_atomic(path, s.as_bytes())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a message.
            let _ = stdout.write_all(s.as_bytes());
            let _ = stdout.flush();
        }
    }
    Ok(0)
}

fn check(args: CheckArgs, mode: Mode) -> Result<u8, String> {
    for s in args.select.iter().chain(&args.ignore) {
        if !rules::is_known_selector(s) {
            return Err(format!("unknown rule selector `{s}` (use a code like C101, a name, or a prefix like C1)"));
        }
    }
    if let Some(j) = args.jobs {
        if j == 0 {
            return Err("--jobs must be at least 1".to_owned());
        }
        rayon::ThreadPoolBuilder::new().num_threads(j).build_global().map_err(|e| e.to_string())?;
    }
    for p in &args.paths {
        if !p.exists() {
            return Err(format!("{}: no such file or directory", p.display()));
        }
    }
    let start = args.paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let config = match stackcheck::config::find(&start, args.config.as_deref()) {
        Some(path) => Some(stackcheck::config::load(&path).map_err(config_error)?),
        None => None,
    };
    // FILE arguments: discover from their repository, report the stacks that contain them (src/scope.rs).
    let targets = stackcheck::scope::targets(&args.paths, config.as_ref().map(|c| c.dir.as_path()));
    let requirements = requirements(targets.roots.first().unwrap_or(&start), config.as_ref())?;
    let opts = CheckOptions {
        load: LoadOptions {
            paths: targets.roots.clone(),
            files: args.files.clone(),
            env_files: args.env_files.clone(),
            project_name: args.project_name.clone(),
            profiles: args.profiles.clone(),
            use_shell_env: args.use_shell_env,
            strict_env: args.strict_env,
            config,
            requirements,
            dns_mode: args.dns.map(|d| match d {
                DnsArg::Off => stackcheck::config::DnsMode::Off,
                DnsArg::File => stackcheck::config::DnsMode::File,
                DnsArg::Live => stackcheck::config::DnsMode::Live,
            }),
            expect_ip: args.expect_ip.clone(),
            dns_servers: args.dns_servers.clone(),
            ..LoadOptions::default()
        },
        select: args.select.clone(),
        ignore: args.ignore.clone(),
    };
    if mode != Mode::Map && matches!(args.format, Some(FormatArg::Mermaid)) {
        return Err("`--format mermaid` is a format of `stackcheck map`".to_owned());
    }
    if mode == Mode::Check && (args.diff || args.fix_only) {
        return fix_only(&args, &opts);
    }
    let progress = stackcheck::term::Progress::start(
        std::io::stderr().is_terminal() && !args.quiet,
        stackcheck::term::progress_delay(),
        "checking".to_owned(),
    );
    let fixes = (args.fix && mode == Mode::Check)
        .then(|| stackcheck::fix::run(&opts, stackcheck::fix::FixOptions { unsafe_fixes: args.unsafe_fixes }));
    let (mut report, fixes) = match fixes {
        Some(outcome) => {
            let written = fix_write(&outcome);
            (outcome.report, Some((outcome.fixed, written)))
        }
        None => (stackcheck::check(&opts), None),
    };
    progress.finish();
    let (mut stacks, mut files) = (report.model.stacks.len(), report.model.db.len());
    if !targets.files.is_empty()
        && args.files.is_empty()
        && let Some(keep) = stackcheck::scope::reported_files(&report.model, &targets.files, &targets.dirs)
    {
        stackcheck::scope::retain(&mut report.findings, &report.model, &keep);
        stacks = stackcheck::scope::stack_count(&report.model, &keep);
        files = stackcheck::scope::file_count(&report.model, &keep);
    }
    if mode == Mode::Map {
        let s = match args.format {
            Some(FormatArg::Json) => {
                serde_json::to_string_pretty(&stackcheck::map::json(&report.model, &report.secrets))
                    .map_err(|e| e.to_string())?
                    + "\n"
            }
            Some(FormatArg::Mermaid) => stackcheck::map::mermaid(&report.model, &report.secrets),
            _ => stackcheck::map::table(&report.model, &report.secrets),
        };
        print(&s, args.output.as_ref())?;
        std::mem::forget(report);
        return Ok(0);
    }
    if mode == Mode::Inspect {
        let v = stackcheck::inspect::to_json(&report.model, &report.secrets);
        let s = serde_json::to_string_pretty(&v).map_err(|e| e.to_string())? + "\n";
        return print(&s, args.output.as_ref());
    }
    let to_tty = args.output.is_none() && std::io::stdout().is_terminal();
    let color = stackcheck::term::use_color(to_tty, args.no_color, std::env::var_os("NO_COLOR").as_deref());
    let width = terminal_size::terminal_size().map_or(100, |(w, _)| usize::from(w.0).clamp(60, 200));
    let format = match args.format {
        Some(FormatArg::Compact) => Format::Compact,
        Some(FormatArg::Json) => Format::Json,
        Some(FormatArg::Sarif) => Format::Sarif,
        Some(FormatArg::Github) => Format::Github,
        Some(FormatArg::Human | FormatArg::Mermaid) | None => Format::Human,
    };
    let ropts = RenderOptions {
        format,
        color,
        width: if to_tty { width } else { 100 },
        suppressed: report.suppressed,
        stacks,
        files,
    };
    let mut out = report::render(&report.findings, &report.model.db, &report.secrets, &ropts);
    if args.quiet && format == Format::Human {
        if let Some(i) = out.trim_end().rfind('\n') {
            out.truncate(i + 1);
        } else {
            out.clear();
        }
    }
    if args.statistics {
        out.push_str(&statistics(&report));
    }
    if let Some((fixed, _)) = &fixes
        && !args.quiet
    {
        let mut line = fixed_summary(fixed.values().sum(), report.findings.len());
        let hidden = report
            .findings
            .iter()
            .filter(|f| f.fix.as_ref().is_some_and(|x| x.applicability == stackcheck::finding::Applicability::Unsafe))
            .count();
        // The human summary already says it.
        if hidden > 0 && !args.unsafe_fixes && format != Format::Human {
            line.push_str(&format!(" {hidden} more fixable with `--unsafe-fixes`."));
        }
        line.push('\n');
        // The machine formats keep standard output to themselves.
        if matches!(format, Format::Human | Format::Compact) { out.push_str(&line) } else { eprint!("{line}") }
    }
    print(&out, args.output.as_ref())?;
    let fail_on = match args.fail_on {
        Some(FailOn::Warning) => Severity::Warning,
        Some(FailOn::Info) => Severity::Info,
        Some(FailOn::Error) | None => Severity::Error,
    };
    let code = u8::from(report.failing(fail_on) > 0);
    if fixes.is_some_and(|(_, ok)| !ok) {
        return Ok(2);
    }
    // The process ends here: freeing the whole model would only cost time (7% on big trees).
    std::mem::forget(report);
    Ok(code)
}

/// `Fixed 3 findings (1 remaining).`
fn fixed_summary(fixed: usize, remaining: usize) -> String {
    let n = |k: usize| if k == 1 { "1 finding".to_owned() } else { format!("{k} findings") };
    format!("Fixed {} ({remaining} remaining).", n(fixed))
}

/// Writes the fixed files and reports on standard error what went wrong (files not written, edits undone,
/// a loop that did not converge). False when the run must exit 2.
fn fix_write(outcome: &stackcheck::fix::Outcome) -> bool {
    let mut ok = fix_problems(outcome);
    for (path, e) in outcome.write() {
        eprintln!("stackcheck: error: cannot write {}: {e}", path.display());
        ok = false;
    }
    ok
}

/// Reports edits undone and a loop that did not converge; false when an edit had to be undone (our bug).
fn fix_problems(outcome: &stackcheck::fix::Outcome) -> bool {
    for r in &outcome.reverted {
        eprintln!(
            "stackcheck: error: fixes {} made {} fail to load ({}): its edits were undone; please report this bug",
            r.fixes.join(", "),
            r.path.display(),
            r.problems.join(", ")
        );
    }
    if !outcome.unconverged.is_empty() {
        eprintln!(
            "stackcheck: warning: fixes did not converge after {} rounds ({} still fixable)",
            stackcheck::fix::MAX_ROUNDS,
            outcome.unconverged.join(", ")
        );
    }
    outcome.reverted.is_empty()
}

/// `--diff` (print what the fixes would change, write nothing; exit 1 when there is a diff) and
/// `--fix-only` (apply, report nothing else; exit 0 unless an error occurs).
fn fix_only(args: &CheckArgs, opts: &CheckOptions) -> Result<u8, String> {
    let outcome = stackcheck::fix::run(opts, stackcheck::fix::FixOptions { unsafe_fixes: args.unsafe_fixes });
    let n = outcome.fixed_count();
    let findings = if n == 1 { "1 finding".to_owned() } else { format!("{n} findings") };
    if args.diff {
        let ok = fix_problems(&outcome);
        print(&outcome.diff(), args.output.as_ref())?;
        if !args.quiet {
            eprintln!("Would fix {findings}.");
        }
        return Ok(if !ok { 2 } else { u8::from(!outcome.changes.is_empty()) });
    }
    let ok = fix_write(&outcome);
    if !args.quiet {
        print(&format!("Fixed {findings}.\n"), args.output.as_ref())?;
    }
    Ok(if ok { 0 } else { 2 })
}

/// E209's requirements: the built-in packs, the repository's pack files, `[[rules.require]]`.
fn requirements(
    start: &std::path::Path,
    config: Option<&stackcheck::config::Config>,
) -> Result<Vec<stackcheck::packs::Requirement>, String> {
    use stackcheck::packs;
    let mut out = packs::builtin();
    let root = match config {
        Some(c) => c.dir.clone(),
        None if start.is_file() => start.parent().map(std::path::Path::to_path_buf).unwrap_or_default(),
        None => start.to_path_buf(),
    };
    for file in packs::repo_pack_files(&root) {
        let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let name = file.file_stem().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        out.extend(packs::parse(&name, &text).map_err(|e| format!("rule pack {}: {e}", file.display()))?);
    }
    if let Some(c) = config {
        for r in &c.rules.require {
            out.push(packs::requirement("config", r)?);
        }
    }
    Ok(out)
}

/// A configuration error as a diagnostic pointing into the TOML (the run then exits 2).
fn config_error(e: stackcheck::config::ConfigError) -> String {
    use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, Report};
    let Some(range) = e.range.clone() else { return e.to_string() };
    let diag = MietteDiagnostic::new(e.message.clone())
        .with_code("config")
        .with_label(LabeledSpan::at(range, "here"))
        .with_help("see the configuration keys in README.md");
    let report = Report::new(diag).with_source_code(NamedSource::new(e.path.display().to_string(), e.text.clone()));
    let mut out = String::new();
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_links(false);
    match handler.render_report(&mut out, report.as_ref()) {
        Ok(()) => format!("invalid configuration\n{out}"),
        Err(_) => e.to_string(),
    }
}

fn statistics(report: &stackcheck::Report) -> String {
    let mut counts: Vec<(&str, &str, usize)> = Vec::new();
    for f in &report.findings {
        match counts.iter_mut().find(|c| c.0 == f.code) {
            Some(c) => c.2 += 1,
            None => counts.push((f.code, f.name, 1)),
        }
    }
    counts.sort();
    let mut s = String::new();
    for (code, name, n) in counts {
        s.push_str(&format!("{n:>5}  {code}  {name}\n"));
    }
    for (code, span) in &report.unused_suppressions {
        let loc = report::locate(&report.model.db, *span);
        s.push_str(&format!("{}:{}:{}: unused suppression `{code}`\n", loc.path, loc.line, loc.column));
    }
    s
}
