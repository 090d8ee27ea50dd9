//! `release-gate init`: adopt the gate into a host workspace.
//!
//! Everything is planned first (every file read and parsed, every edit made
//! in memory), then written: a file that cannot be read or parsed stops the
//! run before anything changes. TOML files are edited with `toml_edit`, so
//! the host's formatting and comments stay as they are. Existing files are
//! only ever added to; an existing workflow is never overwritten, and the only
//! source file ever touched is an existing `xtask/src/main.rs`, which gets one
//! line: the gate's entry point, first in its `fn main`.

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context, Result};
use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, Value};

use release_gate_scan::position::line_column;

use crate::gate::config::{default_folder, DEFAULT_DOMAINS as DOMAINS};

/// The line an existing xtask's `fn main` starts with.
pub const DISPATCH_LINE: &str = "release_gate::dispatch();";

/// The alias that makes `cargo xtask` run the xtask package.
const ALIAS_NAME: &str = "xtask";

/// `required` as init writes it: cdc and performance have no default
/// collector in a host, so they are not required until the host configures
/// producers for them.
const REQUIRED: &[&str] = &["certification", "security", "supply_chain", "governance", "docs"];

const MIN_SCORE: i64 = 80;

/// The packages the dev profile must optimize for the gate's speed.
const OPTIMIZED: &[&str] = &["release-gate-scan", "sha2", "memchr", "quick-xml"];

/// The gate's files, kept out of the host's published package.
const EXCLUDED: &[&str] =
    &["/test_artifacts/", "/release-gate-waivers.toml", "/.github/workflows/release-gate.yml"];

const GITIGNORE_LINE: &str = "/test_artifacts/";

const WORKFLOW: &str = ".github/workflows/release-gate.yml";
const WORKFLOW_TEMPLATE: &str = include_str!("../templates/release-gate.yml");

/// The commands to type after `init`.
pub const NEXT: &[&str] =
    &["cargo xtask release-gate --stubs", "cargo xtask evidence all", "cargo xtask release-gate"];

/// `release-gate init [HOST_DIR] [--path DIR] [--dry-run]`.
#[derive(Debug, Clone)]
pub struct Init {
    /// The host workspace's root folder.
    pub host: PathBuf,
    /// Depend on the library by path: this repository, or the crate folder.
    pub path: Option<PathBuf>,
    /// Print the diff of every change, write nothing.
    pub dry_run: bool,
}

/// One file init creates or changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The file, relative to the host, `/`-separated.
    pub file: String,
    /// What changes in it, one item per edit.
    pub what: Vec<String>,
    /// The text before (`None`: the file is created).
    pub before: Option<String>,
    /// The text after.
    pub after: String,
}

impl Change {
    /// The unified diff of this change.
    pub fn diff(&self) -> String {
        unified_diff(&self.file, self.before.as_deref(), &self.after)
    }
}

/// What `init` did (or, with `--dry-run`, would do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Every file created or changed, in the order written.
    pub changes: Vec<Change>,
    /// What init left as it was and why, and what is left to do by hand.
    pub notes: Vec<String>,
    /// Nothing was written.
    pub dry_run: bool,
}

impl Outcome {
    /// The report printed on stdout.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for change in &self.changes {
            let verb = match (self.dry_run, change.before.is_some()) {
                (false, false) => "created",
                (false, true) => "changed",
                (true, false) => "would create",
                (true, true) => "would change",
            };
            let _ = writeln!(out, "{verb} `{}`: {}", change.file, change.what.join("; "));
            if self.dry_run {
                out.push_str(&change.diff());
            }
        }
        for note in &self.notes {
            let _ = writeln!(out, "{note}");
        }
        if self.changes.is_empty() {
            out.push_str("nothing to change\n");
        } else if self.dry_run {
            out.push_str("dry run: nothing written\n");
        }
        out.push_str("next:\n");
        for command in NEXT {
            let _ = writeln!(out, "    {command}");
        }
        out
    }
}

/// How the host depends on the library.
enum Dependency {
    /// `{ path = "..." }`, relative to the xtask folder.
    Path(String),
    /// `"VERSION"`: this library's own version.
    Version,
}

impl Dependency {
    fn item(&self) -> Item {
        let mut table = InlineTable::new();
        let _ = match self {
            Dependency::Path(path) => table.insert("path", Value::from(path.as_str())),
            Dependency::Version => table.insert("version", Value::from(env!("CARGO_PKG_VERSION"))),
        };
        // The `init` feature (toml_edit) is for the command, not the xtask.
        table.insert("default-features", Value::from(false));
        Item::Value(Value::InlineTable(table))
    }

