//! Splitting a README into YAML front matter and Markdown body, and parsing the YAML.
//!
//! The split follows what the Hub does: after an optional byte-order mark and blank lines, a line
//! that is exactly `---` opens the front matter and the next line that is exactly `---` closes it
//! (trailing spaces and `\r` allowed). A `---` that is never closed is a thematic break, not front
//! matter, and the whole text is body.
//!
//! YAML is untrusted: it is parsed with serde-saphyr under a budget (nesting depth, node count,
//! alias expansion), so alias bombs and deep nesting become a [`YamlError`], never a crash or an
//! unbounded allocation. YAML 1.2 booleans are used so that `language: no` (Norwegian) stays a
//! string. Keys that are not strings (`1:`, `~:`) are kept as their text.

use serde::Serialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// A YAML error, with the 1-based line of the README where it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YamlError {
    pub message: String,
    pub line: Option<u64>,
}

/// The front matter of a card, as found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrontMatter {
    /// A `---` … `---` block opens the README.
    pub present: bool,
    /// The block is valid YAML whose top level is a mapping (or empty).
    pub parsed: bool,
    /// Why it was not parsed.
    pub error: Option<YamlError>,
    /// Lines of the README taken by the block, both `---` lines included (1-based).
    pub lines: Option<(u64, u64)>,
    /// Top-level keys, in the order written.
    pub keys: Vec<String>,
    /// The parsed mapping (empty when absent or not parsed).
    #[serde(skip)]
    pub data: Map<String, Value>,
}

impl FrontMatter {
    fn absent() -> Self {
        FrontMatter {
            present: false,
            parsed: false,
            error: None,
            lines: None,
            keys: Vec::new(),
            data: Map::new(),
        }
    }
}

/// A README split into its parts.
pub(crate) struct Split<'a> {
    /// The YAML between the `---` lines, when there is a front matter block.
    pub yaml: Option<&'a str>,
    /// 1-based README line of the opening `---`.
    pub open_line: u64,
    /// 1-based README line of the closing `---`.
    pub close_line: u64,
    /// The Markdown after the front matter.
    pub body: &'a str,
    /// 1-based README line where `body` starts.
    pub body_line: u64,
}

/// Splits a README (BOM already removed) into front matter and body.
pub(crate) fn split(text: &str) -> Split<'_> {
    let no_front_matter = Split {
        yaml: None,
        open_line: 0,
        close_line: 0,
        body: text,
        body_line: 1,
    };
    let mut line_no = 0u64;
    let mut lines = LineIter::new(text);
    // Leading blank lines, then the opening marker.
    let yaml_start = loop {
        let Some((line, next)) = lines.next() else {
            return no_front_matter;
        };
        line_no += 1;
        if line.trim().is_empty() {
            continue;
        }
        if is_marker(line) {
            break next;
        }
        return no_front_matter;
    };
    let open_line = line_no;
    let mut yaml_end = yaml_start;
    for (line, next) in lines.by_ref() {
        line_no += 1;
        if is_marker(line) {
            return Split {
                yaml: Some(&text[yaml_start..yaml_end]),
                open_line,
                close_line: line_no,
                body: &text[next..],
                body_line: line_no + 1,
            };
        }
        yaml_end = next;
    }
    no_front_matter
}

fn is_marker(line: &str) -> bool {
    line.trim_end_matches([' ', '\t', '\r']) == "---"
}

/// Iterates lines as (line without `\n`, offset just after the line).
struct LineIter<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> LineIter<'a> {
    fn new(text: &'a str) -> Self {
        LineIter { text, at: 0 }
    }
}

impl<'a> Iterator for LineIter<'a> {
    type Item = (&'a str, usize);
    fn next(&mut self) -> Option<Self::Item> {
        if self.at >= self.text.len() {
            return None;
        }
        let rest = &self.text[self.at..];
        let (line, advance) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(pos) => (&rest[..pos], pos + 1),
            None => (rest, rest.len()),
        };
        self.at += advance;
        Some((line, self.at))
    }
}

/// What the block between the `---` lines turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlockKind {
    /// Metadata (valid or not): the body starts after the closing `---`.
    Metadata,
    /// Plain prose between two `---` rules (its YAML is a lone string): Markdown, part of the body.
    Markdown,
}

