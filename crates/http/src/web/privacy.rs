//! The DPO's screens: the erasure desk (every erasure request with where it stands, and the
//! act each one waits for, which the heads who decide requests see for their office too), the
//! access log (who opened a confidential reporter's identity, filtered), and the lookup of a
//! person's cases by NIK (the NIK travels in a POST body, never in an address, and the lookup
//! is itself logged). Each asks the same service as the API, so the same roles are refused.

use std::collections::HashMap;

use axum::extract::{Form, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use ombud_domain::{Role, Timestamp};
use ombud_eventlog::AccessQuery;
use ombud_projection::models::erasure_desk::{ErasureEntry, ErasureStage};

use super::page::{esc, redirect, Lang};
use super::session::{self, Session};
use super::{csrf_refused, lang, problem_page, signed_page, table_head, Params, Shared};
use crate::problem::Problem;

/// The refusal page for anyone but the DPO, who alone may `what`.
fn dpo_only(lang: Lang, session: &Session, what: &str) -> Option<Response> {
    (session.actor.role != Role::Dpo).then(|| {
        problem_page(
            lang,
            session,
            &Problem::from(ombud_service::ServiceError::Forbidden(format!(
                "only the DPO may {what}"
            ))),
        )
    })
}

/// The label of an erasure stage.
fn stage_label(lang: Lang, stage: ErasureStage) -> &'static str {
    match (stage, lang) {
        (ErasureStage::Pending, Lang::Id) => "Menunggu keputusan",
        (ErasureStage::Pending, Lang::En) => "Awaiting a decision",
        (ErasureStage::Approved, Lang::Id) => "Disetujui, belum dihapus",
        (ErasureStage::Approved, Lang::En) => "Approved, not yet erased",
        (ErasureStage::Refused, Lang::Id) => "Ditolak",
        (ErasureStage::Refused, Lang::En) => "Refused",
        (ErasureStage::Erased, Lang::Id) => "Sudah dihapus",
        (ErasureStage::Erased, Lang::En) => "Erased",
        (ErasureStage::Superseded, Lang::Id) => "Tidak berlaku (data sudah dihapus)",
        (ErasureStage::Superseded, Lang::En) => "Moot (the data was erased)",
    }
}

/// The act an entry waits for from `role`, as the anchor of its form on the case page.
fn next_act(role: Role, entry: &ErasureEntry) -> Option<&'static str> {
    match (entry.stage, role) {
        // A request is decided while its case is open.
        (ErasureStage::Pending, Role::OfficeHead | Role::Member) if entry.open => {
            Some("approve-erasure")
        }
        (ErasureStage::Approved, Role::Dpo) => Some("erase-personal-data"),
        _ => None,
    }
}

fn desk_table(lang: Lang, role: Role, entries: &[ErasureEntry]) -> String {
    if entries.is_empty() {
        return format!("<p>{}</p>", lang.t("nothing_here"));
    }
    let mut out = table_head(&[
        lang.t("reference"),
        lang.t("office"),
        lang.t("request_ref"),
        lang.t("requested_by"),
        lang.t("stage"),
        lang.t("next_step"),
    ]);
    for entry in entries {
        let act = next_act(role, entry)
            .map(|act| {
                format!(
                    "<a href=\"/cases/{}#act-{act}\">{}</a>",
                    entry.case_id,
                    match act {
                        "approve-erasure" => lang.t("decide"),
                        _ => lang.t("erase_now"),
                    }
                )
            })
            .unwrap_or_default();
        out.push_str(&format!(
            "<tr><td><a href=\"/cases/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{act}</td></tr>",
            entry.case_id,
            esc(entry.reference.as_str()),
            esc(entry.office.as_str()),
            esc(&entry.request_ref),
            esc(entry.requested_by.as_ref().map_or("", |a| a.as_str())),
            stage_label(lang, entry.stage),
        ));
    }
    out.push_str("</tbody></table>");
    out
}

