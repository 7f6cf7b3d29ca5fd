//! Batches: many prompts at once, pasted or from a file. Reading them (plain text or CSV) and
//! planning them against a model (what each line costs, and which lines the model refuses)
//! happen here, once, for the app and the CLI alike; recording is `record_all`.

use evolink::models::{manifest, Choices, PictureRoles};
use serde::Serialize;
use sora_words::Words;

/// The most prompts one batch may hold.
pub const MOST_LINES: usize = 200;

/// One prompt of a batch and its own choices (CSV columns), over the batch's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchLine {
    /// The line of the text or file it starts on, from 1.
    pub line: usize,
    pub prompt: String,
    pub choices: Choices,
}

/// A line that cannot be sent as it is, and why, in plain words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineProblem {
    pub line: usize,
    /// The choice at fault (`prompt`, `duration`...), or `file` for the text as a whole.
    pub field: String,
    pub message: Words,
}

/// A batch read and checked against a model: what would be recorded, and what it costs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchPlan {
    pub lines: Vec<PlannedLine>,
    /// Tasks to record: lines × takes.
    pub count: usize,
    /// The estimated total, in credits.
    pub credits: f64,
    /// A plan with problems is not recorded.
    pub problems: Vec<LineProblem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedLine {
    pub line: usize,
    pub prompt: String,
    /// The line's choices over the batch's: what its request is made with.
    #[serde(skip)]
    pub choices: Choices,
    /// Its estimate, takes included.
    pub credits: f64,
}

/// Reads prompts from `text`: CSV (a header row with a `prompt` column; columns named like a
/// choice set that choice for the line), or plain text, one prompt per line or, when the text
/// has a blank line, one per paragraph (its lines joined).
pub fn read_batch(text: &str, csv: bool) -> Result<Vec<BatchLine>, Vec<LineProblem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = if csv {
        read_csv(text)?
    } else {
        read_plain(text)
    };
    if lines.len() > MOST_LINES {
        return Err(vec![problem(
            lines[MOST_LINES].line,
            "file",
            Words::new("problem.invalid_input.batch_too_long")
                .with("most", MOST_LINES)
                .with("count", lines.len()),
        )]);
    }
    Ok(lines)
}

/// Plans `lines` for `model` (a manifest id) with the batch's `choices` under each line's
/// own, each made `takes` times (as `record_all` records them: one call where the model
/// makes several videos per call).
pub fn plan_batch(lines: &[BatchLine], model: &str, choices: &Choices, takes: u32) -> BatchPlan {
    let mut plan = BatchPlan {
        lines: Vec::new(),
        count: 0,
        credits: 0.0,
        problems: Vec::new(),
    };
    let model = match manifest().find(model) {
        Ok(model) => model,
        Err(e) => {
            plan.problems.push(problem(0, e.field, e.message));
            return plan;
        }
    };
    if lines.is_empty() {
        plan.problems.push(problem(
            0,
            "prompt",
            Words::new("problem.invalid_input.batch_empty"),
        ));
    }
    let takes = takes.max(1);
    let one_call = model.one_call_for(takes);
    for line in lines {
        let merged = merge(choices, &line.choices);
        let mut asked = merged.clone();
        asked.videos = one_call;
        let checked = model
            .check_prompt(&line.prompt)
            .and_then(|()| model.settle(&asked, PictureRoles::default()));
        match checked {
            Ok(settled) => {
                let calls = if one_call.is_some() { 1 } else { takes };
                let credits = round_cents(model.estimate(&settled, 0) * calls as f64);
                plan.count += takes as usize;
                plan.credits += credits;
                plan.lines.push(PlannedLine {
                    line: line.line,
                    prompt: line.prompt.clone(),
                    choices: merged,
                    credits,
                });
            }
            Err(e) => plan.problems.push(problem(line.line, e.field, e.message)),
        }
    }
    plan.credits = round_cents(plan.credits);
    plan
}

fn round_cents(n: f64) -> f64 {
    (n * 100.0).round() / 100.0
}

/// `line`'s choices where it has them, the batch's elsewhere.
fn merge(batch: &Choices, line: &Choices) -> Choices {
    Choices {
        duration: line.duration.or(batch.duration),
        quality: line.quality.clone().or_else(|| batch.quality.clone()),
        aspect: line.aspect.clone().or_else(|| batch.aspect.clone()),
        audio: line.audio.or(batch.audio),
        seed: line.seed.or(batch.seed),
        negative_prompt: line
            .negative_prompt
            .clone()
            .or_else(|| batch.negative_prompt.clone()),
        videos: None,
    }
}

fn problem(line: usize, field: &str, message: Words) -> LineProblem {
    LineProblem {
        line,
        field: field.to_string(),
        message,
    }
}

