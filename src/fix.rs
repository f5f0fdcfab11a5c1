//! Fixes: choosing the edits of one round (no two overlap), applying them to the original text, the loop
//! that re-loads and re-lints until no fix applies, unified diffs (secrets masked) and atomic writes.
//!
//! Edits are byte ranges on the text as written, so everything outside them (comments, quoting, key
//! order, indentation, line endings) stays as it was. Nothing is written while the loop runs: the loader
//! reads the edited texts from an [`Overlay`], so `--diff` shows exactly what `--fix` would write.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::finding::{Applicability, Edit, Finding, Fix};
use crate::load::Overlay;
use crate::secret::SecretSet;
use crate::source::{FileId, SourceDb};
use crate::{CheckOptions, Report};

/// Rounds of edits before the loop gives up ("did not converge").
pub const MAX_ROUNDS: usize = 10;

/// Which fixes apply.
#[derive(Clone, Copy, Debug, Default)]
pub struct FixOptions {
    /// Apply unsafe fixes too (`--unsafe-fixes`).
    pub unsafe_fixes: bool,
}

impl FixOptions {
    pub fn applies(&self, fix: &Fix) -> bool {
        fix.applicability == Applicability::Safe || self.unsafe_fixes
    }
}

/// A file the fixes changed: its text before the first round and after the last.
#[derive(Clone, Debug)]
pub struct Change {
    /// The path as the loader names it (relative to the working directory when given so).
    pub path: PathBuf,
    pub before: Arc<str>,
    pub after: Arc<str>,
}

/// A file whose edits made it fail to load (a new P0xx finding): its round was undone and the file left
/// out of the following rounds. A bug in a fix: the run reports it as an internal error.
#[derive(Clone, Debug)]
pub struct Reverted {
    pub path: PathBuf,
    /// Codes of the fixes that were undone.
    pub fixes: Vec<&'static str>,
    /// The load problems the edits caused.
    pub problems: Vec<&'static str>,
}

/// What the fix loop did.
pub struct Outcome {
    /// The check of the fixed texts: what remains.
    pub report: Report,
    /// Fixes applied, per code.
    pub fixed: BTreeMap<&'static str, usize>,
    /// Changed files, sorted by path; files whose text ends up as it was are not listed.
    pub changes: Vec<Change>,
    /// Rounds of edits run.
    pub rounds: usize,
    /// Codes that still had fixes to apply after [`MAX_ROUNDS`] rounds (empty when the loop converged).
    pub unconverged: Vec<&'static str>,
    pub reverted: Vec<Reverted>,
}

impl Outcome {
    /// Number of fixes applied.
    pub fn fixed_count(&self) -> usize {
        self.fixed.values().sum()
    }

    /// The changes as one unified diff, secrets masked.
    pub fn diff(&self) -> String {
        let secrets = diff_secrets(&self.report.secrets, &self.changes);
        self.changes.iter().map(|c| unified_diff(c, &secrets)).collect()
    }

    /// Writes every changed file atomically; the files that could not be written, with the reason.
    pub fn write(&self) -> Vec<(PathBuf, String)> {
        let mut errors = Vec::new();
        for c in &self.changes {
            if let Err(e) = write_atomic(&c.path, &c.before, &c.after) {
                errors.push((c.path.clone(), e.to_string()));
            }
        }
        errors
    }
}

