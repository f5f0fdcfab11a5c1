//! What the M6xx rules need to know about a stack's repository, loaded once: the migration systems found
//! in each build context (alembic, Prisma, Django, Rails, knex, TypeORM, Sequelize, Flyway, Liquibase,
//! golang-migrate), the scripts a service starts with (named by its compose `command`/`entrypoint`, its
//! Dockerfile's `ENTRYPOINT`/`CMD`, or another such script), the `scripts` of the context's
//! `package.json`, and the stacks whose config has a `[stack.apply] migrate` step.
//!
//! Bounded on purpose: only build contexts and the paths compose or a Dockerfile name are read; the walk
//! of a context stops at [`MAX_DEPTH`] directories and [`MAX_ENTRIES`] entries and skips dependency and
//! build directories; a script is read only when it is a regular UTF-8 file of at most [`MAX_SCRIPT`]
//! bytes. A missing or unreadable file is simply not a fact: it never fails the load.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::compose::convert::normalize;
use crate::model::{Service, Stack};
use crate::source::{FileId, FileKind, SourceDb};
use crate::sources::dockerfile::Dockerfile;

pub const MAX_DEPTH: usize = 4;
pub const MAX_ENTRIES: usize = 4000;
pub const MAX_SCRIPT: u64 = 256 * 1024;
/// Scripts named by scripts, at most this deep.
const MAX_SCRIPT_HOPS: usize = 2;
const SKIP_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    "vendor",
    "target",
    "venv",
    ".venv",
    "__pycache__",
    "dist",
    "build",
    ".next",
    "site-packages",
    ".tox",
    "coverage",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tool {
    Alembic,
    Prisma,
    Django,
    Rails,
    Knex,
    TypeOrm,
    Sequelize,
    Flyway,
    Liquibase,
    GolangMigrate,
}

impl Tool {
    pub fn name(self) -> &'static str {
        match self {
            Tool::Alembic => "Alembic",
            Tool::Prisma => "Prisma",
            Tool::Django => "Django",
            Tool::Rails => "Rails",
            Tool::Knex => "knex",
            Tool::TypeOrm => "TypeORM",
            Tool::Sequelize => "Sequelize",
            Tool::Flyway => "Flyway",
            Tool::Liquibase => "Liquibase",
            Tool::GolangMigrate => "golang-migrate",
        }
    }

    /// The command that applies the migrations, for help texts.
    pub fn apply_command(self) -> &'static str {
        match self {
            Tool::Alembic => "alembic upgrade head",
            Tool::Prisma => "prisma migrate deploy",
            Tool::Django => "python manage.py migrate --noinput",
            Tool::Rails => "bin/rails db:migrate",
            Tool::Knex => "knex migrate:latest",
            Tool::TypeOrm => "typeorm migration:run -d <data source>",
            Tool::Sequelize => "sequelize db:migrate",
            Tool::Flyway => "flyway migrate",
            Tool::Liquibase => "liquibase update",
            Tool::GolangMigrate => "migrate -path <dir> -database <url> up",
        }
    }
}

/// A migration system found in a build context.
#[derive(Clone, Debug)]
pub struct System {
    pub tool: Tool,
    /// The file that shows it (`alembic.ini`, `prisma/schema.prisma`, `manage.py`, a migration file).
    pub marker: PathBuf,
    /// The marker, loaded (for labels).
    pub file: FileId,
}

#[derive(Clone, Debug, Default)]
pub struct ContextFacts {
    pub dir: PathBuf,
    pub systems: Vec<System>,
    /// `scripts` of the context's `package.json`: name and body.
    pub npm_scripts: Vec<(String, String)>,
}

/// A script a service starts with.
#[derive(Clone, Debug)]
pub struct Script {
    pub file: FileId,
    /// The word that named it (`scripts/prestart.sh`, `/entrypoint.sh`).
    pub named_as: String,
}

#[derive(Clone, Debug, Default)]
pub struct ServiceFacts {
    /// Index of the build context in [`MigrationFacts::contexts`].
    pub context: Option<usize>,
    pub scripts: Vec<Script>,
}