    fn describe(&self) -> String {
        match self {
            Dependency::Path(path) => format!("by path `{path}`"),
            Dependency::Version => format!("by version `{}`", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// A text file of the host as read, and as init leaves it.
struct Planned {
    file: &'static str,
    before: Option<String>,
    after: String,
    what: Vec<String>,
}

impl Planned {
    fn into_change(self) -> Option<Change> {
        if self.before.as_deref() == Some(self.after.as_str()) || self.what.is_empty() {
            return None;
        }
        Some(Change {
            file: self.file.to_owned(),
            what: self.what,
            before: self.before,
            after: self.after,
        })
    }
}

/// The root manifest as init edits it, and what planning says about it.
struct RootPlan {
    doc: DocumentMut,
    /// `[package] name`, when the root is a package.
    package: Option<String>,
    /// What changes in `Cargo.toml`.
    what: Vec<String>,
    /// What init leaves as it is, and what is left to do by hand.
    notes: Vec<String>,
}

impl RootPlan {
    /// The xtask as a member of the root's workspace.
    fn add_member(&mut self) -> Result<()> {
        if let Some(what) = add_member(&mut self.doc, self.package.is_some())? {
            self.what.push(what);
        }
        Ok(())
    }

    /// The policy (written when there is none), the dev profiles, and the
    /// package's `exclude`. The policy's required domains and folders.
    fn policy_profiles_excludes(&mut self, root_path: &Path) -> Result<(Vec<String>, Folders)> {
        let domains = match policy_mut(&mut self.doc)? {
            PolicySlot::Existing(policy) => policy_domains(&policy, root_path)?,
            PolicySlot::Missing => {
                write_policy(&mut self.doc, self.package.as_deref())?;
                self.what.push("added the policy `[workspace.metadata.release-gate]`".to_owned());
                (REQUIRED.iter().map(|d| (*d).to_owned()).collect(), Vec::new())
            }
        };
        let (added, kept) = add_profiles(&mut self.doc)?;
        if !added.is_empty() {
            self.what.push(format!("added `[profile.dev.package.*]` for {}", quoted(&added)));
        }
        for name in kept {
            self.notes.push(format!(
                "kept the host's `[profile.dev.package.{name}]` in `Cargo.toml`: the gate's speed \
                 needs `opt-level = 2`, `codegen-units = 1`, `debug-assertions = false` there"
            ));
        }
        if self.package.is_some() {
            match add_excludes(&mut self.doc)? {
                Exclude::Added(list) => {
                    self.what.push(format!("added {} to the package's `exclude`", quoted(&list)))
                }
                Exclude::Nothing => {}
                Exclude::Manual(why) => self.notes.push(format!(
                    "to do by hand: keep {} out of the published package ({why})",
                    quoted(EXCLUDED)
                )),
            }
        }
        Ok(domains)
    }
}

/// `a`, `b`: each item as code, comma-separated.
fn quoted(items: &[impl std::fmt::Display]) -> String {
    items.iter().map(|item| format!("`{item}`")).collect::<Vec<_>>().join(", ")
}

/// An existing xtask: the dependency added to its manifest, the entry point
/// to its `main` (or a note to do it by hand), and, unless it is a
/// workspace of its own, a member of the root's.
fn existing_xtask(
    manifest_path: &Path,
    manifest: String,
    main: String,
    dependency: &Dependency,
    root: &mut RootPlan,
) -> Result<(String, Vec<Planned>)> {
    let mut doc = parse_toml(manifest_path, &manifest)?;
    let name = doc
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(Item::as_str)
        .unwrap_or("xtask")
        .to_owned();
    let standalone = doc.get("workspace").is_some();
    let mut what = Vec::new();
    let deps = table_mut(&mut doc, "dependencies", manifest_path)?;
    if !deps.contains_key("release-gate") {
        deps.insert("release-gate", dependency.item());
        what.push(format!("added the dependency on `release-gate` {}", dependency.describe()));
    }
    let mut files = vec![Planned {
        file: "xtask/Cargo.toml",
        after: doc.to_string(),
        before: Some(manifest),
        what,
    }];
    match insert_dispatch(&main) {
        Entry::Present => {}
        Entry::Inserted(after) => files.push(Planned {
            file: "xtask/src/main.rs",
            before: Some(main),
            after,
            what: vec![format!("added `{DISPATCH_LINE}` first in `fn main`")],
        }),
        Entry::Manual(why) => root.notes.push(format!(
            "to do by hand: add the line `{DISPATCH_LINE}` as the first statement of \
             `fn main` in `xtask/src/main.rs` ({why})"
        )),
    }
    if !standalone {
        root.add_member()?;
    }
    Ok((name, files))
}

impl Init {
    /// Plans every change, then writes them all (nothing with `--dry-run`).
    pub fn run(&self) -> Result<Outcome> {
        let outcome = self.plan()?;
        if !self.dry_run {
            for change in &outcome.changes {
                let path = self.host.join(&change.file);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).with_context(|| {
                        format!("cannot create the folder `{}`", parent.display())
                    })?;
                }
                std::fs::write(&path, &change.after)
                    .with_context(|| format!("cannot write `{}`", path.display()))?;
            }
        }
        Ok(outcome)
    }

    /// Reads and parses everything, and computes every change in memory.
    pub fn plan(&self) -> Result<Outcome> {
        let root_path = self.host.join("Cargo.toml");
        let Some(root_text) = read_optional(&root_path)? else {
            bail!(
                "no `Cargo.toml` in `{}`: run `release-gate init` in the root folder of a cargo \
                 workspace, or name that folder (`release-gate init HOST_DIR`)",
                self.host.display()
            );
        };
        let doc = parse_toml(&root_path, &root_text)?;
        let dependency = self.dependency()?;
        let package = doc
            .get("package")
            .and_then(|p| p.get("name"))
            .and_then(Item::as_str)
            .map(str::to_owned);
        if package.is_none() && doc.get("workspace").is_none() {
            bail!(
                "`{}` has neither `[package]` nor `[workspace]`: run `release-gate init` in the \
                 root folder of a cargo workspace",
                root_path.display()
            );
        }
        let mut root = RootPlan { doc, package, what: Vec::new(), notes: Vec::new() };
        let (xtask_name, xtask_files) = self.plan_xtask(&dependency, &mut root)?;
        let (required, folders) = root.policy_profiles_excludes(&root_path)?;
        let msrv = rust_version(&root.doc);
        let mut notes = root.notes;
        let mut files = vec![Planned {
            file: "Cargo.toml",
            after: root.doc.to_string(),
            before: Some(root_text),
            what: root.what,
        }];
        files.extend(xtask_files);
        files.push(self.alias(&xtask_name, &mut notes)?);
        files.push(self.gitignore()?);
        files.extend(self.workflow(&required, &folders, msrv.as_deref(), &mut notes)?);
        let changes = files.into_iter().filter_map(Planned::into_change).collect();
        Ok(Outcome { changes, notes, dry_run: self.dry_run })
    }

    /// The xtask: created, or an existing one given the dependency and the
    /// entry point. Its package name, and its files.
    fn plan_xtask(
        &self,
        dependency: &Dependency,
        root: &mut RootPlan,
    ) -> Result<(String, Vec<Planned>)> {
        let main_path = self.host.join("xtask/src/main.rs");
        let manifest_path = self.host.join("xtask/Cargo.toml");
        match (read_optional(&manifest_path)?, read_optional(&main_path)?) {
            (Some(manifest), Some(main)) => {
                existing_xtask(&manifest_path, manifest, main, dependency, root)
            }
            (None, None) => {
                root.add_member()?;
                let files = vec![
                    Planned {
                        file: "xtask/Cargo.toml",
                        before: None,
                        after: xtask_manifest_text(dependency),
                        what: vec![format!(
                            "the xtask crate, depending on `release-gate` {}",
                            dependency.describe()
                        )],
                    },
                    Planned {
                        file: "xtask/src/main.rs",
                        before: None,
                        after: XTASK_MAIN.to_owned(),
                        what: vec!["its `main` is the gate's".to_owned()],
                    },
                ];
                Ok(("xtask".to_owned(), files))
            }
            (Some(_), None) => bail!(
                "`{}` exists but `{}` does not: init adds the gate to an xtask's `main`; create \
                 it, or move the `xtask` folder away and run `release-gate init` again",
                manifest_path.display(),
                main_path.display()
            ),
            (None, Some(_)) => bail!(
                "`{}` exists but `{}` does not: init adds the gate's dependency there; create it, \
                 or move the `xtask` folder away and run `release-gate init` again",
                main_path.display(),
                manifest_path.display()
            ),
        }
    }

    /// The workflow, unless one is there already (then a note, unless it is
    /// the same).
    fn workflow(
        &self,
        required: &[String],
        folders: &[(String, String)],
        msrv: Option<&str>,
        notes: &mut Vec<String>,
    ) -> Result<Option<Planned>> {
        let workflow = workflow_text(required, folders, msrv)?;
        match read_optional(&self.host.join(WORKFLOW))? {
            None => Ok(Some(Planned {
                file: WORKFLOW,
                before: None,
                after: workflow,
                what: vec![format!(
                    "the scheduled stub gate, and evidence jobs for {} with the gate after them",
                    quoted(required)
                )],
            })),
            Some(existing) if existing == workflow => Ok(None),
            Some(_) => {
                notes.push(format!(
                    "kept the existing `{WORKFLOW}`: init never overwrites a workflow (move it \
                     away and run `release-gate init` again for the template)"
                ));
                Ok(None)
            }
        }
    }

    /// `--path DIR`: DIR is this repository or the `release-gate` crate
    /// folder; the dependency is written relative to the xtask folder.
    fn dependency(&self) -> Result<Dependency> {
        let Some(dir) = &self.path else { return Ok(Dependency::Version) };
        let candidates = [dir.join("release-gate"), dir.clone()];
        let mut crate_dir = None;
        for candidate in candidates {
            let manifest = candidate.join("Cargo.toml");
            let Some(text) = read_optional(&manifest)? else { continue };
            let doc = parse_toml(&manifest, &text)?;
            let name = doc.get("package").and_then(|p| p.get("name")).and_then(Item::as_str);
            if name == Some("release-gate") {
                crate_dir = Some(candidate);
                break;
            }
        }
        let Some(crate_dir) = crate_dir else {
            bail!(
                "no `release-gate` package in `{}` nor in `{}`: `--path` names the release-gate \
                 repository or its `release-gate` crate folder",
                dir.display(),
                dir.join("release-gate").display()
            );
        };
        let crate_abs = crate_dir
            .canonicalize()
            .with_context(|| format!("cannot resolve `{}`", crate_dir.display()))?;
        let host_abs = self
            .host
            .canonicalize()
            .with_context(|| format!("cannot resolve `{}`", self.host.display()))?;
        let relative = relative_path(&host_abs.join("xtask"), &crate_abs).with_context(|| {
            format!(
                "cannot write `{}` relative to `{}`: move it to a folder cargo can name",
                crate_abs.display(),
                host_abs.join("xtask").display()
            )
        })?;
        Ok(Dependency::Path(relative))
    }

    /// `.cargo/config.toml` (or an existing legacy `.cargo/config`) gets the
    /// `xtask` alias when it has none.
    fn alias(&self, xtask_name: &str, notes: &mut Vec<String>) -> Result<Planned> {
        let modern = self.host.join(".cargo/config.toml");
        let legacy = self.host.join(".cargo/config");
        let (file, path, before) = match read_optional(&modern)? {
            Some(text) => (".cargo/config.toml", modern, Some(text)),
            None => match read_optional(&legacy)? {
                Some(text) => (".cargo/config", legacy, Some(text)),
                None => (".cargo/config.toml", modern, None),
            },
        };
        let mut doc = parse_toml(&path, before.as_deref().unwrap_or(""))?;
        let alias = format!("run --package {xtask_name} --bin {xtask_name} --");
        let mut what = Vec::new();
        let present = match doc.get_mut("alias") {
            None => {
                let mut table = Table::new();
                table.insert(ALIAS_NAME, toml_edit::value(alias.as_str()));
                doc.insert("alias", Item::Table(table));
                false
            }
            Some(Item::Table(table)) => insert_if_missing(table, &alias),
            Some(Item::Value(Value::InlineTable(table))) => {
                if table.contains_key(ALIAS_NAME) {
                    true
                } else {
                    table.insert(ALIAS_NAME, Value::from(alias.as_str()));
                    false
                }
            }
            Some(_) => bail!(
                "`alias` in `{}` is not a table: make it `[alias]` and run `release-gate init` \
                 again",
                path.display()
            ),
        };
        if present {
            let existing = doc.get("alias").and_then(|a| a.get(ALIAS_NAME)).and_then(Item::as_str);
            if existing != Some(alias.as_str()) {
                notes.push(format!(
                    "kept the host's `{ALIAS_NAME}` alias in `{file}`: the gate's is `{ALIAS_NAME} \
                     = \"{alias}\"`"
                ));
            }
        } else {
            what.push(format!("added the `{ALIAS_NAME}` alias `{alias}`"));
        }
        Ok(Planned { file, after: doc.to_string(), before, what })
    }

    /// `/test_artifacts/` in `.gitignore`, once.
    fn gitignore(&self) -> Result<Planned> {
        let path = self.host.join(".gitignore");
        let before = read_optional(&path)?;
        let text = before.clone().unwrap_or_default();
        let ignored = text.lines().map(str::trim).any(|line| {
            matches!(
                line,
                "/test_artifacts/" | "/test_artifacts" | "test_artifacts/" | "test_artifacts"
            )
        });
        if ignored {
            return Ok(Planned { file: ".gitignore", after: text, before, what: Vec::new() });
        }
        let mut after = text;
        if !after.is_empty() && !after.ends_with('\n') {
            after.push('\n');
        }
        if !after.is_empty() {
            after.push('\n');
        }
        after.push_str(
            "# The release gate's evidence and reports: produced by CI, never committed.\n",
        );
        after.push_str(GITIGNORE_LINE);
        after.push('\n');
        Ok(Planned {
            file: ".gitignore",
            after,
            before,
            what: vec![format!("added `{GITIGNORE_LINE}`")],
        })
    }
}

/// Adds the alias to an `[alias]` table; true when one was there.
fn insert_if_missing(table: &mut Table, alias: &str) -> bool {
    if table.contains_key(ALIAS_NAME) {
        return true;
    }
    table.insert(ALIAS_NAME, toml_edit::value(alias));
    false
}

const XTASK_MAIN: &str = "\
//! `cargo xtask`: this workspace's release gate (written by `release-gate init`).
//!
//! To add commands of your own, make this `main` yours and call
//! `release_gate::dispatch();` first in it: it runs the gate's commands and
//! exits, and returns for every other command.

fn main() -> std::process::ExitCode {
    release_gate::main()
}
";

fn xtask_manifest_text(dependency: &Dependency) -> String {
    let mut text = String::from(
        "# The workspace's `cargo xtask` (written by `release-gate init`): the release gate.\n\
         [package]\n\
         name = \"xtask\"\n\
         version = \"0.1.0\"\n\
         edition = \"2021\"\n\
         publish = false\n\
         \n\
         [dependencies]\n",
    );
    let mut deps = Table::new();
    deps.insert("release-gate", dependency.item());
    text.push_str(&deps.to_string());
    text
}

/// Reads a UTF-8 file; `None` when it does not exist.
fn read_optional(path: &Path) -> Result<Option<String>> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| {
            anyhow::anyhow!("`{}` is not UTF-8: init edits text files only", path.display())
        }),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err).with_context(|| format!("cannot read `{}`", path.display())),
    }
}