/// Runs the check, applies the fixes that [`FixOptions`] allows, re-loads and re-lints, and repeats until
/// no fix applies (at most [`MAX_ROUNDS`] rounds). Nothing is written: see [`Outcome::write`].
pub fn run(opts: &CheckOptions, fix: FixOptions) -> Outcome {
    let mut run_opts = opts.clone();
    // Texts after the rounds so far, and the text each changed file had on disk, by overlay key.
    let mut texts: HashMap<PathBuf, Arc<str>> = HashMap::new();
    let mut originals: BTreeMap<PathBuf, (PathBuf, Arc<str>)> = BTreeMap::new();
    let mut blocked: HashSet<PathBuf> = HashSet::new();
    let mut fixed: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut reverted = Vec::new();
    let mut unconverged = Vec::new();
    let mut rounds = 0;
    let (mut report, mut problems) = crate::check_with_load_problems(&run_opts);
    loop {
        let keys = FileKeys::default();
        let plan = plan(&report, fix, &blocked, &keys);
        if plan.is_empty() {
            break;
        }
        if rounds == MAX_ROUNDS {
            unconverged = codes(plan.values().flat_map(|p| &p.codes));
            break;
        }
        rounds += 1;
        let previous = texts.clone();
        let mut changed: Vec<(PathBuf, Vec<&'static str>)> = Vec::new();
        for (key, p) in &plan {
            if p.after.as_str() != &*p.before {
                originals.entry(key.clone()).or_insert_with(|| (p.path.clone(), p.before.clone()));
                texts.insert(key.clone(), Arc::from(p.after.as_str()));
                changed.push((key.clone(), p.codes.clone()));
            }
        }
        if changed.is_empty() {
            // Fixes whose edits change nothing: applying them again would loop.
            unconverged = codes(plan.values().flat_map(|p| &p.codes));
            break;
        }
        run_opts.load.overlay = Overlay::new(texts.clone());
        let (mut next, mut next_problems) = crate::check_with_load_problems(&run_opts);
        // A round must not make a file fail to load: undo it for that file, and leave the file alone.
        let before_counts = problem_counts(&problems, &report.model.db, &keys);
        let after_counts = problem_counts(&next_problems, &next.model.db, &keys);
        let new_in = |key: &PathBuf| -> Vec<&'static str> {
            let before = before_counts.get(key);
            let mut v: Vec<&'static str> = after_counts
                .get(key)
                .into_iter()
                .flatten()
                .filter(|(code, n)| before.and_then(|m| m.get(*code)).copied().unwrap_or(0) < **n)
                .map(|(code, _)| *code)
                .collect();
            v.sort_unstable();
            v
        };
        // A new load problem in a file this round did not edit (an env file's edit breaking the compose
        // file's interpolation) undoes the whole round.
        let elsewhere: Vec<&'static str> =
            after_counts.keys().filter(|k| !changed.iter().any(|(c, _)| c == *k)).flat_map(&new_in).collect();
        let mut undone = false;
        for (key, fix_codes) in &changed {
            let mut new = new_in(key);
            if new.is_empty() && elsewhere.is_empty() {
                for code in fix_codes {
                    *fixed.entry(code).or_default() += 1;
                }
                continue;
            }
            new.extend(&elsewhere);
            match previous.get(key) {
                Some(t) => texts.insert(key.clone(), t.clone()),
                None => texts.remove(key),
            };
            blocked.insert(key.clone());
            let path = originals.get(key).map(|o| o.0.clone()).unwrap_or_else(|| key.clone());
            reverted.push(Reverted { path, fixes: codes(fix_codes), problems: codes(&new) });
            undone = true;
        }
        if undone {
            run_opts.load.overlay = Overlay::new(texts.clone());
            (next, next_problems) = crate::check_with_load_problems(&run_opts);
        }
        report = next;
        problems = next_problems;
    }
    let mut changes: Vec<Change> = originals
        .into_iter()
        .filter_map(|(key, (path, before))| {
            let after = texts.get(&key)?.clone();
            (after != before).then_some(Change { path, before, after })
        })
        .collect();
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    Outcome { report, fixed, changes, rounds, unconverged, reverted }
}

/// Sorted, deduplicated codes.
fn codes<'a>(it: impl IntoIterator<Item = &'a &'static str>) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = it.into_iter().copied().collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Overlay keys of the files of one run, computed once per file.
#[derive(Default)]
struct FileKeys(std::cell::RefCell<HashMap<PathBuf, PathBuf>>);

impl FileKeys {
    fn key(&self, db: &SourceDb, file: FileId) -> PathBuf {
        let path = db.path(file);
        self.0.borrow_mut().entry(path.to_path_buf()).or_insert_with(|| Overlay::key(path)).clone()
    }
}

