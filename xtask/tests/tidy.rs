//! Tidy checks of this repository's own code, run as tests (as
//! rust-analyzer's `tidy.rs`): the code-health rules ARCHITECTURE.md states,
//! kept true by `cargo test` instead of by review.
//!
//! - No function outside test code is longer than [`MAX_FN_LINES`] lines,
//!   counted from its `fn` line to its closing brace, except the few named
//!   in [`LONG_FNS`] with the reason.
//! - No import cycle between the modules of a crate: a module may use its
//!   ancestors' items (its namespace) and its descendants, and the modules
//!   beside it only one way.
//! - Every crate takes the workspace's lints, and the library crates forbid
//!   `unsafe`.
//!
//! The sources are read with `syn` (a dev-dependency), from each crate's root
//! file down its `mod` declarations, so a file is checked exactly when the
//! compiler builds it; `#[cfg(test)]` modules and `#[test]` functions are
//! left out.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// The longest function a reader can hold.
const MAX_FN_LINES: usize = 80;

/// Functions allowed over [`MAX_FN_LINES`]: `crate::module::fn`, the most
/// lines it may have, and why it is one function.
const LONG_FNS: &[(&str, usize, &str)] = &[];

/// The crates checked: folder, root files, whether a library.
const CRATES: &[(&str, &[&str], bool)] = &[
    ("release-gate", &["src/lib.rs", "src/main.rs"], true),
    ("release-gate-scan", &["src/lib.rs"], true),
    ("xtask", &["src/main.rs"], false),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// One module of a crate: its path (`gate::formats::sarif`), the file it is
/// in, and its parsed items (inline modules get their own entry).
struct Module {
    path: Vec<String>,
    file: PathBuf,
    items: Vec<syn::Item>,
    /// The names of its child modules.
    children: BTreeSet<String>,
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>().is_ok_and(|m| m.path().is_ident("test"))
    })
}

fn is_test_fn(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("test") || is_cfg_test(std::slice::from_ref(a)))
}

/// Every non-test module reachable from `root_file`, by `mod` declarations.
fn modules(crate_dir: &Path, root_file: &str) -> Vec<Module> {
    let mut out = Vec::new();
    let file = crate_dir.join(root_file);
    let text = fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let parsed = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let dir = file.parent().unwrap().to_path_buf();
    add(&mut out, Vec::new(), file, dir, parsed.items);
    out
}

/// Adds the module at `path` (its items from `file`; its child files under
/// `dir`) and its non-test descendants.
fn add(
    out: &mut Vec<Module>,
    path: Vec<String>,
    file: PathBuf,
    dir: PathBuf,
    items: Vec<syn::Item>,
) {
    let mut children = BTreeSet::new();
    let mut nested = Vec::new();
    for item in &items {
        let syn::Item::Mod(m) = item else { continue };
        if is_cfg_test(&m.attrs) {
            continue;
        }
        let name = m.ident.to_string();
        children.insert(name.clone());
        let mut child = path.clone();
        child.push(name.clone());
        match &m.content {
            Some((_, inner)) => nested.push((child, file.clone(), dir.join(&name), inner.to_vec())),
            None => {
                let flat = dir.join(format!("{name}.rs"));
                let (child_file, child_dir) = if flat.exists() {
                    (flat, dir.join(&name))
                } else {
                    (dir.join(&name).join("mod.rs"), dir.join(&name))
                };
                let text = fs::read_to_string(&child_file)
                    .unwrap_or_else(|e| panic!("{}: {e}", child_file.display()));
                let parsed = syn::parse_file(&text)
                    .unwrap_or_else(|e| panic!("{}: {e}", child_file.display()));
                nested.push((child, child_file, child_dir, parsed.items));
            }
        }
    }
    out.push(Module { path, file, items, children });
    for (child, file, dir, items) in nested {
        add(out, child, file, dir, items);
    }
}

/// The functions of a module's items (free, in impls, trait defaults),
/// outside tests: `(name, first line, last line)`.
struct Fns(Vec<(String, usize, usize)>);

