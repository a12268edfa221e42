//! `unspin corpus` on the built binary: every input form, malformed and mixed-encoding inputs,
//! order and count of the output, and a run killed mid-way then resumed. Inputs are written here
//! from the repo's own example article.

use assert_cmd::Command;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

fn unspin() -> Command {
    Command::cargo_bin("unspin").expect("binary builds")
}

/// `n` different articles made from the example's sentences (rotated, numbered).
fn articles(n: usize) -> Vec<String> {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/harbor-bridge.txt"),
    )
    .unwrap();
    let sentences: Vec<&str> = text
        .split_inclusive(". ")
        .filter(|s| !s.trim().is_empty())
        .collect();
    (0..n)
        .map(|i| {
            let k = i % sentences.len();
            let mut s = format!("Record {i} opens here. ");
            s.extend(sentences[k..].iter().chain(&sentences[..k]).copied());
            s
        })
        .collect()
}

fn jsonl(texts: &[String]) -> String {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| serde_json::json!({"id": format!("a{i}"), "text": t}).to_string() + "\n")
        .collect()
}

fn lines(out: &[u8]) -> Vec<Value> {
    String::from_utf8(out.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each output line is JSON"))
        .collect()
}

fn run_file(args: &[&str], input: &Path) -> (i32, Vec<Value>, String) {
    let out = unspin()
        .arg("corpus")
        .arg(input)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        lines(&out.stdout),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn jsonl_keeps_order_and_count_with_broken_lines_between() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = String::new();
    for (i, t) in articles(40).iter().enumerate() {
        if i % 3 == 1 {
            data.push_str("{\"id\": \"bad\", \"text\": 5}\n");
        }
        data.push_str(&(serde_json::json!({"id": format!("a{i}"), "text": t}).to_string() + "\n"));
    }
    data.push_str("not json at all\n");
    let p = dir.path().join("in.jsonl");
    std::fs::write(&p, &data).unwrap();
    let (code, out, err) = run_file(&["--threads", "2", "--chunk", "4"], &p);
    assert_eq!(code, 3, "{err}");
    assert_eq!(out.len(), data.lines().count());
    let mut next = 0;
    for (i, v) in out.iter().enumerate() {
        let line = data.lines().nth(i).unwrap();
        if line.contains("\"bad\"") || line == "not json at all" {
            assert_eq!(v["error"]["line"], i as u64 + 1, "{v}");
        } else {
            assert_eq!(v["id"], format!("a{next}"));
            next += 1;
        }
    }
    assert!(err.contains("records 54: 40 reports, 14 errors"), "{err}");
}

#[test]
fn csv_columns_a_stray_quote_and_a_latin1_row() {
    let dir = tempfile::tempdir().unwrap();
    let texts = articles(6);
    let mut data: Vec<u8> = b"doc,headline,body,link\n".to_vec();
    for (i, t) in texts.iter().enumerate() {
        let body = t.replace('"', "\"\"");
        match i {
            // A stray quote opening a field that never closes where a field can end.
            2 => data.extend_from_slice(b"d2,Title,\"unbalanced quote, then text\n"),
            // Latin-1 bytes in the body.
            4 => data.extend_from_slice(b"d4,Caf\xe9,Le caf\xe9 est ferm\xe9.,\n"),
            _ => data.extend_from_slice(
                format!("d{i},Headline {i},\"{body}\nSecond paragraph {i}.\",https://www.news{i}.example.org/x\n")
                    .as_bytes(),
            ),
        }
    }
    let p = dir.path().join("in.csv");
    std::fs::write(&p, &data).unwrap();
    let csv = dir.path().join("rows.csv");
    let (code, out, err) = run_file(
        &[
            "--text-column",
            "body",
            "--title-column",
            "headline",
            "--id-column",
            "doc",
            "--url-column",
            "link",
            "--csv",
            csv.to_str().unwrap(),
        ],
        &p,
    );
    assert_eq!(code, 3, "{err}");
    assert_eq!(out.len(), 6, "{out:?}");
    assert_eq!(out[0]["id"], "d0");
    assert_eq!(out[0]["title"], "Headline 0");
    assert!(
        out[0]["text"]
            .as_str()
            .unwrap()
            .ends_with("Second paragraph 0.")
    );
    assert_eq!(out[2]["error"]["kind"], "invalid_record");
    assert!(
        out[2]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unbalanced quote")
    );
    assert_eq!(
        out[3]["id"], "d3",
        "the row after the stray quote is read again"
    );
    assert_eq!(out[4]["id"], "d4");
    assert!(
        out[4]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("the title column is not valid UTF-8"),
        "{}",
        out[4]
    );
    assert_eq!(out[5]["id"], "d5");
    let rows = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(rows.lines().count(), 7);
    assert!(rows.lines().nth(1).unwrap().starts_with("d0,"));
    assert!(rows.lines().nth(1).unwrap().contains(",news0.example.org,"));
    assert!(rows.lines().nth(3).unwrap().ends_with(",invalid_record"));
}

#[test]
fn folder_gzip_zstd_tsv_and_stdin_give_the_same_reports() {
    let dir = tempfile::tempdir().unwrap();
    let texts = articles(5);
    let data = jsonl(&texts);
    let base = {
        let p = dir.path().join("in.jsonl");
        std::fs::write(&p, &data).unwrap();
        run_file(&[], &p).1
    };
    assert_eq!(base.len(), 5);
    let texts_of = |v: &[Value]| -> Vec<String> {
        v.iter()
            .map(|r| r["text"].as_str().unwrap().to_string())
            .collect()
    };
    // gzip and zstd by extension.
    let gz = dir.path().join("in.jsonl.gz");
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data.as_bytes()).unwrap();
    std::fs::write(&gz, e.finish().unwrap()).unwrap();
    assert_eq!(run_file(&[], &gz).1, base);
    let zst = dir.path().join("in.ndjson.zst");
    std::fs::write(
        &zst,
        ruzstd::encoding::compress_to_vec(
            data.as_bytes(),
            ruzstd::encoding::CompressionLevel::Fastest,
        ),
    )
    .unwrap();
    assert_eq!(run_file(&[], &zst).1, base);
    // stdin.
    let out = unspin()
        .args(["corpus", "-"])
        .write_stdin(data.clone())
        .output()
        .unwrap();
    assert_eq!(lines(&out.stdout), base);
    // TSV: one physical line per record, so the texts go in without their newlines.
    let tsv = dir.path().join("in.tsv");
    let mut t = String::from("id\ttext\n");
    for (i, x) in texts.iter().enumerate() {
        t.push_str(&format!("a{i}\t{}\n", x.replace(['\n', '\t'], " ")));
    }
    std::fs::write(&tsv, t).unwrap();
    let out = run_file(&["--id-column", "id"], &tsv).1;
    assert_eq!(out.len(), 5);
    assert_eq!(out[3]["id"], "a3");
    // A folder, recursive, ids are relative paths in path order; other files are skipped.
    let root = dir.path().join("folder");
    std::fs::create_dir_all(root.join("b/c")).unwrap();
    std::fs::write(root.join("b/c/two.txt"), &texts[1]).unwrap();
    std::fs::write(root.join("a.txt"), &texts[0]).unwrap();
    std::fs::write(
        root.join("b/three.html"),
        format!(
            "<html><body><article><p>{}</p></article></body></html>",
            texts[2]
        ),
    )
    .unwrap();
    std::fs::write(root.join("b/notes.md"), "skip me").unwrap();
    std::fs::write(root.join("b/latin1.txt"), b"caf\xe9 ferm\xe9").unwrap();
    let (code, out, _) = run_file(&[], &root);
    let ids: Vec<&str> = out.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["a.txt", "b/c/two.txt", "b/latin1.txt", "b/three.html"]
    );
    assert_eq!(code, 3);
    assert_eq!(out[2]["error"]["kind"], "invalid_utf8");
    assert_eq!(texts_of(&out[..2]), texts_of(&base[..2]));
    assert_eq!(out[3]["source"]["format"], "html");
}