/// Parses TOML; the error names the file, the line and the column.
fn parse_toml(path: &Path, text: &str) -> Result<DocumentMut> {
    text.parse::<DocumentMut>().map_err(|err| {
        let position = err
            .span()
            .map(|span| {
                let (line, column) =
                    line_column(text, u64::try_from(span.start).unwrap_or(u64::MAX));
                format!(" at line {line}, column {column}")
            })
            .unwrap_or_default();
        let message = err.message().trim().to_owned();
        anyhow::anyhow!(
            "cannot parse `{}`{position}: {message}: fix it, then run `release-gate init` again",
            path.display()
        )
    })
}

/// `to` relative to the folder `from`, `/`-separated (both absolute).
fn relative_path(from: &Path, to: &Path) -> Option<String> {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    if from.first() != to.first() {
        return None;
    }
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = Vec::new();
    for _ in from.iter().skip(common) {
        parts.push("..".to_owned());
    }
    for component in to.iter().skip(common) {
        match component {
            Component::Normal(name) => parts.push(name.to_str()?.to_owned()),
            _ => return None,
        }
    }
    if parts.is_empty() {
        return Some(".".to_owned());
    }
    Some(parts.join("/"))
}

/// A table under the document root, created (at the end) when missing.
fn table_mut<'a>(doc: &'a mut DocumentMut, key: &str, path: &Path) -> Result<&'a mut Table> {
    let next = next_position(doc);
    if !doc.contains_key(key) {
        let mut table = Table::new();
        table.set_position(Some(next));
        doc.insert(key, Item::Table(table));
    }
    match doc.get_mut(key) {
        Some(Item::Table(table)) => Ok(table),
        _ => bail!("`{key}` in `{}` is not a table: make it `[{key}]`", path.display()),
    }
}

