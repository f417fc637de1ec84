//! The layers of `shared/src` and the direction of their imports, checked on the source.
//!
//! `domain` ← `ports` ← `usecases` ← `adapters`, `http`: a module may use its own layer and
//! the layers inside it, never one outside it (`adapters` and `http` do not use each other
//! either). No two modules may depend on each other, directly or through others. The
//! domain and the ports name no AWS, Lambda or HTTP crate and do no I/O of their own.
//!
//! Unit tests (`#[cfg(test)]` items) are left out: they may drive a use case with the
//! memory adapters.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// The layers, innermost first.
const LAYERS: [&str; 5] = ["domain", "ports", "usecases", "adapters", "http"];

fn rank(layer: &str) -> Option<usize> {
    // adapters and http sit side by side, both outermost.
    match layer {
        "domain" => Some(0),
        "ports" => Some(1),
        "usecases" => Some(2),
        "adapters" | "http" => Some(3),
        _ => None,
    }
}

/// Crates (and std modules) the inner layers may not name: AWS, Lambda, HTTP and I/O.
const OUTSIDE_WORLD: [&str; 12] = [
    "aws_config",
    "aws_sdk_dynamodb",
    "aws_sdk_sqs",
    "aws_sdk_s3",
    "aws_sigv4",
    "aws_smithy_runtime_api",
    "lambda_http",
    "lambda_runtime",
    "aws_lambda_events",
    "reqwest",
    "serde_dynamo",
    "http",
];

type Module = Vec<String>;

struct Source {
    module: Module,
    /// The modules this file declares (`mod x;`), by name.
    children: BTreeSet<String>,
    file: syn::File,
    path: PathBuf,
}

fn module_of(root: &Path, path: &Path) -> Module {
    let rel = path.strip_prefix(root).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("read file");
            let file = syn::parse_file(&text)
                .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
            let children = file
                .items
                .iter()
                .filter_map(|i| match i {
                    syn::Item::Mod(m) if m.content.is_none() => Some(m.ident.to_string()),
                    _ => None,
                })
                .collect();
            Source {
                module: module_of(&root, &path),
                children,
                file,
                path,
            }
        })
        .collect()
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

/// Every path a file names, outside `#[cfg(test)]` items, as lists of segment names.
#[derive(Default)]
struct Paths {
    found: Vec<Vec<String>>,
}

impl Paths {
    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let mut full = prefix.clone();
                if n.ident != "self" {
                    full.push(n.ident.to_string());
                }
                self.found.push(full);
            }
            syn::UseTree::Rename(r) => {
                let mut full = prefix.clone();
                full.push(r.ident.to_string());
                self.found.push(full);
            }
            syn::UseTree::Glob(_) => self.found.push(prefix.clone()),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(prefix, t);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs: &[syn::Attribute] = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Use(u) => &u.attrs,
            syn::Item::Struct(s) => &s.attrs,
            syn::Item::Enum(e) => &e.attrs,
            syn::Item::Const(c) => &c.attrs,
            syn::Item::Static(s) => &s.attrs,
            syn::Item::Trait(t) => &t.attrs,
            syn::Item::Type(t) => &t.attrs,
            syn::Item::Macro(m) => &m.attrs,
            _ => &[],
        };
        if is_test_only(attrs) {
            return;
        }
        if let syn::Item::Use(u) = item {
            self.use_tree(&mut Vec::new(), &u.tree);
            return;
        }
        syn::visit::visit_item(self, item);
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_test_only(&f.attrs) {
            syn::visit::visit_impl_item_fn(self, f);
        }
    }

    // `pub(super)` and `pub(crate)` name where an item is visible, not what it uses.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.found
            .push(path.segments.iter().map(|s| s.ident.to_string()).collect());
        syn::visit::visit_path(self, path);
    }
}

/// The module a path starting in `from` points into, when it is one of this crate's.
fn target(
    from: &Source,
    path: &[String],
    modules: &BTreeSet<Module>,
) -> Option<(Module, Option<String>)> {
    let first = path.first()?;
    let (mut base, rest): (Module, &[String]) = match first.as_str() {
        "crate" => (Vec::new(), &path[1..]),
        "self" => (from.module.clone(), &path[1..]),
        "super" => {
            let mut m = from.module.clone();
            let mut rest = path;
            while rest.first().is_some_and(|s| s == "super") {
                m.pop();
                rest = &rest[1..];
            }
            (m, rest)
        }
        name if from.children.contains(name) => (from.module.clone(), path),
        _ => return None,
    };
    // The longest prefix that is a module of the crate.
    let mut best = base.clone();
    for seg in rest {
        base.push(seg.clone());
        if modules.contains(&base) {
            best = base.clone();
        } else {
            break;
        }
    }
    Some((best, None))
}

