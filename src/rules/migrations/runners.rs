//! What runs migrations: the commands of the known tools found in a service's compose `command` and
//! `entrypoint`, its Dockerfile's `ENTRYPOINT`/`CMD`, the scripts those name (loaded by
//! `sources::migrations`) and the `package.json` scripts they call (`npm run migrate`), plus the
//! one-shot "migration job" services. Shared by the M6xx rules.

use std::collections::HashSet;

use crate::model::{Service, Stack, StackModel};
use crate::source::Span;
use crate::sources::migrations::{self, ContextFacts};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Applies pending migrations (`alembic upgrade`, `prisma migrate deploy`).
    Apply,
    /// A development or destructive command (`prisma migrate dev`, `manage.py flush`, `db:reset`).
    Destructive,
}

/// A migration command found in a text: the tool, what it does, and the words as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    pub tool: &'static str,
    pub action: Action,
    /// The program and verbs (`alembic upgrade`), for messages.
    pub command: String,
    /// Byte range in the scanned text (of the outer `npm run x` when found through a package script).
    pub range: std::ops::Range<usize>,
}

/// (program names, verbs in order, tool, action).
type Pattern = (&'static [&'static str], &'static [&'static str], &'static str, Action);

const PATTERNS: &[Pattern] = &[
    (&["alembic"], &["upgrade"], "alembic", Action::Apply),
    (&["alembic"], &["downgrade"], "alembic", Action::Destructive),
    (&["flask"], &["db", "upgrade"], "alembic", Action::Apply),
    (&["flask"], &["db", "downgrade"], "alembic", Action::Destructive),
    (&["prisma"], &["migrate", "deploy"], "prisma", Action::Apply),
    (&["prisma"], &["migrate", "dev"], "prisma", Action::Destructive),
    (&["prisma"], &["migrate", "reset"], "prisma", Action::Destructive),
    (&["prisma"], &["db", "push"], "prisma", Action::Apply),
    (&["manage.py", "django-admin"], &["migrate"], "django", Action::Apply),
    (&["manage.py", "django-admin"], &["flush"], "django", Action::Destructive),
    (&["manage.py", "django-admin"], &["reset_db"], "django", Action::Destructive),
    (&["rails", "rake"], &["db:migrate"], "rails", Action::Apply),
    (&["rails", "rake"], &["db:prepare"], "rails", Action::Apply),
    (&["rails", "rake"], &["db:drop"], "rails", Action::Destructive),
    (&["knex"], &["migrate:latest"], "knex", Action::Apply),
    (&["knex"], &["migrate:rollback"], "knex", Action::Destructive),
    (&["typeorm", "typeorm-ts-node-commonjs", "typeorm-ts-node-esm"], &["migration:run"], "typeorm", Action::Apply),
    (&["typeorm", "typeorm-ts-node-commonjs", "typeorm-ts-node-esm"], &["schema:drop"], "typeorm", Action::Destructive),
    (&["sequelize", "sequelize-cli"], &["db:migrate"], "sequelize", Action::Apply),
    (&["sequelize", "sequelize-cli"], &["db:migrate:undo:all"], "sequelize", Action::Destructive),
    (&["flyway"], &["migrate"], "flyway", Action::Apply),
    (&["flyway"], &["clean"], "flyway", Action::Destructive),
    (&["liquibase"], &["update"], "liquibase", Action::Apply),
    (&["liquibase"], &["drop-all"], "liquibase", Action::Destructive),
    (&["migrate"], &["up"], "golang-migrate", Action::Apply),
    (&["migrate"], &["drop"], "golang-migrate", Action::Destructive),
    (&["artisan"], &["migrate"], "laravel", Action::Apply),
    (&["artisan"], &["migrate:fresh"], "laravel", Action::Destructive),
    (&["artisan"], &["db:wipe"], "laravel", Action::Destructive),
    (&["mix"], &["ecto.migrate"], "ecto", Action::Apply),
    (&["mix"], &["ecto.reset"], "ecto", Action::Destructive),
    (&["bench"], &["migrate"], "frappe", Action::Apply),
    (&["goose"], &["up"], "goose", Action::Apply),
    (&["dbmate"], &["up"], "dbmate", Action::Apply),
    (&["dbmate"], &["migrate"], "dbmate", Action::Apply),
    (&["sqlx"], &["migrate", "run"], "sqlx", Action::Apply),
    (&["diesel"], &["migration", "run"], "diesel", Action::Apply),
    (&["drizzle-kit"], &["migrate"], "drizzle", Action::Apply),
    (&["atlas"], &["migrate", "apply"], "atlas", Action::Apply),
    (&["node-pg-migrate"], &["up"], "node-pg-migrate", Action::Apply),
];

