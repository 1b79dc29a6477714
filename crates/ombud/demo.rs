//! The demo data set (DOMAIN §11): a year of Ombudsman RI Perwakilan Jawa Barat, January to
//! November 2026. The intake mix of an office of its size (about 37% reports, 55% KNL, 6%
//! RCO, a few carbon copies and one or two own-initiative investigations per 550 cases),
//! respondents across Jawa Barat with their own superiors and complaints that fit them
//! ([`crate::demo_data`]), several investigators, letters received 1–7 days after their date,
//! weeks at PVL and months to the LHP, and every path of the procedure: verification and
//! completion (deemed withdrawal included), every closure ground, clarifications and summons,
//! mediation, the LHP proposed, returned, approved, notified and issued, corrective action,
//! Resolusi dan Monitoring, Recommendations and their follow-up, transfers, reopening,
//! erasure, and the deadline engine's proposals. Deterministic for a given `--seed`. Loaded
//! through the service layer, command by command, exactly as the API would record them; a
//! command the domain refuses is counted (and is a bug of the demo: none should be).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use ombud_domain::{Actor, ActorId, CaseId, IdempotencyKey, OfficeCode, Role, Timestamp};
use ombud_envelope::KeyStore;
use ombud_eventlog::Backend;
use ombud_service::{CommandInput, CommandRequest, Outcome, Service};
use serde_json::{json, Value};

use crate::demo_data::{closing_note, CARBON_COPIES, CONSULTATIONS, KINDS, NAMES, RAPID};

/// A deterministic random source (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What a load did.
#[derive(Debug, Default)]
pub struct DemoReport {
    /// Cases reported.
    pub cases: usize,
    /// Commands recorded (reports included).
    pub commands: usize,
    /// Commands the domain refused (a bug of the demo; the case stops there).
    pub refused: usize,
    /// The first refusals, for the summary.
    pub refusals: Vec<String>,
    /// Cases per final status.
    pub by_status: BTreeMap<String, usize>,
    /// The command routes recorded (one per event type).
    pub routes: BTreeSet<String>,
    /// The closure grounds recorded.
    pub closure_reasons: BTreeSet<String>,
    /// The intake tracks reported.
    pub tracks: BTreeSet<String>,
}

impl DemoReport {
    /// What the load did not reach: command routes (one per event type), closure grounds and
    /// intake tracks.
    pub fn unreached(&self) -> Vec<String> {
        let routes = ombud_service::input::COMMANDS
            .iter()
            .map(|c| c.route.to_owned())
            .filter(|r| !self.routes.contains(r))
            .map(|r| format!("command {r}"));
        let reasons = ombud_domain::ClosureReason::ALL
            .iter()
            .map(|r| r.as_str().to_owned())
            .filter(|r| !self.closure_reasons.contains(r))
            .map(|r| format!("closure {r}"));
        let tracks = ombud_domain::Track::ALL
            .iter()
            .map(|t| t.as_str().to_owned())
            .filter(|t| !self.tracks.contains(t))
            .map(|t| format!("track {t}"));
        routes.chain(reasons).chain(tracks).collect()
    }

    fn merge(&mut self, other: DemoReport) {
        self.cases += other.cases;
        self.commands += other.commands;
        self.refused += other.refused;
        for r in other.refusals {
            if self.refusals.len() < 10 {
                self.refusals.push(r);
            }
        }
        for (k, v) in other.by_status {
            *self.by_status.entry(k).or_default() += v;
        }
        self.routes.extend(other.routes);
        self.closure_reasons.extend(other.closure_reasons);
        self.tracks.extend(other.tracks);
    }
}

const INVESTIGATORS: &[&str] = &["riksa.siti", "riksa.agus", "riksa.dedi", "riksa.lina"];
const OFFICE: &str = "jawa-barat";

fn actor(role: Role, id: &str) -> Actor {
    Actor {
        id: ActorId::parse(id).unwrap_or_else(|_| unreachable!("a valid literal id")),
        role,
        office: OfficeCode::parse(OFFICE).unwrap_or_else(|_| unreachable!("a valid literal")),
    }
}

fn default_id(role: Role) -> &'static str {
    match role {
        Role::Intake => "pvl.rina",
        Role::Investigator => "riksa.siti",
        Role::Resmon => "resmon.wati",
        Role::UnitHead => "kanit.dedi",
        Role::OfficeHead | Role::Supervisor => "kepala.budi",
        Role::Member => "anggota.yeka",
        Role::Chair => "ketua.ani",
        Role::Auditor => "audit.dewi",
        Role::Dpo => "dpo.joko",
        Role::System => "system",
    }
}

/// Loads `cases` cases with `seed`, `concurrency` cases at a time; `progress` is told after
/// each case.
pub async fn load<B: Backend + 'static, S: KeyStore + 'static>(
    service: Arc<Service<B, S>>,
    cases: usize,
    seed: u64,
    concurrency: usize,
    progress: impl Fn(usize) + Send + Sync + 'static,
) -> anyhow::Result<DemoReport> {
    let progress = Arc::new(progress);
    let mut workers = Vec::new();
    for w in 0..concurrency.max(1) {
        let (service, progress) = (service.clone(), progress.clone());
        workers.push(tokio::spawn(async move {
            let mut report = DemoReport::default();
            let mut n = w;
            while n < cases {
                one_case(&service, seed, n, &mut report).await?;
                progress(n);
                n += concurrency.max(1);
            }
            anyhow::Ok(report)
        }));
    }
    let mut total = DemoReport::default();
    for worker in workers {
        total.merge(worker.await??);
    }
    Ok(total)
}