#[derive(Clone, Debug, Default)]
pub struct MigrationFacts {
    pub contexts: Vec<ContextFacts>,
    /// Per stack (same order as `StackModel::stacks`), per service name.
    pub services: Vec<HashMap<String, ServiceFacts>>,
    /// Names of config stacks with a `[stack.apply] migrate` step.
    pub apply_migrate: Vec<String>,
}

impl MigrationFacts {
    pub fn service(&self, stack: usize, name: &str) -> Option<&ServiceFacts> {
        self.services.get(stack).and_then(|m| m.get(name))
    }

    pub fn context_of(&self, stack: usize, name: &str) -> Option<&ContextFacts> {
        self.service(stack, name).and_then(|s| s.context).and_then(|i| self.contexts.get(i))
    }
}

/// Loads the facts for every service of every stack. `dockerfiles` are the parsed Dockerfiles of the
/// model (a service finds its own through `build.dockerfile_file`).
pub fn collect(
    db: &mut SourceDb,
    stacks: &[Stack],
    dockerfiles: &[Dockerfile],
    config: Option<&crate::config::Config>,
) -> MigrationFacts {
    let mut facts = MigrationFacts::default();
    let mut context_index: HashMap<PathBuf, usize> = HashMap::new();
    let mut read_cache: HashMap<PathBuf, Option<FileId>> = HashMap::new();
    for stack in stacks {
        let mut per_service = HashMap::new();
        if !stack.loaded {
            facts.services.push(per_service);
            continue;
        }
        for svc in &stack.services {
            let dockerfile = svc
                .build
                .as_ref()
                .and_then(|b| b.dockerfile_file)
                .and_then(|f| dockerfiles.iter().find(|d| d.file == f));
            let dir = svc.build.as_ref().and_then(|b| b.context_dir.clone()).filter(|d| d.is_dir());
            let context = dir.map(|dir| {
                *context_index.entry(dir.clone()).or_insert_with(|| {
                    facts.contexts.push(scan_context(db, &dir));
                    facts.contexts.len() - 1
                })
            });
            let ctx_dir = context.and_then(|i| facts.contexts.get(i)).map(|c| c.dir.clone());
            let scripts = service_scripts(db, svc, dockerfile, ctx_dir.as_deref(), &mut read_cache);
            per_service.insert(svc.name.clone(), ServiceFacts { context, scripts });
        }
        facts.services.push(per_service);
    }
    if let Some(config) = config {
        for s in &config.stacks {
            if s.apply.as_ref().is_some_and(|a| a.get("migrate").is_some_and(|m| !is_empty_value(m))) {
                facts.apply_migrate.push(s.name.clone());
            }
        }
    }
    facts
}

fn is_empty_value(v: &toml::Value) -> bool {
    match v {
        toml::Value::String(s) => s.trim().is_empty(),
        toml::Value::Array(a) => a.is_empty(),
        toml::Value::Boolean(b) => !b,
        _ => false,
    }
}

// ------------------------------------------------------------------------------------------ contexts

/// One entry of the bounded walk: its path relative to the context, and whether it is a directory.
struct Walked {
    rel: PathBuf,
    dir: bool,
}