/// `/privacy`: the erasure desk, what waits first.
pub(super) async fn desk(
    State(api): Shared,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    // Not signed in (or the session ended): to the sign-in page.
    let Some((_, session)) = api.web.of(&headers) else {
        return redirect("/signin", &[]);
    };
    let (lang, lang_cookie) = lang(&headers, &params);
    let stages = match crate::privacy::stages(params.get("stage").map(String::as_str)) {
        Ok(stages) => stages,
        Err(problem) => return problem_page(lang, &session, &problem),
    };
    let entries = match api
        .service
        .erasure_desk(&session.actor, stages.clone(), None)
        .await
    {
        Ok(entries) => entries,
        Err(e) => return problem_page(lang, &session, &Problem::from(e)),
    };
    let mut main = format!("<p>{}</p>", lang.t("desk_intro"));
    // The stage filter: a plain GET form, usable without script.
    let chosen = params.get("stage").map(String::as_str).unwrap_or("");
    main.push_str(&format!(
        "<form method=\"get\" action=\"/privacy\" class=\"filters\">\
         <label for=\"stage\">{}</label><select id=\"stage\" name=\"stage\">\
         <option value=\"\">{}</option>",
        lang.t("stage"),
        lang.t("all")
    ));
    for stage in [
        ErasureStage::Pending,
        ErasureStage::Approved,
        ErasureStage::Refused,
        ErasureStage::Erased,
        ErasureStage::Superseded,
    ] {
        let code = serde_json::to_value(stage)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        main.push_str(&format!(
            "<option value=\"{code}\"{}>{}</option>",
            if chosen == code { " selected" } else { "" },
            stage_label(lang, stage)
        ));
    }
    main.push_str(&format!(
        "</select><button type=\"submit\">{}</button></form>",
        lang.t("show")
    ));
    // What waits for someone first, then the rest.
    let mut entries = entries;
    entries.sort_by_key(|e| (next_act(session.actor.role, e).is_none(), e.stage as u8));
    main.push_str(&desk_table(lang, session.actor.role, &entries));
    if session.actor.role == Role::Dpo {
        main.push_str(&format!(
            "<p>{} <a href=\"/access-log\">{}</a> · <a href=\"/persons\">{}</a></p>",
            lang.t("desk_more"),
            lang.t("access_log"),
            lang.t("person_lookup")
        ));
    }
    signed_page(
        lang,
        &session,
        lang.t("erasure_desk"),
        "/privacy",
        &main,
        lang_cookie,
    )
}

/// `/access-log`: who opened a confidential identity, by case, actor and time.
pub(super) async fn access_log(
    State(api): Shared,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    // Not signed in (or the session ended): to the sign-in page.
    let Some((_, session)) = api.web.of(&headers) else {
        return redirect("/signin", &[]);
    };
    let (lang, lang_cookie) = lang(&headers, &params);
    // Who may read it comes before reading the filters.
    if let Some(refused) = dpo_only(lang, &session, "read the access log") {
        return refused;
    }
    let given = |name: &str| params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let wanted = (|| -> Result<AccessQuery, String> {
        let time = |name: &str| {
            given(name)
                .map(|t| {
                    // A date picker gives a day: from its start (office time is not known
                    // here: UTC), to the end of it for `to`.
                    let t = if t.len() == 10 {
                        if name == "to" {
                            chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
                                .ok()
                                .and_then(|d| d.succ_opt())
                                .map(|d| format!("{d}T00:00:00Z"))
                                .unwrap_or_else(|| t.to_owned())
                        } else {
                            format!("{t}T00:00:00Z")
                        }
                    } else {
                        t.to_owned()
                    };
                    Timestamp::parse(&t).map_err(|e| format!("{name}: {e}"))
                })
                .transpose()
        };
        Ok(AccessQuery {
            case_id: given("case")
                .map(|c| {
                    c.parse()
                        .map_err(|_| format!("case: `{c}` is not a case id"))
                })
                .transpose()?,
            actor: given("actor")
                .map(|a| {
                    a.parse()
                        .map_err(|_| format!("actor: `{a}` is not an account"))
                })
                .transpose()?,
            from: time("from")?,
            to: time("to")?,
            limit: 500,
        })
    })();
    let mut main = format!(
        "<form method=\"get\" action=\"/access-log\" class=\"filters\">\
         <label for=\"case\">{}</label><input type=\"text\" id=\"case\" name=\"case\" value=\"{}\">\
         <label for=\"actor\">{}</label><input type=\"text\" id=\"actor\" name=\"actor\" value=\"{}\">\
         <label for=\"from\">{}</label><input type=\"date\" id=\"from\" name=\"from\" value=\"{}\">\
         <label for=\"to\">{}</label><input type=\"date\" id=\"to\" name=\"to\" value=\"{}\">\
         <button type=\"submit\">{}</button></form>",
        lang.t("case_id"),
        esc(given("case").unwrap_or("")),
        lang.t("actor"),
        esc(given("actor").unwrap_or("")),
        lang.t("from"),
        esc(given("from").unwrap_or("")),
        lang.t("to"),
        esc(given("to").unwrap_or("")),
        lang.t("show"),
    );
    let wanted = match wanted {
        Ok(wanted) => wanted,
        Err(why) => {
            main.push_str(&format!(
                "<p class=\"error\" role=\"alert\">{}</p>",
                esc(&why)
            ));
            return signed_page(
                lang,
                &session,
                lang.t("access_log"),
                "/access-log",
                &main,
                lang_cookie,
            );
        }
    };
    let entries = match api.service.access_log(&session.actor, wanted).await {
        Ok(entries) => entries,
        Err(e) => return problem_page(lang, &session, &Problem::from(e)),
    };
    if entries.is_empty() {
        main.push_str(&format!("<p>{}</p>", lang.t("nothing_here")));
    } else {
        main.push_str(&table_head(&[
            lang.t("when"),
            lang.t("actor"),
            lang.t("role"),
            lang.t("case_id"),
            lang.t("field"),
            lang.t("route"),
        ]));
        for entry in &entries {
            let case = entry
                .case_id
                .map(|c| format!("<a href=\"/cases/{c}\">{c}</a>"))
                .unwrap_or_default();
            main.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{case}</td><td>{}</td><td>{}</td></tr>",
                esc(&entry.at.to_string()),
                esc(entry.actor.as_str()),
                esc(match lang {
                    Lang::Id => entry.role.label_id(),
                    Lang::En => entry.role.label_en(),
                }),
                esc(&entry.field),
                esc(&entry.route),
            ));
        }
        main.push_str("</tbody></table>");
    }
    signed_page(
        lang,
        &session,
        lang.t("access_log"),
        "/access-log",
        &main,
        lang_cookie,
    )
}