/// One case's walk through the procedure, in time.
struct Walk<'a, B: Backend, S: KeyStore> {
    service: &'a Service<B, S>,
    report: &'a mut DemoReport,
    rng: Rng,
    now: DateTime<Utc>,
    end: DateTime<Utc>,
    keys: String,
    step: usize,
    case: Option<CaseId>,
    investigator: &'static str,
    letters: usize,
    summonses: u32,
    erased: bool,
    /// The respondent's own superior (Atasan Terlapor), addressed by escalations.
    superior: &'static str,
    /// Which of the few long-path cases this is (they take every step to a Recommendation,
    /// so that each of its outcomes occurs in a year's data, as DOMAIN §11 wants).
    showcase: Option<usize>,
    /// The case's number.
    n: usize,
}

/// `None`: the walk ends here (the demo's today was reached, or the domain refused).
type Step = anyhow::Result<Option<Outcome>>;

/// Ends the walk when a step does.
macro_rules! go {
    ($step:expr) => {
        match $step.await? {
            Some(outcome) => outcome,
            None => return Ok(()),
        }
    };
}

impl<B: Backend, S: KeyStore> Walk<'_, B, S> {
    /// Today at the office (WIB).
    fn today(&self) -> NaiveDate {
        Timestamp::from_datetime(self.now).local_date(ombud_domain::deadline::wib())
    }

    /// True with probability `percent`/100, except on a long-path case (which takes no
    /// detour).
    fn detour(&mut self, percent: u32) -> bool {
        self.showcase.is_none() && self.rng.chance(percent)
    }

    /// Whether a data subject asks for erasure during this examination.
    fn erasure_here(&mut self) -> bool {
        match self.showcase {
            Some(k) => k >= 3,
            None => self.rng.chance(2),
        }
    }

    /// Whether the head of office refuses the erasure (else approves it).
    fn refuses_erasure(&mut self) -> bool {
        match self.showcase {
            Some(k) => k == 3,
            None => self.rng.chance(50),
        }
    }

    /// Moves time on by `min..=max` days (and some minutes; a long-path case takes the
    /// shortest); false past the demo's today.
    fn wait(&mut self, min: u32, max: u32) -> bool {
        let max = if self.showcase.is_some() { min } else { max };
        let days = min as usize + self.rng.below((max - min + 1) as usize);
        self.now += Duration::days(days as i64) + Duration::minutes(self.rng.below(240) as i64);
        self.now <= self.end
    }

    /// A letter dated today.
    fn letter(&mut self, via: &str) -> Value {
        self.letters += 1;
        let mut letter = json!({"via": via, "date": self.today()});
        if matches!(via, "post" | "hand" | "email") {
            letter["number"] = json!(format!(
                "B/{}/PW.13/{}/2026",
                100 + self.rng.below(900),
                self.letters
            ));
        }
        letter
    }

    /// A letter received today (an incoming letter, or one handed over).
    fn received_letter(&mut self, via: &str) -> Value {
        let mut letter = self.letter(via);
        letter["received_on"] = json!(self.today());
        letter
    }

    async fn act(&mut self, role: Role, route: &str, body: Value) -> Step {
        let id = match role {
            Role::Investigator => self.investigator,
            other => default_id(other),
        };
        self.act_as(role, id, route, body).await
    }

    async fn act_as(&mut self, role: Role, id: &str, route: &str, body: Value) -> Step {
        if self.now > self.end {
            return Ok(None);
        }
        self.step += 1;
        let input = CommandInput::parse(route, &serde_json::to_vec(&body)?)
            .map_err(|e| anyhow::anyhow!("demo input of {route}: {e}"))?;
        let result = self
            .service
            .execute(CommandRequest {
                case_id: self.case,
                actor: actor(role, id),
                idempotency_key: Some(IdempotencyKey::parse(&format!(
                    "{}-{}",
                    self.keys, self.step
                ))?),
                if_match: None,
                correlation_id: None,
                at: Some(Timestamp::from_datetime(self.now)),
                input,
            })
            .await;
        match result {
            Ok(outcome) => {
                self.report.commands += 1;
                self.report.routes.insert(route.to_owned());
                if route == "close" {
                    if let Some(reason) = body["reason"].as_str() {
                        self.report.closure_reasons.insert(reason.to_owned());
                    }
                }
                self.case = Some(outcome.case_id);
                // A few minutes pass between two acts.
                self.now += Duration::minutes(5 + self.rng.below(60) as i64);
                Ok(Some(outcome))
            }
            Err(ombud_service::ServiceError::Refused(refusal)) => {
                self.report.refused += 1;
                if self.report.refusals.len() < 10 {
                    self.report.refusals.push(format!("{route}: {refusal}"));
                }
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Records the receipt of the letter sent by `sent` 1–7 days later.
    async fn receipt(&mut self, sent: &Outcome) -> Step {
        if !self.wait(1, 7) {
            return Ok(None);
        }
        let body = json!({"letter_of": sent.case_seq, "received_on": self.today()});
        self.act(Role::Intake, "record-letter-receipt", body).await
    }

    /// Closes on `reason` as `role`, with the closure letter the ground needs (and the pleno
    /// for a report closed by a head before acceptance).
    async fn close(&mut self, role: Role, reason: &str, pleno: bool) -> Step {
        let letterless = matches!(
            reason,
            "consultation_only"
                | "carbon_copy_filed"
                | "rco_resolved"
                | "withdrawn_by_reporter"
                | "incomplete_deemed_withdrawn"
        );
        let mut body = json!({"reason": reason});
        if !self.erased {
            // An erased case takes no new personal data (a note is free text).
            body["note"] = json!(closing_note(reason));
        }
        if !letterless {
            body["letter"] = self.letter("post");
        }
        if pleno {
            body["pleno"] = self.pleno();
        }
        let closed = self.act(role, "close", body).await?;
        if let (Some(c), false) = (&closed, letterless) {
            // The closure letter's receipt stops the closure-notice clock (usually).
            if self.rng.chance(85) {
                let c = c.clone();
                return self.receipt(&c).await;
            }
        }
        Ok(closed)
    }

    fn pleno(&mut self) -> Value {
        json!({"number": format!("PLENO/JBR/{}/2026", 1 + self.rng.below(48)), "date": self.today()})
    }

    fn respondent(&mut self) -> (Value, &'static str, &'static str) {
        let total: u32 = KINDS.iter().map(|k| k.weight).sum();
        let mut pick = (self.rng.next() % u64::from(total)) as u32;
        let kind = KINDS
            .iter()
            .find(|k| {
                if pick < k.weight {
                    true
                } else {
                    pick -= k.weight;
                    false
                }
            })
            .unwrap_or(&KINDS[0]);
        let (code, name, superior) = *self.rng.pick(kind.agencies);
        self.superior = superior;
        let (form, text) = *self.rng.pick(kind.complaints);
        (
            json!({"agency_code": code, "agency_name": name, "superior": superior}),
            form,
            text,
        )
    }

    fn reporter(&mut self) -> Value {
        json!({
            "name": *self.rng.pick(NAMES),
            "nik": format!("32{:014}", self.rng.next() % 100_000_000_000_000),
            "phone": format!("+62812{:08}", self.rng.next() % 100_000_000),
            "occupation": *self.rng.pick(&["Wiraswasta", "Karyawan swasta", "Petani", "Ibu rumah tangga", "Guru honorer", "Pedagang"]),
            "address": *self.rng.pick(&["Kota Tasikmalaya", "Kota Bandung", "Kabupaten Bogor", "Kota Bekasi", "Kabupaten Garut", "Kota Depok"]),
            "confidential": self.rng.chance(15),
        })
    }

    fn channel(&mut self) -> &'static str {
        // WhatsApp and walk-in first, then web, SP4N-LAPOR!, letter, e-mail, phone, outreach.
        let table: &[(&str, u32)] = &[
            ("whatsapp", 30),
            ("walk_in", 25),
            ("web", 15),
            ("sp4n_lapor", 10),
            ("letter", 8),
            ("email", 6),
            ("phone", 4),
            ("outreach_event", 2),
        ];
        let mut pick = self.rng.below(100) as u32;
        for (channel, weight) in table {
            if pick < *weight {
                return channel;
            }
            pick -= weight;
        }
        "walk_in"
    }

    fn note(&mut self) -> Value {
        let notes = [
            "Pelapor dihubungi melalui telepon; dokumen pendukung akan dikirim.",
            "Terlapor meminta waktu tambahan untuk menyiapkan jawaban.",
            "Tim pemeriksa melakukan koordinasi dengan atasan Terlapor.",
            "Pelapor menyampaikan bahwa layanan sudah mulai diproses.",
        ];
        json!({"note": *self.rng.pick(&notes)})
    }
}

async fn one_case<B: Backend, S: KeyStore>(
    service: &Service<B, S>,
    seed: u64,
    n: usize,
    report: &mut DemoReport,
) -> anyhow::Result<()> {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (n as u64 + 1));
    for _ in 0..3 {
        rng.next();
    }
    // Five long-path cases per 550, received in early January; the rest between 5 January
    // and 20 November 2026, in office hours (WIB).
    let showcase = (n % 110 == 3).then_some(n / 110);
    let day = match showcase {
        Some(k) => 4 + 2 * k as i64,
        None => 4 + rng.below(320) as i64,
    };
    let now = Timestamp::parse("2026-01-01T01:00:00Z")?.as_datetime()
        + Duration::days(day)
        + Duration::minutes(rng.below(420) as i64);
    let investigator = *rng.pick(INVESTIGATORS);
    let mut walk = Walk {
        service,
        report,
        rng,
        now,
        end: Timestamp::parse("2026-11-27T09:00:00Z")?.as_datetime(),
        keys: format!("demo-{seed}-{n}"),
        step: 0,
        case: None,
        investigator,
        letters: 0,
        summonses: 0,
        erased: false,
        superior: "Wali Kota Tasikmalaya",
        showcase,
        n,
    };
    // One or two own-initiative investigations per 550 cases; then the intake mix.
    let track = if showcase.is_some() {
        "regular"
    } else if n % 275 == 17 {
        "own_initiative"
    } else {
        match walk.rng.below(1000) {
            0..=369 => "regular",
            370..=919 => "consultation",
            920..=984 => "rapid_response",
            _ => "carbon_copy",
        }
    };
    walk.report.tracks.insert(track.to_owned());
    match track {
        "regular" => Box::pin(regular(&mut walk)).await?,
        "consultation" => Box::pin(consultation(&mut walk)).await?,
        "rapid_response" => Box::pin(rapid_response(&mut walk)).await?,
        "carbon_copy" => Box::pin(carbon_copy(&mut walk)).await?,
        _ => Box::pin(own_initiative(&mut walk)).await?,
    }
    walk.report.cases += 1;
    if let Some(case) = walk.case {
        let status = service.log().load(case).await?.state.status;
        *walk
            .report
            .by_status
            .entry(status.as_str().to_owned())
            .or_default() += 1;
    }
    Ok(())
}

