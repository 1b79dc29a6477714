//! ombud's web interface (DESIGN.md §11), served beside the API on the same port:
//! server-rendered pages that work without JavaScript, over the same service layer and the
//! same rules as the API. Sign-in by bearer token opens a session ([`session`]); every form
//! carries the session's CSRF token, and every command form an idempotency key and the case
//! position it was rendered at (`If-Match`), so a double submit records one event and a stale
//! page is told, not obeyed. The actions offered on a case are those the command registry and
//! the domain's role and state rules allow this user now; a refusal reads beside its form.

mod fields;
pub mod page;
mod privacy;
pub mod session;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use ombud_domain::decide::{authorize, legal_states, permitted_roles};
use ombud_domain::{Action, CaseId, CaseState, ClosureReason, CommandKind, IdempotencyKey};
use ombud_service::input::COMMANDS;
use ombud_service::{CommandInput, CommandRequest};
use serde_json::Value;

use crate::problem::Problem;
use crate::Api;
use page::{esc, html, page, redirect, Lang};
use session::{Session, LANG_COOKIE, SESSION_COOKIE, SIGNIN_COOKIE};

type Shared = State<Arc<Api>>;
type Params = Query<HashMap<String, String>>;

/// The web interface's routes (merged into the API's router).
pub fn routes() -> Router<Arc<Api>> {
    Router::new()
        .route("/", get(home))
        .route("/signin", get(signin_form).post(signin))
        .route("/signout", post(signout))
        .route("/queue", get(queue))
        .route("/cases", get(cases))
        .route("/cases/{id}", get(case_page))
        .route("/cases/{id}/do/{command}", post(act))
        .route("/deadlines", get(deadlines))
        .route("/report", get(report_form).post(report))
        .route("/stats", get(stats))
        .route("/cases/{id}/audit", get(audit))
        .route("/cases/{id}/bundle", get(bundle_download))
        .route("/agencies/{code}", get(agency))
        .route("/agenda", get(agenda))
        .route("/privacy", get(privacy::desk))
        .route("/access-log", get(privacy::access_log))
        .route(
            "/persons",
            get(privacy::persons_form).post(privacy::persons),
        )
        .route("/assets/ombud.css", get(stylesheet))
}

/// The page language: `?lang=` (remembered in a cookie), else the cookie, else Indonesian.
fn lang(headers: &HeaderMap, params: &HashMap<String, String>) -> (Lang, Option<String>) {
    match params.get("lang") {
        Some(asked) => {
            let lang = Lang::parse(Some(asked));
            (
                lang,
                Some(format!(
                    "{LANG_COOKIE}={}; Path=/; SameSite=Strict; Max-Age=31536000",
                    lang.code()
                )),
            )
        }
        None => (
            Lang::parse(session::cookie(headers, LANG_COOKIE).as_deref()),
            None,
        ),
    }
}

/// A signed-in user's page: `main` under `title`, with the navigation, and the language
/// cookie when it changed.
fn signed_page(
    lang: Lang,
    session: &Session,
    title: &str,
    here: &str,
    main: &str,
    lang_cookie: Option<String>,
) -> Response {
    answer(
        StatusCode::OK,
        page(
            lang,
            title,
            Some((&session.actor, &session.csrf)),
            here,
            main,
        ),
        lang_cookie,
    )
}

