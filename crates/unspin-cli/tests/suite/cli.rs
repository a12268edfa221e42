//! The built binary, run as a user would. Inputs are the repo's own example and texts written here.

use assert_cmd::Command;
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;

fn unspin() -> Command {
    Command::cargo_bin("unspin").expect("binary builds")
}

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/harbor-bridge.txt")
}

fn chars(s: &str, start: u64, end: u64) -> String {
    s.chars()
        .skip(start as usize)
        .take((end - start) as usize)
        .collect()
}

fn json_of(out: &[u8]) -> Value {
    serde_json::from_slice(out).expect("output is JSON")
}

/// The JSON report of one file.
fn analyze_json(path: impl AsRef<std::ffi::OsStr>) -> Value {
    let out = unspin()
        .args(["analyze", "--format", "json"])
        .arg(path)
        .assert()
        .success();
    json_of(&out.get_output().stdout)
}

#[test]
fn example_article_json_marks_framing_sources_and_loaded_language() {
    let r = analyze_json(example());
    assert_eq!(r["schema"], "unspin.report/1");
    let text = r["text"].as_str().unwrap();
    assert_eq!(
        text,
        std::fs::read_to_string(example()).unwrap(),
        "canonical text is the input"
    );

    let sentences = r["sentences"].as_array().unwrap();
    let conditional: Vec<String> = sentences
        .iter()
        .flat_map(|s| s["hedge_cues"].as_array().unwrap())
        .filter(|c| c["kind"] == "conditional")
        .map(|c| {
            chars(
                text,
                c["start"].as_u64().unwrap(),
                c["end"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        conditional.contains(&"If the documents circulating online are genuine".to_string()),
        "{conditional:?}"
    );

    let attribution = |kind: &str| -> Vec<String> {
        sentences
            .iter()
            .map(|s| &s["attribution"])
            .filter(|a| a["kind"] == kind)
            .map(|a| {
                chars(
                    text,
                    a["start"].as_u64().unwrap(),
                    a["end"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert!(attribution("vague").contains(&"Reports are pouring in".to_string()));
    assert!(attribution("named").contains(&"According to the Port City Tribune".to_string()));

    let techniques = r["techniques"].as_array().unwrap();
    assert!(!techniques.is_empty());
    assert!(
        techniques
            .iter()
            .any(|t| t["text"].as_str().unwrap().contains("corrupt, arrogant")),
        "{techniques:?}"
    );
    for t in techniques {
        let c = t["confidence"]
            .as_f64()
            .expect("trained spans have a confidence");
        assert!((0.0..=1.0).contains(&c));
        assert!(!t["evidence"].as_array().unwrap().is_empty());
    }
    for t in r["techniques"].as_array().unwrap() {
        let (s, e) = (t["start"].as_u64().unwrap(), t["end"].as_u64().unwrap());
        assert_eq!(chars(text, s, e), t["text"].as_str().unwrap());
    }
}

#[test]
fn text_report_is_plain_when_piped() {
    let out = unspin().arg("analyze").arg(example()).assert().success();
    let s = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(!s.contains('\x1b'), "no colour codes when not a terminal");
    assert!(s.contains("── why"));
    // The strongest five reasons with their direction; the rest behind --all-reasons.
    assert!(
        s.contains("distancing ×2 +") && s.contains("toward unreliable"),
        "{s}"
    );
    assert!(s.contains("toward reliable"), "{s}");
    assert!(s.contains("more (--all-reasons"), "{s}");
    assert!(!s.contains("vague attribution ×"));
    assert!(s.contains("According to the Port City Tribune"));
    let all = unspin()
        .args(["analyze", "--all-reasons"])
        .arg(example())
        .assert()
        .success();
    let all = String::from_utf8_lossy(&all.get_output().stdout).into_owned();
    assert!(all.contains("vague attribution ×4 +"), "{all}");
    assert!(!all.contains("×0"), "absent signals are not reasons: {all}");
    // Low-confidence spans are hidden from the views, not from the JSON.
    let none = unspin()
        .args(["analyze", "--min-confidence", "1"])
        .arg(example())
        .assert()
        .success();
    let none = String::from_utf8_lossy(&none.get_output().stdout).into_owned();
    assert!(
        none.contains("technique spans below confidence 1.00 not shown"),
        "{none}"
    );
    let colored = unspin()
        .args(["analyze", "--color", "always"])
        .arg(example())
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&colored.get_output().stdout).contains("\x1b[1;31m"));
}

#[test]
fn html_report_is_self_contained() {
    let out = unspin()
        .args(["analyze", "--format", "html"])
        .arg(example())
        .assert()
        .success();
    let html = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("<mark class=\"t-"));
    assert!(html.contains("src-vague"));
    assert!(html.contains("<table>"));
    for external in [
        "src=\"http",
        "href=\"http",
        "<script src",
        "@import",
        "url(",
    ] {
        assert!(!html.contains(external), "external asset {external}");
    }
}

#[test]
fn stdin_and_title() {
    let out = unspin()
        .args([
            "analyze",
            "-",
            "--format",
            "json",
            "--title",
            "Mayor Accused",
        ])
        .write_stdin("Sources say the mayor lied.")
        .assert()
        .success();
    let r = json_of(&out.get_output().stdout);
    assert_eq!(r["title"], "Mayor Accused");
    assert_eq!(r["headline"]["end"], 13);
    assert!(r["headline"]["clickbait"].as_f64().unwrap() < 0.5);
    assert_eq!(r["sentences"][0]["attribution"]["kind"], "vague");
    for (title, bait) in [
        ("Senate passes budget bill after late-night vote", false),
        ("17 Things Only '90s Kids Will Understand", true),
        ("You Won't Believe What This Dog Did Next", true),
    ] {
        let out = unspin()
            .args(["analyze", "-", "--format", "json", "--title", title])
            .write_stdin("The council met on Monday.")
            .assert()
            .success();
        let p = json_of(&out.get_output().stdout)["headline"]["clickbait"]
            .as_f64()
            .unwrap();
        assert_eq!(p >= 0.5, bait, "{title}: {p}");
    }
}

#[test]
fn batch_keeps_one_line_per_input_in_order() {
    let input = [
        r#"{"id": "a", "title": "First", "text": "Sources say the dam is unsafe."}"#,
        r#"this is not json"#,
        r#"{"id": "c", "text": 42}"#,
        r#"{"id": "d", "title": "Only a title", "text": ""}"#,
        r#"{"id": "e"}"#,
        r#"{"id": "f", "html": "<html><body><article><p>According to the council, the bridge passed its inspection and will stay open to traffic for the rest of the year, officials confirmed on Monday.</p></article></body></html>"}"#,
        r#"{"id": "g", "html": "<html><body></body></html>"}"#,
        r#"{"id": 8, "text": "The vote passed."}"#,
    ]
    .join("\n");
    let out = unspin()
        .args(["analyze", "--input", "-", "--output", "-"])
        .write_stdin(input)
        .assert()
        .code(3);
    let lines: Vec<Value> = String::from_utf8(out.get_output().stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 8);
    let ids: Vec<&Value> = lines.iter().map(|l| &l["id"]).collect();
    assert_eq!(
        ids,
        [
            &Value::from("a"),
            &Value::Null,
            &Value::from("c"),
            &Value::from("d"),
            &Value::from("e"),
            &Value::from("f"),
            &Value::from("g"),
            &Value::from("8")
        ]
    );
    assert_eq!(lines[0]["schema"], "unspin.report/1");
    assert_eq!(lines[1]["error"]["kind"], "invalid_record");
    assert_eq!(lines[1]["error"]["line"], 2);
    assert!(
        lines[2]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("\"text\" must be a string, got a number")
    );
    assert_eq!(lines[2]["error"]["line"], 3);
    assert_eq!(lines[3]["title"], "Only a title");
    assert_eq!(lines[3]["sentences"].as_array().unwrap().len(), 0);
    assert_eq!(lines[4]["error"]["line"], 5);
    assert_eq!(lines[5]["source"]["format"], "html");
    assert_eq!(lines[6]["error"]["kind"], "no_article");
    assert_eq!(lines[7]["schema"], "unspin.report/1");
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("4 of 8 records failed"), "{err}");
}

#[test]
fn batch_all_good_exits_zero_and_writes_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let output = dir.path().join("out.jsonl");
    std::fs::write(
        &input,
        "{\"id\":\"x\",\"text\":\"One.\"}\n{\"id\":\"y\",\"text\":\"Two.\"}\n",
    )
    .unwrap();
    unspin()
        .args(["analyze", "--input"])
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(output).unwrap().lines().count(), 2);
}

#[test]
fn batch_oversized_line_is_an_error_record() {
    let big = format!("{{\"id\":\"big\",\"text\":\"{}\"}}", "a".repeat(5000));
    let input = format!("{big}\n{{\"id\":\"ok\",\"text\":\"Fine.\"}}\n");
    let out = unspin()
        .args(["analyze", "--input", "-", "--max-bytes", "1000"])
        .write_stdin(input)
        .assert()
        .code(3);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["error"]["kind"], "oversized");
    assert_eq!(lines[1]["id"], "ok");
}

fn file_with(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(bytes).unwrap();
    f
}

#[test]
fn bad_single_inputs_get_clear_errors() {
    let cases: &[(&[u8], &str)] = &[
        (b"", "input is empty"),
        (
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0",
            "binary data (PNG image)",
        ),
        (
            b"caf\xe9 au lait",
            "not valid UTF-8 (first invalid byte at offset 3)",
        ),
        (
            b"<html><head><title>Nothing</title></head><body><nav>menu</nav></body></html>",
            "no article text",
        ),
    ];
    for (bytes, want) in cases {
        let f = file_with(bytes);
        let out = unspin().arg("analyze").arg(f.path()).assert().code(4);
        let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert!(err.contains(want), "{want:?} not in {err:?}");
    }
}

#[test]
fn whitespace_only_is_a_report_with_a_warning() {
    let f = file_with(b"  \n\n \t ");
    let r = analyze_json(f.path());
    assert_eq!(r["sentences"].as_array().unwrap().len(), 0);
    assert!(r["warnings"][0].as_str().unwrap().contains("empty"));
}

#[test]
fn html_with_legacy_charset_is_decoded() {
    let body = "<p>Le maire a déclaré que le pont était sûr, mais des sources anonymes affirment le contraire depuis des mois.</p>";
    let page = format!(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\"><title>Pont</title></head><body><article>{body}{body}</article></body></html>"
    );
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&page);
    let f = file_with(&bytes);
    let r = analyze_json(f.path());
    assert!(
        r["text"]
            .as_str()
            .unwrap()
            .contains("déclaré que le pont était sûr")
    );
    assert_eq!(r["source"]["charset"], "windows-1252");
}

