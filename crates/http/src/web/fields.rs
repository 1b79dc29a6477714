//! Typed form fields from a command's JSON Schema: the case page draws each command of the
//! registry as labelled inputs (a date picker for a date, a list for a closed set of values, a
//! yes/no choice, nested groups for a letter or a decision) and reads the submitted fields
//! back into the command's JSON body, so a new command gets its form without UI work. A part
//! of a schema with no plain input (a choice between shapes, a list of records) is a small JSON
//! box of its own. Field names are `f.<path>` (`f.letter.via`); `body`, a whole JSON body,
//! still works for clients that send one.

use serde_json::{Map, Value};

use super::page::{esc, Lang};

/// The form field name prefix.
const PREFIX: &str = "f";

/// How a field is entered.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// A line of text (`long`: several lines).
    Text { long: bool },
    /// A calendar date (`YYYY-MM-DD`).
    Date,
    /// A whole number.
    Integer,
    /// A number.
    Number,
    /// Yes or no.
    Bool,
    /// One of a closed set: (value, label in Indonesian, label in English).
    Choice(Vec<(String, String, String)>),
    /// Any of a closed set.
    Choices(Vec<(String, String, String)>),
    /// A list of texts, one per line.
    Lines,
    /// A group of fields.
    Group(Vec<Field>),
    /// JSON, for a part with no plain input.
    Json,
}

/// One field of a command's body.
#[derive(Debug, Clone, PartialEq)]
struct Field {
    name: String,
    kind: Kind,
    required: bool,
    help: String,
}

/// The typed fields of a command whose body schema is `schema`.
pub struct Form {
    fields: Vec<Field>,
}

impl Form {
    /// The form of an object schema (`None` when it is not one).
    pub fn of(schema: &Value) -> Option<Form> {
        let root = resolve(schema, schema);
        root.get("properties")?.as_object()?;
        Some(Form {
            fields: fields(root, schema),
        })
    }

    /// The inputs, filled from `values` (a body submitted before, or prefilled parts), with
    /// ids under `id`.
    pub fn render(&self, lang: Lang, id: &str, values: &Value) -> String {
        let mut out = String::new();
        for field in &self.fields {
            render_field(
                &mut out,
                lang,
                field,
                PREFIX,
                id,
                values.get(&field.name),
                true,
            );
        }
        out
    }

    /// The JSON body the submitted `form` fields make (empty fields left out), or what is
    /// wrong with one of them.
    pub fn collect(&self, form: &[(String, String)]) -> Result<Value, String> {
        collect_group(&self.fields, PREFIX, form)
            .map(|body| Value::Object(body.unwrap_or_default()))
    }
}

/// `schema` with a local `$ref` (`#/$defs/Name`) followed, once or more.
fn resolve<'a>(mut schema: &'a Value, root: &'a Value) -> &'a Value {
    for _ in 0..8 {
        let Some(target) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
            .and_then(|name| root.get("$defs")?.get(name))
        else {
            break;
        };
        schema = target;
    }
    schema
}

/// An `Option<T>`'s `anyOf: [T, null]` as `T`.
fn unwrap_nullable<'a>(schema: &'a Value, root: &'a Value) -> &'a Value {
    let schema = resolve(schema, root);
    match schema.get("anyOf").and_then(Value::as_array) {
        Some(options) => {
            let not_null: Vec<&Value> = options
                .iter()
                .filter(|o| o.get("type").and_then(Value::as_str) != Some("null"))
                .collect();
            match not_null.as_slice() {
                [only] => resolve(only, root),
                _ => schema,
            }
        }
        None => schema,
    }
}

/// The type names of a schema (`"string"` or `["string", "null"]`), without `null`.
fn types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect(),
        _ => Vec::new(),
    }
}

/// The name of the `$defs` entry `schema` refers to (through an `Option`'s `anyOf`), if any.
fn def_name(schema: &Value) -> Option<&str> {
    let direct = schema.get("$ref").and_then(Value::as_str);
    let nullable = || {
        schema
            .get("anyOf")?
            .as_array()?
            .iter()
            .find_map(|o| o.get("$ref").and_then(Value::as_str))
    };
    direct
        .or_else(nullable)
        .and_then(|r| r.strip_prefix("#/$defs/"))
}