/// A public report (Laporan Masyarakat): verification at PVL, then the examination.
async fn regular<B: Backend, S: KeyStore>(w: &mut Walk<'_, B, S>) -> anyhow::Result<()> {
    let (respondent, form, text) = w.respondent();
    let channel = w.channel();
    let old = w.detour(4);
    let prior_complaint = !w.detour(12);
    let mut body = json!({
        "office": OFFICE, "channel": channel, "track": "regular",
        "received_on": w.today(),
        "reporter": w.reporter(),
        "respondent": respondent,
        "forms": [form],
        "prior_complaint": prior_complaint,
        "incident_date": w.today() - Duration::days(if old { 800 + w.rng.below(300) as i64 } else { 10 + w.rng.below(150) as i64 }),
        "summary": text,
    });
    if channel == "sp4n_lapor" {
        body["external_ref"] = json!(format!("LAPOR-{}", 6_000_000 + w.rng.below(999_999)));
    }
    go!(w.act(Role::Intake, "report", body));
    Box::pin(verification(w, old, prior_complaint)).await
}

/// From `received`: the two checks, completion, PVL closures, acceptance.
async fn verification<B: Backend, S: KeyStore>(
    w: &mut Walk<'_, B, S>,
    old: bool,
    prior_complaint: bool,
) -> anyhow::Result<()> {
    if !w.wait(1, 4) {
        return Ok(());
    }
    if w.rng.chance(50) {
        go!(w.act(Role::Intake, "classify", json!({"substance": "pelayanan_publik", "agency_group": "pemerintah_daerah", "reporter_kind": "individual"})));
    }
    if w.detour(40) {
        // The formal check fails: the reporter is asked to complete the report.
        go!(w.act(Role::Intake, "record-verification", json!({"stage": "formal", "passed": false, "note": "Identitas dan kronologi belum lengkap."})));
        let via = if w.rng.chance(60) { "whatsapp" } else { "post" };
        let letter = w.letter(via);
        let asked = go!(w.act(
            Role::Intake,
            "request-completion",
            json!({"missing": "Fotokopi KTP dan bukti pengajuan layanan.", "letter": letter})
        ));
        go!(w.receipt(&asked));
        if w.rng.chance(55) {
            if !w.wait(4, 25) {
                return Ok(());
            }
            go!(w.act(
                Role::Intake,
                "complete",
                json!({"received_on": w.today(), "note": "Pelapor melengkapi dokumen."})
            ));
        } else {
            // Deemed withdrawn once the 30 days from receipt have run out.
            if !w.wait(32, 38) {
                return Ok(());
            }
            go!(w.close(Role::System, "incomplete_deemed_withdrawn", false));
            if w.rng.chance(6) && w.wait(3, 20) {
                go!(w.act(
                    Role::OfficeHead,
                    "reopen",
                    json!({"reason": "Pelapor menyerahkan kelengkapan dengan alasan yang sah."})
                ));
                return Box::pin(verification(w, old, prior_complaint)).await;
            }
            return Ok(());
        }
    }
    go!(w.act(
        Role::Intake,
        "record-verification",
        json!({"stage": "formal", "passed": true})
    ));
    if !w.wait(2, 10) {
        return Ok(());
    }
    // Closures at PVL (with the pleno), on the grounds the report's facts allow.
    let mut grounds: Vec<&str> = vec![
        "outside_competence",
        "duplicate",
        "sub_judice",
        "agency_still_handling",
        "transferred_out",
        "resolved_by_respondent",
    ];
    if !prior_complaint {
        grounds = vec!["no_prior_complaint"];
    }
    if old {
        grounds = vec!["time_barred"];
    }
    let closes = !prior_complaint || old || w.detour(14);
    if closes {
        go!(w.act(
            Role::Intake,
            "record-verification",
            json!({"stage": "material", "passed": false, "note": "Tidak memenuhi syarat materiil."})
        ));
        let reason = grounds[w.n % grounds.len()];
        if !w.wait(3, 14) {
            return Ok(());
        }
        let role = if w.rng.chance(50) {
            Role::UnitHead
        } else {
            Role::OfficeHead
        };
        go!(w.close(role, reason, true));
        return Ok(());
    }
    if w.detour(5) {
        go!(w.close(Role::Intake, "withdrawn_by_reporter", false));
        if w.rng.chance(30) && w.wait(5, 30) {
            go!(w.act(
                Role::OfficeHead,
                "reopen",
                json!({"reason": "Pelapor meminta laporannya diproses kembali."})
            ));
        }
        return Ok(());
    }
    go!(w.act(
        Role::Intake,
        "record-verification",
        json!({"stage": "material", "passed": true})
    ));
    if !w.wait(5, 20) {
        return Ok(());
    }
    let pleno = w.pleno();
    let unit = if w.rng.chance(50) {
        "riksa-1"
    } else {
        "riksa-2"
    };
    let body = json!({"pleno": pleno, "unit": unit, "assignee": w.investigator});
    let role = if w.rng.chance(70) {
        Role::UnitHead
    } else {
        Role::OfficeHead
    };
    go!(w.act(role, "accept", body));
    Box::pin(examination(w, false)).await
}