fn walk(root: &Path) -> Vec<Walked> {
    let mut out = Vec::new();
    let mut stack: Vec<(PathBuf, usize)> = vec![(PathBuf::new(), 0)];
    while let Some((rel, depth)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(root.join(&rel)) else { continue };
        let mut entries: Vec<(String, bool)> = rd
            .flatten()
            .filter_map(|e| {
                let ft = e.file_type().ok()?;
                if ft.is_symlink() {
                    return None;
                }
                Some((e.file_name().to_string_lossy().into_owned(), ft.is_dir()))
            })
            .collect();
        entries.sort();
        for (name, is_dir) in entries {
            if out.len() >= MAX_ENTRIES {
                return out;
            }
            let child = rel.join(&name);
            if is_dir {
                if SKIP_DIRS.contains(&name.as_str()) {
                    continue;
                }
                if depth + 1 < MAX_DEPTH {
                    stack.push((child.clone(), depth + 1));
                }
            }
            out.push(Walked { rel: child, dir: is_dir });
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    out
}

fn file_name(p: &Path) -> &str {
    p.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

fn parent_name(p: &Path) -> &str {
    p.parent().map_or("", file_name)
}

fn under_spring_resources(p: &Path) -> bool {
    p.to_string_lossy().replace('\\', "/").contains("src/main/resources/")
}

fn scan_context(db: &mut SourceDb, dir: &Path) -> ContextFacts {
    let entries = walk(dir);
    let files: Vec<&Path> = entries.iter().filter(|e| !e.dir).map(|e| e.rel.as_path()).collect();
    let dirs: Vec<&Path> = entries.iter().filter(|e| e.dir).map(|e| e.rel.as_path()).collect();
    let has_file = |p: &Path| files.contains(&p);
    let mut found: Vec<(Tool, PathBuf)> = Vec::new();
    let package = read_package_json(&dir.join("package.json"));
    let npm_deps = package.as_ref().map(|p| p.deps.clone()).unwrap_or_default();
    let go_mod = read_small(&dir.join("go.mod")).unwrap_or_default();

    // Alembic: alembic.ini, or an env.py next to a versions/ directory (Flask-Migrate's migrations/).
    if let Some(ini) = files.iter().find(|f| file_name(f) == "alembic.ini") {
        found.push((Tool::Alembic, ini.to_path_buf()));
    } else if let Some(env) = files
        .iter()
        .find(|f| file_name(f) == "env.py" && f.parent().is_some_and(|p| has_dir(&dirs, &p.join("versions"))))
    {
        found.push((Tool::Alembic, env.to_path_buf()));
    }
    // Prisma: schema.prisma with a migrations/ directory beside it.
    if let Some(schema) = files
        .iter()
        .find(|f| file_name(f) == "schema.prisma" && f.parent().is_some_and(|p| has_dir(&dirs, &p.join("migrations"))))
    {
        found.push((Tool::Prisma, schema.to_path_buf()));
    }
    // Django: manage.py and an app's migrations/ package with a numbered migration.
    if let Some(manage) = files.iter().find(|f| file_name(f) == "manage.py")
        && files
            .iter()
            .any(|f| parent_name(f) == "migrations" && file_name(f).ends_with(".py") && file_name(f).starts_with("00"))
    {
        found.push((Tool::Django, manage.to_path_buf()));
    }
    // Rails: db/migrate/*.rb.
    if let Some(m) =
        files.iter().find(|f| f.parent().is_some_and(|p| p.ends_with("db/migrate")) && file_name(f).ends_with(".rb"))
    {
        found.push((Tool::Rails, m.to_path_buf()));
    }
    let js_migration = |f: &&&Path, digits: usize| {
        let name = file_name(f);
        matches!(parent_name(f), "migrations" | "migration")
            && (name.ends_with(".js") || name.ends_with(".ts") || name.ends_with(".cjs") || name.ends_with(".mjs"))
            && name.len() > digits
            && name.bytes().take(digits).all(|b| b.is_ascii_digit())
    };
    // knex: a knexfile and a migrations directory.
    if let Some(k) = files.iter().find(|f| file_name(f).starts_with("knexfile.") && f.components().count() <= 2)
        && files.iter().any(|f| matches!(parent_name(f), "migrations") && !file_name(f).starts_with('.'))
    {
        found.push((Tool::Knex, k.to_path_buf()));
    }
    // TypeORM: the dependency and `<13-digit timestamp>-Name.ts` migrations.
    if npm_deps.iter().any(|d| d == "typeorm")
        && let Some(m) = files.iter().find(|f| js_migration(f, 13))
    {
        found.push((Tool::TypeOrm, m.to_path_buf()));
    }
    // Sequelize: .sequelizerc or sequelize-cli, and `YYYYMMDDHHMMSS-name.js` migrations.
    if (has_file(Path::new(".sequelizerc")) || npm_deps.iter().any(|d| d == "sequelize-cli"))
        && let Some(m) = files.iter().find(|f| js_migration(f, 14))
    {
        found.push((Tool::Sequelize, m.to_path_buf()));
    }
    // Flyway and Liquibase, standalone only: under src/main/resources Spring Boot applies them at start.
    if let Some(f) = files.iter().find(|f| matches!(file_name(f), "flyway.conf" | "flyway.toml")).or_else(|| {
        files.iter().find(|f| {
            let n = file_name(f);
            n.starts_with('V') && n.contains("__") && n.ends_with(".sql") && !under_spring_resources(f)
        })
    }) {
        found.push((Tool::Flyway, f.to_path_buf()));
    }
    if let Some(f) = files.iter().find(|f| file_name(f) == "liquibase.properties").or_else(|| {
        files.iter().find(|f| file_name(f).starts_with("db.changelog-master.") && !under_spring_resources(f))
    }) {
        found.push((Tool::Liquibase, f.to_path_buf()));
    }
    // golang-migrate: `NNN_name.up.sql`, unless the Go module embeds the library (the app migrates itself).
    if !go_mod.contains("golang-migrate/migrate")
        && !found.iter().any(|(t, _)| *t == Tool::Flyway)
        && let Some(f) = files.iter().find(|f| {
            let n = file_name(f);
            n.ends_with(".up.sql") && n.bytes().next().is_some_and(|b| b.is_ascii_digit())
        })
    {
        found.push((Tool::GolangMigrate, f.to_path_buf()));
    }
    let mut systems = Vec::new();
    for (tool, rel) in found {
        let path = normalize(&dir.join(&rel));
        let text = read_small(&path).unwrap_or_default();
        let file = db.add(path, Arc::from(text), FileKind::Other);
        systems.push(System { tool, marker: rel, file });
    }
    ContextFacts { dir: dir.to_path_buf(), systems, npm_scripts: package.map(|p| p.scripts).unwrap_or_default() }
}

fn has_dir(dirs: &[&Path], p: &Path) -> bool {
    dirs.contains(&p)
}

struct Package {
    scripts: Vec<(String, String)>,
    deps: Vec<String>,
}

fn read_package_json(path: &Path) -> Option<Package> {
    let text = read_small(path)?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let scripts = v
        .get("scripts")
        .and_then(|s| s.as_object())
        .map(|o| o.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned()))).collect())
        .unwrap_or_default();
    let mut deps = Vec::new();
    for key in ["dependencies", "devDependencies"] {
        if let Some(o) = v.get(key).and_then(|d| d.as_object()) {
            deps.extend(o.keys().cloned());
        }
    }
    Some(Package { scripts, deps })
}

