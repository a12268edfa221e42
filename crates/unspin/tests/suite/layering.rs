//! The layering rule of `ARCHITECTURE.md`, held by reading the sources: a top-level module may
//! import only modules of lower layers (never its own layer, never above), and no module file
//! imports, through any chain, a module that imports it back.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first: a module may `use crate::…` only modules listed before its own
/// line. The same table, with the reasons, is in ARCHITECTURE.md.
const LAYERS: &[&[&str]] = &[
    &["error"],
    &["span", "technique", "hash", "assets"],
    &["ingest", "text", "lexicon", "score"],
    &["data", "doc"],
    &["detect"],
    &["model"],
    &["report"],
    &["analyze"],
    &["render", "corpus"],
    &["train"],
    &["eval"],
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `src/` and its module path (`model::techniques::infer`; `lib.rs` is
/// the root, ``).
fn module_files() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&src(), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(src()).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|l| l == "mod" || l == "lib") {
                parts.pop();
            }
            (parts.join("::"), std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// The code of a file without comments and string literals, so a doc comment naming
/// `crate::x` is not an import.
fn code_only(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if c == '"' && !escaped {
                        break;
                    }
                    escaped = c == '\\' && !escaped;
                }
                out.push_str("\"\"");
            }
            _ => out.push(c),
        }
    }
    out
}

/// The paths a file names: `crate::a::b` (also `$crate::`) and `super::…`, resolved to module
/// paths (not yet cut to an existing module).
fn named_paths(module: &str, code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        if !(ident(bytes[i]) && (i == 0 || !ident(bytes[i - 1]) || bytes[i - 1] == b'$')) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && (ident(bytes[i]) || bytes[i] == b':') {
            i += 1;
        }
        let path = &code[start..i];
        let mut parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
        let base: Vec<String> = match parts.first() {
            Some(&"crate") => {
                parts.remove(0);
                Vec::new()
            }
            Some(&"super") => {
                let mut m: Vec<String> = module
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect();
                while parts.first() == Some(&"super") {
                    parts.remove(0);
                    m.pop();
                }
                m
            }
            _ => continue,
        };
        // `use crate::x::{a, b}`: the braces end the path; `x` is what is named.
        let mut full = base;
        full.extend(parts.iter().map(|s| s.to_string()));
        out.push(full);
    }
    out
}

/// The module a path points into: its longest prefix that is a module file; root re-exports
/// (`crate::Error`) count as the module they come from.
fn target(
    path: &[String],
    modules: &BTreeSet<String>,
    reexports: &BTreeMap<String, String>,
) -> Option<String> {
    if path.len() == 1
        && let Some(m) = reexports.get(&path[0])
    {
        return Some(m.clone());
    }
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|p| modules.contains(p))
}

/// `pub use a::{B, C}` lines of `lib.rs`: name → module.
fn root_reexports(lib: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in lib.lines().map(str::trim) {
        let Some(rest) = line.strip_prefix("pub use ") else {
            continue;
        };
        let rest = rest.trim_end_matches(';');
        let Some((module, names)) = rest.split_once("::") else {
            continue;
        };
        let names = names.trim_start_matches('{').trim_end_matches('}');
        for n in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            out.insert(n.to_string(), module.to_string());
        }
    }
    out
}

/// Import edges between module files, without a module's edges to its own descendants (a
/// parent declares and re-exports its children; that is not a dependency).
fn edges() -> BTreeMap<String, BTreeSet<String>> {
    let files = module_files();
    let modules: BTreeSet<String> = files.iter().map(|(m, _)| m.clone()).collect();
    let lib = &files.iter().find(|(m, _)| m.is_empty()).unwrap().1;
    let reexports = root_reexports(lib);
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, text) in &files {
        if m.is_empty() {
            continue;
        }
        let code = code_only(text);
        // Tests inside a file may reach anywhere; the rule is about the code that ships.
        let code = code.split("#[cfg(test)]").next().unwrap_or("");
        let set = out.entry(m.clone()).or_default();
        for p in named_paths(m, code) {
            if let Some(t) = target(&p, &modules, &reexports)
                && t != *m
                && !t.is_empty()
                && !t.starts_with(&format!("{m}::"))
            {
                set.insert(t);
            }
        }
    }
    out
}

fn top(m: &str) -> &str {
    m.split("::").next().unwrap()
}

fn layer_of(m: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&top(m)))
}

#[test]
fn every_module_is_in_a_layer() {
    for (m, _) in module_files() {
        if !m.is_empty() {
            assert!(layer_of(&m).is_some(), "{m} is in no layer of LAYERS");
        }
    }
}

#[test]
fn modules_import_only_lower_layers() {
    let mut broken = Vec::new();
    for (from, tos) in edges() {
        let lf = layer_of(&from).unwrap();
        for to in tos {
            if top(&to) == top(&from) {
                continue;
            }
            let lt = layer_of(&to).unwrap();
            if lt >= lf {
                broken.push(format!(
                    "{from} (layer {lf}) uses {to} (layer {lt}): only lower layers"
                ));
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn no_module_imports_itself_through_a_cycle() {
    let g = edges();
    // Depth-first search with colours; a grey node met again closes a cycle.
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        colour: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
        cycles: &mut Vec<String>,
    ) {
        colour.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for next in g.get(n).into_iter().flatten() {
            match colour.get(next.as_str()).copied().unwrap_or(0) {
                0 => visit(next, g, colour, stack, cycles),
                1 => {
                    let at = stack.iter().position(|s| s == next).unwrap();
                    cycles.push(format!("{} -> {next}", stack[at..].join(" -> ")));
                }
                _ => {}
            }
        }
        stack.pop();
        colour.insert(n.to_string(), 2);
    }
    let (mut colour, mut cycles) = (BTreeMap::new(), Vec::new());
    for n in g.keys() {
        if !colour.contains_key(n) {
            visit(n, &g, &mut colour, &mut Vec::new(), &mut cycles);
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

/// The checker itself: it must see an edge where there is one, or the tests above pass
/// vacuously.
#[test]
fn the_checker_sees_real_edges_and_ignores_comments() {
    let g = edges();
    assert!(
        g["analyze"].contains("model::techniques"),
        "{:?}",
        g["analyze"]
    );
    assert!(g["model::techniques::infer"].contains("doc"));
    assert!(g["model::techniques::infer"].contains("model::techniques"));
    assert!(g["train::reliability"].contains("score::folds"));
    assert!(g["technique"].contains("error"), "crate::Error is error");
    let code = code_only("// crate::eval::x\nlet s = \"crate::train\"; use crate::doc::Doc;");
    let p = named_paths("detect", &code);
    assert_eq!(p, [vec!["doc".to_string(), "Doc".to_string()]]);
    let p = named_paths("model::techniques::infer", "use super::{Decode};");
    assert_eq!(p, [vec!["model".to_string(), "techniques".to_string()]]);
}