#[test]
fn an_unreadable_subfolder_is_one_error_record_and_the_rest_is_analysed() {
    // A folder nested past PATH_MAX cannot be opened by anyone, root included (a chmod 000
    // folder can be read by root): the walk fails there, as on a folder without permission.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("folder");
    std::fs::create_dir(&root).unwrap();
    let texts = articles(2);
    std::fs::write(root.join("a.txt"), &texts[0]).unwrap();
    std::fs::write(root.join("z.txt"), &texts[1]).unwrap();
    let name = "d".repeat(250);
    let status = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "cd {} && for i in $(seq 20); do mkdir {name} && cd {name} || exit 1; done && echo x > deep.txt",
            root.display()
        ))
        .status()
        .unwrap();
    assert!(status.success());
    let (code, out, err) = run_file(&[], &root);
    assert_eq!(code, 3, "{err}");
    let ids: Vec<&str> = out.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.first(), Some(&"a.txt"));
    assert_eq!(
        ids.last(),
        Some(&"z.txt"),
        "the run went on past the bad folder"
    );
    let errors: Vec<&Value> = out.iter().filter(|r| r.get("error").is_some()).collect();
    assert_eq!(errors.len(), 1, "{ids:?}");
    assert!(errors[0]["id"].as_str().unwrap().starts_with("ddd"));
    assert!(
        errors[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot read"),
        "{}",
        errors[0]
    );
    assert!(out[0]["reliability"].is_object() && out[2]["reliability"].is_object());
}

