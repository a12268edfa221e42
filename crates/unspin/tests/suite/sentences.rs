//! Sentence splitting on hard cases. Each row: the input and the sentences it must split into.
//! All texts are written for this table.

use unspin::span::slice_chars;
use unspin::text::Analyzed;

const CASES: &[(&str, &str, &[&str])] = &[
    (
        "plain",
        "The vote passed. The bill goes to the Senate.",
        &["The vote passed.", "The bill goes to the Senate."],
    ),
    (
        "us-mid-sentence",
        "The U.S. Senate voted on Tuesday.",
        &["The U.S. Senate voted on Tuesday."],
    ),
    (
        "us-end-then-opener",
        "Troops left the U.S. The war went on.",
        &["Troops left the U.S.", "The war went on."],
    ),
    (
        "us-comma",
        "If it is true about the U.S., there will be questions.",
        &["If it is true about the U.S., there will be questions."],
    ),
    (
        "title-dr",
        "Dr. Amara Lind spoke first. She was brief.",
        &["Dr. Amara Lind spoke first.", "She was brief."],
    ),
    (
        "title-mr-mrs",
        "Mr. and Mrs. Okafor declined to comment.",
        &["Mr. and Mrs. Okafor declined to comment."],
    ),
    (
        "title-sen-gov",
        "Sen. Ortiz met Gov. Bell in the capital.",
        &["Sen. Ortiz met Gov. Bell in the capital."],
    ),
    (
        "initial",
        "The memo was signed by J. Smith on Friday.",
        &["The memo was signed by J. Smith on Friday."],
    ),
    (
        "two-initials",
        "E. B. White wrote it. Readers loved it.",
        &["E. B. White wrote it.", "Readers loved it."],
    ),
    (
        "month-number",
        "The law took effect on Jan. 5 last year.",
        &["The law took effect on Jan. 5 last year."],
    ),
    (
        "month-sept",
        "Sept. 11 changed the agency.",
        &["Sept. 11 changed the agency."],
    ),
    (
        "no-number",
        "He wore the No. 10 shirt for years.",
        &["He wore the No. 10 shirt for years."],
    ),
    (
        "decimal",
        "Inflation rose 3.5 percent. Prices fell 0.2 points.",
        &["Inflation rose 3.5 percent.", "Prices fell 0.2 points."],
    ),
    (
        "money",
        "The plan costs $4.7 billion. Critics balked.",
        &["The plan costs $4.7 billion.", "Critics balked."],
    ),
    (
        "quote-end",
        "She said: \"We will win.\" Then she left.",
        &["She said: \"We will win.\"", "Then she left."],
    ),
    (
        "curly-quote-end",
        "He wrote “It is over.” Nobody replied.",
        &["He wrote “It is over.”", "Nobody replied."],
    ),
    (
        "question-in-quote",
        "\"Why now?\" she asked. Nobody knew.",
        &["\"Why now?\" she asked.", "Nobody knew."],
    ),
    (
        "exclaim-in-quote-lower",
        "\"Stop!\" he shouted at the crowd.",
        &["\"Stop!\" he shouted at the crowd."],
    ),
    (
        "bracket-end",
        "The figure was revised (see the annex.) The annex is long.",
        &[
            "The figure was revised (see the annex.)",
            "The annex is long.",
        ],
    ),
    (
        "parenthetical",
        "The agency (founded in 1990) grew. It now has 400 staff.",
        &[
            "The agency (founded in 1990) grew.",
            "It now has 400 staff.",
        ],
    ),
    (
        "ellipsis-lower",
        "He paused... and then continued.",
        &["He paused... and then continued."],
    ),
    (
        "ellipsis-upper",
        "He paused... The room was silent.",
        &["He paused...", "The room was silent."],
    ),
    (
        "ellipsis-char",
        "It was over… The crowd left.",
        &["It was over…", "The crowd left."],
    ),
    (
        "interrobang-run",
        "Can you believe it?! Nobody could.",
        &["Can you believe it?!", "Nobody could."],
    ),
    (
        "headline-line",
        "Dam Fails After Heavy Rain\nThe dam failed on Monday.",
        &["Dam Fails After Heavy Rain", "The dam failed on Monday."],
    ),
    (
        "headline-blank-line",
        "Markets Slide\n\nStocks fell sharply today.",
        &["Markets Slide", "Stocks fell sharply today."],
    ),
    (
        "list-items",
        "Key points:\n- Taxes rise\n- Spending falls",
        &["Key points:", "- Taxes rise", "- Spending falls"],
    ),
    (
        "numbered-list",
        "1. Taxes rise\n2. Spending falls",
        &["1. Taxes rise", "2. Spending falls"],
    ),
    (
        "year-end",
        "The treaty was signed in 1990. It still holds.",
        &["The treaty was signed in 1990.", "It still holds."],
    ),
    (
        "url",
        "Read more at example.com/news. Then decide.",
        &["Read more at example.com/news.", "Then decide."],
    ),
    (
        "email",
        "Write to desk@example.org for details.",
        &["Write to desk@example.org for details."],
    ),
    (
        "eg-ie",
        "Some groups, e.g. unions, objected. Others, i.e. donors, did not.",
        &[
            "Some groups, e.g. unions, objected.",
            "Others, i.e. donors, did not.",
        ],
    ),
    (
        "inc-mid",
        "Acme Inc. said profits rose.",
        &["Acme Inc. said profits rose."],
    ),
    (
        "inc-end",
        "He joined Acme Inc. The firm grew.",
        &["He joined Acme Inc.", "The firm grew."],
    ),
    (
        "am-pm",
        "The blast came at 9 a.m. on Sunday.",
        &["The blast came at 9 a.m. on Sunday."],
    ),
    (
        "pm-end",
        "They met at 5 p.m. The talks failed.",
        &["They met at 5 p.m.", "The talks failed."],
    ),
    (
        "hard-wrap",
        "The minister said the plan\nwould be delayed again.",
        &["The minister said the plan\nwould be delayed again."],
    ),
    ("no-final-punct", "Read More Here", &["Read More Here"]),
    (
        "colon-line",
        "According to the ministry:\nThe fire is out.",
        &["According to the ministry:", "The fire is out."],
    ),
    ("trailing-spaces", "  One.   Two.  ", &["One.", "Two."]),
    (
        "crlf",
        "First line.\r\nSecond line.\r\n",
        &["First line.", "Second line."],
    ),
    (
        "unicode-upper",
        "Le projet avance. État et régions s'accordent.",
        &["Le projet avance.", "État et régions s'accordent."],
    ),
    (
        "digit-start",
        "Troops withdrew. 40 remain near the border.",
        &["Troops withdrew.", "40 remain near the border."],
    ),
    (
        "st-name",
        "He lives in St. Louis now.",
        &["He lives in St. Louis now."],
    ),
    (
        "phd",
        "She holds a Ph.D. from Leeds.",
        &["She holds a Ph.D. from Leeds."],
    ),
    (
        "vs",
        "It was Smith vs. Jones in court.",
        &["It was Smith vs. Jones in court."],
    ),
    (
        "single-quote-scare",
        "The ‘accidental’ strike was no accident. Officials knew.",
        &[
            "The ‘accidental’ strike was no accident.",
            "Officials knew.",
        ],
    ),
];

#[test]
fn sentence_table() {
    assert!(CASES.len() >= 40, "the table keeps at least 40 cases");
    let mut failures = Vec::new();
    for (name, text, want) in CASES {
        let a = Analyzed::new(text);
        let got: Vec<&str> = (0..a.sentences.len()).map(|i| a.sentence_text(i)).collect();
        if got != *want {
            failures.push(format!("{name}: got {got:?}, want {want:?}"));
        }
        for s in &a.sentences {
            assert_eq!(
                slice_chars(text, s.span),
                Some(&text[s.bytes.clone()]),
                "{name}"
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