/// A regular UTF-8 file of at most [`MAX_SCRIPT`] bytes.
fn read_small(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_SCRIPT {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    String::from_utf8(bytes).ok()
}

// ------------------------------------------------------------------------------------------- scripts

/// The words of a command line that may name a script file (`./start.sh`, `scripts/prestart.sh`,
/// `/docker-entrypoint.sh`).
pub fn script_words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')' | '"' | '\'' | '`'))
        .filter(|w| !w.is_empty() && !w.starts_with('-') && !w.contains('$') && !w.contains("://"))
        .filter(|w| w.ends_with(".sh") || w.ends_with(".bash") || (w.contains('/') && !w.ends_with('/')))
        .map(str::to_owned)
        .collect()
}

/// The effective entrypoint and command texts of a service: compose's, else its Dockerfile's (a compose
/// `entrypoint` also drops the image's `CMD`, as Docker does).
pub fn start_texts(svc: &Service, dockerfile: Option<&Dockerfile>) -> Vec<String> {
    let mut out = Vec::new();
    let stage_last = |kw: &str| {
        let target = svc.build.as_ref().and_then(|b| b.target.as_ref()).map(|t| t.value.as_str());
        dockerfile.and_then(|d| {
            d.lineage(target).iter().rev().find_map(|s| s.all(kw).last()).map(|i| match &i.exec {
                Some(items) => items.join(" "),
                None => i.args.clone(),
            })
        })
    };
    match &svc.entrypoint {
        Some(e) => out.push(e.joined()),
        None => out.extend(stage_last("ENTRYPOINT")),
    }
    match &svc.command {
        Some(c) => out.push(c.joined()),
        None if svc.entrypoint.is_none() => out.extend(stage_last("CMD")),
        None => {}
    }
    out
}

