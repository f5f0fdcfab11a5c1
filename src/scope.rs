//! FILE arguments (`stackcheck app/.env.production`, and what pre-commit passes): the stacks are
//! discovered from the repository the file is in, and the report keeps the findings of the stacks that
//! contain the file.
//!
//! A file tells little by itself: `.env.production` is only checkable with the compose file that reads it,
//! and a compose file only with its env files, its override and the proxies in front of it. So a FILE
//! argument does not narrow what is loaded; it narrows what is reported. A finding is kept when one of
//! its locations (primary or related) is in a file of an owning stack, or in the named file itself.
//!
//! A stack owns its compose files (with `include`/`extends` files), its interpolation env files, its
//! services' `env_file:` files, and every file under its project directory that no deeper stack's
//! directory holds (mounted proxy configs, Dockerfiles, templates). Stacks that share a directory
//! (a base and its environment variants) own the same files. A FILE that is the configuration
//! (`stackcheck.toml`) or a rule pack keeps every finding: it changes how every stack is checked.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::compose::convert::normalize;
use crate::finding::Finding;
use crate::model::StackModel;

/// What the PATH arguments ask for: the roots to discover from, and the files and directories given.
pub struct Targets {
    pub roots: Vec<PathBuf>,
    pub files: Vec<PathBuf>,
    pub dirs: Vec<PathBuf>,
}

/// Directories are walked as given; a file is walked from its repository (see [`repo_root`]). No
/// PATH means the current directory.
pub fn targets(paths: &[PathBuf], config_dir: Option<&Path>) -> Targets {
    let (files, dirs): (Vec<PathBuf>, Vec<PathBuf>) = paths.iter().cloned().partition(|p| p.is_file());
    let roots = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        outermost(dirs.iter().cloned().chain(files.iter().map(|f| repo_root(f, config_dir))).collect())
    };
    Targets { roots, files, dirs }
}

/// Where to discover the stacks of `file`: the directory of the configuration when one was found
/// (`config_dir`), else the top of the git work tree holding the file, else the file's directory.
/// Relative to the current directory when it can be (so paths in the report read as the user typed
/// them, as pre-commit does from the repository's top).
pub fn repo_root(file: &Path, config_dir: Option<&Path>) -> PathBuf {
    let abs_file = absolute(file);
    let dir = abs_file.parent().map_or_else(|| PathBuf::from("/"), Path::to_path_buf);
    let root = match config_dir {
        Some(c) => absolute(c),
        None => dir.ancestors().find(|d| d.join(".git").exists()).map_or(dir.clone(), Path::to_path_buf),
    };
    relative_to_cwd(&root)
}

/// Drops the roots that another root contains (walking both would read the same files twice).
pub fn outermost(roots: Vec<PathBuf>) -> Vec<PathBuf> {
    let abs: Vec<PathBuf> = roots.iter().map(|r| absolute(r)).collect();
    let mut out: Vec<PathBuf> = Vec::new();
    let mut kept: Vec<PathBuf> = Vec::new();
    for (i, r) in roots.into_iter().enumerate() {
        let inside_other = abs.iter().enumerate().any(|(j, a)| {
            j != i && abs[i].starts_with(a) && (abs[i] != *a || j < i) // equal roots: keep the first
        });
        if !inside_other && !kept.contains(&abs[i]) {
            kept.push(abs[i].clone());
            out.push(r);
        }
    }
    out
}