/// Parses the YAML of a front matter block.
pub(crate) fn parse(split: &Split<'_>, max_yaml_bytes: usize) -> (FrontMatter, BlockKind) {
    let Some(yaml) = split.yaml else {
        return (FrontMatter::absent(), BlockKind::Metadata);
    };
    let mut fm = FrontMatter {
        present: true,
        parsed: false,
        error: None,
        lines: Some((split.open_line, split.close_line)),
        keys: Vec::new(),
        data: Map::new(),
    };
    let first_yaml_line = split.open_line + 1;
    if yaml.len() > max_yaml_bytes {
        fm.error = Some(YamlError {
            message: format!(
                "front matter is {} bytes, over the {max_yaml_bytes}-byte limit; not parsed",
                yaml.len()
            ),
            line: Some(first_yaml_line),
        });
        return (fm, BlockKind::Metadata);
    }
    if let Some(expression) = unrendered_template(yaml) {
        fm.error = Some(YamlError {
            message: format!("front matter is an unrendered template ({expression}), not metadata"),
            line: Some(first_yaml_line),
        });
        return (fm, BlockKind::Metadata);
    }
    let mut kind = BlockKind::Metadata;
    match parse_yaml(yaml) {
        Ok(Value::Object(map)) => {
            fm.parsed = true;
            fm.keys = map.keys().cloned().collect();
            fm.data = map;
        }
        // Empty front matter, or only comments.
        Ok(Value::Null) => fm.parsed = true,
        Ok(Value::String(_)) => {
            // "---\nSome prose.\n---": two thematic breaks around a paragraph, not metadata.
            kind = BlockKind::Markdown;
            fm.error = Some(YamlError {
                message: "front matter is a string, not a mapping of keys to values; read as \
                          Markdown between two `---` rules"
                    .to_string(),
                line: Some(first_yaml_line),
            });
        }
        Ok(other) => {
            fm.error = Some(YamlError {
                message: format!(
                    "front matter is {}, not a mapping of keys to values",
                    describe(&other)
                ),
                line: Some(first_yaml_line),
            });
        }
        Err(err) => {
            let line = err.location().map(|l| l.line() + first_yaml_line - 1);
            fm.error = Some(YamlError {
                message: clean_message(&err.to_string()),
                line,
            });
        }
    }
    (fm, kind)
}

/// The first `{{ … }}` Jinja expression standing alone on a line of the YAML, if any: the
/// template's `{{ card_data }}` that was never rendered.
fn unrendered_template(yaml: &str) -> Option<&str> {
    yaml.lines().map(str::trim).find(|line| {
        line.starts_with("{{")
            && line.ends_with("}}")
            && !line[2..line.len() - 2].contains(['{', '}'])
    })
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "empty",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// serde-saphyr's message without the " at line L, column C" suffix (the line is reported in
/// README coordinates separately), and budget breaches said plainly.
fn clean_message(message: &str) -> String {
    let first_line = message.lines().next().unwrap_or(message);
    let core = first_line
        .find(" at line ")
        .map_or(first_line, |pos| &first_line[..pos]);
    if let Some(detail) = core.strip_prefix("budget breached: ") {
        return format!(
            "YAML exceeds the safety budget ({detail}): an alias bomb, or nesting or size far \
             beyond any real card"
        );
    }
    core.to_string()
}

fn options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options.duplicate_keys = serde_saphyr::options::DuplicateKeyPolicy::LastWins;
    options.non_finite_float_policy = serde_saphyr::options::NonFiniteFloatPolicy::AsString;
    options.with_snippet = false;
    options
}

fn parse_yaml(yaml: &str) -> Result<Value, serde_saphyr::Error> {
    serde_saphyr::from_str_with_options::<YamlValue>(yaml, options()).map(|v| v.0)
}

/// A YAML value converted to JSON, tolerating what JSON cannot hold (non-string keys, infinite
/// floats, huge integers, binary).
struct YamlValue(Value);

impl<'de> de::Deserialize<'de> for YamlValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ValueSeed.deserialize(deserializer).map(YamlValue)
    }
}