/// The position after every table of the document: new tables go at the end.
fn next_position(doc: &DocumentMut) -> isize {
    fn walk(table: &Table, max: &mut isize) {
        if let Some(position) = table.position() {
            *max = (*max).max(position);
        }
        for (_, item) in table.iter() {
            match item {
                Item::Table(child) => walk(child, max),
                Item::ArrayOfTables(array) => {
                    for child in array.iter() {
                        walk(child, max);
                    }
                }
                _ => {}
            }
        }
    }
    let mut max = 0;
    walk(doc.as_table(), &mut max);
    max.saturating_add(1)
}

/// Pushes a value formatted like the array's last element (one per line
/// stays one per line).
fn push_like_last(array: &mut Array, value: &str) {
    let mut value = Value::from(value);
    let last = array.iter().last().map(|last| last.decor().clone());
    if let Some(decor) = last {
        let one_per_line =
            decor.prefix().and_then(|p| p.as_str()).is_some_and(|p| p.contains('\n'));
        if array.len() > 1 || one_per_line {
            *value.decor_mut() = decor;
        } else {
            // `[ "a" ]` becomes `[ "a", "b" ]`: the space before `]` moves.
            value.decor_mut().set_prefix(" ");
            if let Some(suffix) = decor.suffix().cloned() {
                value.decor_mut().set_suffix(suffix);
            }
            if let Some(last) = array.iter_mut().last() {
                last.decor_mut().set_suffix("");
            }
        }
    }
    array.push_formatted(value);
}

fn string_array(items: &[&str]) -> Array {
    let mut array = Array::new();
    for item in items {
        array.push(*item);
    }
    array
}

/// Makes `xtask` a workspace member; `None` when it already is one.
fn add_member(root: &mut DocumentMut, is_package: bool) -> Result<Option<String>> {
    let initial: &[&str] = if is_package { &[".", "xtask"] } else { &["xtask"] };
    let next = next_position(root);
    let Some(workspace) = root.get_mut("workspace") else {
        let mut table = Table::new();
        table.set_position(Some(next));
        table.insert("members", toml_edit::value(string_array(initial)));
        root.insert("workspace", Item::Table(table));
        return Ok(Some("added a `[workspace]` with the member `xtask`".to_owned()));
    };
    let Some(workspace) = workspace.as_table_mut() else {
        bail!("`workspace` in `Cargo.toml` is not a table: make it `[workspace]`");
    };
    match workspace.get_mut("members") {
        None => {
            workspace.insert("members", toml_edit::value(string_array(initial)));
            Ok(Some("added the workspace member `xtask`".to_owned()))
        }
        Some(item) => {
            let Some(members) = item.as_array_mut() else {
                bail!("`workspace.members` in `Cargo.toml` is not a list: make it one");
            };
            let covered = members.iter().filter_map(Value::as_str).any(|m| {
                let m = m.trim_start_matches("./").trim_end_matches('/');
                glob_match(m.as_bytes(), b"xtask")
            });
            if covered {
                return Ok(None);
            }
            push_like_last(members, "xtask");
            Ok(Some("added the workspace member `xtask`".to_owned()))
        }
    }
}

/// Cargo's member globs, enough to know whether one names `xtask`: `*` and
/// `?` within one path segment.
fn glob_match(pattern: &[u8], name: &[u8]) -> bool {
    match (pattern.split_first(), name.split_first()) {
        (None, None) => true,
        (Some((b'*', rest)), _) => {
            glob_match(rest, name)
                || name
                    .split_first()
                    .is_some_and(|(c, tail)| *c != b'/' && glob_match(pattern, tail))
        }
        (Some((b'?', rest)), Some((c, tail))) => *c != b'/' && glob_match(rest, tail),
        (Some((p, rest)), Some((c, tail))) => p == c && glob_match(rest, tail),
        _ => false,
    }
}

enum PolicySlot {
    Existing(Table),
    Missing,
}

/// `[workspace.metadata.release-gate]`, if the host has one.
fn policy_mut(root: &mut DocumentMut) -> Result<PolicySlot> {
    let policy =
        root.get("workspace").and_then(|w| w.get("metadata")).and_then(|m| m.get("release-gate"));
    match policy {
        None => Ok(PolicySlot::Missing),
        Some(item) => match item.as_table_like() {
            Some(_) => {
                let table = match item {
                    Item::Table(table) => table.clone(),
                    Item::Value(Value::InlineTable(inline)) => inline.clone().into_table(),
                    _ => Table::new(),
                };
                Ok(PolicySlot::Existing(table))
            }
            None => bail!(
                "`workspace.metadata.release-gate` in `Cargo.toml` is not a table: make it \
                 `[workspace.metadata.release-gate]`"
            ),
        },
    }
}