/// An HTML answer, with the language cookie when it changed.
fn answer(status: StatusCode, body: String, lang_cookie: Option<String>) -> Response {
    let mut response = html(status, body);
    if let Some(cookie) = lang_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

async fn stylesheet() -> Response {
    let mut response = page::CSS.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    response
}

async fn home(State(api): Shared, headers: HeaderMap) -> Response {
    match api.web.of(&headers) {
        // The DPO works from the erasure desk, everyone else from the work queue.
        Some((_, session)) if session.actor.role == ombud_domain::Role::Dpo => {
            redirect("/privacy", &[])
        }
        Some(_) => redirect("/queue", &[]),
        None => redirect("/signin", &[]),
    }
}

fn signin_page(lang: Lang, csrf: &str, error: Option<&str>, passwords: bool) -> String {
    let error = error
        .map(|e| {
            format!(
                "<p class=\"error\" id=\"token-error\" role=\"alert\">{}</p>",
                esc(e)
            )
        })
        .unwrap_or_default();
    let described = if error.is_empty() {
        "token-help"
    } else {
        "token-help token-error"
    };
    let password_form = if passwords {
        format!(
            "<h2>{}</h2><form method=\"post\" action=\"/signin\">\
             <input type=\"hidden\" name=\"_csrf\" value=\"{}\">\
             <label for=\"user\">{}</label>\
             <input type=\"text\" id=\"user\" name=\"user\" autocomplete=\"username\" required>\
             <label for=\"password\">{}</label>\
             <input type=\"password\" id=\"password\" name=\"password\" \
             autocomplete=\"current-password\" required>\
             <button type=\"submit\">{}</button></form>",
            lang.t("or_password"),
            esc(csrf),
            lang.t("user"),
            lang.t("password"),
            lang.t("signin")
        )
    } else {
        String::new()
    };
    page(
        lang,
        lang.t("signin"),
        None,
        "/signin",
        &format!(
            "<form method=\"post\" action=\"/signin\">\
             <input type=\"hidden\" name=\"_csrf\" value=\"{}\">\
             <label for=\"token\">{}</label>\
             <input type=\"password\" id=\"token\" name=\"token\" autocomplete=\"current-password\" \
             required aria-describedby=\"{described}\">\
             <p id=\"token-help\">{}</p>{error}\
             <button type=\"submit\">{}</button></form>{password_form}\
             <p><a href=\"/signin?lang={}\">{}</a></p>",
            esc(csrf),
            lang.t("token"),
            lang.t("token_help"),
            lang.t("signin"),
            if lang == Lang::Id { "en" } else { "id" },
            lang.t("language"),
        ),
    )
}

async fn signin_form(State(api): Shared, headers: HeaderMap, Query(params): Params) -> Response {
    let (lang, lang_cookie) = lang(&headers, &params);
    let csrf = session::random_token();
    let mut response = answer(
        StatusCode::OK,
        signin_page(lang, &csrf, None, !api.web.users.is_empty()),
        lang_cookie,
    );
    if let Ok(cookie) = HeaderValue::from_str(&api.web.set_cookie(SIGNIN_COOKIE, &csrf, Some(3600)))
    {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

async fn signin(
    State(api): Shared,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (lang, _) = lang(&headers, &HashMap::new());
    // In-process callers (the tests' router) have no peer: they count as loopback.
    let client = peer.map_or(std::net::IpAddr::from([127, 0, 0, 1]), |p| p.0 .0.ip());
    let expected = session::cookie(&headers, SIGNIN_COOKIE).unwrap_or_default();
    let given = form.get("_csrf").cloned().unwrap_or_default();
    let fresh = session::random_token();
    let again = |status, error: &str| {
        let mut response = answer(
            status,
            signin_page(lang, &fresh, Some(error), !api.web.users.is_empty()),
            None,
        );
        if let Ok(cookie) =
            HeaderValue::from_str(&api.web.set_cookie(SIGNIN_COOKIE, &fresh, Some(3600)))
        {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
        response
    };
    if expected.is_empty() || !session::same_secret(&expected, &given) {
        return again(StatusCode::FORBIDDEN, lang.t("csrf"));
    }
    if api.web.locked_out(client) {
        return again(StatusCode::TOO_MANY_REQUESTS, lang.t("locked_out"));
    }
    let actor = match (form.get("user"), form.get("password")) {
        // By user name and password (`[[auth.users]]`).
        (Some(user), Some(password)) => {
            let (users, user, password) = (api.web.users.clone(), user.clone(), password.clone());
            // argon2 costs tens of milliseconds of CPU: off the async workers.
            tokio::task::spawn_blocking(move || users.verify(user.trim(), &password))
                .await
                .ok()
                .flatten()
        }
        _ => {
            let token = form.get("token").map(|t| t.trim()).unwrap_or_default();
            api.tokens.actor(token).cloned()
        }
    };
    let Some(actor) = actor else {
        api.web.failed(client);
        let why = if form.contains_key("user") {
            lang.t("bad_password")
        } else {
            lang.t("bad_token")
        };
        return again(StatusCode::UNAUTHORIZED, why);
    };
    let id = api.web.open(actor);
    // Home sends each role to where its day starts.
    redirect(
        "/",
        &[
            api.web.set_cookie(SESSION_COOKIE, &id, None),
            api.web.set_cookie(SIGNIN_COOKIE, "", Some(0)),
        ],
    )
}

async fn signout(
    State(api): Shared,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some((id, session)) = api.web.of(&headers) {
        if form
            .get("_csrf")
            .is_some_and(|c| session::same_secret(c, &session.csrf))
        {
            api.web.close(&id);
        } else {
            let (lang, _) = lang(&headers, &HashMap::new());
            return csrf_refused(lang, &session);
        }
    }
    redirect(
        "/signin",
        &[api.web.set_cookie(SESSION_COOKIE, "", Some(0))],
    )
}

fn csrf_refused(lang: Lang, session: &Session) -> Response {
    html(
        StatusCode::FORBIDDEN,
        page(
            lang,
            lang.t("refused"),
            Some((&session.actor, &session.csrf)),
            "/",
            &format!("<p class=\"error\" role=\"alert\">{}</p>", lang.t("csrf")),
        ),
    )
}

fn today(api: &Api, session: &Session) -> chrono::NaiveDate {
    (api.clock)().local_date(api.service.rules().offices.offset_of(&session.actor.office))
}

fn status_label(lang: Lang, value: &Value) -> String {
    let label = value
        .as_str()
        .and_then(|s| serde_json::from_value::<ombud_domain::Status>(Value::from(s)).ok())
        .map(|s| match lang {
            Lang::Id => s.label_id(),
            Lang::En => s.label_en(),
        });
    esc(label.unwrap_or_else(|| value.as_str().unwrap_or("")))
}

fn clock_label(lang: Lang, value: &Value) -> String {
    let label = serde_json::from_value::<ombud_domain::ClockKind>(value.clone())
        .ok()
        .map(|c| match lang {
            Lang::Id => c.label_id(),
            Lang::En => c.label_en(),
        });
    esc(label.unwrap_or_else(|| value.as_str().unwrap_or("")))
}

fn days_badge(lang: Lang, days_left: &Value, overdue: bool) -> String {
    let days = days_left
        .as_i64()
        .map(|d| d.to_string())
        .unwrap_or_default();
    if overdue {
        format!(
            "<span class=\"badge overdue\">{} ({days})</span>",
            lang.t("overdue")
        )
    } else {
        format!("<span class=\"badge\">{days}</span>")
    }
}

/// A table's opening with its column headings, up to the body's first row.
fn table_head(headings: &[&str]) -> String {
    let mut out = String::from("<table><thead><tr>");
    for heading in headings {
        out.push_str(&format!("<th scope=\"col\">{}</th>", esc(heading)));
    }
    out.push_str("</tr></thead><tbody>");
    out
}

fn case_rows(lang: Lang, items: &[Value]) -> String {
    if items.is_empty() {
        return format!("<p>{}</p>", lang.t("nothing"));
    }
    let mut out = table_head(&[
        lang.t("reference"),
        lang.t("status"),
        lang.t("next_due"),
        lang.t("days_left"),
        lang.t("agency"),
        lang.t("assignee"),
    ]);
    for item in items {
        let overdue = item["overdue"] == true;
        let days = match &item["days_left"] {
            Value::Null => String::new(),
            d => days_badge(lang, d, overdue),
        };
        out.push_str(&format!(
            "<tr><td><a href=\"/cases/{}\">{}</a></td><td>{}</td><td>{}</td><td>{days}</td>\
             <td>{}</td><td>{}</td></tr>",
            esc(item["case_id"].as_str().unwrap_or("")),
            esc(item["reference"].as_str().unwrap_or("")),
            status_label(lang, &item["status"]),
            esc(item["next_due"].as_str().unwrap_or("")),
            esc(item["agency_name"]
                .as_str()
                .or(item["agency"].as_str())
                .unwrap_or("")),
            esc(item["assignee"].as_str().unwrap_or("")),
        ));
    }
    out.push_str("</tbody></table>");
    out
}

fn problem_page(lang: Lang, session: &Session, problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let title = if status == StatusCode::NOT_FOUND {
        lang.t("not_found")
    } else {
        lang.t("refused")
    };
    html(
        status,
        page(
            lang,
            title,
            Some((&session.actor, &session.csrf)),
            "/",
            &format!(
                "<p class=\"error\" role=\"alert\">{}</p>",
                esc(&problem.detail)
            ),
        ),
    )
}

/// The page for a case this user cannot see (none such, or another office's): it names nothing.
fn case_not_found(lang: Lang, session: &Session) -> Response {
    problem_page(
        lang,
        session,
        &Problem::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "No such case",
            lang.t("not_found"),
        ),
    )
}

async fn queue(State(api): Shared, headers: HeaderMap, Query(params): Params) -> Response {
    // Not signed in (or the session ended): to the sign-in page.
    let Some((_, session)) = api.web.of(&headers) else {
        return redirect("/signin", &[]);
    };
    let (lang, lang_cookie) = lang(&headers, &params);
    let items = match api
        .service
        .queue(&session.actor, None, today(&api, &session), None)
        .await
    {
        Ok(items) => items,
        Err(e) => return problem_page(lang, &session, &Problem::from(e)),
    };
    let items: Vec<Value> = items
        .iter()
        .filter_map(|i| serde_json::to_value(i).ok())
        .collect();
    signed_page(
        lang,
        &session,
        lang.t("queue"),
        "/queue",
        &case_rows(lang, &items),
        lang_cookie,
    )
}

/// A list of a labelled vocabulary's values, `chosen` selected, with an "any" first.
fn vocabulary_select<T: ombud_domain::labels::Labelled>(
    lang: Lang,
    name: &str,
    label: &str,
    chosen: &str,
) -> String {
    let mut out = format!(
        "<div class=\"field\"><label for=\"{name}\">{}</label><select id=\"{name}\" \
         name=\"{name}\"><option value=\"\">{}</option>",
        esc(label),
        lang.t("all")
    );
    for value in T::all() {
        let code = value.code();
        out.push_str(&format!(
            "<option value=\"{code}\"{}>{}</option>",
            if code == chosen { " selected" } else { "" },
            esc(match lang {
                Lang::Id => value.label_id(),
                Lang::En => value.label_en(),
            })
        ));
    }
    out.push_str("</select></div>");
    out
}

/// `text` for a query string.
fn query_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The case list's filters, as `GET /v1/cases` has them.
const CASE_FILTERS: &[&str] = &[
    "status",
    "office",
    "agency",
    "form",
    "assignee",
    "channel",
    "track",
    "agenda",
    "overdue",
    "pending_receipt",
    "reported_from",
    "reported_to",
    "order",
];

async fn cases(State(api): Shared, headers: HeaderMap, Query(params): Params) -> Response {
    // Not signed in (or the session ended): to the sign-in page.
    let Some((_, session)) = api.web.of(&headers) else {
        return redirect("/signin", &[]);
    };
    let (lang, lang_cookie) = lang(&headers, &params);
    // Every filter of `GET /v1/cases`, read the same way (an empty field is no filter).
    let given = |name: &str| {
        params
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let yes_no = |name: &str| given(name).map(|v| v == "true");
    let list = crate::ListParams {
        status: given("status"),
        office: given("office"),
        agency: given("agency"),
        form: given("form"),
        assignee: given("assignee"),
        channel: given("channel"),
        track: given("track"),
        overdue: yes_no("overdue"),
        reported_from: given("reported_from"),
        reported_to: given("reported_to"),
        agenda: given("agenda"),
        pending_receipt: yes_no("pending_receipt"),
        order: given("order"),
        cursor: given("cursor"),
        limit: Some(50),
        min_seq: None,
    };
    let shown = |name: &str| esc(&given(name).unwrap_or_default());
    let mut main =
        String::from("<form method=\"get\" action=\"/cases\" class=\"filters\"><fieldset><legend>");
    main.push_str(lang.t("filters"));
    main.push_str("</legend>");
    main.push_str(&vocabulary_select::<ombud_domain::Status>(
        lang,
        "status",
        lang.t("status"),
        &given("status").unwrap_or_default(),
    ));
    main.push_str(&vocabulary_select::<ombud_domain::taxonomy::Channel>(
        lang,
        "channel",
        lang.t("channel"),
        &given("channel").unwrap_or_default(),
    ));
    main.push_str(&vocabulary_select::<ombud_domain::taxonomy::Track>(
        lang,
        "track",
        lang.t("track"),
        &given("track").unwrap_or_default(),
    ));
    main.push_str(&vocabulary_select::<ombud_domain::state::Agenda>(
        lang,
        "agenda",
        lang.t("agenda"),
        &given("agenda").unwrap_or_default(),
    ));
    let mut text = |name: &str, label: &str, kind: &str| {
        main.push_str(&format!(
            "<div class=\"field\"><label for=\"{name}\">{}</label><input type=\"{kind}\" \
             id=\"{name}\" name=\"{name}\" value=\"{}\"></div>",
            esc(label),
            shown(name)
        ));
    };
    if ombud_service::queries::sees_all_offices(session.actor.role) {
        text("office", lang.t("office"), "text");
    }
    text("agency", lang.t("agency_code"), "text");
    text("form", lang.t("form_code"), "text");
    text("assignee", lang.t("assignee"), "text");
    text("reported_from", lang.t("reported_from"), "date");
    text("reported_to", lang.t("reported_to"), "date");
    for (name, label) in [
        ("overdue", lang.t("overdue")),
        ("pending_receipt", lang.t("pending_receipt")),
    ] {
        let chosen = given(name).unwrap_or_default();
        let option = |value: &str, text: &str| {
            format!(
                "<option value=\"{value}\"{}>{text}</option>",
                if chosen == value { " selected" } else { "" }
            )
        };
        main.push_str(&format!(
            "<div class=\"field\"><label for=\"{name}\">{label}</label><select id=\"{name}\" \
             name=\"{name}\">{}{}{}</select></div>",
            option("", lang.t("all")),
            option("true", lang.t("yes")),
            option("false", lang.t("no")),
        ));
    }
    let order = given("order").unwrap_or_default();
    main.push_str(&format!(
        "<div class=\"field\"><label for=\"order\">{}</label><select id=\"order\" name=\"order\">\
         <option value=\"newest\">{}</option><option value=\"due\"{}>{}</option></select></div>\
         </fieldset><button type=\"submit\">{}</button></form>",
        lang.t("order"),
        lang.t("order_newest"),
        if order == "due" { " selected" } else { "" },
        lang.t("order_due"),
        lang.t("show"),
    ));
    let listed = match crate::case_filter(&api, &session.actor, &list) {
        Ok((filter, order, _)) => {
            let query = ombud_service::queries::ListQuery {
                filter,
                order,
                cursor: list.cursor.clone(),
                limit: 50,
                today: today(&api, &session),
                min_seq: None,
            };
            api.service
                .list_cases(&session.actor, query)
                .await
                .map_err(Problem::from)
        }
        Err(problem) => Err(problem),
    };
    let page_of = match listed {
        Ok(p) => p,
        // A filter that does not read (a bad date, an unknown code) is said beside the form.
        Err(problem) if problem.status == 400 => {
            main.push_str(&format!(
                "<p class=\"error\" role=\"alert\">{}</p>",
                esc(&problem.detail)
            ));
            return signed_page(
                lang,
                &session,
                lang.t("cases"),
                "/cases",
                &main,
                lang_cookie,
            );
        }
        Err(problem) => return problem_page(lang, &session, &problem),
    };
    let value = serde_json::to_value(&page_of).unwrap_or(Value::Null);
    let items = value["items"].as_array().cloned().unwrap_or_default();
    main.push_str(&case_rows(lang, &items));
    if let Some(next) = value["next_cursor"].as_str() {
        // The next page keeps every filter.
        let mut query: Vec<String> = CASE_FILTERS
            .iter()
            .filter_map(|name| given(name).map(|v| format!("{name}={}", query_escape(&v))))
            .collect();
        query.push(format!("cursor={}", query_escape(next)));
        main.push_str(&format!(
            "<p><a href=\"/cases?{}\">{}</a></p>",
            esc(&query.join("&")),
            lang.t("next_page")
        ));
    }
    signed_page(
        lang,
        &session,
        lang.t("cases"),
        "/cases",
        &main,
        lang_cookie,
    )
}

async fn deadlines(State(api): Shared, headers: HeaderMap, Query(params): Params) -> Response {
    // Not signed in (or the session ended): to the sign-in page.
    let Some((_, session)) = api.web.of(&headers) else {
        return redirect("/signin", &[]);
    };
    let (lang, lang_cookie) = lang(&headers, &params);
    let filter = ombud_projection::models::deadline_board::BoardFilter {
        overdue_only: params.get("overdue").is_some_and(|o| o == "true"),
        ..Default::default()
    };
    let items = match api
        .service
        .deadline_board(&session.actor, today(&api, &session), 30, filter)
        .await
    {
        Ok(items) => items,
        Err(e) => return problem_page(lang, &session, &Problem::from(e)),
    };
    let mut main = format!(
        "<p><a href=\"/deadlines?overdue=true\">{}</a></p>",
        lang.t("overdue")
    );
    if items.is_empty() {
        main.push_str(&format!("<p>{}</p>", lang.t("nothing")));
    } else {
        main.push_str(&format!(
            "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
             <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
             <th scope=\"col\">{}</th></tr></thead><tbody>",
            lang.t("due"),
            lang.t("days_left"),
            lang.t("clock"),
            lang.t("reference"),
            lang.t("assignee"),
            lang.t("proposal")
        ));
        for item in &items {
            let v = serde_json::to_value(item).unwrap_or(Value::Null);
            let proposal = v["proposal"]["action"].as_str().unwrap_or("");
            main.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><a href=\"/cases/{}\">{}</a></td>\
                 <td>{}</td><td>{}</td></tr>",
                esc(v["deadline"]["due_on"].as_str().unwrap_or("")),
                days_badge(lang, &v["days_left"], item.overdue),
                clock_label(lang, &v["deadline"]["clock"]),
                esc(v["case_id"].as_str().unwrap_or("")),
                esc(v["reference"].as_str().unwrap_or("")),
                esc(v["assignee"].as_str().unwrap_or("")),
                esc(proposal),
            ));
        }
        main.push_str("</tbody></table>");
    }
    signed_page(
        lang,
        &session,
        lang.t("deadlines"),
        "/deadlines",
        &main,
        lang_cookie,
    )
}

/// A disclosed field as text: the text, a name, or why it is not shown.
fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Object(o) => o
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| {
                o.get("reason")
                    .and_then(Value::as_str)
                    .map(|r| format!("[{r}]"))
            })
            .unwrap_or_else(|| "[…]".to_owned()),
        other => other.to_string(),
    }
}