/// The values of a closed set (`oneOf` of `const`s, or `enum`), with their labels from the
/// domain's vocabulary `vocabulary` (the `$defs` name), else from the registry's description
/// ("`value`: Indonesian (English)"). Values kept only to read old data (described as
/// `legacy`) are not offered.
fn choices(schema: &Value, vocabulary: Option<&str>) -> Option<Vec<(String, String, String)>> {
    let known = vocabulary.and_then(|name| {
        ombud_domain::labels::vocabularies()
            .into_iter()
            .find(|v| v.name == name)
    });
    let label = |value: &str| {
        known
            .as_ref()
            .and_then(|v| v.values.iter().find(|l| l.code == value))
            .map(|l| (l.label_id.to_owned(), l.label_en.to_owned()))
    };
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let mut out = Vec::new();
        for o in options {
            let value = o.get("const")?.as_str()?.to_owned();
            let text = o.get("description").and_then(Value::as_str).unwrap_or("");
            if text.starts_with("legacy") {
                continue;
            }
            let (id, en) = label(&value).unwrap_or_else(|| {
                let text = text.split_once(": ").map_or(text, |(_, l)| l).trim();
                // "Indonesian (English)": the English is the last parenthesis that opens
                // after a space and closes the text.
                match text.rfind(" (") {
                    Some(at) if text.ends_with(')') => (
                        text[..at].to_owned(),
                        text[at + 2..text.len() - 1].to_owned(),
                    ),
                    _ => (text.to_owned(), text.to_owned()),
                }
            });
            let shown = |s: String| if s.is_empty() { value.clone() } else { s };
            out.push((value.clone(), shown(id), shown(en)));
        }
        return Some(out);
    }
    schema.get("enum").and_then(Value::as_array).map(|values| {
        values
            .iter()
            .filter_map(Value::as_str)
            .map(|v| {
                let (id, en) = label(v).unwrap_or_else(|| (v.to_owned(), v.to_owned()));
                (v.to_owned(), id, en)
            })
            .collect()
    })
}

/// Text fields that take more than a line.
fn is_long(name: &str) -> bool {
    matches!(
        name,
        "summary"
            | "note"
            | "text"
            | "reason"
            | "missing"
            | "findings"
            | "questions"
            | "answer"
            | "result"
            | "description"
            | "outcome"
            | "remedy"
            | "ground"
            | "grounds"
    )
}

fn kind_of(name: &str, schema: &Value, root: &Value) -> Kind {
    let vocabulary = def_name(schema);
    let schema = unwrap_nullable(schema, root);
    if let Some(options) = choices(schema, vocabulary) {
        return Kind::Choice(options);
    }
    let ts = types(schema);
    match ts.as_slice() {
        ["string"] => match schema.get("format").and_then(Value::as_str) {
            Some("date") => Kind::Date,
            _ => Kind::Text {
                long: is_long(name),
            },
        },
        ["integer"] => Kind::Integer,
        ["number"] => Kind::Number,
        ["boolean"] => Kind::Bool,
        ["array"] => {
            let items = schema.get("items").unwrap_or(&Value::Null);
            let item = unwrap_nullable(items, root);
            match choices(item, def_name(items)) {
                Some(options) => Kind::Choices(options),
                None if types(item) == ["string"] => Kind::Lines,
                None => Kind::Json,
            }
        }
        ["object"] if schema.get("properties").is_some_and(Value::is_object) => {
            Kind::Group(fields(schema, root))
        }
        _ => Kind::Json,
    }
}

/// The fields of an object schema: the required ones in their order, then the others by name.
fn fields(object: &Value, root: &Value) -> Vec<Field> {
    let Some(properties) = object.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let required: Vec<&str> = object
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut names: Vec<&String> = properties.keys().collect();
    names.sort_by_key(|n| {
        (
            required.iter().position(|r| r == n).unwrap_or(usize::MAX),
            n.as_str(),
        )
    });
    names
        .into_iter()
        .map(|name| {
            let schema = &properties[name];
            Field {
                name: name.clone(),
                kind: kind_of(name, schema, root),
                required: required.contains(&name.as_str()),
                help: schema
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .replace('`', ""),
            }
        })
        .collect()
}