/// How far after the program its verbs may be (options and their values in between).
const WINDOW: usize = 8;
const NPM_DEPTH: usize = 3;

/// The commands of a text: word lists with byte ranges, split at `;`, `&&`, `||`, `|`, `&`, newlines
/// and parentheses; a word that starts with `#` comments out the rest of its line.
pub fn commands(text: &str) -> Vec<Vec<(usize, &str)>> {
    let mut out: Vec<Vec<(usize, &str)>> = vec![Vec::new()];
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if matches!(c, b';' | b'&' | b'|' | b'\n' | b'(' | b')' | b'`') {
            if out.last().is_some_and(|l| !l.is_empty()) {
                out.push(Vec::new());
            }
            i += 1;
            continue;
        }
        if c.is_ascii_whitespace() || c == b'"' || c == b'\'' {
            i += 1;
            continue;
        }
        if c == b'#' {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        while i < bytes.len()
            && !bytes[i].is_ascii_whitespace()
            && !matches!(bytes[i], b';' | b'&' | b'|' | b'(' | b')' | b'`' | b'"' | b'\'')
        {
            i += 1;
        }
        if let (Some(word), Some(last)) = (text.get(start..i), out.last_mut()) {
            last.push((start, word));
        }
    }
    out.retain(|c| !c.is_empty());
    out
}

fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// The migration commands in a text; `npm run x` (and yarn, pnpm, bun) is followed into the
/// `package.json` script `x` when it is known, else counts when the script's name says "migrat".
pub fn scan(text: &str, npm: &[(String, String)]) -> Vec<Invocation> {
    scan_depth(text, npm, 0)
}

fn scan_depth(text: &str, npm: &[(String, String)], depth: usize) -> Vec<Invocation> {
    let mut out = Vec::new();
    for cmd in commands(text) {
        for (i, &(start, word)) in cmd.iter().enumerate() {
            let program = basename(word);
            for (programs, verbs, tool, action) in PATTERNS {
                if !programs.contains(&program) {
                    continue;
                }
                let rest: Vec<&(usize, &str)> =
                    cmd.iter().skip(i + 1).take(WINDOW).filter(|(_, w)| !w.starts_with('-')).collect();
                let mut want = verbs.iter();
                let mut next = want.next();
                let mut end = start + word.len();
                for (s, w) in &rest {
                    if let Some(v) = next
                        && w == v
                    {
                        end = s + w.len();
                        next = want.next();
                    }
                }
                if next.is_none() {
                    let mut action = *action;
                    if *verbs == ["db", "push"] && cmd.iter().any(|(_, w)| *w == "--force-reset") {
                        action = Action::Destructive;
                    }
                    out.push(Invocation {
                        tool,
                        action,
                        command: format!("{program} {}", verbs.join(" ")),
                        range: start..end,
                    });
                }
            }
            if word == "db:reset" {
                out.push(Invocation {
                    tool: "db:reset",
                    action: Action::Destructive,
                    command: "db:reset".to_owned(),
                    range: start..start + word.len(),
                });
            }
        }
        if let Some((script, range)) = npm_script(&cmd) {
            match npm.iter().find(|(name, _)| name == script) {
                Some((_, body)) if depth < NPM_DEPTH => {
                    for mut inv in scan_depth(body, npm, depth + 1) {
                        inv.range = range.clone();
                        out.push(inv);
                    }
                }
                None if script.to_ascii_lowercase().contains("migrat") => out.push(Invocation {
                    tool: "package script",
                    action: Action::Apply,
                    command: format!("run {script}"),
                    range,
                }),
                _ => {}
            }
        }
    }
    out.sort_by_key(|i| i.range.start);
    out.dedup();
    out
}

