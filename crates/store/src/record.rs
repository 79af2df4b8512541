//! The records the store keeps, as they arrive from any source: the Hub API, a dump file, the
//! forum. Every field of a [`ModelRecord`] is optional because sources know different things
//! (Liang et al.'s dataset has creation times and downloads but no tags; SAIL's has variants);
//! storing a record never erases what another source already said.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::time::{check_plausible, outside_timestamp};

/// A model, as one source describes it. `None` means "this source does not say".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelRecord {
    /// The repository id, `author/name` (older models have no author part: `bert-base-uncased`).
    pub id: String,
    /// The Hub's internal object id (`_id`).
    pub hub_object_id: Option<String>,
    pub author: Option<String>,
    pub sha: Option<String>,
    pub created_at: Option<String>,
    pub last_modified: Option<String>,
    pub downloads: Option<i64>,
    pub downloads_all_time: Option<i64>,
    pub likes: Option<i64>,
    pub library: Option<String>,
    pub pipeline_tag: Option<String>,
    /// `config.model_type`.
    pub model_type: Option<String>,
    /// `config.architectures`.
    pub architectures: Option<Vec<String>>,
    pub gated: Option<Gated>,
    pub private: Option<bool>,
    pub disabled: Option<bool>,
    pub tags: Option<Vec<String>>,
    /// File names of the repository (`siblings[].rfilename`).
    pub siblings: Option<Vec<String>>,
    /// `safetensors.total`: parameters stored in safetensors files.
    pub safetensors_params: Option<i64>,
    /// `safetensors.parameters`: parameters per dtype, as JSON (`{"BF16": 6738415616}`).
    pub safetensors_dtypes: Option<String>,
    pub used_storage: Option<i64>,
    /// `cardData`: the card's parsed front matter, as JSON.
    pub card_data: Option<String>,
    /// `config`, the whole object, as JSON.
    pub config: Option<String>,
    /// `model-index` (the evaluation results), as JSON.
    pub model_index: Option<String>,
    /// `baseModels` (base models and relation, when the Hub computes them), as JSON.
    pub base_models: Option<String>,
    /// `transformersInfo` (auto class, processor), as JSON.
    pub transformers_info: Option<String>,
    /// `spaces`: ids of the Spaces that use the model.
    pub spaces: Option<Vec<String>>,
    /// `inference`: the serverless inference status (warm, cold, …).
    pub inference: Option<String>,
    /// Whether the model has a card (Liang et al.'s `has_modelcard`).
    pub has_card: Option<bool>,
    /// Liang et al.'s `task_domain` (nlp, cv, audio, multimodal, …).
    pub task_domain: Option<String>,
    /// SAIL's `variants` label (finetuned, quantized, compressed, deduplicated).
    pub variant: Option<String>,
    /// Base-model relations derived from `tags` and `cardData`; `None` when the source gave
    /// neither (the stored relations are then left as they are).
    pub lineage: Option<Vec<LineageEdge>>,
}

/// Whether a model is gated, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gated {
    No,
    /// Gated, mode not given (`gated: true`).
    Yes,
    Auto,
    Manual,
}

impl Gated {
    pub fn as_str(self) -> &'static str {
        match self {
            Gated::No => "no",
            Gated::Yes => "yes",
            Gated::Auto => "auto",
            Gated::Manual => "manual",
        }
    }

    fn from_value(value: &Value) -> Option<Gated> {
        match value {
            Value::Bool(false) => Some(Gated::No),
            Value::Bool(true) => Some(Gated::Yes),
            Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "auto" => Some(Gated::Auto),
                "manual" => Some(Gated::Manual),
                "false" | "no" | "" => Some(Gated::No),
                "true" | "yes" => Some(Gated::Yes),
                _ => None,
            },
            _ => None,
        }
    }
}

/// A base-model relation: `child` (the record's model) was derived from `parent`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineageEdge {
    pub parent: String,
    pub relation: Relation,
    pub source: LineageSource,
}

/// How a model derives from its base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Relation {
    Finetune,
    Adapter,
    Quantized,
    Merge,
    /// `base_model` given without a relation.
    Unspecified,
}

impl Relation {
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Finetune => "finetune",
            Relation::Adapter => "adapter",
            Relation::Quantized => "quantized",
            Relation::Merge => "merge",
            Relation::Unspecified => "unspecified",
        }
    }

    fn parse(text: &str) -> Option<Relation> {
        match text.trim().to_ascii_lowercase().as_str() {
            "finetune" | "fine-tune" | "finetuned" => Some(Relation::Finetune),
            "adapter" => Some(Relation::Adapter),
            "quantized" | "quantization" => Some(Relation::Quantized),
            "merge" | "merged" => Some(Relation::Merge),
            _ => None,
        }
    }
}