/// What `session`'s user may do on a case in `state` now: each command of the registry their
/// role may use in this status and office (the closures as one form per allowed ground set).
fn allowed_commands(
    session: &Session,
    state: &CaseState,
) -> Vec<&'static ombud_service::input::CommandSpec> {
    let actor = &session.actor;
    let may = |action: Action| {
        permitted_roles(action).contains(&actor.role)
            && legal_states(action).contains(&state.status)
            && authorize(state, actor, action).is_ok()
    };
    COMMANDS
        .iter()
        .filter(|spec| {
            let Some(kind) = CommandKind::ALL.iter().find(|k| k.as_str() == spec.route) else {
                return false;
            };
            match kind {
                CommandKind::Report | CommandKind::ProposeAction => false,
                CommandKind::Close => ClosureReason::ALL.iter().any(|r| may(Action::Close(*r))),
                other => may(Action::Command(*other)),
            }
        })
        .collect()
}

/// A command's name as an action heading: Indonesian, or the registry's English phrase.
fn command_name(lang: Lang, kind: CommandKind) -> String {
    match lang {
        Lang::Id => kind.label_id().to_owned(),
        Lang::En => {
            let phrase = kind.describe();
            let mut chars = phrase.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

/// A refused submission, shown beside its form.
struct Refusal<'a> {
    route: &'a str,
    body: &'a str,
    message: String,
}

async fn case_page(
    State(api): Shared,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    // Not signed in (or the session ended): to the sign-in page.
    let Some((_, session)) = api.web.of(&headers) else {
        return redirect("/signin", &[]);
    };
    let (lang, lang_cookie) = lang(&headers, &params);
    let notice = params.get("done").map(|_| lang.t("recorded"));
    let min_seq = params.get("seq").and_then(|s| s.parse::<u64>().ok());
    let mut response = render_case(&api, &session, lang, &id, None, notice, min_seq).await;
    if let Some(cookie) = lang_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

async fn render_case(
    api: &Api,
    session: &Session,
    lang: Lang,
    id: &str,
    refusal: Option<(StatusCode, Refusal<'_>)>,
    notice: Option<&str>,
    min_seq: Option<u64>,
) -> Response {
    let not_found = || case_not_found(lang, session);
    let Ok(case_id) = id.parse::<uuid::Uuid>().map(CaseId::from_uuid) else {
        return not_found();
    };
    let (file, case_seq) = match api
        .service
        .case_file(&session.actor, case_id, min_seq, "GET /cases/{id}")
        .await
    {
        Ok(found) => found,
        Err(ombud_service::ServiceError::NotFound(_)) => return not_found(),
        Err(e) => return problem_page(lang, session, &Problem::from(e)),
    };
    let state: CaseState = serde_json::from_value(file["state"].clone()).unwrap_or_default();
    let zone = api.service.rules().offices.offset_of(&session.actor.office);
    let reference = file["reference"].as_str().unwrap_or("").to_owned();
    let mut main = String::new();
    if let Some(notice) = notice {
        main.push_str(&format!("<p class=\"notice\" role=\"status\">{notice}</p>"));
    }
    main.push_str(&format!(
        "<dl><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>\
         <dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
        lang.t("status"),
        status_label(lang, &file["state"]["status"]),
        lang.t("office"),
        esc(file["office"].as_str().unwrap_or("")),
        lang.t("agency"),
        match file["respondent"]["agency_code"].as_str() {
            // The agency's dossier in this case's office.
            Some(code) => format!(
                "<a href=\"/agencies/{}?office={}\">{}</a>",
                query_escape(code),
                query_escape(file["office"].as_str().unwrap_or("")),
                esc(file["respondent"]["agency_name"].as_str().unwrap_or(code))
            ),
            None => String::new(),
        },
        lang.t("reporter"),
        esc(&shown(&file["reporter"]["identity"])),
        lang.t("assignee"),
        esc(file["state"]["assignee"].as_str().unwrap_or("")),
        lang.t("summary"),
        esc(&shown(&file["summary"])),
    ));
    // The respondent's superior and the forms reported.
    let superior = file["respondent"]["superior"].as_str().unwrap_or("");
    let forms: Vec<String> = file["forms"]
        .as_array()
        .map(|f| {
            f.iter()
                .filter_map(Value::as_str)
                .map(|code| vocabulary_label(lang, code))
                .collect()
        })
        .unwrap_or_default();
    if !superior.is_empty() || !forms.is_empty() {
        main.push_str(&format!(
            "<dl><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
            lang.t("superior"),
            esc(superior),
            lang.t("form_code"),
            esc(&forms.join(", ")),
        ));
    }
    // Letters sent, with their receipt once known (receipts start clocks).
    if let Some(letters) = file["state"]["letters"]
        .as_array()
        .filter(|l| !l.is_empty())
    {
        main.push_str(&format!("<h2>{}</h2>", lang.t("letters")));
        main.push_str(&table_head(&[
            "#",
            lang.t("what"),
            lang.t("letter_number"),
            lang.t("via"),
            lang.t("letter_date"),
            lang.t("received_on"),
        ]));
        for letter in letters {
            let l = &letter["letter"];
            main.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                letter["seq"],
                esc(&vocabulary_label(
                    lang,
                    letter["event_type"].as_str().unwrap_or("")
                )),
                esc(l["number"].as_str().unwrap_or("")),
                esc(&vocabulary_label(lang, l["via"].as_str().unwrap_or(""))),
                esc(l["date"].as_str().unwrap_or("")),
                esc(l["received_on"].as_str().unwrap_or("…")),
            ));
        }
        main.push_str("</tbody></table>");
    }
    // Clocks.
    if let Some(clocks) = file["state"]["clocks"]
        .as_object()
        .filter(|c| !c.is_empty())
    {
        main.push_str(&format!(
            "<h2>{}</h2><table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
             </tr></thead><tbody>",
            lang.t("clock"),
            lang.t("clock"),
            lang.t("due")
        ));
        for (kind, clock) in clocks {
            main.push_str(&format!(
                "<tr><td>{}</td><td>{}</td></tr>",
                clock_label(lang, &Value::from(kind.as_str())),
                esc(clock["deadline"]["due_on"].as_str().unwrap_or("…"))
            ));
        }
        main.push_str("</tbody></table>");
    }
    // Timeline.
    main.push_str(&format!(
        "<h2>{}</h2><table><thead><tr><th scope=\"col\">#</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th></tr></thead><tbody>",
        lang.t("timeline"),
        lang.t("when"),
        lang.t("what"),
        lang.t("who"),
        lang.t("role"),
        lang.t("text")
    ));
    for line in file["timeline"].as_array().into_iter().flatten() {
        let event = line["event_type"]
            .as_str()
            .and_then(|t| serde_json::from_value::<ombud_domain::EventType>(Value::from(t)).ok())
            .map(|t| match lang {
                Lang::Id => t.label_id(),
                Lang::En => t.label_en(),
            })
            .unwrap_or_else(|| line["event_type"].as_str().unwrap_or(""));
        let role = line["role"]
            .as_str()
            .and_then(|r| serde_json::from_value::<ombud_domain::Role>(Value::from(r)).ok())
            .map(|r| match lang {
                Lang::Id => r.label_id(),
                Lang::En => r.label_en(),
            })
            .unwrap_or_else(|| line["role"].as_str().unwrap_or(""));
        // The office's wall clock, to the minute.
        let at = line["at"]
            .as_str()
            .and_then(|t| ombud_domain::Timestamp::parse(t).ok())
            .map(|t| t.local_datetime(zone).format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        main.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            line["case_seq"],
            esc(&at),
            esc(event),
            esc(line["actor"].as_str().unwrap_or("")),
            esc(role),
            esc(&shown(&line["text"])),
        ));
    }
    main.push_str("</tbody></table>");
    // The deadline engine's open proposals: what carries each out, and its dismissal.
    let allowed = allowed_commands(session, &state);
    let open: Vec<_> = state.open_proposals().collect();
    if !open.is_empty() {
        let may_dismiss = allowed.iter().any(|c| c.route == "dismiss-proposal");
        main.push_str(&format!("<h2>{}</h2><ul>", lang.t("proposals")));
        for p in open {
            let action = match lang {
                Lang::Id => p.action.label_id(),
                Lang::En => p.action.label_en(),
            };
            let command = ombud_domain::engine::command_for(p.action);
            let carry = if allowed.iter().any(|c| c.route == command) {
                format!(" <a href=\"#act-{command}\">{}</a>", lang.t("carry_out"))
            } else {
                String::new()
            };
            main.push_str(&format!(
                "<li id=\"proposal-{seq}\">{} ({}, {} {}){carry}</li>",
                esc(action),
                clock_label(lang, &Value::from(p.clock.as_str())),
                lang.t("due"),
                p.due_on,
                seq = p.seq,
            ));
            if may_dismiss {
                // The dismissal form of this proposal, prefilled with its position.
                main.push_str(&format!(
                    "<form method=\"post\" action=\"/cases/{case_id}/do/dismiss-proposal\" \
                     class=\"dismiss\"><input type=\"hidden\" name=\"_csrf\" value=\"{}\">\
                     <input type=\"hidden\" name=\"_key\" value=\"{}\">\
                     <input type=\"hidden\" name=\"_if_match\" value=\"{case_seq}\">\
                     <input type=\"hidden\" name=\"f.proposal\" value=\"{seq}\">\
                     <label for=\"dismiss-{seq}\">{}</label>\
                     <textarea id=\"dismiss-{seq}\" name=\"f.reason\" required></textarea>\
                     <button type=\"submit\">{}</button></form>",
                    esc(&session.csrf),
                    session::random_token(),
                    lang.t("dismiss_why"),
                    lang.t("dismiss"),
                    seq = p.seq,
                ));
            }
        }
        main.push_str("</ul>");
    }
    // Actions.
    if !allowed.is_empty() {
        main.push_str(&format!("<h2>{}</h2>", lang.t("actions")));
    }
    let (status, refusal) = match refusal {
        Some((status, r)) => (status, Some(r)),
        None => (StatusCode::OK, None),
    };
    for spec in allowed {
        let kind = CommandKind::ALL
            .iter()
            .find(|k| k.as_str() == spec.route)
            .map_or_else(|| spec.route.to_owned(), |k| command_name(lang, *k));
        let failed = refusal.as_ref().filter(|r| r.route == spec.route);
        let error = failed
            .map(|r| {
                format!(
                    "<p class=\"error\" id=\"error-{0}\" role=\"alert\">{1}</p>",
                    spec.route,
                    esc(&r.message)
                )
            })
            .unwrap_or_default();
        // Typed fields from the command's schema, filled again with a refused body.
        let inputs = match fields::Form::of(&(spec.schema)()) {
            Some(form) => {
                let values = failed
                    .and_then(|r| serde_json::from_str::<Value>(r.body).ok())
                    .unwrap_or(Value::Null);
                form.render(lang, &format!("act-{}", spec.route), &values)
            }
            None => format!(
                "<label for=\"body-{route}\">{}</label>\
                 <textarea id=\"body-{route}\" name=\"body\">{}</textarea>",
                lang.t("body"),
                esc(failed.map_or(spec.example, |r| r.body)),
                route = spec.route,
            ),
        };
        main.push_str(&format!(
            "<details id=\"act-{route}\"{open}><summary>{}</summary><p>{}</p>\
             <form method=\"post\" action=\"/cases/{case_id}/do/{route}\" autocomplete=\"off\"{described}>\
             <input type=\"hidden\" name=\"_csrf\" value=\"{csrf}\">\
             <input type=\"hidden\" name=\"_key\" value=\"{key}\">\
             <input type=\"hidden\" name=\"_if_match\" value=\"{case_seq}\">\
             {inputs}{error}\
             <button type=\"submit\">{}</button></form></details>",
            esc(&kind),
            esc(spec.summary),
            lang.t("submit"),
            open = if failed.is_some() { " open" } else { "" },
            described = if failed.is_some() {
                format!(" aria-describedby=\"error-{}\"", spec.route)
            } else {
                String::new()
            },
            route = spec.route,
            csrf = esc(&session.csrf),
            key = session::random_token(),
        ));
    }
    html(
        status,
        page(
            lang,
            &reference,
            Some((&session.actor, &session.csrf)),
            "/cases",
            &main,
        ),
    )
}

async fn act(
    State(api): Shared,
    Path((id, command)): Path<(String, String)>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    // Not signed in (or the session ended): to the sign-in page.
    let Some((_, session)) = api.web.of(&headers) else {
        return redirect("/signin", &[]);
    };
    let (lang, _) = lang(&headers, &HashMap::new());
    let form: HashMap<String, String> = pairs.iter().cloned().collect();
    let csrf_ok = form
        .get("_csrf")
        .is_some_and(|c| session::same_secret(c, &session.csrf));
    if !csrf_ok {
        return csrf_refused(lang, &session);
    }
    let (body, field_error) = submitted_body(&command, &pairs);
    let refused = |status: StatusCode, message: String| {
        let api = api.clone();
        let (session, id, command, body) =
            (session.clone(), id.clone(), command.clone(), body.clone());
        async move {
            render_case(
                &api,
                &session,
                lang,
                &id,
                Some((
                    status,
                    Refusal {
                        route: &command,
                        body: &body,
                        message,
                    },
                )),
                None,
                None,
            )
            .await
        }
    };
    let Ok(case_id) = id.parse::<uuid::Uuid>().map(CaseId::from_uuid) else {
        return refused(StatusCode::NOT_FOUND, lang.t("not_found").to_owned()).await;
    };
    if command == "report" || command == "propose-action" {
        return refused(StatusCode::NOT_FOUND, lang.t("not_found").to_owned()).await;
    }
    if let Some(why) = field_error {
        return refused(StatusCode::UNPROCESSABLE_ENTITY, why).await;
    }
    let input = match CommandInput::parse(&command, body.as_bytes()) {
        Ok(input) => input,
        Err(e) => {
            let problem = Problem::from(e);
            return refused(StatusCode::UNPROCESSABLE_ENTITY, problem.detail).await;
        }
    };
    let key = form
        .get("_key")
        .and_then(|k| IdempotencyKey::parse(&format!("web-{k}")).ok());
    let if_match = form.get("_if_match").and_then(|m| m.parse::<u64>().ok());
    let result = api
        .service
        .execute(CommandRequest {
            case_id: Some(case_id),
            actor: session.actor.clone(),
            idempotency_key: key,
            if_match,
            correlation_id: None,
            at: None,
            input,
        })
        .await;
    match result {
        // The page after it waits for the read models to hold the event (read-your-writes).
        Ok(outcome) => redirect(
            &format!("/cases/{case_id}?done={command}&seq={}", outcome.seq),
            &[],
        ),
        Err(ombud_service::ServiceError::Conflict { .. }) => {
            refused(StatusCode::CONFLICT, lang.t("conflict").to_owned()).await
        }
        Err(e) => {
            let problem = Problem::from(e);
            let status =
                StatusCode::from_u16(problem.status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            refused(status, problem.detail).await
        }
    }
}

/// The JSON body of a submitted command form: the whole `body` when one is sent, else the
/// body its typed fields make; with what is wrong with a field, if anything.
fn submitted_body(route: &str, pairs: &[(String, String)]) -> (String, Option<String>) {
    if let Some((_, body)) = pairs.iter().find(|(k, _)| k == "body") {
        return (body.clone(), None);
    }
    let form =
        ombud_service::input::body_schema(route).and_then(|schema| fields::Form::of(&schema));
    match form.map(|f| f.collect(pairs)) {
        Some(Ok(body)) => (body.to_string(), None),
        // What was typed stays in the fields beside the message.
        Some(Err(why)) => (fields::as_typed(pairs).to_string(), Some(why)),
        None => (String::new(), None),
    }
}

fn may_report(role: ombud_domain::Role) -> bool {
    permitted_roles(Action::Command(CommandKind::Report)).contains(&role)
}

fn report_page(
    lang: Lang,
    session: &Session,
    body: &str,
    error: Option<&str>,
    today: chrono::NaiveDate,
) -> String {
    let spec = ombud_service::input::command("report");
    let error = error
        .map(|e| {
            format!(
                "<p class=\"error\" id=\"error-report\" role=\"alert\">{}</p>",
                esc(e)
            )
        })
        .unwrap_or_default();
    let described = if error.is_empty() {
        ""
    } else {
        " aria-describedby=\"error-report\""
    };
    // A new report starts with the user's office and today's date; a refused one keeps
    // what was entered.
    let values = serde_json::from_str::<Value>(body).unwrap_or_else(|_| {
        serde_json::json!({
            "office": session.actor.office.as_str(),
            "received_on": today.to_string(),
        })
    });
    let inputs = spec
        .and_then(|s| fields::Form::of(&(s.schema)()))
        .map(|form| form.render(lang, "report", &values))
        .unwrap_or_default();
    page(
        lang,
        lang.t("new_report"),
        Some((&session.actor, &session.csrf)),
        "/report",
        &format!(
            "<p>{}</p><form method=\"post\" action=\"/report\" autocomplete=\"off\"{described}>\
             <input type=\"hidden\" name=\"_csrf\" value=\"{}\">\
             <input type=\"hidden\" name=\"_key\" value=\"{}\">\
             {inputs}{error}\
             <button type=\"submit\">{}</button></form>",
            esc(spec.map_or("", |s| s.summary)),
            esc(&session.csrf),
            session::random_token(),
            lang.t("submit"),
        ),
    )
}

async fn report_form(State(api): Shared, headers: HeaderMap, Query(params): Params) -> Response {
    // Not signed in (or the session ended): to the sign-in page.
    let Some((_, session)) = api.web.of(&headers) else {
        return redirect("/signin", &[]);
    };
    let (lang, lang_cookie) = lang(&headers, &params);
    if !may_report(session.actor.role) {
        return problem_page(
            lang,
            &session,
            &Problem::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "Forbidden",
                lang.t("refused"),
            ),
        );
    }
    answer(
        StatusCode::OK,
        report_page(lang, &session, "", None, today(&api, &session)),
        lang_cookie,
    )
}

async fn report(
    State(api): Shared,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    // Not signed in (or the session ended): to the sign-in page.
    let Some((_, session)) = api.web.of(&headers) else {
        return redirect("/signin", &[]);
    };
    let (lang, _) = lang(&headers, &HashMap::new());
    let form: HashMap<String, String> = pairs.iter().cloned().collect();
    if !form
        .get("_csrf")
        .is_some_and(|c| session::same_secret(c, &session.csrf))
    {
        return csrf_refused(lang, &session);
    }
    let (body, field_error) = submitted_body("report", &pairs);
    let on = today(&api, &session);
    let again = |status: StatusCode, message: &str| {
        html(
            status,
            report_page(lang, &session, &body, Some(message), on),
        )
    };
    if let Some(why) = field_error {
        return again(StatusCode::UNPROCESSABLE_ENTITY, &why);
    }
    let input = match CommandInput::parse("report", body.as_bytes()) {
        Ok(input) => input,
        Err(e) => {
            return again(StatusCode::UNPROCESSABLE_ENTITY, &Problem::from(e).detail);
        }
    };
    let key = form
        .get("_key")
        .and_then(|k| IdempotencyKey::parse(&format!("web-{k}")).ok());
    match api
        .service
        .execute(CommandRequest {
            case_id: None,
            actor: session.actor.clone(),
            idempotency_key: key,
            if_match: None,
            correlation_id: None,
            at: None,
            input,
        })
        .await
    {
        Ok(outcome) => redirect(
            &format!("/cases/{}?done=report&seq={}", outcome.case_id, outcome.seq),
            &[],
        ),
        Err(e) => {
            let problem = Problem::from(e);
            let status =
                StatusCode::from_u16(problem.status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            again(status, &problem.detail)
        }
    }
}

/// `GET /cases/{id}/bundle`: the case's evidence bundle as a file to keep (auditor, chair),
/// the JSON of `GET /v1/cases/{id}/bundle`; `ombud audit verify-bundle FILE` checks it.
async fn bundle_download(
    State(api): Shared,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    let Some((_, session)) = api.web.of(&headers) else {
        return redirect("/signin", &[]);
    };
    let (lang, _) = lang(&headers, &params);
    let Ok(case_id) = id.parse::<uuid::Uuid>().map(CaseId::from_uuid) else {
        return case_not_found(lang, &session);
    };
    match crate::log::bundle::build(&api, &session.actor, case_id).await {
        Ok(bundle) => (
            [
                (header::CONTENT_TYPE, "application/json".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"bundle-{case_id}.json\""),
                ),
            ],
            bundle.to_string(),
        )
            .into_response(),
        Err(problem) if problem.status == StatusCode::NOT_FOUND => case_not_found(lang, &session),
        Err(problem) => problem_page(lang, &session, &problem),
    }
}

/// An auditor's view of a case: whether its hash chain holds from the first event, and its
/// trail with each event's position, type, actor and hash; for an auditor or the chair, a link
/// to the case's evidence bundle.
async fn audit(
    State(api): Shared,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    // Not signed in (or the session ended): to the sign-in page.
    let Some((_, session)) = api.web.of(&headers) else {
        return redirect("/signin", &[]);
    };
    let (lang, lang_cookie) = lang(&headers, &params);
    let not_found = || case_not_found(lang, &session);
    let Ok(case_id) = id.parse::<uuid::Uuid>().map(CaseId::from_uuid) else {
        return not_found();
    };
    let verification = match api.service.verify(&session.actor, case_id).await {
        Ok(v) => v,
        Err(ombud_service::ServiceError::NotFound(_)) => return not_found(),
        // A broken chain is the auditor's finding, not a failure of the page.
        Err(ombud_service::ServiceError::Corrupt { seq, why, .. }) => {
            let main = format!(
                "<p class=\"error\" role=\"alert\">{} {seq}: {}</p>",
                lang.t("chain_broken"),
                esc(&why)
            );
            return signed_page(
                lang,
                &session,
                &format!("{} · {}", lang.t("audit"), id),
                "/cases",
                &main,
                lang_cookie,
            );
        }
        Err(e) => return problem_page(lang, &session, &Problem::from(e)),
    };
    // The trail (and the case's state) as of a chosen sequence, day or time, when asked.
    let asked = params
        .get("as_of")
        .map(|t| t.trim())
        .filter(|t| !t.is_empty());
    let as_of = match asked.map(ombud_service::audit::parse_as_of).transpose() {
        Ok(as_of) => as_of,
        Err(e) => return problem_page(lang, &session, &Problem::from(e)),
    };
    let trail = match api.service.trail(&session.actor, case_id, as_of).await {
        Ok(t) => t,
        Err(e) => return problem_page(lang, &session, &Problem::from(e)),
    };
    let as_of_form = format!(
        "<form method=\"get\" action=\"/cases/{case_id}/audit\" class=\"filters\">\
         <div class=\"field\"><label for=\"as_of\">{}</label>\
         <input type=\"text\" id=\"as_of\" name=\"as_of\" value=\"{}\" \
         aria-describedby=\"as_of-hint\"><span class=\"hint\" id=\"as_of-hint\">{}</span></div>\
         <button type=\"submit\">{}</button></form>",
        lang.t("as_of"),
        esc(asked.unwrap_or("")),
        lang.t("as_of_hint"),
        lang.t("show"),
    );
    let state_then = asked.map(|asked| {
        let state = ombud_domain::fold(trail.events.iter().map(|e| &e.recorded.event));
        format!(
            "<h2>{} {}</h2><dl><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>\
             <dt>{}</dt><dd>{}</dd></dl>",
            lang.t("state_as_of"),
            esc(asked),
            lang.t("status"),
            esc(match lang {
                Lang::Id => state.status.label_id(),
                Lang::En => state.status.label_en(),
            }),
            lang.t("events"),
            state.version,
            lang.t("assignee"),
            esc(state.assignee.as_ref().map_or("", |a| a.as_str())),
            lang.t("running_clocks"),
            esc(&state
                .clocks
                .values()
                .filter_map(|c| c.deadline.as_ref().map(|d| format!(
                    "{} → {}",
                    c.kind.as_str(),
                    d.due_on
                )))
                .collect::<Vec<_>>()
                .join(", ")),
        )
    });
    let verdict = if verification.foreign_messages.is_empty() {
        format!(
            "<p class=\"notice\" role=\"status\">{}</p>",
            lang.t("chain_holds")
        )
    } else {
        format!(
            "<p class=\"error\" role=\"alert\">{} {}</p>",
            lang.t("foreign"),
            verification
                .foreign_messages
                .iter()
                .filter_map(|f| serde_json::to_value(f).ok())
                .map(|f| f["stream_seq"].to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    // The evidence bundle (docs/audit.md) for those who may take it away.
    let bundle = if crate::log::auditors_only(&session.actor).is_ok() {
        format!(
            "<p><a href=\"/cases/{case_id}/bundle\" download>{}</a> <span class=\"hint\">{}</span></p>",
            lang.t("download_bundle"),
            lang.t("download_bundle_hint"),
        )
    } else {
        String::new()
    };
    let mut main = format!(
        "{verdict}{bundle}{as_of_form}{}<dl><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd><code>{}</code></dd></dl>\
         <table><thead><tr><th scope=\"col\">#</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">SHA-256</th>\
         </tr></thead><tbody>",
        state_then.unwrap_or_default(),
        lang.t("events"),
        verification.events,
        lang.t("head_hash"),
        esc(verification.head_hash.as_deref().unwrap_or("")),
        lang.t("when"),
        lang.t("what"),
        lang.t("who"),
    );
    for event in &trail.events {
        let e = &event.recorded.event;
        main.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} ({})</td><td><code>{}</code></td></tr>",
            event.recorded.meta.case_seq,
            esc(&e.at.to_string()),
            esc(event.recorded.wire_type()),
            esc(e.actor.as_str()),
            esc(e.role.as_str()),
            esc(&event.hash.to_hex()),
        ));
    }
    main.push_str("</tbody></table>");
    signed_page(
        lang,
        &session,
        &format!("{} · {}", lang.t("audit"), id),
        "/cases",
        &main,
        lang_cookie,
    )
}

/// Whether `role` decides on the heads' agenda (the pleno, conclusions, the LHP's issue).
pub(crate) fn is_head(role: ombud_domain::Role) -> bool {
    use ombud_domain::Role;
    matches!(
        role,
        Role::UnitHead | Role::OfficeHead | Role::Member | Role::Chair
    )
}

/// The heads' agenda: the cases waiting for the pleno, for the approval of a proposed
/// conclusion and for the LHP's issue, each a list (the office's, or every office's for the
/// chair), the oldest deadline first.
async fn agenda(State(api): Shared, headers: HeaderMap, Query(params): Params) -> Response {
    // Not signed in (or the session ended): to the sign-in page.
    let Some((_, session)) = api.web.of(&headers) else {
        return redirect("/signin", &[]);
    };
    let (lang, lang_cookie) = lang(&headers, &params);
    if !is_head(session.actor.role) {
        return problem_page(
            lang,
            &session,
            &Problem::from(ombud_service::ServiceError::Forbidden(
                "the agenda is the unit head's, the head of office's, a member's and the chair's"
                    .into(),
            )),
        );
    }
    let mut main = String::new();
    for item in <ombud_domain::state::Agenda as ombud_domain::labels::Labelled>::all() {
        let query = ombud_service::queries::ListQuery {
            filter: ombud_projection::models::case_index::CaseFilter {
                agenda: Some(*item),
                ..Default::default()
            },
            order: ombud_projection::models::case_index::CaseOrder::Due,
            cursor: None,
            limit: 200,
            today: today(&api, &session),
            min_seq: None,
        };
        let listed = match api.service.list_cases(&session.actor, query).await {
            Ok(page) => page,
            Err(e) => return problem_page(lang, &session, &Problem::from(e)),
        };
        let value = serde_json::to_value(&listed).unwrap_or(Value::Null);
        let items = value["items"].as_array().cloned().unwrap_or_default();
        main.push_str(&format!(
            "<h2 id=\"agenda-{}\">{} ({})</h2>{}",
            item.as_str(),
            esc(match lang {
                Lang::Id => item.label_id(),
                Lang::En => item.label_en(),
            }),
            items.len(),
            case_rows(lang, &items)
        ));
    }
    signed_page(
        lang,
        &session,
        lang.t("agenda"),
        "/agenda",
        &main,
        lang_cookie,
    )
}

/// An agency's dossier in an office: its open and closed cases, the forms reported, how
/// its cases ended, how fast it answers clarifications, and whether it carries out corrective
/// actions and recommendations (for the annual report and the next examination).
async fn agency(
    State(api): Shared,
    Path(code): Path<String>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    // Not signed in (or the session ended): to the sign-in page.
    let Some((_, session)) = api.web.of(&headers) else {
        return redirect("/signin", &[]);
    };
    let (lang, lang_cookie) = lang(&headers, &params);
    let parsed = crate::word::<ombud_domain::AgencyCode>("code", &code).and_then(|code| {
        let office = crate::opt::<ombud_domain::OfficeCode>(
            "office",
            params.get("office").filter(|o| !o.is_empty()),
        )?;
        Ok((code, office))
    });
    let (code, office) = match parsed {
        Ok(parsed) => parsed,
        Err(problem) => return problem_page(lang, &session, &problem),
    };
    // Another office named by a scoped role is refused by the service, as in the API.
    let dossier = match api
        .service
        .agency(&session.actor, &code, office.as_ref(), None)
        .await
    {
        Ok(Some(dossier)) => dossier,
        Ok(None) => {
            return problem_page(
                lang,
                &session,
                &Problem::new(
                    StatusCode::NOT_FOUND,
                    "unknown_agency",
                    "No cases for this agency",
                    lang.t("no_dossier").to_owned(),
                ),
            )
        }
        Err(e) => return problem_page(lang, &session, &Problem::from(e)),
    };
    let d = &dossier.dossier;
    let days = |d: Option<u32>| d.map_or_else(|| "—".to_owned(), |d| d.to_string());
    let compliance = |title: &str, c: &ombud_projection::models::agency_dossier::Compliance| {
        format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(title),
            c.required,
            c.implemented,
            c.partly,
            c.not_implemented
        )
    };
    let mut main = format!(
        "<dl><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd><code>{}</code></dd><dt>{}</dt><dd>{}</dd>\
         <dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>\
         <p><a href=\"/cases?agency={}\">{}</a></p>\
         <table><caption>{}</caption><thead><tr><th scope=\"col\"></th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\
         <tbody>{}{}</tbody></table>",
        lang.t("office"),
        esc(d.office.as_str()),
        lang.t("agency_code"),
        esc(d.agency.as_str()),
        lang.t("open_cases"),
        d.open,
        lang.t("closed_cases"),
        d.closed,
        lang.t("clarification_median"),
        days(dossier.clarification_median_days),
        lang.t("clarification_p90"),
        days(dossier.clarification_p90_days),
        query_escape(d.agency.as_str()),
        lang.t("its_cases"),
        lang.t("compliance"),
        lang.t("asked"),
        lang.t("implemented"),
        lang.t("partly"),
        lang.t("not_implemented"),
        compliance(lang.t("corrective_action"), &d.corrective_action),
        compliance(lang.t("recommendation"), &d.recommendation),
    );
    let bars = |map: &std::collections::BTreeMap<String, u64>| -> Vec<(String, u64)> {
        map.iter().map(|(k, n)| (k.clone(), *n)).collect()
    };
    main.push_str(&bar_chart(lang.t("by_form"), &bars(&d.by_form)));
    main.push_str(&bar_chart(lang.t("by_outcome"), &bars(&d.by_outcome)));
    signed_page(lang, &session, &d.name, "/cases", &main, lang_cookie)
}