/// `npm run x`, `npm start`, `yarn x`, `pnpm [-r] run x`, `bun run x`: the script name and the range of
/// the whole call.
fn npm_script<'a>(cmd: &[(usize, &'a str)]) -> Option<(&'a str, std::ops::Range<usize>)> {
    let i = cmd.iter().position(|(_, w)| matches!(basename(w), "npm" | "yarn" | "pnpm" | "bun"))?;
    let manager = basename(cmd.get(i)?.1);
    let args: Vec<&(usize, &str)> = cmd.iter().skip(i + 1).filter(|(_, w)| !w.starts_with('-')).collect();
    let (name, at) = match args.first().map(|(_, w)| *w) {
        Some("run" | "run-script") => (args.get(1)?.1, *args.get(1)?),
        Some("start") if manager != "bun" => ("start", *args.first()?),
        Some(w) if matches!(manager, "yarn" | "pnpm") && !matches!(w, "install" | "add" | "exec" | "dlx") => {
            (w, *args.first()?)
        }
        _ => return None,
    };
    let start = cmd.get(i)?.0;
    Some((name, start..at.0 + at.1.len()))
}

/// A text that speaks of migrations at all (a script called `run-migrate.sh`, `worker-migrations`):
/// enough to keep M601 quiet, never enough to report.
pub fn mentions_migrations(text: &str) -> bool {
    text.to_ascii_lowercase().contains("migrat")
}

/// Where a service's start-up text comes from.
#[derive(Clone, Debug)]
pub struct Source {
    pub text: String,
    /// Where to point: the compose `command`/`entrypoint`, the Dockerfile instruction, or the script file.
    pub span: Span,
    /// The text is the file's own text at `span.start` (scripts): invocation ranges map to spans.
    pub verbatim: bool,
    pub what: String,
}

/// A migration command a service runs when it starts.
#[derive(Clone, Debug)]
pub struct Run {
    pub inv: Invocation,
    pub span: Span,
    pub what: String,
    /// Gated by a `*MIGRAT*` variable whose value in the service's environment turns it off.
    pub gated_off: bool,
}

/// The texts a service starts with: compose `entrypoint`/`command` (else its Dockerfile's
/// `ENTRYPOINT`/`CMD`), and the scripts they name.
pub fn sources(model: &StackModel, stack_index: usize, svc: &Service) -> Vec<Source> {
    let mut out = Vec::new();
    for c in [&svc.entrypoint, &svc.command].into_iter().flatten() {
        out.push(Source { text: c.joined(), span: c.span, verbatim: false, what: "its compose command".to_owned() });
    }
    if let Some(d) = model.dockerfile_of(svc) {
        let target = svc.build.as_ref().and_then(|b| b.target.as_ref()).map(|t| t.value.as_str());
        let lineage = d.lineage(target);
        let mut kws = Vec::new();
        if svc.entrypoint.is_none() {
            kws.push("ENTRYPOINT");
            if svc.command.is_none() {
                kws.push("CMD");
            }
        }
        for kw in kws {
            if let Some(i) = lineage.iter().rev().find_map(|s| s.all(kw).last()) {
                let text = i.exec.as_ref().map_or_else(|| i.args.clone(), |items| items.join(" "));
                out.push(Source { text, span: i.span, verbatim: false, what: format!("its Dockerfile's {kw}") });
            }
        }
    }
    if let Some(facts) = model.migrations.service(stack_index, &svc.name) {
        for s in &facts.scripts {
            let text = model.db.text(s.file).to_owned();
            out.push(Source {
                span: crate::source::Span::new(s.file, 0, text.len()),
                text,
                verbatim: true,
                what: format!("its start script `{}`", s.named_as),
            });
        }
    }
    out
}