/// Where a lineage relation was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LineageSource {
    /// A `base_model:…` tag of the Hub.
    Tags,
    /// `cardData.base_model` from the Hub API.
    CardData,
    /// `base_model` in the front matter of an ingested README.
    Card,
}

impl LineageSource {
    pub fn as_str(self) -> &'static str {
        match self {
            LineageSource::Tags => "tags",
            LineageSource::CardData => "card_data",
            LineageSource::Card => "card",
        }
    }
}

/// The fields of a model record, and the column names each is known by in the real layouts
/// (`/api/models`, Liang et al.'s Parquet, SAIL's CSV). Names match case-insensitively, ignoring
/// `_` and `-`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelField {
    Id,
    /// A name that is the id when it contains `/`, and is joined to the author otherwise.
    Name,
    HubObjectId,
    Author,
    Sha,
    CreatedAt,
    LastModified,
    Downloads,
    DownloadsAllTime,
    Likes,
    Library,
    PipelineTag,
    ModelType,
    Config,
    Gated,
    Private,
    Disabled,
    Tags,
    Siblings,
    Safetensors,
    SafetensorsParams,
    UsedStorage,
    CardData,
    HasCard,
    TaskDomain,
    Variant,
    ModelIndex,
    BaseModels,
    TransformersInfo,
    Spaces,
    Inference,
}

const FIELD_NAMES: &[(&str, ModelField)] = &[
    ("id", ModelField::Id),
    ("modelid", ModelField::Id),
    ("repoid", ModelField::Id),
    ("modelname", ModelField::Name),
    ("name", ModelField::Name),
    ("_id", ModelField::HubObjectId),
    ("author", ModelField::Author),
    ("owner", ModelField::Author),
    ("sha", ModelField::Sha),
    ("createdat", ModelField::CreatedAt),
    ("creationtime", ModelField::CreatedAt),
    ("created", ModelField::CreatedAt),
    ("lastmodified", ModelField::LastModified),
    ("downloads", ModelField::Downloads),
    ("downloadsalltime", ModelField::DownloadsAllTime),
    ("likes", ModelField::Likes),
    ("libraryname", ModelField::Library),
    ("library", ModelField::Library),
    ("pipelinetag", ModelField::PipelineTag),
    ("pipeline", ModelField::PipelineTag),
    ("taskcategory", ModelField::PipelineTag),
    ("task", ModelField::PipelineTag),
    ("modeltype", ModelField::ModelType),
    ("config", ModelField::Config),
    ("gated", ModelField::Gated),
    ("private", ModelField::Private),
    ("disabled", ModelField::Disabled),
    ("tags", ModelField::Tags),
    ("siblings", ModelField::Siblings),
    ("safetensors", ModelField::Safetensors),
    ("safetensorsparams", ModelField::SafetensorsParams),
    ("parameters", ModelField::SafetensorsParams),
    ("usedstorage", ModelField::UsedStorage),
    ("carddata", ModelField::CardData),
    ("hasmodelcard", ModelField::HasCard),
    ("hascard", ModelField::HasCard),
    ("taskdomain", ModelField::TaskDomain),
    ("variants", ModelField::Variant),
    ("variant", ModelField::Variant),
    ("modelindex", ModelField::ModelIndex),
    ("basemodels", ModelField::BaseModels),
    ("transformersinfo", ModelField::TransformersInfo),
    ("spaces", ModelField::Spaces),
    ("inference", ModelField::Inference),
];

impl ModelField {
    /// The field a column (or JSON key) name means; `None` for columns the store ignores.
    pub fn from_name(name: &str) -> Option<ModelField> {
        if name == "_id" {
            return Some(ModelField::HubObjectId);
        }
        let key: String = name
            .chars()
            .filter(|c| *c != '_' && *c != '-' && *c != ' ')
            .flat_map(char::to_lowercase)
            .collect();
        FIELD_NAMES
            .iter()
            .find(|(alias, _)| *alias == key)
            .map(|(_, field)| *field)
    }
}

/// Builds a [`ModelRecord`] from named values, coercing types and collecting what could not be
/// used. Used for JSON objects and for the rows of columnar files alike.
#[derive(Debug, Default)]
pub struct RecordBuilder {
    record: ModelRecord,
    name: Option<String>,
    issues: Vec<String>,
}