#[test]
fn an_unwritable_summary_fails_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, jsonl(&articles(3))).unwrap();
    let out = dir.path().join("out.jsonl");
    let bad = dir.path().join("no/such/folder/summary.json");
    let (code, _, err) = run_file(
        &[
            "-o",
            out.to_str().unwrap(),
            "--summary",
            bad.to_str().unwrap(),
        ],
        &input,
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("cannot create") && err.contains("summary.json"),
        "{err}"
    );
    assert!(!out.exists() && !dir.path().join("out.jsonl.partial").exists());
}

#[test]
fn a_quoted_field_of_twenty_thousand_lines_is_one_record() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("in.csv");
    let mut data = String::from("id,text\n1,\"The council met.\n");
    for i in 0..20_001 {
        data.push_str(if i == 9_000 { "666,forged\n" } else { "x\n" });
    }
    data.push_str("end\"\n2,The mayor spoke.\n3,The vote was held.\n");
    std::fs::write(&p, data).unwrap();
    let (code, out, err) = run_file(&["--id-column", "id"], &p);
    assert_eq!(code, 0, "{err}");
    let ids: Vec<&str> = out.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["1", "2", "3"]);
}

#[test]
fn an_output_that_is_a_pipe_is_written_in_place_not_replaced() {
    // `-o /dev/null` used to rename a partial file over the device. A FIFO stands in for it
    // here, so that a regression cannot break the machine's /dev/null.
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, jsonl(&articles(3))).unwrap();
    let fifo = dir.path().join("pipe");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let got = dir.path().join("got.jsonl");
    let mut reader = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("cat '{}' > '{}'", fifo.display(), got.display()))
        .spawn()
        .unwrap();
    let (code, _, err) = run_file(&["-o", fifo.to_str().unwrap(), "--quiet"], &input);
    let started = std::time::Instant::now();
    while reader.try_wait().unwrap().is_none() && started.elapsed().as_secs() < 30 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let finished = reader.try_wait().unwrap().is_some();
    if !finished {
        reader.kill().unwrap();
    }
    assert_eq!(code, 0, "{err}");
    assert!(finished, "nothing was written to the pipe");
    assert!(
        std::fs::metadata(&fifo).unwrap().file_type().is_fifo(),
        "the pipe was replaced"
    );
    assert_eq!(std::fs::read_to_string(&got).unwrap().lines().count(), 3);
    let (code, _, err) = run_file(&["-o", fifo.to_str().unwrap(), "--resume"], &input);
    assert_eq!(code, 1);
    assert!(err.contains("not a device or pipe"), "{err}");
}