/// Load problems per file key and code.
fn problem_counts(
    problems: &[(FileId, &'static str)],
    db: &SourceDb,
    keys: &FileKeys,
) -> HashMap<PathBuf, HashMap<&'static str, usize>> {
    let mut out: HashMap<PathBuf, HashMap<&'static str, usize>> = HashMap::new();
    for (file, code) in problems {
        *out.entry(keys.key(db, *file)).or_default().entry(code).or_default() += 1;
    }
    out
}

/// The edits of one round for one file.
struct FilePlan {
    path: PathBuf,
    before: Arc<str>,
    after: String,
    /// The code of each fix applied to the file.
    codes: Vec<&'static str>,
}

/// Chooses the fixes of one round and applies them to each file's text.
fn plan(report: &Report, opts: FixOptions, blocked: &HashSet<PathBuf>, keys: &FileKeys) -> BTreeMap<PathBuf, FilePlan> {
    let db = &report.model.db;
    let fixes: Vec<(&'static str, &Fix)> = report
        .findings
        .iter()
        .filter_map(|f: &Finding| Some((f.code, f.fix.as_ref()?)))
        .filter(|(_, fix)| opts.applies(fix))
        .filter(|(_, fix)| fix.edits.iter().all(|e| !blocked.contains(&keys.key(db, e.file))))
        .collect();
    let chosen = select(db, &fixes, keys);
    let mut by_file: BTreeMap<PathBuf, (FileId, Vec<&Edit>, Vec<&'static str>)> = BTreeMap::new();
    for i in chosen {
        let Some((code, fix)) = fixes.get(i) else { continue };
        let mut files: Vec<PathBuf> = Vec::new();
        for e in &fix.edits {
            let key = keys.key(db, e.file);
            let slot = by_file.entry(key.clone()).or_insert_with(|| (e.file, Vec::new(), Vec::new()));
            slot.1.push(e);
            if !files.contains(&key) {
                files.push(key);
            }
        }
        for key in files {
            if let Some(slot) = by_file.get_mut(&key) {
                slot.2.push(code);
            }
        }
    }
    by_file
        .into_iter()
        .filter_map(|(key, (file, edits, codes))| {
            let source = db.get(file)?;
            let after = apply(&source.text, &edits);
            Some((key, FilePlan { path: source.path.clone(), before: source.text.clone(), after, codes }))
        })
        .collect()
}

/// The line ending a file uses (that of its first line; `\n` for a file of one line): text a fix adds
/// on new lines uses it, so CRLF files stay CRLF.
pub fn line_ending(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes().get(i - 1) == Some(&b'\r') => "\r\n",
        _ => "\n",
    }
}

/// Do two edits of one file conflict? Ranges that share bytes do; an insertion conflicts with a range
/// that strictly contains its point, and with the same insertion (a finding reported twice must not
/// insert its text twice). Different insertions at one point are all applied, in the order chosen.
fn conflicts(a: (u32, u32, &str), b: (u32, u32, &str)) -> bool {
    if a.0 == a.1 && b.0 == b.1 {
        return a.0 == b.0 && a.2 == b.2;
    }
    a.0 < b.1 && b.0 < a.1
}

/// The fixes of one round, as indices into `fixes`: sorted by where their first edit is (path, then
/// offset), then code; a fix is taken whole when none of its edits conflicts with an edit already taken
/// (or with another of its own), else it waits for the next round, when its finding is checked again.
/// An edit outside its file's text or off a character boundary disqualifies its fix.
fn select(db: &SourceDb, fixes: &[(&'static str, &Fix)], keys: &FileKeys) -> Vec<usize> {
    let valid = |e: &Edit| {
        let text = db.text(e.file);
        e.start <= e.end
            && (e.end as usize) <= text.len()
            && text.is_char_boundary(e.start as usize)
            && text.is_char_boundary(e.end as usize)
    };
    let mut order: Vec<(String, u32, u32, &'static str, usize)> = fixes
        .iter()
        .enumerate()
        .filter(|(_, (_, fix))| !fix.edits.is_empty() && fix.edits.iter().all(valid))
        .filter_map(|(i, (code, fix))| {
            let first = fix
                .edits
                .iter()
                .map(|e| (db.get(e.file).map(|f| f.display_path()).unwrap_or_default(), e.start, e.end))
                .min()?;
            Some((first.0, first.1, first.2, *code, i))
        })
        .collect();
    order.sort();
    // Taken ranges per file: (start, end, sequence) → replacement.
    let mut taken: HashMap<PathBuf, BTreeMap<(u32, u32, usize), &str>> = HashMap::new();
    let mut chosen = Vec::new();
    for (_, _, _, _, i) in order {
        let Some((_, fix)) = fixes.get(i) else { continue };
        let edits: Vec<(PathBuf, (u32, u32, &str))> =
            fix.edits.iter().map(|e| (keys.key(db, e.file), (e.start, e.end, e.replacement.as_str()))).collect();
        let clash = edits.iter().enumerate().any(|(j, (key, e))| {
            edits.iter().skip(j + 1).any(|(k2, e2)| k2 == key && conflicts(*e, *e2))
                || taken.get(key).is_some_and(|t| clashes(t, *e))
        });
        if clash {
            continue;
        }
        for (key, e) in edits {
            let t = taken.entry(key).or_default();
            let seq = t.len();
            t.insert((e.0, e.1, seq), e.2);
        }
        chosen.push(i);
    }
    chosen
}

/// Does `e` conflict with a taken edit? Taken ranges that are not insertions never overlap each other, so
/// only the nearest one starting before `e` can reach into it; then every taken edit starting inside it.
fn clashes(taken: &BTreeMap<(u32, u32, usize), &str>, e: (u32, u32, &str)) -> bool {
    for (&(s, end, _), _) in taken.range(..(e.0, 0, 0)).rev() {
        if s < end {
            if end > e.0 {
                return true;
            }
            break;
        }
    }
    taken.range((e.0, 0, 0)..).take_while(|(k, _)| k.0 <= e.1).any(|(k, r)| conflicts((k.0, k.1, r), e))
}

/// Applies non-conflicting edits (in the order given for insertions at one point) to a text.
pub fn apply(text: &str, edits: &[&Edit]) -> String {
    let mut sorted: Vec<(usize, &Edit)> = edits.iter().copied().enumerate().collect();
    sorted.sort_by_key(|(i, e)| (e.start, e.end, *i));
    let mut out = String::with_capacity(text.len() + sorted.iter().map(|(_, e)| e.replacement.len()).sum::<usize>());
    let mut at = 0usize;
    for (_, e) in sorted {
        let (s, end) = (e.start as usize, e.end as usize);
        if s < at {
            continue;
        }
        out.push_str(text.get(at..s).unwrap_or(""));
        out.push_str(&e.replacement);
        at = end.max(s);
    }
    out.push_str(text.get(at..).unwrap_or(""));
    out
}

// ---------------------------------------------------------------- diffs

/// The run's secrets plus those of the texts before the fixes (a removed line may hold a value the fixed
/// files no longer have).
fn diff_secrets(secrets: &SecretSet, changes: &[Change]) -> SecretSet {
    let mut set = secrets.clone();
    for c in changes {
        set.add_from_source(&c.before);
    }
    set
}

/// Context lines around each change.
const CONTEXT: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Equal(usize, usize),
    Delete(usize),
    Insert(usize),
}

/// One file's change as a unified diff (`--- path`, `+++ path`, hunks with 3 lines of context). Each line
/// is masked as the source snippets are: a secret value never appears in clear.
pub fn unified_diff(change: &Change, secrets: &SecretSet) -> String {
    let a: Vec<&str> = change.before.split_inclusive('\n').collect();
    let b: Vec<&str> = change.after.split_inclusive('\n').collect();
    let ops = diff_lines(&a, &b);
    if ops.iter().all(|o| matches!(o, Op::Equal(..))) {
        return String::new();
    }
    let path = change.path.to_string_lossy().replace('\\', "/");
    let mut out = format!("--- {path}\n+++ {path}\n");
    let changed: Vec<usize> =
        ops.iter().enumerate().filter(|(_, o)| !matches!(o, Op::Equal(..))).map(|(i, _)| i).collect();
    let mut i = 0;
    while let Some(&first) = changed.get(i) {
        // Extend the hunk while the next change is within two contexts of the last one.
        let mut last = first;
        while let Some(&next) = changed.get(i + 1) {
            if next - last > 2 * CONTEXT {
                break;
            }
            last = next;
            i += 1;
        }
        i += 1;
        let lo = first.saturating_sub(CONTEXT);
        let hi = (last + CONTEXT + 1).min(ops.len());
        hunk(&ops[lo..hi], &a, &b, ops.get(..lo).unwrap_or(&[]), secrets, &mut out);
    }
    out
}

/// Appends one hunk; `before` are the ops before it (for its line numbers).
fn hunk(ops: &[Op], a: &[&str], b: &[&str], before: &[Op], secrets: &SecretSet, out: &mut String) {
    let old_before = before.iter().filter(|o| !matches!(o, Op::Insert(_))).count();
    let new_before = before.iter().filter(|o| !matches!(o, Op::Delete(_))).count();
    let old_n = ops.iter().filter(|o| !matches!(o, Op::Insert(_))).count();
    let new_n = ops.iter().filter(|o| !matches!(o, Op::Delete(_))).count();
    let start = |before: usize, n: usize| if n == 0 { before } else { before + 1 };
    out.push_str(&format!("@@ -{},{old_n} +{},{new_n} @@\n", start(old_before, old_n), start(new_before, new_n)));
    for op in ops {
        let (sign, line) = match *op {
            Op::Equal(i, _) => (' ', a.get(i)),
            Op::Delete(i) => ('-', a.get(i)),
            Op::Insert(j) => ('+', b.get(j)),
        };
        let line = line.copied().unwrap_or("");
        out.push(sign);
        match crate::secret::mask_source(line, secrets) {
            Some(masked) => out.push_str(&masked),
            None => out.push_str(line),
        }
        if !line.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    }
}

/// A shortest line diff (Myers) after the common prefix and suffix are set aside. A middle part that
/// differs in more than `MAX_D` lines is shown as replaced whole (fixes change a few lines).
fn diff_lines(a: &[&str], b: &[&str]) -> Vec<Op> {
    const MAX_D: usize = 2000;
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..].iter().rev().zip(b[prefix..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (am, bm) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut ops: Vec<Op> = (0..prefix).map(|i| Op::Equal(i, i)).collect();
    match myers(am, bm, MAX_D) {
        Some(mid) => ops.extend(mid.into_iter().map(|o| match o {
            Op::Equal(i, j) => Op::Equal(i + prefix, j + prefix),
            Op::Delete(i) => Op::Delete(i + prefix),
            Op::Insert(j) => Op::Insert(j + prefix),
        })),
        None => {
            ops.extend((0..am.len()).map(|i| Op::Delete(i + prefix)));
            ops.extend((0..bm.len()).map(|j| Op::Insert(j + prefix)));
        }
    }
    ops.extend((0..suffix).map(|k| Op::Equal(a.len() - suffix + k, b.len() - suffix + k)));
    ops
}

/// Myers' O((N+M)·D) diff; None when more than `max_d` edits are needed.
fn myers(a: &[&str], b: &[&str], max_d: usize) -> Option<Vec<Op>> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let max = (n + m) as usize;
    let offset = max as isize + 1;
    let mut v = vec![0isize; 2 * max + 3];
    // The frontier before each step d, for k in -d..=d.
    let mut trace: Vec<Vec<isize>> = Vec::new();
    let at = |v: &[isize], k: isize| v.get((k + offset) as usize).copied().unwrap_or(0);
    for d in 0..=(max.min(max_d) as isize) {
        trace.push(((-d)..=d).map(|k| at(&v, k)).collect());
        let mut k = -d;
        while k <= d {
            let mut x =
                if k == -d || (k != d && at(&v, k - 1) < at(&v, k + 1)) { at(&v, k + 1) } else { at(&v, k - 1) + 1 };
            let mut y = x - k;
            while x < n && y < m && a.get(x as usize) == b.get(y as usize) {
                x += 1;
                y += 1;
            }
            if let Some(slot) = v.get_mut((k + offset) as usize) {
                *slot = x;
            }
            if x >= n && y >= m {
                return Some(backtrack(&trace, n, m, d));
            }
            k += 2;
        }
    }
    None
}

fn backtrack(trace: &[Vec<isize>], n: isize, m: isize, depth: isize) -> Vec<Op> {
    let mut ops = Vec::new();
    let (mut x, mut y) = (n, m);
    for d in (0..=depth).rev() {
        let frontier = trace.get(d as usize).map(Vec::as_slice).unwrap_or(&[]);
        let at = |k: isize| frontier.get((k + d) as usize).copied().unwrap_or(0);
        let k = x - y;
        let (px, py) = if d == 0 {
            (0, 0)
        } else {
            let pk = if k == -d || (k != d && at(k - 1) < at(k + 1)) { k + 1 } else { k - 1 };
            let px = at(pk);
            (px, px - pk)
        };
        while x > px && y > py {
            ops.push(Op::Equal((x - 1) as usize, (y - 1) as usize));
            x -= 1;
            y -= 1;
        }
        if d > 0 {
            if x == px {
                ops.push(Op::Insert((y - 1) as usize));
            } else {
                ops.push(Op::Delete((x - 1) as usize));
            }
        }
        x = px;
        y = py;
    }
    ops.reverse();
    ops
}

// ---------------------------------------------------------------- writes

/// Replaces a file's content atomically: the new text goes to a temporary file in the same directory
/// (with the file's permissions, and its owner when we may set it), which is then renamed over the file.
/// A symbolic link is followed (the file it points at is replaced, the link stays). Refuses when the file
/// no longer holds `before` (changed since it was read).
pub fn write_atomic(path: &Path, before: &str, after: &str) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    if std::fs::read(&target)? != before.as_bytes() {
        return Err(std::io::Error::other("the file changed since it was read; not written"));
    }
    crate::term::write_atomic(&target, after.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(start: u32, end: u32, r: &str) -> Edit {
        Edit { file: FileId(0), start, end, replacement: r.to_owned() }
    }

    #[test]
    fn apply_keeps_everything_outside_the_edits() {
        let text = "a: 1 # c\r\nb: 2\r\n";
        let e1 = edit(3, 4, "\"1\"");
        let e2 = edit(14, 14, "0");
        assert_eq!(apply(text, &[&e2, &e1]), "a: \"1\" # c\r\nb: 20\r\n");
        // Insertions at one point keep their order.
        let (i1, i2) = (edit(0, 0, "x"), edit(0, 0, "y"));
        assert_eq!(apply("z", &[&i1, &i2]), "xyz");
    }

    #[test]
    fn conflict_rules() {
        assert!(conflicts((0, 4, "a"), (3, 5, "b")));
        assert!(!conflicts((0, 4, "a"), (4, 5, "b")));
        assert!(conflicts((2, 2, "x"), (0, 4, "b")));
        assert!(!conflicts((4, 4, "x"), (0, 4, "b")));
        assert!(!conflicts((0, 0, "x"), (0, 4, "b")));
        assert!(conflicts((1, 1, "x"), (1, 1, "x")));
        assert!(!conflicts((1, 1, "x"), (1, 1, "y")));
        let mut taken = BTreeMap::new();
        taken.insert((10, 20, 0), "r");
        taken.insert((20, 20, 1), "i");
        assert!(clashes(&taken, (15, 25, "q")));
        assert!(clashes(&taken, (5, 11, "q")));
        assert!(!clashes(&taken, (0, 10, "q")));
        assert!(clashes(&taken, (20, 20, "i")));
        assert!(!clashes(&taken, (20, 30, "q")));
        assert!(!clashes(&taken, (21, 30, "q")));
    }

    #[test]
    fn select_takes_whole_fixes_in_a_fixed_order() {
        let mut db = SourceDb::default();
        let f = db.add(PathBuf::from("no-such-dir/.env"), Arc::from("AB=1\ncafé=2\n"), crate::source::FileKind::Env);
        let fix = |edits: Vec<Edit>| Fix { title: String::new(), applicability: Applicability::Safe, edits };
        let e = |s: u32, end: u32, r: &str| Edit { file: f, start: s, end, replacement: r.to_owned() };
        let a = fix(vec![e(0, 2, "X")]); // replaces `AB`
        let b = fix(vec![e(1, 3, "Y"), e(7, 7, "!")]); // overlaps `a`: its other edit waits too
        let c = fix(vec![e(5, 6, "C")]); // `c` of café
        let bad = fix(vec![e(9, 10, "")]); // inside `é`: not a character boundary
        let dup = fix(vec![e(0, 2, "X")]);
        let keys = FileKeys::default();
        let fixes = vec![("E1", &b), ("E2", &c), ("E3", &a), ("E4", &bad), ("E5", &dup)];
        // `a` and `b` start at 0 and 1: `a` comes first whatever the order of the findings.
        assert_eq!(select(&db, &fixes, &keys), vec![2, 1]);
        let reversed: Vec<_> = fixes.iter().rev().copied().collect();
        let chosen: Vec<&str> = select(&db, &reversed, &keys).into_iter().map(|i| reversed[i].0).collect();
        assert_eq!(chosen, ["E3", "E2"]);
    }

    #[test]
    fn myers_finds_a_shortest_script() {
        let a = ["a\n", "b\n", "c\n", "a\n", "b\n", "b\n", "a\n"];
        let b = ["c\n", "b\n", "a\n", "b\n", "a\n", "c\n"];
        let ops = diff_lines(&a, &b);
        assert_eq!(ops.iter().filter(|o| !matches!(o, Op::Equal(..))).count(), 5);
        // Replaying the script gives b.
        let rebuilt: Vec<&str> = ops
            .iter()
            .filter_map(|o| match *o {
                Op::Equal(i, _) => Some(a[i]),
                Op::Insert(j) => Some(b[j]),
                Op::Delete(_) => None,
            })
            .collect();
        assert_eq!(rebuilt, b);
    }

    #[test]
    fn unified_diff_format() {
        let before: String = (1..=10).map(|i| format!("L{i}\n")).collect();
        let after = before.replace("L5\n", "L5x\n").replace("L10\n", "L10");
        let c = Change { path: PathBuf::from("dir/.env"), before: Arc::from(before), after: Arc::from(after) };
        let d = unified_diff(&c, &SecretSet::default());
        assert_eq!(
            d,
            "--- dir/.env\n+++ dir/.env\n@@ -2,9 +2,9 @@\n L2\n L3\n L4\n-L5\n+L5x\n L6\n L7\n L8\n L9\n-L10\n+L10\n\\ No newline at end of file\n"
        );
        let c = Change { path: PathBuf::from("e"), before: Arc::from(""), after: Arc::from("A=1\n") };
        assert_eq!(unified_diff(&c, &SecretSet::default()), "--- e\n+++ e\n@@ -0,0 +1,1 @@\n+A=1\n");
    }

    #[test]
    fn diff_masks_secrets() {
        let c = Change {
            path: PathBuf::from(".env"),
            before: Arc::from("API_TOKEN = hunter2hunter2\n"),
            after: Arc::from("API_TOKEN=hunter2hunter2\n"),
        };
        let d = unified_diff(&c, &SecretSet::default());
        assert!(!d.contains("hunter2"), "{d}");
        assert!(d.contains("-API_TOKEN = ") && d.contains("+API_TOKEN="), "{d}");
    }
}