/// Every migration command a service runs at start.
pub fn runs(model: &StackModel, stack_index: usize, svc: &Service) -> Vec<Run> {
    let ctx: Option<&ContextFacts> = model.migrations.context_of(stack_index, &svc.name);
    let npm: &[(String, String)] = ctx.map_or(&[], |c| c.npm_scripts.as_slice());
    let mut out = Vec::new();
    for src in sources(model, stack_index, svc) {
        let gated_off = gated_off(&src.text, svc);
        for inv in scan(&src.text, npm) {
            let span = if src.verbatim { src.span.sub(inv.range.start, inv.range.end) } else { src.span };
            out.push(Run { inv, span, what: src.what.clone(), gated_off });
        }
    }
    // The golang-migrate image takes its verbs as the command (`-path /migrations ... up`).
    if let (Some(image), Some(cmd)) = (&svc.image, &svc.command)
        && crate::model::image::ImageRef::parse(&image.value).is_some_and(|r| r.repo == "migrate/migrate")
        && cmd.items.iter().any(|t| t.value == "up")
    {
        out.push(Run {
            inv: Invocation {
                tool: "golang-migrate",
                action: Action::Apply,
                command: "migrate up".to_owned(),
                range: 0..0,
            },
            span: cmd.span,
            what: "its compose command".to_owned(),
            gated_off: false,
        });
    }
    out
}

/// Is a runner text switched off by a `$…MIGRAT…` variable of the service (`RUN_MIGRATIONS=0`,
/// `SKIP_MIGRATIONS=true`)?
fn gated_off(text: &str, svc: &Service) -> bool {
    svc.environment.iter().any(|e| {
        let key = e.key.to_ascii_uppercase();
        if !key.contains("MIGRAT")
            || !(text.contains(&format!("${}", e.key)) || text.contains(&format!("${{{}", e.key)))
        {
            return false;
        }
        let value = e.value.as_deref().unwrap_or("").trim().to_ascii_lowercase();
        let falsy = matches!(value.as_str(), "" | "0" | "false" | "no" | "off" | "n");
        if key.contains("SKIP") || key.contains("DISABLE") { !falsy } else { falsy }
    })
}

/// `replicas: 0` / `scale: 0`: the service does not start with `up` (a job run by hand).
pub fn scaled_to_zero(svc: &Service) -> bool {
    if svc.scale == Some(0) {
        return true;
    }
    let replicas = svc.node.get("deploy").and_then(|d| d.get("replicas")).or_else(|| svc.node.get("scale"));
    replicas.and_then(|n| n.as_scalar()).and_then(crate::yaml::scalar_to_string).is_some_and(|s| s.trim() == "0")
}

/// Why a service is a one-shot migration job, if it is one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Job {
    /// Another service waits for it with `service_completed_successfully` and it runs migrations.
    Awaited,
    /// Its start-up ends with the migration command (nothing long-running after it).
    EndsWithMigration,
    /// Named after migrations (`migrate`, `db-migrations`), not a worker, publishes and routes nothing.
    Named,
}

/// The services of a stack that another one waits for with `service_completed_successfully`.
pub fn awaited(stack: &Stack) -> HashSet<&str> {
    stack
        .active_services()
        .flat_map(|o| o.depends_on.iter())
        .filter(|d| d.condition == "service_completed_successfully")
        .map(|d| d.service.as_str())
        .collect()
}

/// Whether a service is a one-shot migrations job; `awaited` comes from [`awaited`].
pub fn job(model: &StackModel, stack_index: usize, awaited: &HashSet<&str>, svc: &Service) -> Option<Job> {
    let runs = runs(model, stack_index, svc);
    let applies = runs.iter().any(|r| r.inv.action == Action::Apply);
    let named = name_says_migrations(&svc.name);
    let awaited = awaited.contains(svc.name.as_str());
    if awaited && (applies || named) {
        return Some(Job::Awaited);
    }
    if applies && ends_with_migration(model, stack_index, svc) {
        return Some(Job::EndsWithMigration);
    }
    let serves = !svc.ports.is_empty() || svc.labels.iter().any(|l| l.key.to_ascii_lowercase().starts_with("traefik."));
    if named && !serves {
        return Some(Job::Named);
    }
    None
}