#[test]
fn twenty_megabyte_text_gets_a_report() {
    let para = "Reports are coming in that the dam failed. The mayor said it held. ";
    let text = para.repeat(20 * 1024 * 1024 / para.len() + 1);
    let f = file_with(text.as_bytes());
    let r = analyze_json(f.path());
    assert_eq!(r["text"].as_str().unwrap().len(), text.len());
    let over = unspin()
        .args(["analyze", "--max-bytes", "1000000"])
        .arg(f.path())
        .assert()
        .code(4);
    assert!(
        String::from_utf8_lossy(&over.get_output().stderr)
            .contains("over the limit of 1000000 bytes")
    );
}

#[test]
fn several_paths_give_json_lines_and_keep_going_past_a_bad_one() {
    let bad = file_with(b"");
    let out = unspin()
        .args(["analyze", "--format", "json"])
        .arg(example())
        .arg(bad.path())
        .arg(example())
        .assert()
        .code(3);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| json_of(l.as_bytes())).collect();
    assert_eq!(lines.len(), 3, "one line per path, the failed one included");
    for r in [&lines[0], &lines[2]] {
        assert!(r["id"].as_str().unwrap().ends_with("harbor-bridge.txt"));
        assert!(r["reliability"].is_object());
    }
    let err = &lines[1];
    assert_eq!(err["id"], bad.path().display().to_string());
    assert_eq!(err["error"]["line"], 2, "the failed path's position");
    assert!(err["error"]["message"].as_str().unwrap().contains("empty"));
}