/// Pemeriksaan: clarifications, summons, activities, mediation, then the LHP.
async fn examination<B: Backend, S: KeyStore>(
    w: &mut Walk<'_, B, S>,
    iaps: bool,
) -> anyhow::Result<()> {
    if !w.wait(3, 12) {
        return Ok(());
    }
    if w.rng.chance(15) {
        let other = *w.rng.pick(INVESTIGATORS);
        w.investigator = other;
        go!(w.act(Role::UnitHead, "assign", json!({"assignee": other})));
    }
    if !iaps && w.detour(3) {
        go!(w.act(Role::OfficeHead, "transfer", json!({"to_office": "jakarta-raya", "reason": "Terlapor berkedudukan di wilayah Perwakilan Jakarta Raya."})));
        return Ok(());
    }
    // Clarification rounds.
    for round in 1..=2 {
        let addressee = if round == 1 { "respondent" } else { "superior" };
        let letter = w.letter("post");
        let purpose = *w
            .rng
            .pick(&["clarification", "clarification", "documents", "information"]);
        let sent = go!(w.act(
            Role::Investigator,
            "request-clarification",
            json!({"addressee": addressee, "purpose": purpose, "letter": letter})
        ));
        go!(w.receipt(&sent));
        if !w.detour(25) {
            if !w.wait(4, 16) {
                return Ok(());
            }
            go!(w.act(Role::Investigator, "answer-clarification", json!({"outcome": "answered", "received_on": w.today(), "note": "Terlapor menyampaikan jawaban tertulis beserta dokumen."})));
            break;
        }
        // No answer: the period runs out.
        if !w.wait(16, 20) {
            return Ok(());
        }
        if round == 1 && w.detour(50) {
            // The deadline engine proposes the next round; a head dismisses it or a person
            // carries it out (the next round).
            let proposal = go!(w.act(
                Role::System,
                "propose-action",
                json!({"action": "next_clarification_round", "clock": "clarification"})
            ));
            if w.rng.chance(30) {
                go!(w.act(Role::UnitHead, "dismiss-proposal", json!({"proposal": proposal.case_seq, "reason": "Terlapor telah menjawab melalui telepon; jawaban tertulis menyusul."})));
            }
        }
        go!(w.act(
            Role::Investigator,
            "answer-clarification",
            json!({"outcome": "waived", "note": "Terlapor tidak menggunakan hak jawab."})
        ));
    }
    if w.rng.chance(30) {
        go!(w.act(Role::Investigator, "record-activity", json!({"kind": "field_check", "date": w.today(), "outcome": "Pemeriksaan lapangan di loket layanan."})));
    }
    if w.detour(12) && !Box::pin(summons(w)).await? {
        return Ok(());
    }
    if w.rng.chance(40) {
        let note = w.note();
        go!(w.act(Role::Investigator, "notes", note));
    }
    if !iaps && w.detour(8) {
        let method = if w.rng.chance(80) {
            "mediation"
        } else {
            "conciliation"
        };
        go!(w.act(
            Role::Investigator,
            "start-mediation",
            json!({"method": method})
        ));
        if !w.wait(5, 20) {
            return Ok(());
        }
        if w.rng.chance(70) {
            go!(w.act(Role::Investigator, "mediate", json!({"outcome": "agreed", "terms": "Terlapor menyelesaikan layanan pelapor dalam tujuh hari kerja."})));
            go!(w.close(Role::OfficeHead, "settled_by_mediation", false));
            return Ok(());
        }
        go!(w.act(Role::Investigator, "mediate", json!({"outcome": "failed"})));
    }
    if !iaps && w.detour(3) {
        go!(w.close(Role::OfficeHead, "resolved_by_respondent", false));
        return Ok(());
    }
    if w.erasure_here() {
        // A data subject asks for erasure while the case is examined.
        go!(w.act(
            Role::Dpo,
            "request-erasure",
            json!({"request_ref": "PDP/2026/001"})
        ));
        if w.refuses_erasure() {
            go!(w.act(Role::OfficeHead, "refuse-erasure", json!({"request_ref": "PDP/2026/001", "reason": "Pemeriksaan masih berjalan; data diperlukan demi kepentingan umum (UU 27/2022 Pasal 15 ayat 1)."})));
        } else {
            go!(w.act(
                Role::OfficeHead,
                "approve-erasure",
                json!({"request_ref": "PDP/2026/001"})
            ));
            go!(w.act(
                Role::Dpo,
                "erase-personal-data",
                json!({"request_ref": "PDP/2026/001"})
            ));
            // The reporter withdrew together with the request: the case closes.
            w.erased = true;
            go!(w.close(Role::OfficeHead, "withdrawn_by_reporter", false));
            return Ok(());
        }
    }
    Box::pin(lhp(w, iaps)).await
}

