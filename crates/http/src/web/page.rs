//! The pages' frame: HTML escaping, the two languages (Indonesian by default, English
//! selectable), the layout with a navigation that shows only what the signed-in role may use,
//! and the headers every page carries (a strict Content-Security-Policy: no script, no inline
//! style, forms only to ombud itself, never framed).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ombud_domain::{Actor, Role};

/// The Content-Security-Policy of every page.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
                       form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The stylesheet, served at `/assets/ombud.css`.
pub const CSS: &str = include_str!("ombud.css");

/// The page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Bahasa Indonesia (the default).
    Id,
    /// English.
    En,
}

impl Lang {
    /// `id` or `en`; anything else reads as Indonesian.
    pub fn parse(text: Option<&str>) -> Lang {
        match text {
            Some("en") => Lang::En,
            _ => Lang::Id,
        }
    }

    /// The `lang` attribute and cookie value.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// The text for `key` in this language (the key itself when none is known).
    pub fn t(self, key: &'static str) -> &'static str {
        let (id, en) = match key {
            "app" => ("ombud: pengelolaan laporan", "ombud: case management"),
            "signin" => ("Masuk", "Sign in"),
            "signout" => ("Keluar", "Sign out"),
            "token" => ("Token akses", "Access token"),
            "token_help" => (
                "Token yang diberikan administrator untuk peran Anda.",
                "The token your administrator issued for your role.",
            ),
            "bad_token" => ("Token tidak dikenal.", "Unknown token."),
            "bad_password" => (
                "Nama pengguna atau kata sandi salah.",
                "Wrong user name or password.",
            ),
            "or_password" => (
                "Atau dengan nama pengguna dan kata sandi",
                "Or with user name and password",
            ),
            "user" => ("Nama pengguna", "User name"),
            "password" => ("Kata sandi", "Password"),
            "locked_out" => (
                "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam 15 menit.",
                "Too many failed sign-ins. Try again in 15 minutes.",
            ),
            "queue" => ("Antrean kerja saya", "My work queue"),
            "cases" => ("Laporan", "Cases"),
            "deadlines" => ("Tenggat", "Deadlines"),
            "reference" => ("Nomor registrasi", "Reference"),
            "status" => ("Status", "Status"),
            "agency" => ("Terlapor", "Respondent"),
            "assignee" => ("Pemeriksa", "Assignee"),
            "next_due" => ("Tenggat berikutnya", "Next due"),
            "days_left" => ("Sisa hari", "Days left"),
            "overdue" => ("Lewat tenggat", "Overdue"),
            "nothing" => ("Tidak ada.", "Nothing here."),
            "timeline" => ("Riwayat", "Timeline"),
            "when" => ("Waktu", "When"),
            "who" => ("Oleh", "Who"),
            "role" => ("Peran", "Role"),
            "what" => ("Peristiwa", "What"),
            "text" => ("Keterangan", "Text"),
            "actions" => ("Tindakan yang dapat Anda lakukan", "What you may do now"),
            "body" => ("Isian (JSON)", "Fields (JSON)"),
            "one_per_line" => ("Satu per baris.", "One per line."),
            "submit" => ("Kirim", "Submit"),
            "clock" => ("Tenggat", "Clock"),
            "due" => ("Jatuh tempo", "Due"),
            "proposal" => ("Usulan", "Proposal"),
            "reporter" => ("Pelapor", "Reporter"),
            "summary" => ("Ringkasan", "Summary"),
            "office" => ("Kantor", "Office"),
            "not_found" => ("Laporan tidak ditemukan.", "No such case."),
            "csrf" => (
                "Formulir ini sudah tidak berlaku. Muat ulang halaman dan kirim lagi.",
                "This form is no longer valid. Reload the page and submit again.",
            ),
            "recorded" => ("Tercatat.", "Recorded."),
            "refused" => ("Ditolak", "Refused"),
            "conflict" => (
                "Laporan ini sudah berubah sejak halaman dibuka. Periksa riwayatnya lalu coba lagi.",
                "The case changed since this page was opened. Look at its timeline and try again.",
            ),
            "language" => ("English", "Bahasa Indonesia"),
            "next_page" => ("Berikutnya", "Next"),
            "new_report" => ("Laporan baru", "New report"),
            "stats" => ("Statistik", "Statistics"),
            "proposals" => ("Usulan mesin tenggat", "The deadline engine's proposals"),
            "carry_out" => ("Laksanakan", "Carry it out"),
            "dismiss" => ("Tolak usulan", "Dismiss the proposal"),
            "dismiss_why" => ("Alasan penolakan (JSON)", "Why it is dismissed (JSON)"),
            "per_status" => ("Laporan per status", "Cases per status"),
            "per_month" => ("Laporan diterima per bulan", "Reports received per month"),
            "per_ground" => ("Penutupan per alasan", "Closures per ground"),
            "audit" => ("Audit", "Audit"),
            "chain_holds" => (
                "Rantai hash utuh dari peristiwa pertama.",
                "The hash chain holds from the first event.",
            ),
            "download_bundle" => ("Unduh bundel bukti", "Download the evidence bundle"),
            "download_bundle_hint" => (
                "Periksa tanpa server: ombud audit verify-bundle BERKAS",
                "Check it with no server: ombud audit verify-bundle FILE",
            ),
            "foreign" => (
                "Pesan asing (bukan dari ombud) pada urutan:",
                "Foreign messages (not ombud's) at sequences:",
            ),
            "events" => ("Peristiwa", "Events"),
            "head_hash" => ("Hash terakhir", "Head hash"),
            "nothing_here" => ("Tidak ada.", "Nothing here."),
            "filters" => ("Saring", "Filters"),
            "superior" => ("Atasan terlapor", "Respondent's superior"),
            "letters" => ("Surat", "Letters"),
            "letter_number" => ("Nomor surat", "Number"),
            "via" => ("Melalui", "Via"),
            "letter_date" => ("Tanggal surat", "Date"),
            "received_on" => ("Diterima", "Received"),
            "per_channel" => ("Laporan per saluran", "Reports per channel"),
            "ageing" => ("Laporan berjalan menurut umur", "Open cases by age"),
            "days" => ("hari", "days"),
            "found_rate" => ("Maladministrasi terbukti", "Maladministration found"),
            "findings" => ("Kesimpulan LHP", "Conclusions"),
            "breakdown" => ("Rincian", "Breakdown"),
            "no_dossier" => (
                "Belum ada laporan tentang instansi ini di kantor ini.",
                "No cases about this agency in this office yet.",
            ),
            "open_cases" => ("Laporan berjalan", "Open cases"),
            "closed_cases" => ("Laporan selesai", "Closed cases"),
            "clarification_median" => ("Median jawaban klarifikasi (hari)", "Median clarification answer (days)"),
            "clarification_p90" => ("Persentil 90 jawaban klarifikasi (hari)", "90th percentile clarification answer (days)"),
            "its_cases" => ("Laporan tentang instansi ini", "Its cases"),
            "compliance" => ("Kepatuhan", "Compliance"),
            "asked" => ("Diminta", "Asked for"),
            "implemented" => ("Dilaksanakan", "Carried out"),
            "partly" => ("Sebagian", "In part"),
            "not_implemented" => ("Tidak dilaksanakan", "Not carried out"),
            "corrective_action" => ("Tindakan korektif", "Corrective action"),
            "recommendation" => ("Rekomendasi", "Recommendation"),
            "by_form" => ("Laporan per bentuk maladministrasi", "Reports by form of maladministration"),
            "by_outcome" => ("Penyelesaian per dasar penutupan", "Closures by ground"),
            "chain_broken" => ("Rantai hash rusak pada urutan", "The hash chain is broken at sequence"),
            "as_of" => ("Keadaan pada", "As of"),
            "as_of_hint" => (
                "Tanggal (2026-09-01, sampai akhir hari kantor), waktu RFC 3339, atau nomor urut aliran.",
                "A date (2026-09-01, through the end of the office day), an RFC 3339 time, or a stream sequence.",
            ),
            "state_as_of" => ("Keadaan laporan pada", "The case as of"),
            "running_clocks" => ("Tenggat berjalan", "Running clocks"),
            "channel" => ("Saluran", "Channel"),
            "track" => ("Jalur", "Track"),
            "agenda" => ("Agenda pimpinan", "Heads' agenda"),
            "agency_code" => ("Kode instansi", "Agency code"),
            "form_code" => ("Bentuk maladministrasi", "Form of maladministration"),
            "reported_from" => ("Dilaporkan sejak", "Reported from"),
            "reported_to" => ("Dilaporkan sampai", "Reported to"),
            "pending_receipt" => ("Menunggu tanda terima surat", "Awaiting a letter's receipt"),
            "yes" => ("Ya", "Yes"),
            "no" => ("Tidak", "No"),
            "order" => ("Urutan", "Order"),
            "order_newest" => ("Terbaru dulu", "Newest first"),
            "order_due" => ("Tenggat terdekat dulu", "Next due first"),
            "request_ref" => ("Nomor permintaan", "Request"),
            "requested_by" => ("Diajukan oleh", "Requested by"),
            "stage" => ("Tahap", "Stage"),
            "next_step" => ("Langkah berikutnya", "Next step"),
            "decide" => ("Putuskan", "Decide"),
            "erase_now" => ("Hapus sekarang", "Erase now"),
            "desk_intro" => (
                "Permintaan penghapusan data pribadi dan penghapusan yang sudah dilakukan; yang menunggu Anda lebih dulu.",
                "Requests to erase personal data and the erasures done; what waits for you first.",
            ),
            "all" => ("Semua", "All"),
            "show" => ("Tampilkan", "Show"),
            "desk_more" => ("Juga:", "Also:"),
            "access_log" => ("Log akses", "Access log"),
            "person_lookup" => ("Cari laporan seseorang", "A person's cases"),
            "erasure_desk" => ("Penghapusan data pribadi", "Erasure of personal data"),
            "privacy" => ("Data pribadi", "Personal data"),
            "case_id" => ("ID laporan", "Case id"),
            "actor" => ("Akun", "Account"),
            "from" => ("Dari", "From"),
            "to" => ("Sampai", "To"),
            "field" => ("Yang dibuka", "Opened"),
            "route" => ("Melalui", "Through"),
            "lookup_intro" => (
                "Laporan yang menyebut seseorang, dicari lewat indeks buta NIK. Pencarian ini tercatat di log akses.",
                "The cases that name a person, found through the NIK's blind index. The lookup is recorded in the access log.",
            ),
            "nik_hint" => (
                "16 angka; spasi, titik dan tanda hubung diabaikan.",
                "16 digits; spaces, dots and dashes are ignored.",
            ),
            "look_up" => ("Cari", "Look up"),
            "found_cases" => ("Laporan yang ditemukan", "Cases found"),
            _ => (key, key),
        };
        match self {
            Lang::Id => id,
            Lang::En => en,
        }
    }
}

/// `text` escaped for HTML text and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What the navigation offers `role`.
fn nav(lang: Lang, actor: &Actor, csrf: &str, here: &str) -> String {
    let mut links = vec![];
    let works_cases = !matches!(actor.role, Role::Dpo);
    if works_cases {
        links.push(("/queue", "queue"));
        links.push(("/cases", "cases"));
        links.push(("/deadlines", "deadlines"));
        links.push(("/stats", "stats"));
    }
    if ombud_domain::decide::permitted_roles(ombud_domain::Action::Command(
        ombud_domain::CommandKind::Report,
    ))
    .contains(&actor.role)
    {
        links.push(("/report", "new_report"));
    }
    if super::is_head(actor.role) {
        links.push(("/agenda", "agenda"));
    }
    // The erasure desk: the DPO, and the heads who decide requests.
    if ombud_service::queries::erasure_desk_allowed(actor.role).is_ok() {
        links.push(("/privacy", "privacy"));
    }
    if actor.role == Role::Dpo {
        links.push(("/access-log", "access_log"));
        links.push(("/persons", "person_lookup"));
    }
    let mut out = String::from("<nav aria-label=\"ombud\"><ul>");
    for (href, key) in links {
        let current = if href == here {
            " aria-current=\"page\""
        } else {
            ""
        };
        out.push_str(&format!(
            "<li><a href=\"{href}\"{current}>{}</a></li>",
            lang.t(key)
        ));
    }
    let other = match lang {
        Lang::Id => "en",
        Lang::En => "id",
    };
    out.push_str(&format!(
        "<li><a href=\"{here}?lang={other}\" hreflang=\"{other}\">{}</a></li>",
        lang.t("language")
    ));
    out.push_str(&format!(
        "</ul><p class=\"who\">{} ({}, {})</p>\
         <form method=\"post\" action=\"/signout\"><input type=\"hidden\" name=\"_csrf\" \
         value=\"{}\"><button type=\"submit\">{}</button></form></nav>",
        esc(actor.id.as_str()),
        esc(match lang {
            Lang::Id => actor.role.label_id(),
            Lang::En => actor.role.label_en(),
        }),
        esc(actor.office.as_str()),
        esc(csrf),
        lang.t("signout")
    ));
    out
}

/// A whole page: `title`, the navigation when signed in, then `main`.
pub fn page(
    lang: Lang,
    title: &str,
    signed_in: Option<(&Actor, &str)>,
    here: &str,
    main: &str,
) -> String {
    let nav = signed_in
        .map(|(actor, csrf)| nav(lang, actor, csrf, here))
        .unwrap_or_default();
    format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · ombud</title><link rel=\"stylesheet\" href=\"/assets/ombud.css\"></head>\
         <body><header><p class=\"app\">{}</p>{nav}</header><main><h1>{}</h1>{main}</main>\
         </body></html>",
        lang.code(),
        esc(title),
        lang.t("app"),
        esc(title)
    )
}

/// An HTML answer with the page headers.
pub fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    secure_headers(h);
    response
}

/// The headers every page and redirect carries.
pub fn secure_headers(h: &mut axum::http::HeaderMap) {
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// A 303 to `to`, with `cookies` set.
pub fn redirect(to: &str, cookies: &[String]) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let h = response.headers_mut();
    if let Ok(location) = HeaderValue::from_str(to) {
        h.insert(header::LOCATION, location);
    }
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            h.append(header::SET_COOKIE, value);
        }
    }
    secure_headers(h);
    response
}