#[test]
fn an_output_that_is_an_input_is_refused_before_anything_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let article = dir.path().join("a.txt");
    std::fs::copy(example(), &article).unwrap();
    let before = std::fs::read(&article).unwrap();
    let out = unspin()
        .arg("analyze")
        .arg(&article)
        .arg("-o")
        .arg(&article)
        .assert()
        .code(1);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("is the input"));
    assert_eq!(
        std::fs::read(&article).unwrap(),
        before,
        "the input is intact"
    );

    // Batch mode: the JSONL input named as its own output, through another spelling.
    let jsonl = dir.path().join("x.jsonl");
    std::fs::write(&jsonl, "{\"id\":\"1\",\"text\":\"The council met.\"}\n").unwrap();
    let jsonl_before = std::fs::read(&jsonl).unwrap();
    let dotted = dir.path().join("sub").join("..").join("x.jsonl");
    unspin()
        .arg("analyze")
        .arg("--input")
        .arg(&jsonl)
        .arg("--output")
        .arg(&dotted)
        .assert()
        .code(1);
    assert_eq!(std::fs::read(&jsonl).unwrap(), jsonl_before);
}

#[test]
fn usage_errors_exit_two() {
    unspin()
        .args(["analyze", "--format", "pdf", "x"])
        .assert()
        .code(2);
    unspin().args(["analyze"]).assert().code(1);
}