/// The required domains and their evidence folders of an existing policy.
/// Evidence folders and the domain each belongs to.
type Folders = Vec<(String, String)>;

fn policy_domains(policy: &Table, path: &Path) -> Result<(Vec<String>, Folders)> {
    // As the gate reads it: `required` defaults to `domains`, which
    // defaults to the seven.
    let required = match policy.get("required").or_else(|| policy.get("domains")) {
        None => DOMAINS.iter().map(|d| (*d).to_owned()).collect(),
        Some(item) => {
            let list =
                item.as_array().map(|a| a.iter().map(Value::as_str).collect::<Option<Vec<_>>>());
            let Some(Some(list)) = list else {
                bail!(
                    "`{}` in `[workspace.metadata.release-gate]` of `{}` is not a list of \
                     domain names: fix it, then run `release-gate init` again",
                    if policy.contains_key("required") { "required" } else { "domains" },
                    path.display()
                );
            };
            list.into_iter().map(str::to_owned).collect()
        }
    };
    let mut folders = Vec::new();
    if let Some(item) = policy.get("folders") {
        let Some(table) = item.as_table_like() else {
            bail!(
                "`folders` in `[workspace.metadata.release-gate]` of `{}` is not a table: fix \
                 it, then run `release-gate init` again",
                path.display()
            );
        };
        for (folder, domain) in table.iter() {
            let Some(domain) = domain.as_str() else {
                bail!(
                    "folder `{folder}` in `[workspace.metadata.release-gate.folders]` of `{}` \
                     does not name a domain: fix it, then run `release-gate init` again",
                    path.display()
                );
            };
            folders.push((folder.to_owned(), domain.to_owned()));
        }
    }
    Ok((required, folders))
}

fn write_policy(root: &mut DocumentMut, package: Option<&str>) -> Result<()> {
    let next = next_position(root);
    let workspace = match root.get_mut("workspace") {
        Some(Item::Table(table)) => table,
        Some(_) => bail!("`workspace` in `Cargo.toml` is not a table: make it `[workspace]`"),
        None => {
            let mut table = Table::new();
            table.set_position(Some(next));
            root.insert("workspace", Item::Table(table));
            match root.get_mut("workspace") {
                Some(Item::Table(table)) => table,
                _ => bail!("cannot add `[workspace]` to `Cargo.toml`"),
            }
        }
    };
    if !workspace.contains_key("metadata") {
        let mut metadata = Table::new();
        metadata.set_implicit(true);
        workspace.insert("metadata", Item::Table(metadata));
    }
    let Some(metadata) = workspace.get_mut("metadata").and_then(Item::as_table_mut) else {
        bail!(
            "`workspace.metadata` in `Cargo.toml` is not a table: make it `[workspace.metadata]`"
        );
    };
    let mut policy = Table::new();
    policy.set_position(Some(next.saturating_add(1)));
    policy.decor_mut().set_prefix(
        "\n# The release gate's policy (`release-gate init` wrote the defaults out).\n\
         # cdc and performance have no default collector: configure one before\n\
         # adding them to `required`.\n",
    );
    policy.insert("domains", toml_edit::value(string_array(DOMAINS)));
    policy.insert("required", toml_edit::value(string_array(REQUIRED)));
    policy.insert("release-candidate-min-score", toml_edit::value(MIN_SCORE));
    if let Some(package) = package {
        policy.insert("release-package", toml_edit::value(package));
    }
    metadata.insert("release-gate", Item::Table(policy));
    Ok(())
}

/// `[profile.dev.package.NAME]` for the gate's hot crates; returns the
/// tables added and the names whose table the host already had otherwise.
fn add_profiles(root: &mut DocumentMut) -> Result<(Vec<&'static str>, Vec<&'static str>)> {
    let mut next = next_position(root).saturating_add(1);
    let mut added = Vec::new();
    let mut kept = Vec::new();
    let mut table: &mut Table = root.as_table_mut();
    for key in ["profile", "dev", "package"] {
        if !table.contains_key(key) {
            let mut implicit = Table::new();
            implicit.set_implicit(true);
            table.insert(key, Item::Table(implicit));
        }
        table = match table.get_mut(key) {
            Some(Item::Table(child)) => child,
            _ => bail!("`{key}` under `[profile]` in `Cargo.toml` is not a table"),
        };
    }
    for name in OPTIMIZED {
        if let Some(existing) = table.get(name) {
            if !is_optimized(existing) {
                kept.push(*name);
            }
            continue;
        }
        let mut profile = Table::new();
        profile.set_position(Some(next));
        next = next.saturating_add(1);
        if added.is_empty() {
            profile.decor_mut().set_prefix(
                "\n# `cargo xtask` builds the dev profile: the release gate's hot loops are\n\
                 # optimized here, per package, and nothing else is (`release-gate init`).\n",
            );
        }
        profile.insert("opt-level", toml_edit::value(2));
        profile.insert("codegen-units", toml_edit::value(1));
        profile.insert("debug-assertions", toml_edit::value(false));
        table.insert(name, Item::Table(profile));
        added.push(*name);
    }
    Ok((added, kept))
}

fn is_optimized(item: &Item) -> bool {
    let Some(table) = item.as_table_like() else { return false };
    table.len() == 3
        && matches!(table.get("opt-level").and_then(Item::as_integer), Some(2 | 3))
        && table.get("codegen-units").and_then(Item::as_integer) == Some(1)
        && table.get("debug-assertions").and_then(Item::as_bool) == Some(false)
}

enum Exclude {
    Added(Vec<&'static str>),
    Nothing,
    Manual(String),
}

/// The gate's files in the root package's `exclude`, when it is published.
fn add_excludes(root: &mut DocumentMut) -> Result<Exclude> {
    let workspace_publish = root
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("publish"))
        .cloned();
    let Some(package) = root.get_mut("package").and_then(Item::as_table_mut) else {
        return Ok(Exclude::Nothing);
    };
    let publish = match package.get("publish") {
        Some(item) if item.get("workspace").and_then(Item::as_bool) == Some(true) => {
            workspace_publish
        }
        other => other.cloned(),
    };
    let published = match publish {
        None => true,
        Some(item) => match (item.as_bool(), item.as_array()) {
            (Some(flag), _) => flag,
            (None, Some(registries)) => !registries.is_empty(),
            (None, None) => true,
        },
    };
    if !published {
        return Ok(Exclude::Nothing);
    }
    if package.contains_key("include") {
        return Ok(Exclude::Nothing);
    }
    if !package.contains_key("exclude") {
        package.insert("exclude", toml_edit::value(string_array(EXCLUDED)));
        return Ok(Exclude::Added(EXCLUDED.to_vec()));
    }
    let Some(exclude) = package.get_mut("exclude").and_then(Item::as_array_mut) else {
        return Ok(Exclude::Manual("the root package's `exclude` is not a list".to_owned()));
    };
    let normal = |p: &str| p.trim_start_matches('/').trim_end_matches('/').to_owned();
    let present: Vec<String> = exclude.iter().filter_map(Value::as_str).map(normal).collect();
    let mut added = Vec::new();
    for pattern in EXCLUDED {
        if !present.contains(&normal(pattern)) {
            push_like_last(exclude, pattern);
            added.push(*pattern);
        }
    }
    if added.is_empty() {
        Ok(Exclude::Nothing)
    } else {
        Ok(Exclude::Added(added))
    }
}

