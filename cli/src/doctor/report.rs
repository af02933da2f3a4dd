//! The findings for people (tables, coloured on a terminal) and for machines (`--json`, the
//! shape profiles are read from: `{"models": {"<model>": {"<feature>": "<status>"}}}`, with details
//! beside it under other keys).

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::findings::{Findings, StartingPoint};
use super::status::Status;

/// ANSI colours, written by hand: four escape codes do not need a crate.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    pub colour: bool,
}

impl Palette {
    fn paint(self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn status(self, status: Status, padded: &str) -> String {
        let code = match status {
            Status::Supported => "32",
            Status::Unsupported => "31",
            Status::Ignored => "33",
            Status::Unknown => "2",
        };
        self.paint(code, padded)
    }

    fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }
}

/// The tables: one per model, then the verdict.
pub fn render(findings: &Findings, palette: Palette) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "promptfn doctor: {}", findings.base_url);
    let feature_width = findings
        .models
        .iter()
        .flat_map(|m| m.outcomes.iter().map(|(f, _)| f.len()))
        .max()
        .unwrap_or(0)
        .max("feature".len());
    let status_width = "accepted but ignored".len();
    for model in &findings.models {
        let _ = writeln!(out, "\n{}", palette.bold(&model.model));
        let _ = writeln!(
            out,
            "  {:feature_width$}  {:status_width$}  {:>6}  detail",
            "feature", "status", "tokens"
        );
        for (feature, outcome) in &model.outcomes {
            let status = format!("{:status_width$}", outcome.status.label());
            let line = format!(
                "  {feature:feature_width$}  {}  {:>6}  {}",
                palette.status(outcome.status, &status),
                outcome.tokens,
                outcome.detail
            );
            let _ = writeln!(out, "{}", line.trim_end());
        }
        let start = model.starting_point();
        let _ = writeln!(out, "  start from: {}", describe(&start));
        let _ = writeln!(out, "  tokens spent: {}", model.tokens());
    }
    let verdict = if findings.serve_typed_calls() {
        "every model can serve typed calls".to_owned()
    } else {
        let failing: Vec<&str> = findings
            .models
            .iter()
            .filter(|m| !m.serves_typed_calls())
            .map(|m| m.model.as_str())
            .collect();
        format!(
            "typed calls fail for {} (not even plain text was answered)",
            failing.join(", ")
        )
    };
    let _ = writeln!(out, "\n{}", palette.bold(&verdict));
    out
}

fn describe(start: &StartingPoint) -> String {
    let mut parts = Vec::new();
    if let Some(mode) = start.mode {
        parts.push(format!("mode {mode}"));
    }
    if let Some(style) = start.media_style {
        parts.push(format!("media style {style}"));
    }
    if let Some(field) = start.token_limit_field {
        parts.push(format!("token limit in {field}"));
    }
    if parts.is_empty() {
        "nothing works".to_owned()
    } else {
        parts.join(", ")
    }
}

/// The `--json` document.
pub fn to_json(findings: &Findings) -> Value {
    let mut models = Map::new();
    let mut details = Map::new();
    let mut start_from = Map::new();
    for model in &findings.models {
        let mut statuses = Map::new();
        let mut detail = Map::new();
        for (feature, outcome) in &model.outcomes {
            statuses.insert((*feature).to_owned(), json!(outcome.status.as_str()));
            detail.insert(
                (*feature).to_owned(),
                json!({
                    "status": outcome.status.as_str(),
                    "detail": outcome.detail,
                    "tokens": outcome.tokens,
                }),
            );
        }
        models.insert(model.model.clone(), Value::Object(statuses));
        details.insert(model.model.clone(), Value::Object(detail));
        let start = model.starting_point();
        start_from.insert(
            model.model.clone(),
            json!({
                "mode": start.mode,
                "media_style": start.media_style,
                "token_limit_field": start.token_limit_field,
                "stream_usage": start.stream_usage,
                "tokens": model.tokens(),
            }),
        );
    }
    json!({
        "base_url": findings.base_url,
        "models": models,
        "details": details,
        "start_from": start_from,
        "typed_calls": findings.serve_typed_calls(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::findings::ModelFindings;
    use crate::doctor::status::Outcome;

    fn findings() -> Findings {
        Findings {
            base_url: "http://127.0.0.1:1/v1".into(),
            models: vec![ModelFindings {
                model: "m".into(),
                outcomes: vec![
                    ("text", Outcome::supported("answered").costing(3)),
                    ("json_schema", Outcome::ignored("answered in prose")),
                ],
            }],
        }
    }

    #[test]
    fn colour_is_added_only_when_asked_for() {
        let plain = render(&findings(), Palette { colour: false });
        assert!(!plain.contains('\x1b'), "{plain}");
        let coloured = render(&findings(), Palette { colour: true });
        assert!(coloured.contains("\x1b[32msupported"), "{coloured}");
        assert!(
            coloured.contains("\x1b[33maccepted but ignored\x1b[0m"),
            "{coloured}"
        );
        // The columns line up the same with or without colour.
        let strip = coloured
            .replace("\x1b[32m", "")
            .replace("\x1b[33m", "")
            .replace("\x1b[1m", "")
            .replace("\x1b[0m", "");
        assert_eq!(strip, plain);
    }

    #[test]
    fn json_puts_plain_statuses_under_models() {
        let json = to_json(&findings());
        assert_eq!(json["models"]["m"]["text"], "supported");
        assert_eq!(json["models"]["m"]["json_schema"], "ignored");
        assert_eq!(json["details"]["m"]["text"]["tokens"], 3);
        assert_eq!(json["start_from"]["m"]["mode"], "prompt");
        assert_eq!(json["typed_calls"], true);
    }
}