/// Summons per Pasal 31: attended, or three unexcused misses and the police. False: the walk
/// ended.
async fn summons<B: Backend, S: KeyStore>(w: &mut Walk<'_, B, S>) -> anyhow::Result<bool> {
    let police = w.rng.chance(35);
    for _ in 0..3 {
        let letter = w.letter("hand");
        let at = (w.now + Duration::days(7)).with_timezone(&ombud_domain::deadline::wib());
        let appointment = at.date_naive().and_hms_opt(9, 0, 0);
        let Some(summoned) = w
            .act(Role::Investigator, "summon", json!({"party": {"kind": "respondent", "party_ref": "kepala-unit", "name": "Kepala Unit Layanan"}, "appointment_at": appointment, "letter": letter}))
            .await?
        else {
            return Ok(false);
        };
        let _ = summoned;
        w.summonses += 1;
        let number = w.summonses;
        if !w.wait(8, 10) {
            return Ok(false);
        }
        if !police && w.rng.chance(60) {
            return Ok(w
                .act(
                    Role::Investigator,
                    "record-attendance",
                    json!({"summons": number, "note": "Hadir dan memberi keterangan."}),
                )
                .await?
                .is_some());
        }
        let valid = !police && w.rng.chance(30);
        if w.act(
            Role::Investigator,
            "record-absence",
            json!({"summons": number, "valid_reason": valid}),
        )
        .await?
        .is_none()
        {
            return Ok(false);
        }
    }
    if police {
        let letter = w.letter("post");
        return Ok(w
            .act(Role::OfficeHead, "request-police-assistance", json!({"party_ref": "kepala-unit", "police_unit": "Polda Jawa Barat", "letter": letter}))
            .await?
            .is_some());
    }
    Ok(true)
}