/// A field's label: the usual names in the page's language, else the name in words.
fn label(lang: Lang, name: &str) -> String {
    let known = match name {
        "date" => Some(("Tanggal", "Date")),
        "number" => Some(("Nomor", "Number")),
        "via" => Some(("Melalui", "Via")),
        "note" => Some(("Catatan", "Note")),
        "reason" => Some(("Alasan", "Reason")),
        "summary" => Some(("Ringkasan", "Summary")),
        "text" => Some(("Isi", "Text")),
        "assignee" => Some(("Pemeriksa", "Assignee")),
        "unit" => Some(("Unit", "Unit")),
        "channel" => Some(("Saluran", "Channel")),
        "criteria" => Some(("Kriteria", "Criteria")),
        "external_ref" => Some(("Nomor rujukan luar", "External reference")),
        "incident_date" => Some(("Tanggal kejadian", "Incident date")),
        "prior_complaint" => Some((
            "Sudah mengadu ke terlapor",
            "Complained to the respondent first",
        )),
        "reporter" => Some(("Pelapor", "Reporter")),
        "respondent" => Some(("Terlapor", "Respondent")),
        "nik" => Some(("NIK", "NIK")),
        "address" => Some(("Alamat", "Address")),
        "phone" => Some(("Telepon", "Phone")),
        "email" => Some(("Surel", "E-mail")),
        "birth_date" => Some(("Tanggal lahir", "Birth date")),
        "birth_place" => Some(("Tempat lahir", "Birth place")),
        "occupation" => Some(("Pekerjaan", "Occupation")),
        "marital_status" => Some(("Status perkawinan", "Marital status")),
        "conclusion" => Some(("Kesimpulan", "Conclusion")),
        "pleno" => Some(("Rapat pleno", "Pleno")),
        "letter" => Some(("Surat", "Letter")),
        "received_on" => Some(("Diterima pada", "Received on")),
        "stage" => Some(("Tahap", "Stage")),
        "passed" => Some(("Memenuhi syarat", "Passed")),
        "missing" => Some(("Yang kurang", "Missing")),
        "forms" => Some(("Bentuk maladministrasi", "Forms of maladministration")),
        "track" => Some(("Jalur", "Track")),
        "ground" | "reason_code" => Some(("Dasar", "Ground")),
        "office" => Some(("Kantor", "Office")),
        "proposal" => Some(("Usulan", "Proposal")),
        "party" => Some(("Pihak", "Party")),
        "decision" => Some(("Keputusan", "Decision")),
        "agency_code" => Some(("Kode instansi", "Agency code")),
        "agency_name" => Some(("Nama instansi", "Agency name")),
        "superior" => Some(("Atasan terlapor", "Superior")),
        "name" => Some(("Nama", "Name")),
        "confidential" => Some(("Identitas dirahasiakan", "Confidential identity")),
        _ => None,
    };
    match known {
        Some((id, en)) => match lang {
            Lang::Id => id.to_owned(),
            Lang::En => en.to_owned(),
        },
        None => {
            let words = name.replace('_', " ");
            let mut chars = words.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

fn render_field(
    out: &mut String,
    lang: Lang,
    field: &Field,
    prefix: &str,
    id: &str,
    value: Option<&Value>,
    required_path: bool,
) {
    let name = format!("{prefix}.{}", field.name);
    let input_id = format!("{id}-{}", name.replace('.', "-"));
    let hint_id = format!("{input_id}-hint");
    let required = field.required && required_path;
    let req = if required {
        " required aria-required=\"true\""
    } else {
        ""
    };
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let caption = format!(
        "{}{}",
        esc(&label(lang, &field.name)),
        if required { " *" } else { "" }
    );
    let hint = if field.help.is_empty() {
        String::new()
    } else {
        format!(
            "<span class=\"hint\" id=\"{hint_id}\">{}</span>",
            esc(&field.help)
        )
    };
    // Lists and JSON boxes always carry a hint (how to type them).
    let has_hint = !field.help.is_empty() || matches!(field.kind, Kind::Lines | Kind::Json);
    let described = if has_hint {
        format!(" aria-describedby=\"{hint_id}\"")
    } else {
        String::new()
    };
    let option_label = |(_, id_label, en_label): &(String, String, String)| match lang {
        Lang::Id => id_label.clone(),
        Lang::En => en_label.clone(),
    };
    match &field.kind {
        Kind::Group(inner) => {
            out.push_str(&format!(
                "<fieldset{described}><legend>{caption}</legend>{hint}"
            ));
            for f in inner {
                render_field(
                    out,
                    lang,
                    f,
                    &name,
                    id,
                    value.and_then(|v| v.get(&f.name)),
                    required,
                );
            }
            out.push_str("</fieldset>");
        }
        Kind::Choices(options) => {
            let chosen: Vec<&str> = value
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            out.push_str(&format!(
                "<fieldset class=\"choices\"{described}><legend>{caption}</legend>{hint}"
            ));
            for (i, option) in options.iter().enumerate() {
                let checked = if chosen.contains(&option.0.as_str()) {
                    " checked"
                } else {
                    ""
                };
                out.push_str(&format!(
                    "<label class=\"check\"><input type=\"checkbox\" id=\"{input_id}-{i}\" \
                     name=\"{name}\" value=\"{}\"{checked}> {}</label>",
                    esc(&option.0),
                    esc(&option_label(option)),
                ));
            }
            out.push_str("</fieldset>");
        }
        kind => {
            out.push_str(&format!(
                "<div class=\"field\"><label for=\"{input_id}\">{caption}</label>"
            ));
            let current = text(value);
            let select = |options: &[(String, String, String)]| {
                let mut s = format!(
                    "<select id=\"{input_id}\" name=\"{name}\"{req}{described}><option value=\"\">\u{2014}</option>"
                );
                for option in options {
                    let selected = if current == option.0 { " selected" } else { "" };
                    s.push_str(&format!(
                        "<option value=\"{}\"{selected}>{}</option>",
                        esc(&option.0),
                        esc(&option_label(option))
                    ));
                }
                s.push_str("</select>");
                s
            };
            let input = match kind {
                Kind::Choice(options) => select(options),
                Kind::Bool => select(&[
                    ("true".into(), "Ya".into(), "Yes".into()),
                    ("false".into(), "Tidak".into(), "No".into()),
                ]),
                Kind::Date => format!(
                    "<input type=\"date\" id=\"{input_id}\" name=\"{name}\" value=\"{}\"{req}{described}>",
                    esc(&current)
                ),
                Kind::Integer => format!(
                    "<input type=\"number\" step=\"1\" id=\"{input_id}\" name=\"{name}\" value=\"{}\"{req}{described}>",
                    esc(&current)
                ),
                Kind::Number => format!(
                    "<input type=\"number\" step=\"any\" id=\"{input_id}\" name=\"{name}\" value=\"{}\"{req}{described}>",
                    esc(&current)
                ),
                Kind::Text { long: false } => format!(
                    "<input type=\"text\" id=\"{input_id}\" name=\"{name}\" value=\"{}\"{req}{described}>",
                    esc(&current)
                ),
                Kind::Text { long: true } => format!(
                    "<textarea id=\"{input_id}\" name=\"{name}\" rows=\"3\"{req}{described}>{}</textarea>",
                    esc(&current)
                ),
                Kind::Lines => {
                    let lines = value
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .map(|v| text(Some(v)))
                                .collect::<Vec<_>>()
                                .join("\n")
                        })
                        .unwrap_or_default();
                    format!(
                        "<textarea id=\"{input_id}\" name=\"{name}\" rows=\"2\" class=\"lines\"{req}{described}>{}</textarea>",
                        esc(&lines)
                    )
                }
                _ => {
                    let json = value
                        .filter(|v| !v.is_null())
                        .map(Value::to_string)
                        .unwrap_or_default();
                    format!(
                        "<textarea id=\"{input_id}\" name=\"{name}\" rows=\"3\" class=\"json\"{req}{described}>{}</textarea>",
                        esc(&json)
                    )
                }
            };
            out.push_str(&input);
            let hint = match kind {
                Kind::Lines => format!(
                    "<span class=\"hint\" id=\"{hint_id}\">{} {}</span>",
                    esc(&field.help),
                    lang.t("one_per_line")
                ),
                Kind::Json => format!(
                    "<span class=\"hint\" id=\"{hint_id}\">{} (JSON)</span>",
                    esc(&field.help)
                ),
                _ => hint,
            };
            out.push_str(&hint);
            out.push_str("</div>");
        }
    }
}

/// The submitted fields as they were typed (texts, nested by their names; a name sent
/// several times as a list), to fill a form again when a field does not read.
pub fn as_typed(form: &[(String, String)]) -> Value {
    fn insert(map: &mut Map<String, Value>, path: &[&str], text: &str) {
        let [first, rest @ ..] = path else {
            return;
        };
        if rest.is_empty() {
            let text = Value::String(text.to_owned());
            match map.get_mut(*first) {
                Some(Value::Array(values)) => values.push(text),
                Some(previous) => {
                    let earlier = previous.take();
                    *previous = Value::Array(vec![earlier, text]);
                }
                None => {
                    map.insert((*first).to_owned(), text);
                }
            }
            return;
        }
        let next = map
            .entry((*first).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !next.is_object() {
            *next = Value::Object(Map::new());
        }
        if let Value::Object(next) = next {
            insert(next, rest, text);
        }
    }
    let mut root = Map::new();
    for (name, value) in form {
        if let Some(path) = name.strip_prefix(&format!("{PREFIX}.")) {
            insert(&mut root, &path.split('.').collect::<Vec<_>>(), value);
        }
    }
    Value::Object(root)
}

/// The values submitted under `name` (several for a set of check boxes).
fn submitted<'a>(form: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    form.iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// The object the fields under `prefix` make; `None` when every one of them is empty.
fn collect_group(
    fields: &[Field],
    prefix: &str,
    form: &[(String, String)],
) -> Result<Option<Map<String, Value>>, String> {
    let mut object = Map::new();
    for field in fields {
        let name = format!("{prefix}.{}", field.name);
        let single = submitted(form, &name)
            .last()
            .map(|v| v.trim().to_owned())
            .unwrap_or_default();
        let wrong = |why: &str| format!("{}: {why}", field.name);
        let value = match &field.kind {
            Kind::Group(inner) => collect_group(inner, &name, form)?.map(Value::Object),
            Kind::Choices(_) => {
                let values: Vec<Value> = submitted(form, &name)
                    .into_iter()
                    .filter(|v| !v.is_empty())
                    .map(|v| Value::String(v.to_owned()))
                    .collect();
                (!values.is_empty()).then_some(Value::Array(values))
            }
            Kind::Lines => {
                let values: Vec<Value> = single
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(|l| Value::String(l.to_owned()))
                    .collect();
                (!values.is_empty()).then_some(Value::Array(values))
            }
            _ if single.is_empty() => None,
            Kind::Bool => match single.as_str() {
                "true" => Some(Value::Bool(true)),
                "false" => Some(Value::Bool(false)),
                _ => return Err(wrong("choose yes or no")),
            },
            Kind::Integer => Some(Value::from(
                single
                    .parse::<i64>()
                    .map_err(|_| wrong("a whole number is expected"))?,
            )),
            Kind::Number => Some(Value::from(
                single
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| wrong("a number is expected"))?,
            )),
            Kind::Json => Some(
                serde_json::from_str(&single)
                    .map_err(|e| wrong(&format!("not valid JSON ({e})")))?,
            ),
            Kind::Text { .. } | Kind::Date | Kind::Choice(_) => Some(Value::String(single)),
        };
        if let Some(value) = value {
            object.insert(field.name.clone(), value);
        }
    }
    Ok((!object.is_empty()).then_some(object))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(route: &str) -> Value {
        ombud_service::input::body_schema(route).expect("a command of the registry")
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn nested_fields_dates_choices_and_yes_no_make_the_body_the_command_reads() {
        let form = Form::of(&schema("accept")).unwrap();
        let body = form
            .collect(&pairs(&[
                ("f.pleno.number", " PLENO/2026/31 "),
                ("f.pleno.date", "2026-08-24"),
                ("f.unit", "riksa-1"),
                ("f.assignee", "riksa.siti"),
                ("_csrf", "x"),
            ]))
            .unwrap();
        assert_eq!(
            body,
            json!({"pleno": {"number": "PLENO/2026/31", "date": "2026-08-24"},
                   "unit": "riksa-1", "assignee": "riksa.siti"})
        );
        ombud_service::input::CommandInput::parse("accept", body.to_string().as_bytes())
            .expect("the command reads what the form made");

        let verify = Form::of(&schema("record-verification")).unwrap();
        let body = verify
            .collect(&pairs(&[
                ("f.stage", "formal"),
                ("f.passed", "false"),
                ("f.note", ""),
            ]))
            .unwrap();
        assert_eq!(body, json!({"stage": "formal", "passed": false}));
        assert!(verify
            .collect(&pairs(&[("f.passed", "maybe")]))
            .unwrap_err()
            .starts_with("passed"));
        // An optional group left empty is left out.
        let completion = Form::of(&schema("request-completion")).unwrap();
        let html = completion.render(Lang::Id, "rc", &Value::Null);
        assert!(html.contains("type=\"date\""), "{html}");
        assert!(
            html.contains("<option value=\"whatsapp\">WhatsApp</option>"),
            "{html}"
        );
        assert!(
            html.contains("<label for=\"rc-f-missing\">Yang kurang *</label>"),
            "{html}"
        );
        // Labels come from the domain's vocabularies (an English label with parentheses
        // stays whole); values kept only for old data are not offered.
        let close = Form::of(&schema("close"))
            .unwrap()
            .render(Lang::En, "c", &Value::Null);
        assert!(
            close.contains(&format!(
                "<option value=\"incomplete_deemed_withdrawn\">{}</option>",
                esc(ombud_domain::taxonomy::ClosureReason::IncompleteDeemedWithdrawn.label_en())
            )),
            "{close}"
        );
        for spec in ombud_service::input::COMMANDS {
            let html = Form::of(&(spec.schema)())
                .unwrap()
                .render(Lang::Id, "x", &Value::Null);
            assert!(
                !html.contains("value=\"unspecified\""),
                "{}: a legacy value offered",
                spec.route
            );
        }
    }

    #[test]
    fn a_submitted_body_fills_the_fields_again_and_every_command_has_a_form() {
        let form = Form::of(&schema("accept")).unwrap();
        let html = form.render(
            Lang::En,
            "a",
            &json!({"pleno": {"number": "P<1>", "date": "2026-08-24"}}),
        );
        assert!(html.contains("value=\"P&lt;1&gt;\""), "{html}");
        assert!(html.contains("value=\"2026-08-24\""), "{html}");
        for spec in ombud_service::input::COMMANDS {
            let schema = (spec.schema)();
            let form = Form::of(&schema).unwrap_or_else(|| panic!("{}: no form", spec.route));
            // The example body drawn into the fields and read back is the same body.
            let example: Value = serde_json::from_str(spec.example).unwrap();
            let html = form.render(Lang::Id, "x", &example);
            let submitted = fields_of_html(&html);
            let back = form.collect(&submitted).unwrap();
            assert_eq!(back, example, "{}: {html}", spec.route);
        }
    }

    /// The (name, value) pairs a browser would submit from `html` (inputs, selected options,
    /// checked boxes, text areas): enough of HTML for the forms drawn here.
    fn fields_of_html(html: &str) -> Vec<(String, String)> {
        let attr = |tag: &str, name: &str| {
            let key = format!(" {name}=\"");
            tag.find(&key).map(|at| {
                let rest = &tag[at + key.len()..];
                unescape(&rest[..rest.find('"').unwrap_or(rest.len())])
            })
        };
        let mut out = Vec::new();
        let mut rest = html;
        while let Some(at) = rest.find('<') {
            rest = &rest[at..];
            let end = rest.find('>').unwrap_or(rest.len());
            let tag = &rest[..end];
            if tag.starts_with("<input") {
                let checkbox = tag.contains("type=\"checkbox\"");
                if !checkbox || tag.contains(" checked") {
                    out.push((
                        attr(tag, "name").unwrap(),
                        attr(tag, "value").unwrap_or_default(),
                    ));
                }
            } else if tag.starts_with("<textarea") {
                let body = &rest[end + 1..];
                let close = body.find("</textarea>").unwrap();
                out.push((attr(tag, "name").unwrap(), unescape(&body[..close])));
            } else if tag.starts_with("<select") {
                let body = &rest[end + 1..];
                let close = body.find("</select>").unwrap();
                let options = &body[..close];
                let value = options
                    .split("<option")
                    .find(|o| o.contains(" selected"))
                    .and_then(|o| attr(o, "value"))
                    .unwrap_or_default();
                out.push((attr(tag, "name").unwrap(), value));
            }
            rest = &rest[end.min(rest.len())..];
            if rest.len() <= 1 {
                break;
            }
            rest = &rest[1..];
        }
        out
    }

    fn unescape(s: &str) -> String {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }
}