impl RecordBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a field from a JSON value. A value of the wrong type is dropped with an issue.
    pub fn set(&mut self, field: ModelField, column: &str, value: &Value) {
        if value.is_null() {
            return;
        }
        let r = &mut self.record;
        let ok = match field {
            ModelField::Id => match text(value) {
                Some(id) => {
                    r.id = id;
                    true
                }
                None => false,
            },
            ModelField::Name => {
                self.name = text(value);
                self.name.is_some()
            }
            ModelField::HubObjectId => assign(&mut r.hub_object_id, text(value)),
            ModelField::Author => assign(&mut r.author, text(value)),
            ModelField::Sha => assign(&mut r.sha, text(value)),
            ModelField::CreatedAt => {
                return self.set_time(column, value, true);
            }
            ModelField::LastModified => {
                return self.set_time(column, value, false);
            }
            ModelField::Downloads => assign(&mut r.downloads, integer(value)),
            ModelField::DownloadsAllTime => assign(&mut r.downloads_all_time, integer(value)),
            ModelField::Likes => assign(&mut r.likes, integer(value)),
            ModelField::Library => assign(&mut r.library, text(value)),
            ModelField::PipelineTag => assign(&mut r.pipeline_tag, text(value)),
            ModelField::ModelType => assign(&mut r.model_type, text(value)),
            ModelField::Config => match value {
                Value::Object(config) => {
                    if let Some(t) = config.get("model_type").and_then(text) {
                        r.model_type = Some(t);
                    }
                    if let Some(a) = config.get("architectures").and_then(string_list) {
                        r.architectures = Some(a);
                    }
                    r.config = Some(value.to_string());
                    true
                }
                _ => false,
            },
            ModelField::ModelIndex => assign(&mut r.model_index, json_of(value, |v| v.is_array())),
            ModelField::BaseModels => assign(
                &mut r.base_models,
                json_of(value, |v| v.is_object() || v.is_array()),
            ),
            ModelField::TransformersInfo => {
                assign(&mut r.transformers_info, json_of(value, Value::is_object))
            }
            ModelField::Spaces => assign(&mut r.spaces, string_list(value)),
            ModelField::Inference => assign(&mut r.inference, text(value)),
            ModelField::Gated => assign(&mut r.gated, Gated::from_value(value)),
            ModelField::Private => assign(&mut r.private, boolean(value)),
            ModelField::Disabled => assign(&mut r.disabled, boolean(value)),
            ModelField::Tags => assign(&mut r.tags, string_list(value)),
            ModelField::Siblings => assign(&mut r.siblings, sibling_names(value)),
            ModelField::Safetensors => match value {
                Value::Object(st) => {
                    r.safetensors_params = st.get("total").and_then(integer);
                    r.safetensors_dtypes = st.get("parameters").map(Value::to_string);
                    true
                }
                _ => false,
            },
            ModelField::SafetensorsParams => assign(&mut r.safetensors_params, integer(value)),
            ModelField::UsedStorage => assign(&mut r.used_storage, integer(value)),
            ModelField::CardData => match value {
                Value::Object(_) => {
                    r.card_data = Some(value.to_string());
                    true
                }
                Value::String(s) => match serde_json::from_str::<Value>(s) {
                    Ok(parsed @ Value::Object(_)) => {
                        r.card_data = Some(parsed.to_string());
                        true
                    }
                    _ => false,
                },
                _ => false,
            },
            ModelField::HasCard => assign(&mut r.has_card, boolean(value)),
            ModelField::TaskDomain => assign(&mut r.task_domain, text(value)),
            ModelField::Variant => assign(&mut r.variant, text(value)),
        };
        if !ok {
            self.issues.push(format!(
                "{column}: unexpected {} value, dropped",
                kind_of(value)
            ));
        }
    }

    fn set_time(&mut self, column: &str, value: &Value, created: bool) {
        let parsed = match value {
            Value::String(s) => outside_timestamp(s),
            other => Err(format!(
                "unexpected {} value {} (expected an ISO 8601 date, e.g. \
                 2022-05-19T11:53:33.000Z)",
                kind_of(other),
                crate::text::ellipsis(&other.to_string(), 41)
            )),
        };
        match parsed {
            Ok(t) if created => self.record.created_at = Some(t),
            Ok(t) => self.record.last_modified = Some(t),
            Err(why) => self.issues.push(format!("{column}: {why}, dropped")),
        }
    }

    /// Sets an already normalised creation or modification time (from a typed column).
    /// A date outside the plausible window is dropped with an issue, as from text.
    pub fn set_timestamp(&mut self, field: ModelField, timestamp: String) {
        let timestamp = match check_plausible(timestamp) {
            Ok(t) => t,
            Err(why) => {
                let column = match field {
                    ModelField::CreatedAt => "createdAt",
                    _ => "lastModified",
                };
                self.issues.push(format!("{column}: {why}, dropped"));
                return;
            }
        };
        match field {
            ModelField::CreatedAt => self.record.created_at = Some(timestamp),
            ModelField::LastModified => self.record.last_modified = Some(timestamp),
            _ => {}
        }
    }

    /// The record, or why there is none (no id). `issues` receives the fields that were dropped.
    pub fn finish(mut self, issues: &mut Vec<String>) -> Result<ModelRecord, String> {
        issues.append(&mut self.issues);
        let mut r = self.record;
        if r.id.is_empty()
            && let Some(name) = self.name.take()
        {
            r.id = match (&r.author, name.contains('/')) {
                (_, true) => name,
                (Some(author), false) => format!("{author}/{name}"),
                (None, false) => name,
            };
        }
        r.id = r.id.trim().to_string();
        if r.id.is_empty() {
            return Err("no model id (expected a column named id, modelId or model_name)".into());
        }
        if r.author.is_none() {
            r.author = r.id.split_once('/').map(|(a, _)| a.to_string());
        }
        r.lineage = derive_lineage(r.tags.as_deref(), r.card_data.as_deref());
        Ok(r)
    }
}