/// The label of a code of any closed vocabulary (a channel, a finding, a form), else the
/// code itself.
fn vocabulary_label(lang: Lang, code: &str) -> String {
    vocabulary_label_in(lang, None, code)
}

/// The label of `code` in the vocabulary whose snake_case name is `vocabulary` (`track`,
/// `form_found`…) when there is one, else in any vocabulary, else the code itself.
fn vocabulary_label_in(lang: Lang, vocabulary: Option<&str>, code: &str) -> String {
    let snake = |name: &str| {
        let mut out = String::new();
        for (i, c) in name.chars().enumerate() {
            if c.is_uppercase() && i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        }
        out
    };
    let all = ombud_domain::labels::vocabularies();
    let own = vocabulary.and_then(|want| all.iter().find(|v| snake(v.name) == want));
    own.into_iter()
        .chain(all.iter())
        .flat_map(|v| v.values.iter())
        .find(|l| l.code == code)
        .map(|l| match lang {
            Lang::Id => l.label_id.to_owned(),
            Lang::En => l.label_en.to_owned(),
        })
        .unwrap_or_else(|| code.to_owned())
}

/// A horizontal bar chart as inline SVG (no script, no external asset): one bar per
/// `(label, count)`, with the count at its end, titled for screen readers.
fn bar_chart(title: &str, bars: &[(String, u64)]) -> String {
    if bars.is_empty() {
        return String::new();
    }
    let max = bars.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    let (row, label_w, bar_w) = (22u64, 230u64, 360u64);
    let height = row * bars.len() as u64 + 8;
    let mut svg = format!(
        "<figure><svg role=\"img\" aria-labelledby=\"{id}\" viewBox=\"0 0 {} {height}\" \
         width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{id}\">{}</title>",
        label_w + bar_w + 60,
        esc(title),
        id = esc(&title.to_lowercase().replace(' ', "-")),
    );
    for (i, (label, n)) in bars.iter().enumerate() {
        let y = i as u64 * row + 4;
        let w = (n * bar_w / max).max(1);
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"13\">{}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{w}\" height=\"{}\" fill=\"#0a5c8a\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"13\">{n}</text>",
            label_w - 6,
            y + 14,
            esc(label),
            row - 6,
            label_w + w + 4,
            y + 14,
        ));
    }
    svg.push_str(&format!(
        "</svg><figcaption>{}</figcaption></figure>",
        esc(title)
    ));
    svg
}