fn read_plain(text: &str) -> Vec<BatchLine> {
    let rows: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .collect();
    let by_paragraph = rows
        .iter()
        .skip_while(|(_, l)| l.is_empty())
        .collect::<Vec<_>>()
        .windows(2)
        .any(|w| w[0].1.is_empty() && !w[1].1.is_empty());
    let mut lines: Vec<BatchLine> = Vec::new();
    let mut open = false;
    for (number, row) in rows {
        if row.is_empty() {
            open = false;
            continue;
        }
        match lines.last_mut() {
            Some(last) if by_paragraph && open => {
                last.prompt.push('\n');
                last.prompt.push_str(row);
            }
            _ => lines.push(BatchLine {
                line: number,
                prompt: row.to_string(),
                choices: Choices::default(),
            }),
        }
        open = true;
    }
    lines
}

/// The columns a CSV may have besides `prompt`, with how each sets a choice.
const CSV_COLUMNS: &[&str] = &[
    "prompt",
    "duration",
    "quality",
    "aspect",
    "audio",
    "seed",
    "negative_prompt",
];

fn read_csv(text: &str) -> Result<Vec<BatchLine>, Vec<LineProblem>> {
    let records =
        csv_records(text).map_err(|(line, message)| vec![problem(line, "file", message)])?;
    let mut records = records
        .into_iter()
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()));
    let Some((_, header)) = records.next() else {
        return Ok(Vec::new());
    };
    let header: Vec<String> = header
        .iter()
        .map(|h| h.trim().to_lowercase().replace([' ', '-'], "_"))
        .collect();
    let Some(prompt_at) = header.iter().position(|h| h == "prompt") else {
        return Err(vec![problem(
            1,
            "file",
            Words::new("problem.invalid_input.batch_no_header"),
        )]);
    };
    if let Some(unknown) = header
        .iter()
        .find(|h| !h.is_empty() && !CSV_COLUMNS.contains(&h.as_str()))
    {
        return Err(vec![problem(
            1,
            "file",
            Words::new("problem.invalid_input.batch_column")
                .with("column", unknown.as_str())
                .with("columns", CSV_COLUMNS.join(", ")),
        )]);
    }
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    for (number, record) in records {
        let cell = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
        };
        let prompt = record.get(prompt_at).map(|p| p.trim()).unwrap_or_default();
        if prompt.is_empty() {
            problems.push(problem(
                number,
                "prompt",
                Words::new("problem.invalid_input.batch_no_prompt"),
            ));
            continue;
        }
        match row_choices(&cell) {
            Ok(choices) => lines.push(BatchLine {
                line: number,
                prompt: prompt.to_string(),
                choices,
            }),
            Err((field, message)) => problems.push(problem(number, field, message)),
        }
    }
    if problems.is_empty() {
        Ok(lines)
    } else {
        Err(problems)
    }
}

fn row_choices<'a>(
    cell: &dyn Fn(&str) -> Option<&'a str>,
) -> Result<Choices, (&'static str, Words)> {
    let whole = |field: &'static str, text: &str| {
        text.parse::<i64>().map_err(|_| {
            (
                field,
                Words::new("problem.invalid_input.batch_number")
                    .with("text", text)
                    .with("field", field),
            )
        })
    };
    let duration = cell("duration")
        .map(|d| whole("duration", d.trim_end_matches('s')))
        .transpose()?;
    let seed = cell("seed")
        .map(|s| {
            whole("seed", s).and_then(|n| {
                u64::try_from(n).map_err(|_| {
                    (
                        "seed",
                        Words::new("problem.invalid_input.batch_seed").with("text", s),
                    )
                })
            })
        })
        .transpose()?;
    let audio = match cell("audio").map(str::to_lowercase).as_deref() {
        None => None,
        Some("on" | "yes" | "true" | "1") => Some(true),
        Some("off" | "no" | "false" | "0") => Some(false),
        Some(other) => {
            return Err((
                "audio",
                Words::new("problem.invalid_input.batch_sound").with("text", other),
            ))
        }
    };
    Ok(Choices {
        duration,
        quality: cell("quality").map(str::to_string),
        aspect: cell("aspect").map(str::to_string),
        audio,
        seed,
        negative_prompt: cell("negative_prompt").map(str::to_string),
        videos: None,
    })
}

/// A CSV record: the line it starts on, and its fields.
type Record = (usize, Vec<String>);