fn lookup_form(lang: Lang, session: &Session) -> String {
    format!(
        "<p>{}</p><form method=\"post\" action=\"/persons\">\
         <input type=\"hidden\" name=\"_csrf\" value=\"{}\">\
         <label for=\"nik\">NIK</label>\
         <input type=\"text\" id=\"nik\" name=\"nik\" inputmode=\"numeric\" autocomplete=\"off\" \
         required aria-describedby=\"nik-hint\"><span class=\"hint\" id=\"nik-hint\">{}</span>\
         <button type=\"submit\">{}</button></form>",
        lang.t("lookup_intro"),
        esc(&session.csrf),
        lang.t("nik_hint"),
        lang.t("look_up"),
    )
}

/// `/persons`: the lookup form.
pub(super) async fn persons_form(
    State(api): Shared,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    // Not signed in (or the session ended): to the sign-in page.
    let Some((_, session)) = api.web.of(&headers) else {
        return redirect("/signin", &[]);
    };
    let (lang, lang_cookie) = lang(&headers, &params);
    if let Some(refused) = dpo_only(lang, &session, "look a person up") {
        return refused;
    }
    signed_page(
        lang,
        &session,
        lang.t("person_lookup"),
        "/persons",
        &lookup_form(lang, &session),
        lang_cookie,
    )
}

/// `POST /persons`: a person's cases (the lookup logged as the API's is).
pub(super) async fn persons(
    State(api): Shared,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    // Not signed in (or the session ended): to the sign-in page.
    let Some((_, session)) = api.web.of(&headers) else {
        return redirect("/signin", &[]);
    };
    let (lang, _) = lang(&headers, &HashMap::new());
    if !form
        .get("_csrf")
        .is_some_and(|c| session::same_secret(c, &session.csrf))
    {
        return csrf_refused(lang, &session);
    }
    let nik = form.get("nik").map(String::as_str).unwrap_or("");
    let cases = match api
        .service
        .person_cases(&session.actor, nik, "POST /persons")
        .await
    {
        Ok(cases) => cases,
        Err(e) => return problem_page(lang, &session, &Problem::from(e)),
    };
    let mut main = lookup_form(lang, &session);
    main.push_str(&format!("<h2>{}</h2>", lang.t("found_cases")));
    let items: Vec<serde_json::Value> = cases
        .iter()
        .filter_map(|c| serde_json::to_value(c).ok())
        .collect();
    main.push_str(&super::case_rows(lang, &items));
    signed_page(
        lang,
        &session,
        lang.t("person_lookup"),
        "/persons",
        &main,
        None,
    )
}