fn service_scripts(
    db: &mut SourceDb,
    svc: &Service,
    dockerfile: Option<&Dockerfile>,
    context: Option<&Path>,
    cache: &mut HashMap<PathBuf, Option<FileId>>,
) -> Vec<Script> {
    let copies = dockerfile.map(|d| copy_map(d, svc)).unwrap_or_default();
    let workdir = copies.workdir.clone();
    let mut out: Vec<Script> = Vec::new();
    let mut todo: Vec<(String, usize)> =
        start_texts(svc, dockerfile).iter().flat_map(|t| script_words(t)).map(|w| (w, 0)).collect();
    let mut seen: Vec<String> = Vec::new();
    while let Some((word, hops)) = todo.pop() {
        if seen.contains(&word) || seen.len() > 32 {
            continue;
        }
        seen.push(word.clone());
        let Some(host) = resolve_script(&word, svc, &copies, &workdir, context) else { continue };
        let id = *cache
            .entry(host.clone())
            .or_insert_with(|| read_small(&host).map(|text| db.add(host.clone(), Arc::from(text), FileKind::Other)));
        let Some(id) = id else { continue };
        if out.iter().any(|s| s.file == id) {
            continue;
        }
        if hops < MAX_SCRIPT_HOPS {
            let text = db.text(id).to_owned();
            todo.extend(script_words(&strip_comments(&text)).into_iter().map(|w| (w, hops + 1)));
        }
        out.push(Script { file: id, named_as: word });
    }
    out
}

/// The text without `#` comments (a `#` at the start of a word, to the end of its line).
pub fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let cut = line
            .char_indices()
            .find(|&(i, c)| c == '#' && (i == 0 || line[..i].ends_with(char::is_whitespace)))
            .map_or(line.len(), |(i, _)| i);
        out.push_str(&line[..cut]);
        if cut < line.len() && line.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// `COPY`/`ADD` of the build context in the selected stage's lineage: (container path, context path),
/// and the final `WORKDIR`.
#[derive(Default)]
struct CopyMap {
    copies: Vec<(String, String, bool)>,
    workdir: String,
}

fn copy_map(d: &Dockerfile, svc: &Service) -> CopyMap {
    let target = svc.build.as_ref().and_then(|b| b.target.as_ref()).map(|t| t.value.as_str());
    let mut map = CopyMap { copies: Vec::new(), workdir: "/".to_owned() };
    for stage in d.lineage(target) {
        for i in &stage.instructions {
            match i.keyword.as_str() {
                "WORKDIR" => map.workdir = join_container(&map.workdir, i.args.trim()),
                "COPY" | "ADD" => {
                    if i.args.split_whitespace().any(|w| w.starts_with("--from")) {
                        continue;
                    }
                    let words: Vec<String> = match &i.exec {
                        Some(items) => items.clone(),
                        None => i.args.split_whitespace().filter(|w| !w.starts_with("--")).map(str::to_owned).collect(),
                    };
                    let Some((dest, srcs)) = words.split_last() else { continue };
                    let dest_abs = join_container(&map.workdir, dest);
                    let many = srcs.len() > 1 || dest.ends_with('/');
                    for src in srcs {
                        map.copies.push((dest_abs.clone(), src.trim_start_matches("./").to_owned(), many));
                    }
                }
                _ => {}
            }
        }
    }
    map
}

