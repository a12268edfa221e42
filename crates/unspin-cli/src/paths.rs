//! Guards on the files a command writes: an output is never one of the inputs, and two outputs
//! are never the same file — checked before anything is created or truncated (`analyze a.txt
//! -o a.txt` used to empty its input; `corpus in.jsonl -o in.jsonl` replaced it).

use anyhow::{Result, bail};
use std::path::{Path, PathBuf};

/// Whether two paths name the same file: the same device and inode when both exist, else the
/// same absolute path (an output about to be created).
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    absolute(a) == absolute(b)
}

/// A path made absolute and cleaned of `.` and `..` without touching the disk.
fn absolute(p: &Path) -> PathBuf {
    let p = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Whether a path is an existing device, pipe or socket (`/dev/null`, a FIFO): written in
/// place rather than through a partial file and a rename, which would replace it with a
/// regular file.
pub fn is_stream(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Refuses outputs that are inputs, and outputs that are each other. `-` (stdin/stdout) and
/// devices (`/dev/null` twice is harmless) are not files and are skipped.
pub fn check_outputs(inputs: &[&Path], outputs: &[(&str, &Path)]) -> Result<()> {
    let file = |p: &Path| p != Path::new("-") && !is_stream(p);
    for (i, (flag, out)) in outputs.iter().enumerate() {
        if !file(out) {
            continue;
        }
        if let Some(input) = inputs.iter().find(|i| file(i) && same_file(i, out)) {
            bail!(
                "{flag} {} is the input {}: refusing to overwrite what is being read",
                out.display(),
                input.display()
            );
        }
        if let Some((other, _)) = outputs[..i]
            .iter()
            .find(|(_, o)| file(o) && same_file(o, out))
        {
            bail!(
                "{other} and {flag} name the same file ({}): give each its own",
                out.display()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_may_not_be_inputs_or_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.jsonl");
        std::fs::write(&input, "{}\n").unwrap();
        let link = dir.path().join("link.jsonl");
        std::fs::hard_link(&input, &link).unwrap();
        let out = dir.path().join("out.jsonl");
        let dotted = dir.path().join("sub/../in.jsonl");
        assert!(check_outputs(&[&input], &[("--output", &input)]).is_err());
        assert!(
            check_outputs(&[&input], &[("--output", &link)]).is_err(),
            "a hard link"
        );
        assert!(check_outputs(&[&input], &[("--output", &dotted)]).is_err());
        assert!(check_outputs(&[&input], &[("--output", &out), ("--csv", &out)]).is_err());
        assert!(check_outputs(&[&input], &[("--output", &out)]).is_ok());
        let stdio = Path::new("-");
        assert!(check_outputs(&[stdio], &[("--output", stdio), ("--csv", stdio)]).is_ok());
        let null = Path::new("/dev/null");
        assert!(check_outputs(&[&input], &[("--output", null), ("--csv", null)]).is_ok());
    }
}