/// The `/api/models` shape, read without building a JSON tree: strings borrow from the input,
/// unknown keys are skipped, `cardData` stays JSON text. Any line that does not fit (a number
/// where a string should be, a duplicate key, …) is read by the tolerant path instead.
#[derive(Deserialize)]
struct ApiModel<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "modelId")]
    model_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "_id")]
    object_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    author: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    sha: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "createdAt")]
    created_at: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "lastModified")]
    last_modified: Option<Cow<'a, str>>,
    #[serde(default)]
    downloads: Option<i64>,
    #[serde(default, rename = "downloadsAllTime")]
    downloads_all_time: Option<i64>,
    #[serde(default)]
    likes: Option<i64>,
    #[serde(borrow, default)]
    library_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pipeline_tag: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    config: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "model-index")]
    model_index: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "baseModels")]
    base_models: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "transformersInfo")]
    transformers_info: Option<&'a RawValue>,
    #[serde(borrow, default)]
    spaces: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow, default)]
    inference: Option<Cow<'a, str>>,
    #[serde(default)]
    gated: Option<Value>,
    #[serde(default)]
    private: Option<bool>,
    #[serde(default)]
    disabled: Option<bool>,
    #[serde(borrow, default)]
    tags: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow, default)]
    siblings: Option<Vec<ApiSibling<'a>>>,
    #[serde(borrow, default)]
    safetensors: Option<ApiSafetensors<'a>>,
    #[serde(default, rename = "usedStorage")]
    used_storage: Option<i64>,
    #[serde(borrow, default, rename = "cardData")]
    card_data: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct ApiConfig<'a> {
    #[serde(borrow, default)]
    model_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    architectures: Option<Vec<Cow<'a, str>>>,
}

#[derive(Deserialize)]
struct ApiSibling<'a> {
    #[serde(borrow)]
    rfilename: Cow<'a, str>,
}

#[derive(Deserialize)]
struct ApiSafetensors<'a> {
    #[serde(default)]
    total: Option<i64>,
    #[serde(borrow, default)]
    parameters: Option<&'a RawValue>,
}

/// JSON text without the whitespace between tokens (the text must be valid JSON).
pub fn minify_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