impl Fns {
    fn push(&mut self, name: &syn::Ident, sig: &syn::Signature, block: &syn::Block) {
        let first = sig.fn_token.span.start().line;
        let last = block.brace_token.span.close().end().line;
        self.0.push((name.to_string(), first, last));
    }
}

impl<'ast> Visit<'ast> for Fns {
    fn visit_item_mod(&mut self, _: &'ast syn::ItemMod) {
        // Child modules are modules of their own.
    }
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_test_fn(&f.attrs) {
            self.push(&f.sig.ident, &f.sig, &f.block);
            syn::visit::visit_item_fn(self, f);
        }
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_test_fn(&f.attrs) {
            self.push(&f.sig.ident, &f.sig, &f.block);
            syn::visit::visit_impl_item_fn(self, f);
        }
    }
    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(block) = &f.default {
            self.push(&f.sig.ident, &f.sig, block);
        }
        syn::visit::visit_trait_item_fn(self, f);
    }
    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        if !is_cfg_test(&i.attrs) {
            syn::visit::visit_item_impl(self, i);
        }
    }
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).display().to_string()
}

#[test]
fn no_function_is_longer_than_a_reader_can_hold() {
    let root = root();
    let mut long = Vec::new();
    let mut allowed_seen = BTreeSet::new();
    for (krate, roots, _) in CRATES {
        for root_file in *roots {
            for module in modules(&root.join(krate), root_file) {
                let mut fns = Fns(Vec::new());
                for item in &module.items {
                    fns.visit_item(item);
                }
                for (name, first, last) in fns.0 {
                    let lines = last + 1 - first;
                    let mut full = vec![krate.replace('-', "_")];
                    full.extend(module.path.iter().cloned());
                    full.push(name);
                    let full = full.join("::");
                    if let Some((_, max, _)) = LONG_FNS.iter().find(|(n, _, _)| *n == full) {
                        allowed_seen.insert(full.clone());
                        if lines <= *max {
                            continue;
                        }
                    } else if lines <= MAX_FN_LINES {
                        continue;
                    }
                    long.push(format!(
                        "{}:{first}: `{full}` is {lines} lines",
                        relative(&module.file)
                    ));
                }
            }
        }
    }
    let stale: Vec<&str> =
        LONG_FNS.iter().map(|(n, _, _)| *n).filter(|n| !allowed_seen.contains(*n)).collect();
    assert!(
        long.is_empty() && stale.is_empty(),
        "functions over {MAX_FN_LINES} lines (split them, or name one in LONG_FNS with the reason):\n{}\nLONG_FNS names functions that no longer exist: {stale:?}",
        long.join("\n")
    );
}

/// The modules an item's paths and `use` trees name, resolved as far as a
/// module of the crate goes.
struct Refs<'a> {
    here: &'a [String],
    children: &'a BTreeSet<String>,
    found: BTreeSet<Vec<String>>,
}

impl Refs<'_> {
    /// Resolves `segments` (as written) from this module: `crate::`,
    /// `self::`, `super::` or a child module's name first; other paths name
    /// other crates or local items.
    fn resolve(&mut self, segments: &[String]) {
        let Some(first) = segments.first() else { return };
        let mut at: Vec<String> = match first.as_str() {
            "crate" => Vec::new(),
            "self" => self.here.to_vec(),
            "super" => self.here.to_vec(),
            name if self.children.contains(name) && segments.len() > 1 => self.here.to_vec(),
            _ => return,
        };
        let mut rest = segments;
        while let Some(seg) = rest.first() {
            match seg.as_str() {
                "crate" | "self" => {}
                "super" => {
                    at.pop();
                }
                _ => break,
            }
            rest = &rest[1..];
        }
        at.extend(rest.iter().cloned());
        self.found.insert(at);
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                prefix.push(n.ident.to_string());
                self.resolve(&prefix.clone());
                prefix.pop();
            }
            syn::UseTree::Rename(r) => {
                prefix.push(r.ident.to_string());
                self.resolve(&prefix.clone());
                prefix.pop();
            }
            syn::UseTree::Glob(_) => {
                prefix.push("*".to_string());
                self.resolve(&prefix.clone());
                prefix.pop();
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(prefix, t);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Refs<'_> {
    fn visit_item_mod(&mut self, _: &'ast syn::ItemMod) {}
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_test_fn(&f.attrs) {
            syn::visit::visit_item_fn(self, f);
        }
    }
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        if !is_cfg_test(&u.attrs) {
            self.use_tree(&mut Vec::new(), &u.tree);
        }
    }
    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segments: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        if segments.len() > 1 {
            self.resolve(&segments);
        }
        syn::visit::visit_path(self, p);
    }
}