#[test]
fn empty_inputs_and_bad_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let (code, out, err) = run_file(&[], &empty);
    assert_eq!((code, out.len()), (0, 0), "{err}");
    assert!(err.contains("records 0"), "{err}");
    let empty_csv = dir.path().join("empty.csv");
    std::fs::write(&empty_csv, "").unwrap();
    let (code, _, err) = run_file(&[], &empty_csv);
    assert_eq!(code, 1);
    assert!(err.contains("no header row"), "{err}");
    let (code, _, err) = run_file(&["--text-column", "body"], &{
        let p = dir.path().join("x.csv");
        std::fs::write(&p, "id,text\n1,hello\n").unwrap();
        p
    });
    assert_eq!(code, 1);
    assert!(err.contains("no column \"body\""), "{err}");
    let (code, _, err) = run_file(&["--resume"], &empty);
    assert_eq!(code, 1);
    assert!(err.contains("--resume needs --output"), "{err}");
    let (code, _, err) = run_file(&["--fields", "reliability,nope"], &empty);
    assert_eq!(code, 1);
    assert!(err.contains("no report field \"nope\""), "{err}");
    let (code, _, err) = run_file(&[], &dir.path().join("missing.jsonl"));
    assert_eq!(code, 1);
    assert!(err.contains("no such file"), "{err}");
}

#[test]
fn outputs_that_are_the_input_or_each_other_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let body = jsonl(&articles(2));
    std::fs::write(&input, &body).unwrap();
    let in_str = input.to_str().unwrap();
    let (code, out, err) = run_file(&["-o", in_str], &input);
    assert_eq!((code, out.len()), (1, 0), "{err}");
    assert!(err.contains("is the input"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&input).unwrap(),
        body,
        "input intact"
    );

    let x = dir.path().join("x.out");
    let x_str = x.to_str().unwrap();
    let (code, _, err) = run_file(&["-o", x_str, "--csv", x_str], &input);
    assert_eq!(code, 1);
    assert!(err.contains("name the same file"), "{err}");
    assert!(!x.exists(), "nothing was created");
}

#[test]
fn fields_csv_and_summary_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("in.jsonl");
    std::fs::write(&p, jsonl(&articles(8))).unwrap();
    let out_path = dir.path().join("out.jsonl");
    let sum = dir.path().join("summary.json");
    unspin()
        .arg("corpus")
        .arg(&p)
        .args(["--fields", "reliability", "-o"])
        .arg(&out_path)
        .arg("--summary")
        .arg(&sum)
        .assert()
        .success();
    let out = lines(&std::fs::read(&out_path).unwrap());
    assert_eq!(out.len(), 8);
    let keys: Vec<&String> = out[0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "reliability"]);
    let s: Value = serde_json::from_slice(&std::fs::read(&sum).unwrap()).unwrap();
    assert_eq!(s["summary"]["records"], 8);
    assert_eq!(s["summary"]["reports"], 8);
    let hist: u64 = s["summary"]["p_histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(hist, 8);
    assert!(!dir.path().join("out.jsonl.partial").exists());
    assert!(!dir.path().join("out.jsonl.checkpoint").exists());
}