fn external_crate(path: &[String]) -> Option<&str> {
    let first = path.first()?.as_str();
    if first == "std" {
        return match path.get(1).map(String::as_str) {
            Some(m @ ("env" | "fs" | "net" | "process")) => Some(m),
            _ => None,
        };
    }
    OUTSIDE_WORLD.contains(&first).then_some(first)
}

fn name(m: &Module) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

struct Graph {
    edges: BTreeMap<Module, BTreeSet<Module>>,
    violations: Vec<String>,
}

fn graph() -> Graph {
    let sources = sources();
    let modules: BTreeSet<Module> = sources.iter().map(|s| s.module.clone()).collect();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    let mut violations = Vec::new();
    for s in &sources {
        let Some(layer) = s.module.first() else {
            continue; // lib.rs only declares the layers
        };
        assert!(
            LAYERS.contains(&layer.as_str()),
            "{} is outside the layers {LAYERS:?}",
            s.path.display()
        );
        let mut paths = Paths::default();
        paths.visit_file(&s.file);
        for p in &paths.found {
            if let Some(krate) = external_crate(p)
                && matches!(layer.as_str(), "domain" | "ports")
            {
                violations.push(format!(
                    "{} ({layer}) uses {krate}, which only adapters and http may",
                    name(&s.module)
                ));
            }
            let Some((to, _)) = target(s, p, &modules) else {
                continue;
            };
            if to == s.module || to.is_empty() {
                continue;
            }
            let to_layer = &to[0];
            if layer != to_layer {
                let (Some(a), Some(b)) = (rank(layer), rank(to_layer)) else {
                    continue;
                };
                if b > a || (a == b && layer != to_layer) {
                    violations.push(format!(
                        "{} ({layer}) imports {} ({to_layer}): against the direction of the layers",
                        name(&s.module),
                        name(&to)
                    ));
                }
            }
            edges.entry(s.module.clone()).or_default().insert(to);
        }
    }
    violations.sort();
    violations.dedup();
    Graph { edges, violations }
}

/// Strongly connected components with more than one module (Tarjan).
fn cycles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct State<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<Module, usize>,
        low: BTreeMap<Module, usize>,
        stack: Vec<Module>,
        on_stack: BTreeSet<Module>,
        next: usize,
        out: Vec<Vec<Module>>,
    }
    fn connect(st: &mut State<'_>, v: &Module) {
        st.index.insert(v.clone(), st.next);
        st.low.insert(v.clone(), st.next);
        st.next += 1;
        st.stack.push(v.clone());
        st.on_stack.insert(v.clone());
        let next: Vec<Module> = st
            .edges
            .get(v)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default();
        for w in &next {
            if !st.index.contains_key(w) {
                connect(st, w);
                let lw = st.low[w];
                let lv = st.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if st.on_stack.contains(w) {
                let iw = st.index[w];
                let lv = st.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if st.low[v] == st.index[v] {
            let mut component = Vec::new();
            while let Some(w) = st.stack.pop() {
                st.on_stack.remove(&w);
                let done = &w == v;
                component.push(w);
                if done {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                st.out.push(component);
            }
        }
    }
    let mut st = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    let nodes: Vec<Module> = edges.keys().cloned().collect();
    for v in &nodes {
        if !st.index.contains_key(v) {
            connect(&mut st, v);
        }
    }
    st.out
}

#[test]
fn imports_point_inward() {
    let g = graph();
    assert!(
        g.violations.is_empty(),
        "imports against the layers:\n  {}",
        g.violations.join("\n  ")
    );
}

#[test]
fn no_module_depends_on_itself_through_others() {
    let g = graph();
    let found: Vec<String> = cycles(&g.edges)
        .iter()
        .map(|c| c.iter().map(name).collect::<Vec<_>>().join(" ↔ "))
        .collect();
    assert!(
        found.is_empty(),
        "modules that depend on each other:\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn the_checker_sees_what_it_must() {
    // A direction violation and a cycle, built by hand: the checks above are not vacuous.
    let a: Module = vec!["domain".into(), "a".into()];
    let b: Module = vec!["domain".into(), "b".into()];
    let mut edges = BTreeMap::new();
    edges.insert(a.clone(), BTreeSet::from([b.clone()]));
    edges.insert(b.clone(), BTreeSet::from([a.clone()]));
    assert_eq!(cycles(&edges), vec![vec![a, b]]);
    let g = graph();
    let modules: BTreeSet<&Module> = g.edges.keys().collect();
    for layer in LAYERS {
        assert!(
            modules.iter().any(|m| m[0] == layer),
            "no module of layer {layer} found"
        );
    }
    // Every use case imports something: the visitor finds paths.
    assert!(
        g.edges
            .iter()
            .filter(|(m, _)| m[0] == "usecases")
            .all(|(_, to)| !to.is_empty())
    );
}