fn owned(text: Option<Cow<'_, str>>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

impl ModelRecord {
    /// A record from one line of an `/api/models` dump (or one object of an API page): the
    /// typed fast path when the line has the documented shape, the tolerant path otherwise.
    pub fn from_api_json(line: &[u8], issues: &mut Vec<String>) -> Result<Self, String> {
        if let Ok(api) = serde_json::from_slice::<ApiModel<'_>>(line)
            && let Some(record) = Self::from_typed(api, issues)
        {
            return record;
        }
        match parse_dropping_huge_numbers(line, issues) {
            Ok(Value::Object(object)) => Self::from_api_object(&object, issues),
            Ok(_) => Err("not a JSON object".to_string()),
            Err(err) => Err(format!("not JSON: {err}")),
        }
    }

    /// `None` when a field needs the tolerant path (to be coerced, or reported).
    fn from_typed(api: ApiModel<'_>, issues: &mut Vec<String>) -> Option<Result<Self, String>> {
        let time = |field: Option<Cow<'_, str>>| -> Option<Option<String>> {
            match field {
                None => Some(None),
                // An unexpected or implausible date goes to the tolerant path, which says why.
                Some(t) => outside_timestamp(&t).ok().map(Some),
            }
        };
        let created_at = time(api.created_at)?;
        let last_modified = time(api.last_modified)?;
        let gated = match &api.gated {
            None | Some(Value::Null) => None,
            Some(v) => Some(Gated::from_value(v)?),
        };
        // JSON fields of the expected shape are kept as (minified) text; any other shape goes
        // to the tolerant path, which says what was dropped.
        let raw_json = |raw: Option<&RawValue>, open: &[char]| -> Option<Option<String>> {
            match raw.map(RawValue::get) {
                None | Some("null") => Some(None),
                Some(text) if text.trim_start().starts_with(open) => Some(Some(minify_json(text))),
                Some(_) => None,
            }
        };
        let card_data = raw_json(api.card_data, &['{'])?;
        let config = raw_json(api.config, &['{'])?;
        let model_index = raw_json(api.model_index, &['['])?;
        let base_models = raw_json(api.base_models, &['{', '['])?;
        let transformers_info = raw_json(api.transformers_info, &['{'])?;
        let (safetensors_params, safetensors_dtypes) = match api.safetensors {
            Some(st) => (st.total, st.parameters.map(|p| minify_json(p.get()))),
            None => (None, None),
        };
        let mut record = ModelRecord {
            id: owned(api.id.or(api.model_id)).unwrap_or_default(),
            hub_object_id: owned(api.object_id),
            author: owned(api.author),
            sha: owned(api.sha),
            created_at,
            last_modified,
            downloads: api.downloads,
            downloads_all_time: api.downloads_all_time,
            likes: api.likes,
            library: owned(api.library_name),
            pipeline_tag: owned(api.pipeline_tag),
            model_type: None,
            architectures: None,
            gated,
            private: api.private,
            disabled: api.disabled,
            tags: api
                .tags
                .map(|t| t.into_iter().filter_map(|t| owned(Some(t))).collect()),
            siblings: api
                .siblings
                .map(|s| s.into_iter().map(|s| s.rfilename.into_owned()).collect()),
            safetensors_params,
            safetensors_dtypes,
            used_storage: api.used_storage,
            card_data,
            config: None,
            model_index,
            base_models,
            transformers_info,
            spaces: api
                .spaces
                .map(|s| s.into_iter().filter_map(|s| owned(Some(s))).collect()),
            inference: owned(api.inference),
            has_card: None,
            task_domain: None,
            variant: None,
            lineage: None,
        };
        if let Some(text) = config {
            let parsed: ApiConfig<'_> = serde_json::from_str(&text).ok()?;
            record.model_type = owned(parsed.model_type);
            record.architectures = parsed
                .architectures
                .map(|a| a.into_iter().filter_map(|a| owned(Some(a))).collect());
            record.config = Some(text);
        }
        let builder = RecordBuilder {
            record,
            name: None,
            issues: Vec::new(),
        };
        Some(builder.finish(issues))
    }

    /// A record from one `/api/models` object (or any JSON object with the same field names).
    pub fn from_api_object(
        object: &Map<String, Value>,
        issues: &mut Vec<String>,
    ) -> Result<Self, String> {
        let mut builder = RecordBuilder::new();
        for (key, value) in object {
            if let Some(field) = ModelField::from_name(key) {
                builder.set(field, key, value);
            }
        }
        builder.finish(issues)
    }
}