#[test]
fn no_import_cycle_between_modules() {
    let root = root();
    let mut cycles = Vec::new();
    for (krate, roots, _) in CRATES {
        for root_file in *roots {
            let modules = modules(&root.join(krate), root_file);
            let known: BTreeSet<&Vec<String>> = modules.iter().map(|m| &m.path).collect();
            let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
            for module in &modules {
                let mut refs =
                    Refs { here: &module.path, children: &module.children, found: BTreeSet::new() };
                for item in &module.items {
                    refs.visit_item(item);
                }
                for target in refs.found {
                    // The deepest module the path names.
                    let Some(len) =
                        (0..=target.len()).rev().find(|n| known.contains(&target[..*n].to_vec()))
                    else {
                        continue;
                    };
                    let target = target[..len].to_vec();
                    // Its own items, or an ancestor's: a namespace, not a dependency.
                    if module.path.starts_with(&target) {
                        continue;
                    }
                    edges.entry(module.path.clone()).or_default().insert(target);
                }
            }
            for (from, tos) in &edges {
                for to in tos {
                    // A descendant naming its ancestor's child is fine only one way.
                    if let Some(back) = path_between(&edges, to, from) {
                        let mut cycle = vec![from.join("::")];
                        cycle.extend(back.iter().map(|m| m.join("::")));
                        let name = format!("{krate}: {}", cycle.join(" -> "));
                        if from < to {
                            cycles.push(name);
                        }
                    }
                }
            }
        }
    }
    cycles.sort();
    cycles.dedup();
    assert!(
        cycles.is_empty(),
        "import cycles (move the shared piece down into a module both use):\n{}",
        cycles.join("\n")
    );
}

/// A path of modules from `from` to `to` along `edges` (both ends included),
/// if there is one.
fn path_between(
    edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
    from: &[String],
    to: &[String],
) -> Option<Vec<Vec<String>>> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![vec![from.to_vec()]];
    while let Some(trail) = stack.pop() {
        let last = trail.last().unwrap();
        if last.as_slice() == to {
            return Some(trail);
        }
        if !seen.insert(last.clone()) {
            continue;
        }
        for next in edges.get(last).into_iter().flatten() {
            let mut longer = trail.clone();
            longer.push(next.clone());
            stack.push(longer);
        }
    }
    None
}

#[test]
fn every_crate_takes_the_workspace_lints_and_the_libraries_forbid_unsafe() {
    let root = root();
    let mut problems = Vec::new();
    for (krate, roots, library) in CRATES {
        let manifest = root.join(krate).join("Cargo.toml");
        let text = fs::read_to_string(&manifest).unwrap();
        let toml: toml::Table = toml::from_str(&text).unwrap();
        let workspace =
            toml.get("lints").and_then(|l| l.get("workspace")).and_then(toml::Value::as_bool);
        if workspace != Some(true)
            || toml.get("lints").and_then(toml::Value::as_table).map(|t| t.len()) != Some(1)
        {
            problems
                .push(format!("{}: needs exactly `[lints] workspace = true`", relative(&manifest)));
        }
        if *library {
            for root_file in *roots {
                let file = root.join(krate).join(root_file);
                let text = fs::read_to_string(&file).unwrap();
                if !text.contains("#![forbid(unsafe_code)]") {
                    problems.push(format!("{}: needs `#![forbid(unsafe_code)]`", relative(&file)));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