#[derive(Clone, Copy)]
struct ValueSeed;

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v)
            .map_or_else(|| Value::String(v.to_string()), Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::String(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        ValueSeed.deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        ValueSeed.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(ValueSeed)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let value = map.next_value_seed(ValueSeed)?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

/// Map keys: any scalar becomes its text. A list or mapping as a key is an error, as in PyYAML
/// (the Hub's Python client), which cannot hash it.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        match deserializer.deserialize_any(ValueVisitor)? {
            Value::String(s) => Ok(s),
            Value::Null => Ok("null".to_string()),
            Value::Array(_) | Value::Object(_) => Err(de::Error::custom(
                "a mapping key is itself a list or mapping",
            )),
            other => Ok(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn front_matter(text: &str) -> FrontMatter {
        parse(&split(text), 1 << 20).0
    }

    #[test]
    fn splits_front_matter_from_body() {
        let s = split("---\nlicense: mit\n---\n# Title\n");
        assert_eq!(s.yaml, Some("license: mit\n"));
        assert_eq!(s.body, "# Title\n");
        assert_eq!((s.open_line, s.close_line, s.body_line), (1, 3, 4));
    }

    #[test]
    fn tolerates_leading_blank_lines_and_crlf() {
        let s = split("\n  \r\n---\r\nlicense: mit\r\n---\r\nbody");
        assert_eq!(s.yaml, Some("license: mit\r\n"));
        assert_eq!(s.open_line, 3);
        assert_eq!(s.body, "body");
        let fm = front_matter("\n\n---\r\nlicense: mit\r\nlanguage: eo\r\n---\r\n");
        assert!(fm.parsed);
        assert_eq!(fm.keys, ["license", "language"]);
    }

    #[test]
    fn a_rule_that_is_never_closed_is_not_front_matter() {
        let s = split("---\n# Title\n\nSome text.\n");
        assert!(s.yaml.is_none());
        assert_eq!(s.body, "---\n# Title\n\nSome text.\n");
        assert!(split("----\na: b\n----\n").yaml.is_none());
        assert!(split("# Title\n---\na: b\n---\n").yaml.is_none());
        assert!(split("").yaml.is_none());
    }

    #[test]
    fn empty_front_matter_is_parsed_and_empty() {
        let fm = front_matter("---\n---\nbody");
        assert!(fm.present && fm.parsed && fm.keys.is_empty());
        let fm = front_matter("---\n# just a comment\n---\n");
        assert!(fm.parsed);
    }

    #[test]
    fn a_list_is_not_a_mapping() {
        let fm = front_matter("---\n[]\n---\n\n# invalid-card-data\n");
        assert!(fm.present && !fm.parsed);
        let err = fm.error.unwrap();
        assert_eq!(
            err.message,
            "front matter is a list, not a mapping of keys to values"
        );
        assert_eq!(err.line, Some(2));
    }

    #[test]
    fn yaml_errors_carry_the_readme_line() {
        let fm = front_matter("\n---\nlicense: mit\ntags: [a, b\nfoo: bar\n---\n");
        assert!(!fm.parsed);
        let err = fm.error.unwrap();
        assert!(!err.message.contains(" at line "), "{}", err.message);
        // The error is on "foo: bar", README line 5 (front matter opens on line 2).
        assert_eq!(err.line, Some(5));
    }

    #[test]
    fn yaml_1_2_booleans_and_odd_keys() {
        let fm = front_matter("---\nlanguage:\n- no\n- en\n1: one\n~: nothing\nx: .inf\n---\n");
        assert!(fm.parsed, "{:?}", fm.error);
        assert_eq!(fm.data["language"], serde_json::json!(["no", "en"]));
        assert_eq!(fm.data["1"], "one");
        assert_eq!(fm.data["null"], "nothing");
        assert_eq!(fm.data["x"], ".inf");
    }

    #[test]
    fn complex_keys_and_unrendered_templates_are_errors() {
        let fm = front_matter("---\n? [a, b]\n: c\n---\n");
        assert!(fm.present && !fm.parsed);
        let fm = front_matter("---\n{{card_data}}\n---\n");
        let err = fm.error.unwrap();
        assert_eq!(
            err.message,
            "front matter is an unrendered template ({{card_data}}), not metadata"
        );
        assert_eq!(err.line, Some(2));
        // Braces inside a value are just text.
        assert!(front_matter("---\ntitle: \"{{x}}\"\n---\n").parsed);
    }

    // Alias bombs and deep nesting: see tests/hostile.rs.

    #[test]
    fn oversized_front_matter_is_not_parsed() {
        let text = format!("---\na: {}\n---\n", "x".repeat(100));
        let (fm, _) = parse(&split(&text), 50);
        assert!(fm.present && !fm.parsed);
        assert!(fm.error.unwrap().message.contains("over the 50-byte limit"));
    }
}