/// Kill a run mid-way (SIGKILL, no chance to clean up), resume it, and get byte for byte what
/// an uninterrupted run writes — reports, CSV summary and aggregate.
#[test]
fn killed_then_resumed_run_equals_an_uninterrupted_one() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, jsonl(&articles(1500))).unwrap();
    let full = dir.path().join("full.jsonl");
    let full_csv = dir.path().join("full.csv");
    let full_sum = dir.path().join("full-summary.json");
    unspin()
        .arg("corpus")
        .arg(&input)
        .args(["--chunk", "16", "--threads", "2", "--quiet", "-o"])
        .arg(&full)
        .arg("--csv")
        .arg(&full_csv)
        .arg("--summary")
        .arg(&full_sum)
        .assert()
        .success();

    let out = dir.path().join("out.jsonl");
    let csv = dir.path().join("out.csv");
    let sum = dir.path().join("out-summary.json");
    let bin = assert_cmd::cargo::cargo_bin("unspin");
    let args = |resume: bool| {
        let mut c = std::process::Command::new(&bin);
        c.arg("corpus")
            .arg(&input)
            .args(["--chunk", "16", "--threads", "2", "--quiet", "-o"])
            .arg(&out)
            .arg("--csv")
            .arg(&csv)
            .arg("--summary")
            .arg(&sum);
        if resume {
            c.arg("--resume");
        }
        c
    };
    let mut child = args(false).spawn().unwrap();
    let partial = dir.path().join("out.jsonl.partial");
    let started = std::time::Instant::now();
    // Wait until a few hundred records are out, then kill.
    loop {
        let n = std::fs::read(&partial).map(|b| b.iter().filter(|c| **c == b'\n').count());
        if n.is_ok_and(|n| n >= 300) {
            break;
        }
        assert!(
            started.elapsed().as_secs() < 120,
            "the run never got to 300 records"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !out.exists(),
        "the final name appears only when the run completes"
    );
    let written = std::fs::read(&partial).unwrap();
    let n = written.iter().filter(|c| **c == b'\n').count();
    assert!(n < 1500, "killed before the end ({n} lines)");

    // The checkpoint belongs to that analysis: another size limit, source prior or model is a
    // different run, refused before anything is written.
    for other in [
        &["--max-bytes", "1000"][..],
        &["--no-source-prior"][..],
        &["--reliability-model", "off"][..],
    ] {
        let o = args(true).args(other).output().unwrap();
        assert!(!o.status.success(), "{other:?} resumed another run");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("belongs to another run"), "{other:?}: {err}");
        assert_eq!(
            std::fs::read(&partial).unwrap(),
            written,
            "{other:?} touched the output"
        );
    }

    // The same path with other contents is another run too: a line inserted at the top would
    // have given a duplicate and lost the new record.
    let original = std::fs::read(&input).unwrap();
    let mtime = std::fs::metadata(&input).unwrap().modified().unwrap();
    let mut changed = b"{\"id\":\"new\",\"text\":\"A record added at the top.\"}\n".to_vec();
    changed.extend_from_slice(&original);
    std::fs::write(&input, &changed).unwrap();
    let o = args(true).output().unwrap();
    assert!(!o.status.success(), "resumed over a changed input");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("changed since the run began"), "{err}");
    assert_eq!(std::fs::read(&partial).unwrap(), written);
    // Put back byte for byte, with its old modification time: the same input again.
    std::fs::write(&input, &original).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&input)
        .unwrap()
        .set_modified(mtime)
        .unwrap();

    let status = args(true).status().unwrap();
    assert!(status.success());
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&full).unwrap());
    assert_eq!(
        std::fs::read(&csv).unwrap(),
        std::fs::read(&full_csv).unwrap()
    );
    let summary = |p: &Path| -> Value {
        serde_json::from_slice::<Value>(&std::fs::read(p).unwrap()).unwrap()["summary"].clone()
    };
    assert_eq!(summary(&sum), summary(&full_sum));
    assert!(!partial.exists());
}