/// The LHP: proposed (maybe returned), approved after the bedah laporan, notified to the
/// reporter, issued; then what its finding leads to.
async fn lhp<B: Backend, S: KeyStore>(w: &mut Walk<'_, B, S>, iaps: bool) -> anyhow::Result<()> {
    if !w.wait(20, 90) {
        return Ok(());
    }
    let finding = match w.showcase.map_or_else(|| w.rng.below(100), |_| 0) {
        0..=39 => "found",
        40..=84 => "not_found",
        _ => "stopped",
    };
    let conclusion = match finding {
        "found" => {
            let mut actions = vec![
                json!({"id": "1", "addressee": "respondent", "action": "Menyelesaikan layanan pelapor sesuai standar pelayanan."}),
            ];
            if w.rng.chance(50) {
                actions.push(json!({"id": "2", "addressee": "superior", "name": w.superior, "action": "Memberikan pembinaan kepada petugas dan memperbaiki SOP."}));
            }
            json!({"finding": "found", "forms_found": ["undue_delay"], "corrective_actions": actions})
        }
        "not_found" => json!({"finding": "not_found"}),
        _ => {
            let grounds: &[&str] = if iaps {
                &["sub_judice", "agency_still_handling", "outside_competence"]
            } else {
                &[
                    "no_prior_complaint",
                    "sub_judice",
                    "agency_still_handling",
                    "resolved_by_respondent",
                    "outside_competence",
                ]
            };
            json!({"finding": "stopped", "ground": *w.rng.pick(grounds)})
        }
    };
    let draft = json!({"conclusion": conclusion, "summary": "Rancangan LHP berdasarkan klarifikasi dan dokumen."});
    go!(w.act(Role::Investigator, "propose-conclusion", draft.clone()));
    if w.rng.chance(15) {
        if !w.wait(2, 7) {
            return Ok(());
        }
        go!(w.act(
            Role::OfficeHead,
            "return-conclusion",
            json!({"reason": "Analisis belum memuat dasar hukum kewajiban Terlapor."})
        ));
        if !w.wait(5, 15) {
            return Ok(());
        }
        go!(w.act(Role::Investigator, "propose-conclusion", draft.clone()));
    }
    if !w.wait(3, 12) {
        return Ok(());
    }
    go!(w.act(
        Role::OfficeHead,
        "approve-conclusion",
        json!({"review_date": w.today()})
    ));
    if !iaps {
        if !w.wait(2, 7) {
            return Ok(());
        }
        let letter = w.letter("post");
        let notified = go!(w.act(
            Role::Investigator,
            "notify-conclusion",
            json!({"letter": letter})
        ));
        go!(w.receipt(&notified));
        if w.rng.chance(65) {
            if !w.wait(3, 13) {
                return Ok(());
            }
            let argued = w.detour(8);
            go!(w.act(Role::Investigator, "record-reporter-response", json!({"received_on": w.today(), "argued": argued, "note": "Pelapor menyampaikan tanggapan tertulis."})));
            if argued {
                // Re-examination, then the LHP again.
                if !w.wait(10, 30) {
                    return Ok(());
                }
                go!(w.act(Role::Investigator, "propose-conclusion", draft));
                go!(w.act(
                    Role::OfficeHead,
                    "approve-conclusion",
                    json!({"review_date": w.today()})
                ));
                let letter = w.letter("post");
                let notified = go!(w.act(
                    Role::Investigator,
                    "notify-conclusion",
                    json!({"letter": letter})
                ));
                go!(w.receipt(&notified));
                go!(w.act(
                    Role::Investigator,
                    "record-reporter-response",
                    json!({"received_on": w.today(), "argued": false})
                ));
            }
        } else {
            // The 14 days run out; the engine proposes the LHP's issue.
            if !w.wait(15, 18) {
                return Ok(());
            }
            go!(w.act(
                Role::System,
                "propose-action",
                json!({"action": "issue_lhp", "clock": "reporter_response"})
            ));
        }
    }
    if !w.wait(2, 10) {
        return Ok(());
    }
    let letter = w.letter("post");
    let issued = go!(w.act(Role::OfficeHead, "issue-lhp", json!({"letter": letter})));
    match finding {
        "found" => {
            go!(w.receipt(&issued));
            Box::pin(corrective_action(w)).await
        }
        "not_found" => {
            go!(w.close(Role::OfficeHead, "no_maladministration", false));
            Ok(())
        }
        _ => {
            go!(w.close(Role::OfficeHead, "examination_stopped", false));
            Ok(())
        }
    }
}