/// The root package's (or the workspace's) `rust-version`.
fn rust_version(root: &DocumentMut) -> Option<String> {
    let workspace =
        root.get("workspace").and_then(|w| w.get("package")).and_then(|p| p.get("rust-version"));
    let package = root.get("package").and_then(|p| p.get("rust-version"));
    let item = match package {
        Some(item) if item.get("workspace").is_some() => workspace,
        Some(item) => Some(item),
        None => workspace,
    }?;
    let version = item.as_str()?;
    let safe = !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    safe.then(|| version.to_owned())
}

/// A domain or folder name as it may appear in the workflow: nothing a YAML
/// or shell reader could take for syntax.
/// Domains as the gate allows them (lowercase); folders may have capitals.
fn check_name(kind: &str, name: &str) -> Result<()> {
    let domain = kind == "domain";
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || b == b'_'
                || b == b'-'
                || (!domain && b.is_ascii_uppercase())
        });
    if !ok {
        let letters = if domain { "lowercase letters" } else { "letters" };
        bail!(
            "{kind} `{}` in `[workspace.metadata.release-gate]` cannot name a workflow job: use \
             {letters}, digits, `_` or `-`",
            name.escape_default()
        );
    }
    Ok(())
}

/// The workflow, parameterised with the required domains, their folders and
/// the MSRV.
fn workflow_text(
    required: &[String],
    folders: &[(String, String)],
    msrv: Option<&str>,
) -> Result<String> {
    let mut matrix = String::new();
    let mut downloads = String::new();
    for domain in required {
        check_name("domain", domain)?;
        let folder = folders
            .iter()
            .find(|(_, d)| d == domain)
            .map_or_else(|| default_folder(domain), |(f, _)| f.as_str());
        check_name("folder", folder)?;
        let _ = write!(matrix, "          - domain: {domain}\n            folder: {folder}\n");
        let _ = write!(
            downloads,
            "      - name: download evidence {domain}\n\
             \x20       uses: actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1\n\
             \x20       continue-on-error: true\n\
             \x20       with:\n\
             \x20         name: evidence-{domain}\n\
             \x20         path: test_artifacts/{folder}/latest\n\
             \x20         digest-mismatch: error\n"
        );
    }
    let msrv_step = match msrv {
        Some(version) => format!(
            "      - name: msrv toolchain\n\
             \x20       if: matrix.domain == 'governance'\n\
             \x20       run: rustup toolchain install {version} --profile minimal\n"
        ),
        None => String::new(),
    };
    Ok(WORKFLOW_TEMPLATE
        .replace("{{MATRIX}}\n", &matrix)
        .replace("{{MSRV_STEP}}\n", &msrv_step)
        .replace("{{DOWNLOADS}}\n", &downloads))
}

/// Where the entry point goes in an existing xtask's `main.rs`.
enum Entry {
    /// The gate is already called.
    Present,
    /// The new text, with the line inserted.
    Inserted(String),
    /// No single place found: why.
    Manual(String),
}

fn insert_dispatch(source: &str) -> Entry {
    let masked = mask_rust(source.as_bytes());
    let code = String::from_utf8_lossy(&masked);
    if code.contains("release_gate::dispatch") || code.contains("release_gate::main") {
        return Entry::Present;
    }
    let mains = find_mains(&masked);
    let [open] = mains.as_slice() else {
        return Entry::Manual(if mains.is_empty() {
            "found no top-level `fn main` with a body".to_owned()
        } else {
            format!("found {} top-level `fn main`", mains.len())
        });
    };
    let open = *open;
    // The body must start on a line of its own: `{` ends its line.
    let after_open = masked.get(open.saturating_add(1)..).unwrap_or_default();
    let line_end = after_open.iter().position(|b| *b == b'\n');
    let Some(line_end) = line_end else {
        return Entry::Manual("the body of `fn main` does not start a new line".to_owned());
    };
    let rest = after_open.get(..line_end).unwrap_or_default();
    if rest.iter().any(|b| !b.is_ascii_whitespace()) {
        return Entry::Manual("code follows `{` on the line of `fn main`".to_owned());
    }
    let insert_at = open.saturating_add(1).saturating_add(line_end).saturating_add(1);
    let crlf = rest.last() == Some(&b'\r');
    // Indentation: the body's first non-blank line, else the line of `fn
    // main` plus four spaces.
    let body = source.get(insert_at..).unwrap_or_default();
    let next_line = body.lines().find(|l| !l.trim().is_empty());
    let indent = match next_line {
        Some(line) if !line.trim_start().starts_with('}') => {
            line.get(..line.len().saturating_sub(line.trim_start().len())).unwrap_or("").to_owned()
        }
        _ => {
            let head = source.get(..open).unwrap_or_default();
            let line = head.rsplit('\n').next().unwrap_or_default();
            let base = line.get(..line.len().saturating_sub(line.trim_start().len())).unwrap_or("");
            format!("{base}    ")
        }
    };
    let (Some(head), Some(tail)) = (source.get(..insert_at), source.get(insert_at..)) else {
        return Entry::Manual("`fn main` is not where it was read".to_owned());
    };
    let newline = if crlf { "\r\n" } else { "\n" };
    Entry::Inserted(format!("{head}{indent}{DISPATCH_LINE}{newline}{tail}"))
}

/// Blanks comments, string and character literals (bytes become spaces,
/// newlines stay), so the rest is code at the same byte offsets.
fn mask_rust(src: &[u8]) -> Vec<u8> {
    let mut out = src.to_vec();
    let mut i = 0usize;
    while i < src.len() {
        match masked_end(src, i) {
            Some(end) => {
                for byte in out.iter_mut().take(end).skip(i).filter(|b| **b != b'\n') {
                    *byte = b' ';
                }
                i = end;
            }
            None => i = i.saturating_add(1),
        }
    }
    out
}