/// Writes a Parquet corpus: an integer id, a dictionary-encoded headline (as pandas
/// categoricals are written), a body (one null, one HTML) and a link, in row groups of two rows.
#[cfg(feature = "parquet")]
fn parquet_corpus(path: &Path, texts: &[Option<String>]) {
    use arrow_array::types::Int32Type;
    use arrow_array::{ArrayRef, DictionaryArray, Int64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let n = texts.len() as i64;
    let batch = RecordBatch::try_from_iter([
        (
            "doc_id",
            Arc::new(Int64Array::from_iter_values(1..=n)) as ArrayRef,
        ),
        (
            "headline",
            Arc::new(
                (1..=n)
                    .map(|i| format!("You won't believe story {i}"))
                    .collect::<Vec<_>>()
                    .iter()
                    .map(String::as_str)
                    .collect::<DictionaryArray<Int32Type>>(),
            ) as ArrayRef,
        ),
        (
            "body",
            Arc::new(StringArray::from(texts.to_vec())) as ArrayRef,
        ),
        (
            "link",
            Arc::new(StringArray::from_iter_values(
                (1..=n).map(|i| format!("https://www.example.com/{i}")),
            )) as ArrayRef,
        ),
    ])
    .unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(2))
        .build();
    let f = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(f, batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

#[cfg(feature = "parquet")]
fn read_parquet(path: &Path) -> Vec<arrow_array::RecordBatch> {
    let f = std::fs::File::open(path).unwrap();
    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[cfg(feature = "parquet")]
#[test]
fn parquet_in_and_out_match_the_jsonl_output_row_for_row() {
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float64Type, UInt32Type};
    let dir = tempfile::tempdir().unwrap();
    let mut texts: Vec<Option<String>> = articles(5).into_iter().map(Some).collect();
    texts[2] = None;
    texts[3] = Some("<html><body><article><p>Reports are coming in that the bridge was closed, officials said on Monday.</p></article></body></html>".into());
    let input = dir.path().join("in.parquet");
    parquet_corpus(&input, &texts);
    let cols = [
        "--text-column",
        "body",
        "--title-column",
        "headline",
        "--id-column",
        "doc_id",
        "--url-column",
        "link",
        "--quiet",
    ];
    let (code, want, _) = run_file(&cols, &input);
    assert_eq!(code, 3, "one record (the null body) fails");
    assert_eq!(want.len(), 5);
    let out = dir.path().join("out.parquet");
    let o = unspin()
        .arg("corpus")
        .arg(&input)
        .args(cols)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!dir.path().join("out.parquet.partial").exists());
    let batches = read_parquet(&out);
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, 5);
    let b = arrow_select_concat(&batches);
    let col = |name: &str| {
        b.column_by_name(name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let reports = col("report").as_string::<i32>();
    let ids = col("id").as_string::<i32>();
    let p = col("p_unreliable").as_primitive::<Float64Type>();
    let loaded = col("loaded_language").as_primitive::<UInt32Type>();
    let errors = col("error").as_string::<i32>();
    for (i, w) in want.iter().enumerate() {
        let got: Value = serde_json::from_str(reports.value(i)).unwrap();
        assert_eq!(&got, w, "row {i}");
        assert_eq!(ids.value(i), (i + 1).to_string());
        if i == 2 {
            assert_eq!(errors.value(i), "invalid_record");
            assert!(
                w["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("text column is null")
            );
            assert!(p.is_null(i));
        } else {
            assert!(errors.is_null(i));
            let got_p = (!p.is_null(i)).then(|| p.value(i));
            assert_eq!(got_p, w["reliability"]["p_unreliable"].as_f64());
            let n = w["techniques"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["technique"] == "Loaded_Language")
                .count();
            assert_eq!(loaded.value(i) as usize, n);
            assert_eq!(w["title"], format!("You won't believe story {}", i + 1));
        }
    }
    // A Parquet output cannot be resumed, and says so; a missing column lists the columns.
    let o = unspin()
        .arg("corpus")
        .arg(&input)
        .args(["--text-column", "body", "-o"])
        .arg(&out)
        .arg("--resume")
        .output()
        .unwrap();
    assert_ne!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot be resumed"));
    let o = unspin()
        .arg("corpus")
        .arg(&input)
        .args(["--text-column", "content", "--quiet"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no text column \"content\"") && err.contains("doc_id, headline, body, link"),
        "{err}"
    );
}

/// `analyze --input` runs the corpus driver: a `.parquet` output is Parquet there too (it used
/// to be JSONL under that name), with the same rows as `corpus`.
#[cfg(feature = "parquet")]
#[test]
fn analyze_input_writes_parquet_by_name_like_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, jsonl(&articles(5)) + "{broken\n").unwrap();
    let via_analyze = dir.path().join("a.parquet");
    let via_corpus = dir.path().join("c.parquet");
    let o = unspin()
        .args(["analyze", "--input"])
        .arg(&input)
        .arg("--output")
        .arg(&via_analyze)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "one record failed");
    assert!(String::from_utf8_lossy(&o.stderr).contains("1 of 6 records failed"));
    unspin()
        .arg("corpus")
        .arg(&input)
        .args(["--quiet", "-o"])
        .arg(&via_corpus)
        .assert()
        .code(3);
    let bytes = std::fs::read(&via_analyze).unwrap();
    assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"));
    let (a, c) = (
        arrow_select_concat(&read_parquet(&via_analyze)),
        arrow_select_concat(&read_parquet(&via_corpus)),
    );
    assert_eq!(a.num_rows(), 6);
    assert_eq!(a, c);
}

#[cfg(feature = "parquet")]
fn arrow_select_concat(batches: &[arrow_array::RecordBatch]) -> arrow_array::RecordBatch {
    arrow_select::concat::concat_batches(&batches[0].schema(), batches).unwrap()
}