/// A PTC-shaped folder with one hand-written article, for the eval command.
fn ptc_fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("dev-articles")).unwrap();
    let text = "Council Votes\n\nThe evil, corrupt council voted again. Residents were furious.\n";
    std::fs::write(root.join("dev-articles/article1.txt"), text).unwrap();
    // "evil, corrupt" is chars 19..32.
    std::fs::write(root.join("dev-task-si.labels"), "1\t19\t32\n").unwrap();
    std::fs::write(
        root.join("dev-task-flc-tc.labels"),
        "1\tLoaded_Language\t19\t32\n",
    )
    .unwrap();
    dir
}

#[test]
fn a_closed_output_pipe_ends_eval_and_bench_quietly() {
    // `unspin eval … | head` closes the pipe early: that is success, not a panic.
    let dir = ptc_fixture();
    for args in [
        vec!["eval", "techniques", "--split", "dev"],
        vec![
            "bench", "--split", "dev", "--passes", "1", "--only", "rules",
        ],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("unspin"))
            .args(&args)
            .arg("--data")
            .arg(dir.path())
            .stdout(writer)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
}

#[test]
fn eval_techniques_scores_own_output_and_prediction_files() {
    let dir = ptc_fixture();
    let out = unspin()
        .args([
            "eval",
            "techniques",
            "--split",
            "dev",
            "--format",
            "json",
            "--data",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let r = json_of(&out.get_output().stdout);
    for key in [
        &r["si"]["f1"],
        &r["si"]["precision"],
        &r["full"]["f1"],
        &r["tc"]["micro_f1"],
        &r["tc"]["macro_f1"],
    ] {
        let v = key.as_f64().expect("a score");
        assert!((0.0..=1.0).contains(&v), "{r}");
    }
    assert_eq!(r["tc"]["per_technique"].as_object().unwrap().len(), 14);
    assert_eq!(r["gold_spans"], 1);
    assert!(r["tc_system"].as_str().unwrap().contains("span classifier"));

    let pred = dir.path().join("pred.tsv");
    let score_si = |lines: &str| {
        std::fs::write(&pred, lines).unwrap();
        unspin()
            .args([
                "eval",
                "techniques",
                "--split",
                "dev",
                "--task",
                "si",
                "--data",
            ])
            .arg(dir.path())
            .arg("--predictions")
            .arg(&pred)
            .assert()
    };
    let out = score_si("1\t19\t25\n").success();
    let r = json_of(&out.get_output().stdout);
    assert_eq!(r["precision"], 1.0);
    assert!((r["recall"].as_f64().unwrap() - 6.0 / 13.0).abs() < 1e-9);

    let out = score_si("99\t0\t5\n").code(1);
    assert!(
        String::from_utf8_lossy(&out.get_output().stderr)
            .contains("article 99 is not in the dev split")
    );
}

#[test]
fn a_damaged_model_file_is_a_clear_error() {
    for (bytes, message) in [
        (
            &b"UNSPINMD\x03\0\0\0\x0atechniques\x04\0\0\0garbage"[..],
            "corrupted model file",
        ),
        (&b"UNSPINMD\x03\0\0\0\x0atechn"[..], "cut short"),
        (
            &b"UNSPINMD\x03\0\0\0\x05words\x01\0\0\0"[..],
            "unknown model kind \"words\"",
        ),
        (
            &b"UNSPINMD\x02\0\0\0garbage"[..],
            "format version 2 is not supported",
        ),
        (&b"not a model"[..], "not an unspin model file"),
    ] {
        let f = file_with(bytes);
        let out = unspin()
            .args(["analyze", "--techniques-model"])
            .arg(f.path())
            .arg(example())
            .assert()
            .code(1);
        let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(err.contains(message), "{err}");
        assert!(err.contains(&f.path().display().to_string()), "{err}");
    }
    // An endless device is refused from its first bytes, not read until memory runs out.
    let out = unspin()
        .args(["analyze", "--techniques-model", "/dev/zero"])
        .arg(example())
        .timeout(std::time::Duration::from_secs(30))
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("/dev/zero") && err.contains("not an unspin model file"),
        "{err}"
    );
}

/// The embedded files given with the flags are the same analysis as no flag (replacing one
/// model once dropped the others); a file in the wrong flag is refused with both kinds named.
#[test]
fn model_flags_keep_the_other_models_and_refuse_the_wrong_kind() {
    let models = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../unspin/models");
    let plain = unspin()
        .args(["analyze", "--format", "json"])
        .arg(example())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    for (flag, file) in [
        ("--techniques-model", "techniques.bin"),
        ("--sentence-models", "sentences.bin"),
        ("--reliability-model", "reliability.bin"),
        ("--paragraph-model", "paragraphs.bin"),
    ] {
        let out = unspin()
            .args(["analyze", "--format", "json", flag])
            .arg(models.join(file))
            .arg(example())
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        assert!(out == plain, "{flag} {file} changed the report");
    }
    let out = unspin()
        .args(["analyze", "--techniques-model"])
        .arg(models.join("reliability.bin"))
        .arg(example())
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("this is a reliability model file") && err.contains("not a technique model"),
        "{err}"
    );
    // Off means off, and what it feeds says so.
    let out = unspin()
        .args(["analyze", "--techniques-model", "off"])
        .arg(example())
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("reliability model reads"), "{err}");
    let v = json_of(
        &unspin()
            .args([
                "analyze",
                "--format",
                "json",
                "--techniques-model",
                "off",
                "--reliability-model",
                "off",
            ])
            .arg(example())
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(v["reliability"]["p_unreliable"], Value::Null);
    let names: Vec<&str> = v["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"loaded-language-lexicon") && names.contains(&"sentences"));
    // The paragraph model: on by default, off leaves its section null and the rest as it was.
    assert!(json_of(&plain)["paragraph_techniques"]["paragraphs"].is_array());
    let v = json_of(
        &unspin()
            .args(["analyze", "--format", "json", "--paragraph-model", "off"])
            .arg(example())
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(v["paragraph_techniques"], Value::Null);
    assert_eq!(
        v["reliability"]["p_unreliable"],
        json_of(&plain)["reliability"]["p_unreliable"]
    );
    let out = unspin()
        .args(["analyze", "--paragraph-model"])
        .arg(models.join("sentences.bin"))
        .arg(example())
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("this is a sentence"), "{err}");
}

#[test]
fn source_prior_is_a_separate_reason_that_can_be_switched_off() {
    let run = |extra: &[&str]| {
        let mut args = vec!["analyze", "--format", "json"];
        args.extend_from_slice(extra);
        let out = unspin().args(&args).arg(example()).assert().success();
        json_of(&out.get_output().stdout)["reliability"].clone()
    };
    let listed = run(&[
        "--url",
        "https://news.21stcenturywire.com/2017/04/story.html",
    ]);
    let sp = &listed["source_prior"];
    assert_eq!(sp["domain"], "21stcenturywire.com");
    assert_eq!(sp["list"], "OpenSources");
    assert_eq!(sp["categories"][0], "conspiracy");
    let shift = sp["shift"].as_f64().unwrap();
    let p_text = sp["p_unreliable_text"].as_f64().unwrap();
    let p = listed["p_unreliable"].as_f64().unwrap();
    let logit = |p: f64| (p / (1.0 - p)).ln();
    assert!(
        (logit(p) - logit(p_text) - shift).abs() < 1e-9,
        "{p} {p_text} {shift}"
    );
    let reason = listed["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["signal"] == "source_prior")
        .expect("the prior is a reason");
    assert_eq!(reason["contribution"].as_f64().unwrap(), shift);
    assert!(reason["spans"].as_array().unwrap().is_empty());

    // Off, or for a site no list names: the text alone, and no prior reason.
    for off in [
        run(&[
            "--url",
            "https://www.21stcenturywire.com/x",
            "--no-source-prior",
        ]),
        run(&["--url", "https://www.example.org/news/1"]),
        run(&[]),
    ] {
        assert!(off.get("source_prior").is_none());
        assert_eq!(off["p_unreliable"].as_f64().unwrap(), p_text);
        assert!(
            off["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["signal"] != "source_prior")
        );
    }
}

#[test]
fn a_stated_base_rate_moves_the_probability_by_bayes_rule_and_the_report_says_so() {
    let run = |extra: &[&str]| {
        let mut args = vec!["analyze", "--format", "json", "--no-source-prior"];
        args.extend_from_slice(extra);
        let out = unspin().args(&args).arg(example()).assert().success();
        json_of(&out.get_output().stdout)["reliability"].clone()
    };
    let logit = |p: f64| (p / (1.0 - p)).ln();
    let pool = run(&[]);
    let br = &pool["base_rate"];
    assert_eq!(br["stated"], false);
    let training = br["training"].as_f64().unwrap();
    assert!((0.2..0.5).contains(&training), "{training}");
    assert_eq!(br["value"].as_f64().unwrap(), training);
    let p0 = pool["p_unreliable"].as_f64().unwrap();
    for (rate, s) in [(0.05, "0.05"), (0.9, "0.9")] {
        let r = run(&["--base-rate", s]);
        assert_eq!(r["base_rate"]["stated"], true);
        assert_eq!(r["base_rate"]["value"].as_f64().unwrap(), rate);
        let p = r["p_unreliable"].as_f64().unwrap();
        // The text's likelihood ratio is kept; only the prior odds change.
        let want = logit(p0) - logit(training) + logit(rate);
        assert!((logit(p) - want).abs() < 1e-6, "{p} {p0} {rate}");
        // And the baseline carries the same shift, so p = logistic(baseline + Σ contributions).
        let sum: f64 = r["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["contribution"].as_f64().unwrap())
            .sum();
        let b = r["baseline"].as_f64().unwrap();
        assert!((logit(p) - (b + sum)).abs() < 1e-6);
    }
    for bad in ["0", "1", "1.5", "abc"] {
        let out = unspin()
            .args(["analyze", "--base-rate", bad])
            .arg(example())
            .assert()
            .failure();
        let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(err.contains("base rate"), "{bad}: {err}");
    }
}

#[test]
fn html_canonical_link_and_batch_url_feed_the_source_prior() {
    let body = std::fs::read_to_string(example()).unwrap();
    let paragraphs: String = body.split("\n\n").map(|p| format!("<p>{p}</p>")).collect();
    let html = format!(
        "<html><head><title>Bridge</title><link rel=\"canonical\" href=\"https://www.21stcenturywire.com/bridge\"></head><body><article>{paragraphs}</article></body></html>"
    );
    let f = file_with(html.as_bytes());
    let r = analyze_json(f.path());
    assert_eq!(r["source"]["url"], "https://www.21stcenturywire.com/bridge");
    assert_eq!(
        r["reliability"]["source_prior"]["domain"],
        "21stcenturywire.com"
    );

    let record =
        serde_json::json!({"id": "x", "url": "http://21stcenturywire.com/a", "text": body});
    let out = unspin()
        .args(["analyze", "--input", "-"])
        .write_stdin(record.to_string())
        .assert()
        .success();
    let r = json_of(&out.get_output().stdout);
    assert_eq!(
        r["reliability"]["source_prior"]["categories"][0],
        "conspiracy"
    );
    let out = unspin()
        .args(["analyze", "--no-source-prior", "--input", "-"])
        .write_stdin(record.to_string())
        .assert()
        .success();
    assert!(
        json_of(&out.get_output().stdout)["reliability"]
            .get("source_prior")
            .is_none()
    );
}

/// Escape sequences in an article never reach the terminal (issue 19, item 5): an OSC title,
/// an OSC 52 clipboard write, a cursor move forging a report line, a bidi override — in text
/// and, as character references, in HTML — are shown escaped, plain or coloured; the only
/// escapes in coloured output are unspin's own colour codes.
#[test]
fn escape_sequences_in_an_article_never_reach_the_terminal() {
    let attack = "Reports are coming in that the mayor lied.\u{1b}]0;pwned\u{7} Sources say \
                  the dam broke.\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}\u{1b}[2K\u{1b}[1G\
                  reliability: Reliable (p_unreliable 0.01)\u{1b}[31m Critics claim it was \
                  \u{202e}detaler\u{202c} a cover-up, and many believe the audit was a sham \
                  that nobody could ever trust again, whatever the council now says.";
    let html = "<html><body><article><p>Reports are coming in that the mayor lied &#x1b;]0;pwned&#x07; \
                and sources say the dam broke &#27;[2K while critics claim the audit was a sham \
                that nobody could ever trust again, whatever the council now says about it.</p>\
                </article></body></html>";
    for (input, extra) in [(attack, vec![]), (html, vec!["--html"])] {
        for color in ["never", "always"] {
            let out = unspin()
                .args([
                    "analyze",
                    "-",
                    "--title",
                    "Mayor\u{1b}]0;x\u{7}",
                    "--color",
                    color,
                ])
                .args(&extra)
                .write_stdin(input)
                .assert()
                .success();
            let s = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
            if color == "never" {
                assert!(
                    !s.contains('\u{1b}'),
                    "an escape reached the terminal: {s:?}"
                );
            } else {
                // Every ESC starts one of our SGR colour codes: ESC [ digits/; m.
                for (i, _) in s.match_indices('\u{1b}') {
                    let rest = &s[i + 1..];
                    let code: String = rest.chars().take_while(|c| *c != 'm').collect();
                    assert!(
                        code.starts_with('[')
                            && code[1..].chars().all(|c| c.is_ascii_digit() || c == ';'),
                        "a foreign escape at {i}: {:?}",
                        &s[i..(i + 12).min(s.len())]
                    );
                }
            }
            assert!(!s.contains('\u{7}') && !s.contains('\u{202e}'), "{s:?}");
            assert!(s.contains("\\x1b"), "shown escaped: {s:?}");
        }
    }
}