/// Parses a JSON line; a number too large for a double (`"downloads": 1e400`) costs its field
/// (it becomes null, with an issue), not the record. At most 16 such numbers are dropped.
fn parse_dropping_huge_numbers(
    line: &[u8],
    issues: &mut Vec<String>,
) -> Result<Value, serde_json::Error> {
    let mut text: std::borrow::Cow<'_, [u8]> = std::borrow::Cow::Borrowed(line);
    for _ in 0..16 {
        match serde_json::from_slice::<Value>(&text) {
            Err(err) if err.to_string().starts_with("number out of range") && err.line() == 1 => {
                let is_number =
                    |b: u8| b.is_ascii_digit() || matches!(b, b'e' | b'E' | b'+' | b'-' | b'.');
                let bytes = text.as_ref();
                let at = err.column().min(bytes.len());
                let mut start = at.saturating_sub(1);
                while start > 0 && is_number(bytes[start - 1]) {
                    start -= 1;
                }
                let mut end = at.saturating_sub(1);
                while end < bytes.len() && is_number(bytes[end]) {
                    end += 1;
                }
                if start >= end {
                    return Err(err);
                }
                let shown =
                    String::from_utf8_lossy(&bytes[start..end.min(start + 40)]).into_owned();
                issues.push(format!(
                    "a number out of range ({shown}) at column {}, dropped",
                    start + 1
                ));
                let mut fixed = Vec::with_capacity(bytes.len());
                fixed.extend_from_slice(&bytes[..start]);
                fixed.extend_from_slice(b"null");
                fixed.extend_from_slice(&bytes[end..]);
                text = std::borrow::Cow::Owned(fixed);
            }
            other => return other,
        }
    }
    serde_json::from_slice::<Value>(&text)
}

fn assign<T>(slot: &mut Option<T>, value: Option<T>) -> bool {
    match value {
        Some(v) => {
            *slot = Some(v);
            true
        }
        None => false,
    }
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Compact JSON text of a value of the expected shape (or of JSON text of that shape).
fn json_of(value: &Value, shape: impl Fn(&Value) -> bool) -> Option<String> {
    match value {
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(parsed) if shape(&parsed) => Some(parsed.to_string()),
            _ => None,
        },
        v if shape(v) => Some(v.to_string()),
        _ => None,
    }
}

fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e18)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().and_then(|i| match i {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A list of strings: a JSON array, JSON array text (`["a","b"]`), or `;`-separated text.
fn string_list(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Array(items) => Some(items.iter().filter_map(text).collect()),
        Value::String(s) => {
            let s = s.trim();
            if s.starts_with('[') {
                match serde_json::from_str::<Value>(s) {
                    Ok(Value::Array(items)) => Some(items.iter().filter_map(text).collect()),
                    _ => None,
                }
            } else if s.is_empty() {
                Some(Vec::new())
            } else {
                Some(
                    s.split(';')
                        .map(|t| t.trim().to_string())
                        .filter(|t| !t.is_empty())
                        .collect(),
                )
            }
        }
        _ => None,
    }
}

/// `[{"rfilename": "README.md"}, …]` (the API) or a plain list of names.
fn sibling_names(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(|item| match item {
                    Value::Object(o) => o.get("rfilename").and_then(text),
                    other => text(other),
                })
                .collect(),
        ),
        other => string_list(other),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "text",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

/// Base-model relations from `base_model:[relation:]id` tags and `cardData.base_model` (with
/// `base_model_relation`). A parent named both with and without a relation keeps the relation.
pub fn derive_lineage(
    tags: Option<&[String]>,
    card_data: Option<&str>,
) -> Option<Vec<LineageEdge>> {
    if tags.is_none() && card_data.is_none() {
        return None;
    }
    let mut edges = Vec::new();
    for tag in tags.unwrap_or_default() {
        let Some(rest) = tag.strip_prefix("base_model:") else {
            continue;
        };
        let (relation, parent) = match rest.split_once(':') {
            Some((rel, parent)) => match Relation::parse(rel) {
                Some(relation) => (relation, parent),
                None => (Relation::Unspecified, rest),
            },
            None => (Relation::Unspecified, rest),
        };
        push_edge(&mut edges, parent, relation, LineageSource::Tags);
    }
    /// Only the two keys lineage needs; the rest of the card data is skipped unread.
    #[derive(Deserialize)]
    struct BaseModel {
        #[serde(default)]
        base_model: Option<Value>,
        #[serde(default)]
        base_model_relation: Option<Value>,
    }
    if let Some(Ok(data)) = card_data.map(serde_json::from_str::<BaseModel>) {
        let relation = data
            .base_model_relation
            .as_ref()
            .and_then(Value::as_str)
            .and_then(Relation::parse)
            .unwrap_or(Relation::Unspecified);
        let parents = match data.base_model {
            Some(Value::String(s)) => vec![s],
            Some(Value::Array(items)) => items.iter().filter_map(text).collect(),
            _ => Vec::new(),
        };
        for parent in parents {
            push_edge(&mut edges, &parent, relation, LineageSource::CardData);
        }
    }
    Some(edges)
}

/// Adds an edge, keeping one per (parent, source): a relation beats "unspecified".
pub fn push_edge(
    edges: &mut Vec<LineageEdge>,
    parent: &str,
    relation: Relation,
    source: LineageSource,
) {
    let parent = parent
        .trim()
        .trim_start_matches("https://huggingface.co/")
        .trim_end_matches('/');
    if parent.is_empty() {
        return;
    }
    if let Some(existing) = edges
        .iter_mut()
        .find(|e| e.parent == parent && e.source == source)
    {
        if existing.relation == Relation::Unspecified {
            existing.relation = relation;
        }
        return;
    }
    edges.push(LineageEdge {
        parent: parent.to_string(),
        relation,
        source,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(value: Value) -> (Result<ModelRecord, String>, Vec<String>) {
        let mut issues = Vec::new();
        let Value::Object(map) = value else {
            unreachable!("tests pass objects")
        };
        (ModelRecord::from_api_object(&map, &mut issues), issues)
    }

    #[test]
    fn api_objects_are_read() {
        let (r, issues) = record(json!({
            "_id": "62862fbd", "id": "bigscience/bloom", "author": "bigscience",
            "createdAt": "2022-05-19T11:53:33.000Z", "downloads": 3932, "likes": 4887,
            "gated": false, "private": false, "library_name": "transformers",
            "config": {"model_type": "bloom", "architectures": ["BloomForCausalLM"]},
            "tags": ["transformers", "base_model:finetune:org/base", "base_model:org/base"],
            "siblings": [{"rfilename": "README.md"}, {"rfilename": "model.safetensors"}],
            "safetensors": {"parameters": {"BF16": 176}, "total": 176},
            "cardData": {"license": "mit", "base_model": "org/other"},
            "unknownField": [1, 2]
        }));
        let r = r.unwrap();
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(r.id, "bigscience/bloom");
        assert_eq!(r.model_type.as_deref(), Some("bloom"));
        assert_eq!(
            r.architectures.as_deref(),
            Some(&["BloomForCausalLM".to_string()][..])
        );
        assert_eq!(r.gated, Some(Gated::No));
        assert_eq!(r.siblings.unwrap(), ["README.md", "model.safetensors"]);
        assert_eq!(r.safetensors_params, Some(176));
        assert_eq!(r.safetensors_dtypes.as_deref(), Some(r#"{"BF16":176}"#));
        let lineage = r.lineage.unwrap();
        assert_eq!(
            lineage,
            [
                LineageEdge {
                    parent: "org/base".into(),
                    relation: Relation::Finetune,
                    source: LineageSource::Tags
                },
                LineageEdge {
                    parent: "org/other".into(),
                    relation: Relation::Unspecified,
                    source: LineageSource::CardData
                },
            ]
        );
    }

    #[test]
    fn liang_and_sail_column_names() {
        assert_eq!(ModelField::from_name("modelId"), Some(ModelField::Id));
        assert_eq!(
            ModelField::from_name("creation_time"),
            Some(ModelField::CreatedAt)
        );
        assert_eq!(
            ModelField::from_name("has_modelcard"),
            Some(ModelField::HasCard)
        );
        assert_eq!(
            ModelField::from_name("task_category"),
            Some(ModelField::PipelineTag)
        );
        assert_eq!(ModelField::from_name("owner"), Some(ModelField::Author));
        assert_eq!(ModelField::from_name("model_name"), Some(ModelField::Name));
        assert_eq!(ModelField::from_name("variants"), Some(ModelField::Variant));
        assert_eq!(ModelField::from_name("whatever"), None);
    }

    #[test]
    fn names_join_the_author_unless_they_hold_the_id() {
        let (r, _) = record(json!({"owner": "a", "model_name": "a/b"}));
        assert_eq!(r.unwrap().id, "a/b");
        let (r, _) = record(json!({"owner": "a", "model_name": "b"}));
        assert_eq!(r.unwrap().id, "a/b");
    }

    #[test]
    fn a_number_out_of_range_drops_the_field_not_the_record() {
        let mut issues = Vec::new();
        let r = ModelRecord::from_api_json(
            br#"{"id":"a/b","downloads":1e400,"likes":-2E999,"createdAt":"2023-01-01"}"#,
            &mut issues,
        )
        .unwrap();
        assert_eq!(r.id, "a/b");
        assert_eq!(r.downloads, None);
        assert_eq!(r.likes, None);
        assert!(r.created_at.is_some());
        assert_eq!(issues.len(), 2, "{issues:?}");
        assert!(issues[0].contains("1e400"), "{issues:?}");
    }

    #[test]
    fn wrong_types_and_bad_dates_drop_the_field_not_the_record() {
        let (r, issues) = record(json!({
            "id": "x/y", "downloads": "many", "createdAt": "12/05/2022", "likes": 3.0, "private": "yes"
        }));
        let r = r.unwrap();
        assert_eq!(
            (r.downloads, r.created_at, r.likes, r.private),
            (None, None, Some(3), Some(true))
        );
        assert_eq!(issues.len(), 2);
        assert!(
            issues[0].starts_with("downloads: unexpected text value"),
            "{issues:?}"
        );
        assert!(
            issues[1].contains("unexpected date format \"12/05/2022\""),
            "{issues:?}"
        );
    }

    #[test]
    fn a_record_without_id_is_refused() {
        let (r, _) = record(json!({"author": "a", "downloads": 1}));
        assert!(r.unwrap_err().starts_with("no model id"));
        let (r, _) = record(json!({"id": "   "}));
        assert!(r.is_err());
    }

    #[test]
    fn the_fast_path_and_the_tolerant_path_agree() {
        let line = br#"{"_id": "6", "id": "org/m", "author": "org", "createdAt": "2022-05-19T11:53:33.000Z",
            "downloads": 5, "gated": "auto", "private": false, "config": {"model_type": "llama", "x": [1]},
            "tags": ["a", "base_model:finetune:org/base"], "siblings": [{"rfilename": "README.md"}],
            "safetensors": {"parameters": {"BF16": 7}, "total": 7},
            "cardData": {"license": "mit", "base_model": "org/base", "widget": [{"text": "a \"q\" b"}]},
            "model-index": [{"name": "m", "results": []}], "spaces": ["u/s1", "u/s2"], "inference": "warm",
            "transformersInfo": {"auto_model": "AutoModelForCausalLM"},
            "baseModels": {"relation": "finetune", "models": [{"id": "org/base"}]},
            "unknown": {"deep": [1, 2, {"x": null}]}}"#;
        let mut issues = Vec::new();
        let fast = ModelRecord::from_api_json(line, &mut issues).unwrap();
        let Value::Object(object) = serde_json::from_slice(line).unwrap() else {
            unreachable!()
        };
        let tolerant = ModelRecord::from_api_object(&object, &mut issues).unwrap();
        assert_eq!(fast, tolerant);
        assert!(issues.is_empty());
        assert_eq!(
            fast.config.as_deref(),
            Some(r#"{"model_type":"llama","x":[1]}"#)
        );
        assert_eq!(fast.spaces.as_deref().map(<[String]>::len), Some(2));
        assert_eq!(fast.inference.as_deref(), Some("warm"));
        assert!(fast.base_models.as_deref().unwrap().contains("finetune"));
        assert_eq!(
            fast.card_data.as_deref(),
            Some(r#"{"license":"mit","base_model":"org/base","widget":[{"text":"a \"q\" b"}]}"#)
        );
    }

    #[test]
    fn lines_the_fast_path_refuses_take_the_tolerant_path() {
        let mut issues = Vec::new();
        // A float count, a string count, a boolean card: coerced or reported, never lost.
        let r = ModelRecord::from_api_json(
            br#"{"id": "a/b", "downloads": 3.0, "likes": "x", "cardData": true}"#,
            &mut issues,
        )
        .unwrap();
        assert_eq!((r.downloads, r.likes, r.card_data), (Some(3), None, None));
        assert_eq!(issues.len(), 2, "{issues:?}");
        assert!(
            ModelRecord::from_api_json(b"[1]", &mut issues)
                .unwrap_err()
                .starts_with("not a JSON object")
        );
        assert!(
            ModelRecord::from_api_json(b"{", &mut issues)
                .unwrap_err()
                .starts_with("not JSON")
        );
        assert!(
            ModelRecord::from_api_json(br#"{"author": "x"}"#, &mut issues)
                .unwrap_err()
                .starts_with("no model id")
        );
    }

    #[test]
    fn minify_keeps_strings_intact() {
        assert_eq!(
            minify_json(r#"{ "a" : [1, 2], "b": "x y \" z" }"#),
            r#"{"a":[1,2],"b":"x y \" z"}"#
        );
    }

    #[test]
    fn lineage_relation_from_card_data() {
        let edges = derive_lineage(
            None,
            Some(r#"{"base_model": ["a/b", "c/d"], "base_model_relation": "quantized"}"#),
        )
        .unwrap();
        assert_eq!(edges.len(), 2);
        assert!(edges.iter().all(|e| e.relation == Relation::Quantized));
        assert_eq!(derive_lineage(None, None), None);
        assert_eq!(derive_lineage(Some(&[]), None), Some(vec![]));
    }
}