/// Splits CSV text into records (RFC 4180: commas, double quotes, `""` inside quotes, line
/// breaks inside quotes), each with the line it starts on.
fn csv_records(text: &str) -> Result<Vec<Record>, (usize, Words)> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut starts = 1;
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (false, '"') if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push((starts, std::mem::take(&mut record)));
                line += 1;
                starts = line;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err((starts, Words::new("problem.invalid_input.batch_quote")));
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push((starts, record));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompts(lines: &[BatchLine]) -> Vec<(usize, &str)> {
        lines.iter().map(|l| (l.line, l.prompt.as_str())).collect()
    }

    #[test]
    fn plain_text_is_one_prompt_per_line_unless_it_has_paragraphs() {
        let lines = read_batch("A cat\n\n", false).unwrap();
        assert_eq!(prompts(&lines), [(1, "A cat")]);
        let lines = read_batch("\u{feff}A cat\n  A dog \r\nA fox", false).unwrap();
        assert_eq!(prompts(&lines), [(1, "A cat"), (2, "A dog"), (3, "A fox")]);
        let text = "A cat on a piano,\nslow zoom\n\n\nA dog\n surfing\n\nA fox";
        let lines = read_batch(text, false).unwrap();
        assert_eq!(
            prompts(&lines),
            [
                (1, "A cat on a piano,\nslow zoom"),
                (5, "A dog\nsurfing"),
                (8, "A fox")
            ]
        );
    }

    #[test]
    fn csv_reads_prompts_and_per_line_choices_with_quotes() {
        let text = "Prompt,Duration,audio,Negative prompt\n\"A cat, \"\"Tom\"\", on a\npiano\",8s,off,\nA dog,,on,blur\n";
        let lines = read_batch(text, true).unwrap();
        assert_eq!(
            prompts(&lines),
            [(2, "A cat, \"Tom\", on a\npiano"), (4, "A dog")]
        );
        assert_eq!(lines[0].choices.duration, Some(8));
        assert_eq!(lines[0].choices.audio, Some(false));
        assert_eq!(lines[0].choices.negative_prompt, None);
        assert_eq!(lines[1].choices.audio, Some(true));
        assert_eq!(lines[1].choices.negative_prompt.as_deref(), Some("blur"));
    }

    #[test]
    fn csv_mistakes_are_named_with_their_line() {
        let e = read_batch("text\nA cat\n", true).unwrap_err();
        assert_eq!((e[0].line, e[0].field.as_str()), (1, "file"));
        assert!(
            e[0].message.english().contains("prompt"),
            "{}",
            e[0].message
        );
        let e = read_batch("prompt,colour\nA cat,red\n", true).unwrap_err();
        assert!(
            e[0].message.english().contains("colour"),
            "{}",
            e[0].message
        );
        let e = read_batch(
            "prompt,duration,audio\nA cat,long,on\n,4,on\nA dog,4,loud\n",
            true,
        )
        .unwrap_err();
        let found: Vec<(usize, &str)> = e.iter().map(|p| (p.line, p.field.as_str())).collect();
        assert_eq!(found, [(2, "duration"), (3, "prompt"), (4, "audio")]);
        let e = read_batch("prompt\n\"A cat\n", true).unwrap_err();
        assert!(e[0].message.english().contains("quote"), "{}", e[0].message);
    }

    #[test]
    fn a_batch_holds_at_most_two_hundred_prompts() {
        let text: String = (1..=MOST_LINES).map(|i| format!("Prompt {i}\n")).collect();
        assert_eq!(read_batch(&text, false).unwrap().len(), MOST_LINES);
        let e = read_batch(&format!("{text}One more\n"), false).unwrap_err();
        assert_eq!(e[0].line, MOST_LINES + 1);
        assert!(e[0].message.english().contains("201"), "{}", e[0].message);
    }

    #[test]
    fn a_plan_counts_takes_prices_each_line_and_names_the_lines_the_model_refuses() {
        let sora = manifest().model("sora-2-preview").unwrap();
        let one = sora.estimate(
            &sora
                .settle(&Choices::default(), PictureRoles::default())
                .unwrap(),
            0,
        );
        let lines = read_batch("A cat\nA dog\nA fox", false).unwrap();
        let plan = plan_batch(&lines, "sora-2-preview", &Choices::default(), 2);
        assert_eq!((plan.count, plan.lines.len()), (6, 3));
        assert!(plan.problems.is_empty());
        assert!(
            (plan.credits - one * 6.0).abs() < 0.01,
            "{} vs {}",
            plan.credits,
            one * 6.0
        );

        // Veo makes two takes in one call: the same price per video, counted once per call.
        let veo = plan_batch(
            &lines,
            "veo-3.1-fast-generate-preview",
            &Choices::default(),
            2,
        );
        let veo_one = plan_batch(
            &lines,
            "veo-3.1-fast-generate-preview",
            &Choices::default(),
            1,
        );
        assert_eq!(veo.count, 6);
        assert!((veo.credits - veo_one.credits * 2.0).abs() < 0.01);

        let long = "word ".repeat(2000);
        let csv = format!("prompt,duration\nA cat,4\n{long},4\nA dog,7\n");
        let lines = read_batch(&csv, true).unwrap();
        let plan = plan_batch(&lines, "sora-2-preview", &Choices::default(), 1);
        let refused: Vec<(usize, &str)> = plan
            .problems
            .iter()
            .map(|p| (p.line, p.field.as_str()))
            .collect();
        assert_eq!(refused, [(3, "prompt"), (4, "duration")]);
        assert_eq!(plan.count, 1);

        let plan = plan_batch(&[], "sora-2-preview", &Choices::default(), 1);
        assert_eq!(plan.problems.len(), 1);
        let plan = plan_batch(&lines, "no-such-model", &Choices::default(), 1);
        assert_eq!(plan.problems[0].field, "model");
    }
}