/// Tindakan korektif: done, or to Resolusi dan Monitoring.
async fn corrective_action<B: Backend, S: KeyStore>(w: &mut Walk<'_, B, S>) -> anyhow::Result<()> {
    let two = w
        .service
        .log()
        .load(w.case.unwrap_or_else(|| unreachable!()))
        .await?
        .state
        .actions
        .len()
        > 1;
    let report = |status: &str, two: bool| {
        let mut reports = vec![json!({"action_id": "1", "status": status})];
        if two {
            reports.push(json!({"action_id": "2", "status": status}));
        }
        reports
    };
    match w
        .showcase
        .map_or_else(|| w.rng.below(100), |k| if k % 2 == 0 { 80 } else { 60 })
    {
        0..=54 => {
            if !w.wait(10, 35) {
                return Ok(());
            }
            go!(w.act(
                Role::Investigator,
                "report-corrective-action",
                json!({"reports": report("done", two), "received_on": w.today()})
            ));
            go!(w.close(Role::OfficeHead, "corrective_action_implemented", false));
            Ok(())
        }
        55..=69 => {
            if !w.wait(10, 30) {
                return Ok(());
            }
            go!(w.act(Role::Investigator, "report-corrective-action", json!({"reports": report("refused", two), "received_on": w.today(), "note": "Terlapor menolak melaksanakan tindakan korektif."})));
            go!(w.act(
                Role::UnitHead,
                "refer-to-resolution",
                json!({"ground": "refused_by_respondent"})
            ));
            Box::pin(resolution(w)).await
        }
        _ => {
            if !w.wait(15, 25) {
                return Ok(());
            }
            go!(w.act(
                Role::Investigator,
                "report-corrective-action",
                json!({"reports": report("partial", two), "received_on": w.today()})
            ));
            // 30 working days from receipt run out (holidays included).
            if !w.wait(40, 45) {
                return Ok(());
            }
            go!(w.act(
                Role::System,
                "propose-action",
                json!({"action": "refer_to_resolution", "clock": "corrective_action"})
            ));
            go!(w.act(
                Role::OfficeHead,
                "refer-to-resolution",
                json!({"ground": "period_expired"})
            ));
            Box::pin(resolution(w)).await
        }
    }
}

/// Resolusi dan Monitoring, and the Recommendation with its follow-up.
async fn resolution<B: Backend, S: KeyStore>(w: &mut Walk<'_, B, S>) -> anyhow::Result<()> {
    if !w.wait(2, 8) {
        return Ok(());
    }
    go!(w.act(Role::UnitHead, "assign", json!({"assignee": "resmon.wati"})));
    if w.rng.chance(30) {
        go!(w.act(
            Role::Resmon,
            "return-lhp-file",
            json!({"missing": "Berita acara klarifikasi belum dilampirkan."})
        ));
        if !w.wait(3, 10) {
            return Ok(());
        }
        go!(w.act(
            Role::Investigator,
            "complete-lhp-file",
            json!({"note": "Berita acara dilampirkan."})
        ));
    }
    if !w.wait(5, 20) {
        return Ok(());
    }
    let kind = *w
        .rng
        .pick(&["facilitation", "mediation", "conciliation", "meeting"]);
    let body =
        json!({"kind": kind, "date": w.today(), "outcome": "Pertemuan para pihak difasilitasi."});
    go!(w.act(Role::Resmon, "record-activity", body));
    if w.detour(60) {
        go!(w.close(Role::OfficeHead, "resolved_in_resolution", false));
        return Ok(());
    }
    go!(w.act(
        Role::OfficeHead,
        "refer-to-recommendation",
        json!({"note": "Tindakan korektif tidak dilaksanakan."})
    ));
    if !w.wait(10, 30) {
        return Ok(());
    }
    let letter = w.letter("post");
    let addressee = w.superior;
    go!(w.act(Role::Chair, "recommend", json!({"addressee": addressee, "content": "Memberikan sanksi kepada petugas dan memperbaiki sistem pelayanan.", "letter": letter})));
    if !w.wait(2, 10) {
        return Ok(());
    }
    go!(w.act(
        Role::Resmon,
        "record-delivery",
        json!({"received_on": w.today()})
    ));
    if !w.wait(20, 58) {
        return Ok(());
    }
    let (report, assessment, close) = match w.showcase.map_or_else(|| w.rng.below(3), |k| k % 3) {
        0 => ("full", "implemented", "recommendation_implemented"),
        1 => (
            "partial",
            "partly_implemented",
            "recommendation_partly_implemented",
        ),
        _ => ("none", "not_implemented", "recommendation_not_implemented"),
    };
    let letter = w.received_letter("post");
    go!(w.act(
        Role::Resmon,
        "report-implementation",
        json!({"report": report, "letter": letter})
    ));
    if !w.wait(5, 15) {
        return Ok(());
    }
    let acceptable = report == "full" || (w.showcase.is_none() && w.rng.chance(30));
    go!(w.act(
        Role::Member,
        "assess-implementation",
        json!({"assessment": assessment, "reasons_acceptable": acceptable})
    ));
    if !acceptable {
        go!(w.act(
            Role::Chair,
            "publish",
            json!({"note": "Dimuat dalam laporan tahunan dan media."})
        ));
        let letter = w.letter("post");
        go!(w.act(
            Role::Chair,
            "report-to-dpr-and-president",
            json!({"letter": letter})
        ));
    }
    go!(w.close(Role::Chair, close, false));
    Ok(())
}