/// The files whose findings a run over `files` (and `dirs`, reported whole) keeps; `None` keeps all.
pub fn reported_files(model: &StackModel, files: &[PathBuf], dirs: &[PathBuf]) -> Option<HashSet<PathBuf>> {
    let is_config = |f: &Path| {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let parent = f.parent().map(|p| p.to_string_lossy().replace('\\', "/")).unwrap_or_default();
        matches!(name, "stackcheck.toml" | ".stackcheck.toml")
            || (name.ends_with(".toml") && (parent.ends_with(".stackcheck/packs") || parent.ends_with("rules/packs")))
    };
    if files.iter().any(|f| is_config(f)) {
        return None;
    }
    let model_files: Vec<PathBuf> = model.db.iter().map(|(_, f)| absolute(&f.path)).collect();
    let stack_dirs: Vec<PathBuf> = model.stacks.iter().map(|s| absolute(&s.dir)).collect();
    // The deepest stack directory holding `path`.
    let home = |path: &Path| -> Option<&PathBuf> {
        stack_dirs.iter().filter(|d| path.starts_with(d)).max_by_key(|d| d.components().count())
    };
    let referenced = |i: usize| -> Vec<PathBuf> {
        let s = &model.stacks[i];
        let ids = s.files.iter().chain(&s.extra_files).chain(&s.interp_files).copied();
        let env_refs = s.services.iter().flat_map(|svc| svc.env_files.iter().filter_map(|r| r.file));
        ids.chain(env_refs).filter_map(|id| model.db.get(id)).map(|f| absolute(&f.path)).collect()
    };
    let changed: Vec<PathBuf> = files.iter().map(|f| absolute(f)).collect();
    let mut keep: HashSet<PathBuf> = changed.iter().cloned().collect();
    for (i, dir) in stack_dirs.iter().enumerate() {
        let refs = referenced(i);
        let owns = |f: &PathBuf| refs.contains(f) || home(f) == Some(dir);
        if !changed.iter().any(owns) {
            continue;
        }
        keep.extend(refs.iter().cloned());
        keep.extend(model_files.iter().filter(|f| home(f) == Some(dir)).cloned());
    }
    for d in dirs {
        let d = absolute(d);
        keep.extend(model_files.iter().filter(|f| f.starts_with(&d)).cloned());
    }
    Some(keep)
}

/// Keeps the findings with a location in `keep`.
pub fn retain(findings: &mut Vec<Finding>, model: &StackModel, keep: &HashSet<PathBuf>) {
    let in_scope =
        |span: crate::source::Span| model.db.get(span.file).is_some_and(|f| keep.contains(&absolute(&f.path)));
    findings.retain(|f| in_scope(f.primary.span) || f.related.iter().any(|l| in_scope(l.span)));
}

/// How many loaded files are kept (for the summary line).
pub fn file_count(model: &StackModel, keep: &HashSet<PathBuf>) -> usize {
    model.db.iter().filter(|(_, f)| keep.contains(&absolute(&f.path))).count()
}

/// How many stacks own a kept file (for the summary line).
pub fn stack_count(model: &StackModel, keep: &HashSet<PathBuf>) -> usize {
    model
        .stacks
        .iter()
        .filter(|s| s.files.iter().filter_map(|id| model.db.get(*id)).any(|f| keep.contains(&absolute(&f.path))))
        .count()
}

/// The path made absolute and symlink-free when it exists, lexically absolute otherwise.
fn absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p)
        .unwrap_or_else(|_| normalize(&std::env::current_dir().map(|c| c.join(p)).unwrap_or_else(|_| p.to_path_buf())))
}

fn relative_to_cwd(root: &Path) -> PathBuf {
    let Ok(cwd) = std::env::current_dir().map(|c| absolute(&c)) else { return root.to_path_buf() };
    if let Ok(rest) = root.strip_prefix(&cwd) {
        return if rest.as_os_str().is_empty() { PathBuf::from(".") } else { rest.to_path_buf() };
    }
    if let Ok(up) = cwd.strip_prefix(root) {
        let n = up.components().count();
        return (0..n).map(|_| "..").collect();
    }
    root.to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outermost_drops_nested_and_repeated_roots() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = a.join("b");
        std::fs::create_dir_all(&b).unwrap();
        assert_eq!(outermost(vec![b.clone(), a.clone(), a.clone()]), vec![a.clone()]);
        assert_eq!(outermost(vec![b.clone()]), vec![b]);
    }

    #[test]
    fn root_is_the_git_top_or_the_config_dir() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("app");
        std::fs::create_dir_all(dir.path().join(".git")).unwrap();
        std::fs::create_dir_all(&app).unwrap();
        let env = app.join(".env.production");
        std::fs::write(&env, "A=1\n").unwrap();
        let top = absolute(dir.path());
        assert_eq!(absolute(&repo_root(&env, None)), top);
        assert_eq!(absolute(&repo_root(&env, Some(&app))), absolute(&app));
    }
}