/// Where the comment, string or character literal that starts at `i` ends
/// (past its last byte), if one starts there.
fn masked_end(src: &[u8], i: usize) -> Option<usize> {
    let is_ident = |at: Option<usize>| {
        at.and_then(|p| src.get(p))
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b >= 0x80)
    };
    let prev = i.checked_sub(1);
    // `r"`, `r#"`, also after `b` or `c`, but not ending an identifier.
    let raw_start = !is_ident(prev)
        || (matches!(prev.and_then(|p| src.get(p)), Some(b'b' | b'c'))
            && !is_ident(i.checked_sub(2)));
    let end = match (src.get(i)?, src.get(i.saturating_add(1))) {
        (b'/', Some(b'/')) => {
            src.iter().skip(i).position(|b| *b == b'\n').map_or(src.len(), |p| i.saturating_add(p))
        }
        (b'/', Some(b'*')) => block_comment_end(src, i),
        (b'r', Some(b'"' | b'#')) if raw_start => raw_string_end(src, i)?,
        (b'"', _) => string_end(src, i),
        (b'\'', next) => char_literal_end(src, i, next.copied())?,
        _ => return None,
    };
    Some(end.min(src.len()))
}

/// The end of the (nested) block comment at `i`.
fn block_comment_end(src: &[u8], i: usize) -> usize {
    let mut depth = 0usize;
    let mut j = i;
    while let Some(b) = src.get(j) {
        let n = src.get(j.saturating_add(1));
        if *b == b'/' && n == Some(&b'*') {
            depth = depth.saturating_add(1);
            j = j.saturating_add(2);
        } else if *b == b'*' && n == Some(&b'/') {
            depth = depth.saturating_sub(1);
            j = j.saturating_add(2);
            if depth == 0 {
                break;
            }
        } else {
            j = j.saturating_add(1);
        }
    }
    j
}

/// The end of the raw string whose `r` is at `i`; `None` when no quote
/// follows its hashes.
fn raw_string_end(src: &[u8], i: usize) -> Option<usize> {
    let hashes = src.iter().skip(i.saturating_add(1)).take_while(|b| **b == b'#').count();
    let quote = i.saturating_add(1).saturating_add(hashes);
    if src.get(quote) != Some(&b'"') {
        return None;
    }
    let closes = |j: usize| {
        src.iter().skip(j.saturating_add(1)).take(hashes).filter(|b| **b == b'#').count() == hashes
    };
    let mut j = quote.saturating_add(1);
    loop {
        match src.get(j) {
            None => return Some(src.len()),
            Some(b'"') if closes(j) => return Some(j.saturating_add(1).saturating_add(hashes)),
            Some(_) => j = j.saturating_add(1),
        }
    }
}

/// The end of the string literal whose `"` is at `i`.
fn string_end(src: &[u8], i: usize) -> usize {
    let mut j = i.saturating_add(1);
    loop {
        match src.get(j) {
            None => return src.len(),
            Some(b'\\') => j = j.saturating_add(2),
            Some(b'"') => return j.saturating_add(1),
            Some(_) => j = j.saturating_add(1),
        }
    }
}

/// The end of the character literal (`'x'`, `'\n'`, `'\u{..}'`, `'é'`) at
/// `i`, whose next byte is `next`; `None` for a lifetime.
fn char_literal_end(src: &[u8], i: usize, next: Option<u8>) -> Option<usize> {
    if next == Some(b'\\') {
        return src
            .iter()
            .skip(i.saturating_add(3))
            .position(|b| *b == b'\'')
            .map(|p| i.saturating_add(4).saturating_add(p));
    }
    let width = next.map_or(1, |b| match b {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    });
    let close = i.saturating_add(1).saturating_add(width);
    (src.get(close) == Some(&b'\'')).then(|| close.saturating_add(1))
}

/// The offsets of the `{` opening the body of every top-level `fn main` of
/// masked code.
fn find_mains(code: &[u8]) -> Vec<usize> {
    let is_ident = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
    let mut found = Vec::new();
    let mut depth = 0usize;
    let mut i = 0usize;
    while let Some(&c) = code.get(i) {
        match c {
            b'{' | b'(' | b'[' => depth = depth.saturating_add(1),
            b'}' | b')' | b']' => depth = depth.saturating_sub(1),
            b'f' if depth == 0
                && code.get(i.saturating_add(1)) == Some(&b'n')
                && !is_ident(i.checked_sub(1).and_then(|p| code.get(p))) =>
            {
                if let Some(open) = main_body(code, i.saturating_add(2)) {
                    found.push(open);
                }
            }
            _ => {}
        }
        i = i.saturating_add(1);
    }
    found
}

/// After `fn`: whitespace, `main`, whitespace, `(`, the parameters, then the
/// body's `{` (none when a `;` comes first).
fn main_body(code: &[u8], from: usize) -> Option<usize> {
    let skip_ws = |mut i: usize| {
        while code.get(i).is_some_and(u8::is_ascii_whitespace) {
            i = i.saturating_add(1);
        }
        i
    };
    let name = skip_ws(from);
    if name == from || code.get(name..name.saturating_add(4)) != Some(b"main".as_slice()) {
        return None;
    }
    let paren = skip_ws(name.saturating_add(4));
    if code.get(paren) != Some(&b'(') {
        return None;
    }
    let mut depth = 0usize;
    let mut i = paren;
    while let Some(&c) = code.get(i) {
        match c {
            b'(' | b'[' | b'<' => depth = depth.saturating_add(1),
            b')' | b']' => depth = depth.saturating_sub(1),
            b'>' if code.get(i.wrapping_sub(1)) != Some(&b'-') => depth = depth.saturating_sub(1),
            b'{' if depth == 0 => return Some(i),
            b';' | b'}' if depth == 0 => return None,
            _ => {}
        }
        i = i.saturating_add(1);
    }
    None
}