/// Two services run the same code: the same image, or the same build context.
pub fn same_code(a: &Service, b: &Service) -> bool {
    let image = |s: &Service| s.image.as_ref().filter(|i| i.known && !i.value.is_empty()).map(|i| i.value.clone());
    let context = |s: &Service| s.build.as_ref().and_then(|b| b.context_dir.clone());
    (image(a).is_some() && image(a) == image(b)) || (context(a).is_some() && context(a) == context(b))
}

/// `migrate`, `db-migrations`, `api_migrator`; not `worker-migrations` (a queue worker).
pub fn name_says_migrations(name: &str) -> bool {
    let words: Vec<String> = name.split(['-', '_', '.']).map(str::to_ascii_lowercase).collect();
    words.iter().any(|w| matches!(w.as_str(), "migrate" | "migration" | "migrations" | "migrator"))
        && !words.iter().any(|w| matches!(w.as_str(), "worker" | "workers" | "queue" | "consumer"))
}

/// The last command the service runs at start is a migration (compose command, else its script).
fn ends_with_migration(model: &StackModel, stack_index: usize, svc: &Service) -> bool {
    let ctx = model.migrations.context_of(stack_index, &svc.name);
    let npm: &[(String, String)] = ctx.map_or(&[], |c| c.npm_scripts.as_slice());
    let srcs = sources(model, stack_index, svc);
    // The outermost text decides: the last command of the compose command, unless that command is a
    // script call, in which case the script's own last command.
    let Some(first) = srcs.iter().find(|s| !s.verbatim) else { return false };
    let cmds = commands(&first.text);
    let Some(last) = cmds.last() else { return false };
    let last_text = last.iter().map(|(_, w)| *w).collect::<Vec<_>>().join(" ");
    if !scan(&last_text, npm).is_empty() {
        return true;
    }
    let names_script = migrations::script_words(&last_text);
    srcs.iter().filter(|s| s.verbatim).any(|s| {
        names_script.iter().any(|w| s.what.contains(w.as_str()))
            && commands(&s.text).last().is_some_and(|c| {
                let t = c.iter().map(|(_, w)| *w).collect::<Vec<_>>().join(" ");
                !scan(&t, npm).is_empty()
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, Action)> {
        scan(text, &[]).into_iter().map(|i| (i.command, i.action)).collect()
    }

    #[test]
    fn recognises_tools() {
        assert_eq!(found("alembic -c alembic.ini upgrade head"), [("alembic upgrade".to_owned(), Action::Apply)]);
        assert_eq!(found("python manage.py migrate --noinput && gunicorn app.wsgi")[0].0, "manage.py migrate");
        assert_eq!(found("npx prisma migrate deploy")[0].0, "prisma migrate deploy");
        assert_eq!(found("npx prisma migrate dev")[0].1, Action::Destructive);
        assert_eq!(found("npx prisma db push --force-reset")[0].1, Action::Destructive);
        assert_eq!(found("bundle exec rails db:migrate")[0].0, "rails db:migrate");
        assert_eq!(found("migrate -path /migrations -database postgres://db/app up")[0].0, "migrate up");
        assert!(found("# alembic upgrade head\necho skipped").is_empty());
        assert!(found("uvicorn app.main:app --port 8000").is_empty());
        assert_eq!(found("yarn db:reset")[0].0, "db:reset");
    }

    #[test]
    fn follows_package_scripts() {
        let npm = vec![
            ("start".to_owned(), "prisma migrate deploy && node dist/main.js".to_owned()),
            ("db:migrate".to_owned(), "knex migrate:latest".to_owned()),
        ];
        let inv = scan("npm start", &npm);
        assert_eq!(inv[0].command, "prisma migrate deploy");
        assert_eq!(inv[0].range, 0..9);
        assert_eq!(scan("pnpm run db:migrate", &npm)[0].command, "knex migrate:latest");
        assert_eq!(scan("bun run db:migrate", &[])[0].tool, "package script");
        assert!(scan("npm run build", &npm).is_empty());
    }

    #[test]
    fn job_names() {
        assert!(name_says_migrations("migrate"));
        assert!(name_says_migrations("api-migrations"));
        assert!(name_says_migrations("plane_migrator"));
        assert!(!name_says_migrations("appwrite-worker-migrations"));
        assert!(!name_says_migrations("immigration-api"));
    }
}