fn join_container(base: &str, p: &str) -> String {
    let joined = if p.starts_with('/') { p.to_owned() } else { format!("{}/{}", base.trim_end_matches('/'), p) };
    let norm = normalize(Path::new(&joined)).to_string_lossy().replace('\\', "/");
    if norm.is_empty() { "/".to_owned() } else { norm }
}

/// Where on the host a script named in a command lives: a bind mount, a `COPY` from the build context,
/// or the same relative path in the context.
fn resolve_script(
    word: &str,
    svc: &Service,
    copies: &CopyMap,
    workdir: &str,
    context: Option<&Path>,
) -> Option<PathBuf> {
    let in_container = join_container(workdir, word);
    let is_file = |p: &Path| std::fs::metadata(p).is_ok_and(|m| m.is_file());
    for m in &svc.volumes {
        if let Some(host) = &m.host_path {
            let target = join_container("/", &m.target);
            if target == in_container && is_file(host) {
                return Some(host.clone());
            }
            if let Some(rest) = in_container.strip_prefix(&format!("{}/", target.trim_end_matches('/'))) {
                let p = host.join(rest);
                if is_file(&p) {
                    return Some(p);
                }
            }
        }
    }
    let context = context?;
    let inside = |p: PathBuf| {
        let p = normalize(&p);
        (p.starts_with(normalize(context)) && is_file(&p)).then_some(p)
    };
    for (dest, src, many) in copies.copies.iter().rev() {
        let base = if src == "." { String::new() } else { src.clone() };
        let name = Path::new(src).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let whole = !many && *dest == in_container;
        let listed = *many && format!("{}/{}", dest.trim_end_matches('/'), name) == in_container;
        if (whole || listed)
            && let Some(p) = inside(context.join(&base))
        {
            return Some(p);
        }
        if let Some(rest) = in_container.strip_prefix(&format!("{}/", dest.trim_end_matches('/')))
            && let Some(p) = inside(context.join(&base).join(rest))
        {
            return Some(p);
        }
    }
    let rel = word.trim_start_matches("./").trim_start_matches('/');
    inside(context.join(rel))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_that_name_scripts() {
        assert_eq!(script_words("bash scripts/prestart.sh && exec uvicorn app:app"), ["scripts/prestart.sh"]);
        assert_eq!(script_words("/docker-entrypoint.sh --flag http://x/y $HOME/a.sh"), ["/docker-entrypoint.sh"]);
        assert!(script_words("node dist/").is_empty());
    }

    #[test]
    fn comments_are_stripped() {
        assert_eq!(strip_comments("#!/bin/sh\n# alembic upgrade head\necho a # b\nx#y\n"), "\n\necho a \nx#y\n");
    }

    #[test]
    fn container_paths() {
        assert_eq!(join_container("/app", "scripts/x.sh"), "/app/scripts/x.sh");
        assert_eq!(join_container("/app", "/entrypoint.sh"), "/entrypoint.sh");
        assert_eq!(join_container("/app", "./x.sh"), "/app/x.sh");
    }

    #[test]
    fn context_scan_is_bounded_and_tolerant() {
        let dir = std::env::temp_dir().join(format!("stackcheck-migrations-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("prisma/migrations/20240101_init")).unwrap();
        std::fs::create_dir_all(dir.join("node_modules/pkg/prisma/migrations")).unwrap();
        std::fs::write(dir.join("prisma/schema.prisma"), "datasource db {}\n").unwrap();
        std::fs::write(dir.join("alembic.ini"), vec![b'x'; (MAX_SCRIPT + 1) as usize]).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&dir, dir.join("loop")).unwrap();
        let mut db = SourceDb::default();
        let facts = scan_context(&mut db, &dir);
        let tools: Vec<Tool> = facts.systems.iter().map(|s| s.tool).collect();
        assert_eq!(tools, [Tool::Alembic, Tool::Prisma]);
        // Too large to read: found, but loaded empty.
        assert_eq!(db.text(facts.systems[0].file), "");
        assert!(read_small(&dir.join("missing.sh")).is_none());
        assert!(read_small(&dir).is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