/// Office statistics for the annual report: cases per status, reports per month, closures
/// per ground, with charts; the office's own, or `?office=` for roles that see every office.
async fn stats(State(api): Shared, headers: HeaderMap, Query(params): Params) -> Response {
    // Not signed in (or the session ended): to the sign-in page.
    let Some((_, session)) = api.web.of(&headers) else {
        return redirect("/signin", &[]);
    };
    let (lang, lang_cookie) = lang(&headers, &params);
    let office = params
        .get("office")
        .and_then(|o| ombud_domain::OfficeCode::parse(o).ok())
        .unwrap_or_else(|| session.actor.office.clone());
    let view = match api
        .service
        .stats(&session.actor, Some(&office), today(&api, &session), None)
        .await
    {
        Ok(view) => view,
        Err(e) => return problem_page(lang, &session, &Problem::from(e)),
    };
    let mut main = String::new();
    match view.and_then(|v| serde_json::to_value(v).ok()) {
        None => main.push_str(&format!("<p>{}</p>", lang.t("nothing"))),
        Some(v) => {
            let counts = |value: &Value, label: &dyn Fn(&str) -> String| -> Vec<(String, u64)> {
                value
                    .as_object()
                    .map(|o| {
                        o.iter()
                            .map(|(k, n)| (label(k), n.as_u64().unwrap_or(0)))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let status = |k: &str| status_label(lang, &Value::from(k));
            let ground = |k: &str| {
                ClosureReason::parse(k)
                    .map(|r| match lang {
                        Lang::Id => r.label_id().to_owned(),
                        Lang::En => r.label_en().to_owned(),
                    })
                    .unwrap_or_else(|| k.to_owned())
            };
            let months: Vec<(String, u64)> = v["intake"]
                .as_object()
                .map(|o| {
                    o.iter()
                        .map(|(month, channels)| {
                            let total = channels
                                .as_object()
                                .map_or(0, |c| c.values().filter_map(Value::as_u64).sum());
                            (month.clone(), total)
                        })
                        .collect()
                })
                .unwrap_or_default();
            main.push_str(&format!(
                "<p>{}: {}</p>",
                lang.t("office"),
                esc(office.as_str())
            ));
            main.push_str(&bar_chart(
                lang.t("per_status"),
                &counts(&v["per_state"], &status),
            ));
            main.push_str(&bar_chart(lang.t("per_month"), &months));
            main.push_str(&bar_chart(
                lang.t("per_ground"),
                &counts(&v["closure_reasons"], &ground),
            ));
            // Reports per channel, over every month.
            let mut channels: std::collections::BTreeMap<String, u64> = Default::default();
            for per_channel in v["intake"].as_object().into_iter().flat_map(|o| o.values()) {
                for (channel, n) in per_channel.as_object().into_iter().flatten() {
                    *channels.entry(vocabulary_label(lang, channel)).or_default() +=
                        n.as_u64().unwrap_or(0);
                }
            }
            main.push_str(&bar_chart(
                lang.t("per_channel"),
                &channels.into_iter().collect::<Vec<_>>(),
            ));
            // Open cases by age, youngest first.
            let ageing: Vec<(String, u64)> = ombud_projection::models::office_stats::AGEING_BUCKETS
                .iter()
                .map(|(bucket, _)| {
                    (
                        format!("{bucket} {}", lang.t("days")),
                        v["ageing"][bucket].as_u64().unwrap_or(0),
                    )
                })
                .collect();
            main.push_str(&bar_chart(lang.t("ageing"), &ageing));
            let findings = counts(&v["findings"], &|k| vocabulary_label(lang, k));
            if let Some(rate) = v["found_rate"].as_f64() {
                main.push_str(&format!(
                    "<p>{}: {:.0}%</p>",
                    lang.t("found_rate"),
                    rate * 100.0
                ));
            }
            main.push_str(&bar_chart(lang.t("findings"), &findings));
            // The other breakdowns, one chart per vocabulary (`track:…`, `form_found:…`).
            let mut by: std::collections::BTreeMap<&str, Vec<(String, u64)>> = Default::default();
            for (key, n) in v["by"].as_object().into_iter().flatten() {
                if let Some((vocabulary, value)) = key.split_once(':') {
                    by.entry(vocabulary).or_default().push((
                        vocabulary_label_in(lang, Some(vocabulary), value),
                        n.as_u64().unwrap_or(0),
                    ));
                }
            }
            for (vocabulary, bars) in by {
                let title = format!("{} · {}", lang.t("breakdown"), vocabulary.replace('_', " "));
                main.push_str(&bar_chart(&title, &bars));
            }
        }
    }
    signed_page(
        lang,
        &session,
        lang.t("stats"),
        "/stats",
        &main,
        lang_cookie,
    )
}