/// Konsultasi Non Laporan: answered at the desk, a few become reports.
async fn consultation<B: Backend, S: KeyStore>(w: &mut Walk<'_, B, S>) -> anyhow::Result<()> {
    let text = *w.rng.pick(CONSULTATIONS);
    let channel = *w
        .rng
        .pick(&["walk_in", "whatsapp", "phone", "walk_in", "outreach_event"]);
    let reporter = w.reporter();
    let body = json!({
        "office": OFFICE, "channel": channel, "track": "consultation",
        "received_on": w.today(), "reporter": reporter, "summary": text,
    });
    go!(w.act(Role::Intake, "report", body));
    if w.rng.chance(6) {
        if !w.wait(1, 10) {
            return Ok(());
        }
        let (respondent, form, _) = w.respondent();
        go!(w.act(
            Role::Intake,
            "convert",
            json!({"track": "regular", "respondent": respondent, "forms": [form]})
        ));
        return Box::pin(verification(w, false, true)).await;
    }
    w.now += Duration::minutes(30);
    go!(w.close(Role::Intake, "consultation_only", false));
    Ok(())
}

/// Tembusan: filed, or taken up as a report.
async fn carbon_copy<B: Backend, S: KeyStore>(w: &mut Walk<'_, B, S>) -> anyhow::Result<()> {
    let text = *w.rng.pick(CARBON_COPIES);
    let (respondent, form, _) = w.respondent();
    go!(w.act(
        Role::Intake,
        "report",
        json!({
            "office": OFFICE, "channel": "letter", "track": "carbon_copy",
            "received_on": w.today(), "respondent": respondent, "summary": text,
        })
    ));
    if !w.wait(1, 7) {
        return Ok(());
    }
    if w.rng.chance(20) {
        let reporter = w.reporter();
        go!(w.act(
            Role::UnitHead,
            "convert",
            json!({"track": "regular", "reporter": reporter, "forms": [form]})
        ));
        return Box::pin(verification(w, false, true)).await;
    }
    go!(w.close(Role::Intake, "carbon_copy_filed", false));
    Ok(())
}

/// Reaksi Cepat Ombudsman: urgent, served in days.
async fn rapid_response<B: Backend, S: KeyStore>(w: &mut Walk<'_, B, S>) -> anyhow::Result<()> {
    let (form, text) = *w.rng.pick(RAPID);
    let (respondent, _, _) = w.respondent();
    let criteria = *w.rng.pick(&[
        &["emergency"][..],
        &["threat_to_life"],
        &["emergency", "threat_to_right_to_live"],
    ]);
    let channel = *w.rng.pick(&["whatsapp", "phone", "walk_in"]);
    let reporter = w.reporter();
    let body = json!({
        "office": OFFICE, "channel": channel, "track": "rapid_response",
        "received_on": w.today(), "reporter": reporter, "respondent": respondent,
        "forms": [form], "prior_complaint": true, "summary": text, "criteria": criteria,
    });
    go!(w.act(Role::Intake, "report", body));
    let letter = w.letter("phone");
    go!(w.act(
        Role::Intake,
        "request-clarification",
        json!({"addressee": "respondent", "purpose": "information", "letter": letter})
    ));
    if !w.wait(0, 2) {
        return Ok(());
    }
    go!(w.act(
        Role::Intake,
        "answer-clarification",
        json!({"received_on": w.today(), "note": "Terlapor segera memberikan layanan."})
    ));
    match w.rng.below(100) {
        0..=69 => {
            go!(w.close(Role::UnitHead, "rco_resolved", false));
        }
        70..=89 => {
            go!(w.act(Role::UnitHead, "convert", json!({"track": "regular"})));
            return Box::pin(verification(w, false, true)).await;
        }
        _ => {
            let reason = *w.rng.pick(&[
                "outside_competence",
                "transferred_out",
                "resolved_by_respondent",
            ]);
            go!(w.close(Role::UnitHead, reason, false));
        }
    }
    Ok(())
}

/// Investigasi atas Prakarsa Sendiri: opened by the head of office, no reporter.
async fn own_initiative<B: Backend, S: KeyStore>(w: &mut Walk<'_, B, S>) -> anyhow::Result<()> {
    let (respondent, form, text) = w.respondent();
    let number = format!("KEP/IAPS/JBR/{}/2026", 1 + w.rng.below(9));
    let body = json!({
        "office": OFFICE, "channel": "own_initiative", "track": "own_initiative",
        "received_on": w.today(), "respondent": respondent, "forms": [form],
        "decision": {"number": number, "date": w.today()},
        "summary": format!("Investigasi atas prakarsa sendiri: {text}"),
    });
    go!(w.act(Role::OfficeHead, "report", body));
    go!(w.act(
        Role::OfficeHead,
        "assign",
        json!({"assignee": w.investigator, "unit": "riksa-1"})
    ));
    Box::pin(examination(w, true)).await
}