/// A unified diff of two texts, three lines of context.
pub fn unified_diff(file: &str, before: Option<&str>, after: &str) -> String {
    let old: Vec<&str> = before.map(|b| b.split_inclusive('\n').collect()).unwrap_or_default();
    let new: Vec<&str> = after.split_inclusive('\n').collect();
    let mut out = match before {
        Some(_) => format!("--- a/{file}\n+++ b/{file}\n"),
        None => format!("--- /dev/null\n+++ b/{file}\n"),
    };
    let ops = diff_ops(&old, &new);
    // Hunks: runs of changes with up to three lines of context around them.
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| !matches!(op, Op::Same(..)))
        .map(|(i, _)| i)
        .collect();
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for index in changed {
        let start = index.saturating_sub(3);
        let end = index.saturating_add(4).min(ops.len());
        match groups.last_mut() {
            Some(last) if start <= last.1 => last.1 = end,
            _ => groups.push((start, end)),
        }
    }
    for (start, end) in groups {
        let hunk = ops.get(start..end).unwrap_or_default();
        let (mut old_start, mut new_start) = (1usize, 1usize);
        for op in ops.get(..start).unwrap_or_default() {
            match op {
                Op::Same(..) => {
                    old_start = old_start.saturating_add(1);
                    new_start = new_start.saturating_add(1);
                }
                Op::Delete(_) => old_start = old_start.saturating_add(1),
                Op::Insert(_) => new_start = new_start.saturating_add(1),
            }
        }
        let old_len = hunk.iter().filter(|op| !matches!(op, Op::Insert(_))).count();
        let new_len = hunk.iter().filter(|op| !matches!(op, Op::Delete(_))).count();
        let old_start = if old_len == 0 { old_start.saturating_sub(1) } else { old_start };
        let new_start = if new_len == 0 { new_start.saturating_sub(1) } else { new_start };
        let _ = writeln!(out, "@@ -{old_start},{old_len} +{new_start},{new_len} @@");
        for op in hunk {
            let (mark, line) = match op {
                Op::Same(line) => (' ', line),
                Op::Delete(line) => ('-', line),
                Op::Insert(line) => ('+', line),
            };
            out.push(mark);
            out.push_str(line);
            if !line.ends_with('\n') {
                out.push_str("\n\\ No newline at end of file\n");
            }
        }
    }
    out
}

enum Op<'a> {
    Same(&'a str),
    Delete(&'a str),
    Insert(&'a str),
}

/// The edit script of a longest common subsequence of lines (the files init
/// edits are small; a huge pair falls back to replacing every line).
fn diff_ops<'a>(old: &[&'a str], new: &[&'a str]) -> Vec<Op<'a>> {
    let (n, m) = (old.len(), new.len());
    let width = m.saturating_add(1);
    if n.saturating_mul(m) > 4_000_000 {
        let mut ops: Vec<Op> = old.iter().map(|l| Op::Delete(l)).collect();
        ops.extend(new.iter().map(|l| Op::Insert(l)));
        return ops;
    }
    // lcs[i * width + j]: the LCS length of old[i..] and new[j..].
    let mut lcs = vec![0u32; n.saturating_add(1).saturating_mul(width)];
    let get = |lcs: &[u32], i: usize, j: usize| {
        lcs.get(i.saturating_mul(width).saturating_add(j)).copied().unwrap_or(0)
    };
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let value = if old.get(i) == new.get(j) {
                get(&lcs, i.saturating_add(1), j.saturating_add(1)).saturating_add(1)
            } else {
                get(&lcs, i.saturating_add(1), j).max(get(&lcs, i, j.saturating_add(1)))
            };
            if let Some(cell) = lcs.get_mut(i.saturating_mul(width).saturating_add(j)) {
                *cell = value;
            }
        }
    }
    let mut ops = Vec::new();
    let (mut i, mut j) = (0usize, 0usize);
    loop {
        match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) if a == b => {
                ops.push(Op::Same(a));
                i = i.saturating_add(1);
                j = j.saturating_add(1);
            }
            (Some(a), Some(b)) => {
                if get(&lcs, i.saturating_add(1), j) >= get(&lcs, i, j.saturating_add(1)) {
                    ops.push(Op::Delete(a));
                    i = i.saturating_add(1);
                } else {
                    ops.push(Op::Insert(b));
                    j = j.saturating_add(1);
                }
            }
            (Some(a), None) => {
                ops.push(Op::Delete(a));
                i = i.saturating_add(1);
            }
            (None, Some(b)) => {
                ops.push(Op::Insert(b));
                j = j.saturating_add(1);
            }
            (None, None) => break,
        }
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mains_are_found_past_comments_strings_and_nested_items() {
        let cases: &[(&str, usize)] = &[
            ("fn main() {\n}\n", 1),
            ("// fn main() {\n/* fn main() { */ fn main() {\n}\n", 1),
            ("const S: &str = \"fn main() {\";\nfn main() {\n}\n", 1),
            ("const S: &str = r#\"fn main() {\"#;\nfn main() {\n}\n", 1),
            ("mod m { fn main() {} }\nfn helper<'a>(x: &'a str) -> &'a str { x }\n", 0),
            ("#[cfg(unix)]\nfn main() {\n}\n#[cfg(not(unix))]\nfn main() {\n}\n", 2),
            ("fn main() -> Result<(), Box<dyn std::error::Error>> {\n Ok(())\n}\n", 1),
            ("fn main();\n", 0),
            ("fn mainly() {\n}\n", 0),
            ("const C: char = '{';\nfn main() {\n}\n", 1),
            ("const Q: char = '\"';\nfn main() {\n}\n", 1),
            ("const Q: char = '\\'';\nfn main() {\n}\n", 1),
            ("const S: &str = \"\\\"fn main() {\";\nfn main() {\n}\n", 1),
            ("const S: &str = r##\"\"# fn main() {\"##;\nfn main() {\n}\n", 1),
            ("const B: &[u8] = br\"fn main() {\";\nconst C: &[u8] = b\"fn main() {\";\nfn main() {\n}\n", 1),
            ("/* /* nested */ fn main() {} */\nfn main() {\n}\n", 1),
            ("macro_rules! m { () => { fn main() {} } }\nm!(fn main() {});\n", 0),
            ("pub(crate) fn main() {\n}\n", 1),
            ("#[tokio::main]\nasync fn main() {\n}\n", 1),
            ("const E: char = 'é';\nfn main() {\n}\n", 1),
        ];
        for (source, count) in cases {
            assert_eq!(find_mains(&mask_rust(source.as_bytes())).len(), *count, "{source}");
        }
    }

    #[test]
    fn the_entry_point_goes_first_in_main_with_the_body_indentation() {
        let Entry::Inserted(text) = insert_dispatch("fn main() {\n\tlet x = 1; // {\n}\n") else {
            panic!("not inserted");
        };
        assert_eq!(text, "fn main() {\n\trelease_gate::dispatch();\n\tlet x = 1; // {\n}\n");
        let Entry::Inserted(text) = insert_dispatch("fn main() {}\r\n") else {
            assert!(matches!(insert_dispatch("fn main() {}\r\n"), Entry::Manual(_)));
            return;
        };
        panic!("inserted into a one-line main: {text}");
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_path(Path::new("/a/b/host/xtask"), Path::new("/a/gate/release-gate"))
                .as_deref(),
            Some("../../../gate/release-gate")
        );
        assert_eq!(
            relative_path(Path::new("/a/xtask"), Path::new("/a/xtask")).as_deref(),
            Some(".")
        );
    }

    #[test]
    fn globs() {
        assert!(glob_match(b"*", b"xtask"));
        assert!(glob_match(b"xt*", b"xtask"));
        assert!(!glob_match(b"crates/*", b"xtask"));
        assert!(glob_match(b"x?ask", b"xtask"));
    }
}
