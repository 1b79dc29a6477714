//! The vocabulary of a case as data: forms of maladministration (a versioned list of codes,
//! not a frozen wire enum, so a new form is a data change), and the closed sets whose values
//! carry rules: channels, tracks, closure reasons, escalation kinds, findings, mediation
//! outcomes. Each closed set lists its values and labels (Indonesian first) so read models and
//! forms can show them.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ids::FormCode;

/// One form of maladministration in the taxonomy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormEntry {
    /// The wire code, e.g. `undue_delay`.
    pub code: FormCode,
    /// The official Indonesian name.
    pub label_id: &'static str,
    /// An English gloss.
    pub label_en: &'static str,
}

/// The reference data a report is checked against: which form codes exist. Versioned; the
/// version is recorded in every `reported` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taxonomy {
    /// Version of the list, recorded in `reported` events.
    pub version: String,
    /// The known forms.
    pub forms: Vec<FormEntry>,
}

const FORMS_V1: [(&str, &str, &str); 11] = [
    ("undue_delay", "Penundaan berlarut", "Undue delay"),
    (
        "failure_to_serve",
        "Tidak memberikan pelayanan",
        "Failure to serve",
    ),
    ("incompetence", "Tidak kompeten", "Incompetence"),
    (
        "abuse_of_authority",
        "Penyalahgunaan wewenang",
        "Abuse of authority",
    ),
    (
        "procedural_deviation",
        "Penyimpangan prosedur",
        "Procedural deviation",
    ),
    (
        "improper_request_for_payment",
        "Permintaan imbalan uang, barang dan jasa",
        "Improper request for payment",
    ),
    ("improper_conduct", "Tidak patut", "Improper conduct"),
    ("partiality", "Berpihak", "Partiality"),
    ("discrimination", "Diskriminasi", "Discrimination"),
    (
        "conflict_of_interest",
        "Konflik kepentingan",
        "Conflict of interest",
    ),
    ("other", "Lainnya", "Other"),
];

impl Taxonomy {
    /// The ten official forms of maladministration plus `other` (taxonomy version `2026.1`).
    pub fn v1() -> Self {
        Taxonomy {
            version: "2026.1".to_owned(),
            forms: FORMS_V1
                .iter()
                .filter_map(|(code, id, en)| {
                    FormCode::parse(code).ok().map(|code| FormEntry {
                        code,
                        label_id: id,
                        label_en: en,
                    })
                })
                .collect(),
        }
    }

    /// Whether the code is a known form.
    pub fn knows_form(&self, code: &FormCode) -> bool {
        self.forms.iter().any(|f| &f.code == code)
    }
}

impl Default for Taxonomy {
    fn default() -> Self {
        Taxonomy::v1()
    }
}

/// Declares a closed vocabulary: a serde snake_case enum with `ALL`, `as_str` and `label`.
macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal, $label:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every value, in documentation order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The wire code.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// A human label (Indonesian).
            pub const fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }

            /// Parses a wire code.
            pub fn parse(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == code)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary!(
    /// How the report reached the office.
    Channel {
        /// Datang langsung.
        WalkIn = "walk_in", "Datang langsung";
        /// Surat.
        Letter = "letter", "Surat";
        /// Email.
        Email = "email", "Email";
        /// Telepon.
        Phone = "phone", "Telepon";
        /// WhatsApp.
        Whatsapp = "whatsapp", "WhatsApp";
        /// Web form.
        Web = "web", "Situs web";
        /// Social media.
        SocialMedia = "social_media", "Media sosial";
        /// Forwarded from SP4N-LAPOR! (keeps its tracking id in `external_ref`).
        Sp4nLapor = "sp4n_lapor", "SP4N-LAPOR!";
        /// Outreach event (PVL on the spot).
        OutreachEvent = "outreach_event", "Penerimaan laporan di luar kantor";
        /// The Ombudsman opens the case itself.
        OwnInitiative = "own_initiative", "Investigasi atas prakarsa sendiri";
    }
);

vocabulary!(
    /// How the case is handled.
    Track {
        /// The ordinary path.
        Regular = "regular", "Reguler";
        /// Respons Cepat Ombudsman: emergencies, threats to life or livelihood.
        RapidResponse = "rapid_response", "Respons Cepat Ombudsman";
        /// Investigasi atas prakarsa sendiri: starts under examination.
        OwnInitiative = "own_initiative", "Prakarsa sendiri";
    }
);

vocabulary!(
    /// Why a case was closed.
    ClosureReason {
        /// Only a consultation; no report to examine.
        ConsultationOnly = "consultation_only", "Konsultasi";
        /// The reporter did not complete the report within the period.
        IncompleteDeemedWithdrawn = "incomplete_deemed_withdrawn", "Dianggap dicabut (tidak dilengkapi)";
        /// The reporter withdrew.
        WithdrawnByReporter = "withdrawn_by_reporter", "Dicabut pelapor";
        /// The incident is older than the legal limit.
        TimeBarred = "time_barred", "Daluwarsa";
        /// Already reported (here, at the centre or another office).
        Duplicate = "duplicate", "Duplikasi";
        /// Handed to another competent institution.
        TransferredOut = "transferred_out", "Dilimpahkan";
        /// Not within the Ombudsman's competence.
        OutsideCompetence = "outside_competence", "Bukan kewenangan";
        /// The reporter never complained to the agency first.
        NoPriorComplaint = "no_prior_complaint", "Belum menyampaikan keberatan";
        /// Before a court.
        SubJudice = "sub_judice", "Dalam proses peradilan";
        /// The agency is still handling it within a reasonable time.
        AgencyStillHandling = "agency_still_handling", "Masih ditangani instansi";
        /// Settled by the Ombudsman's mediation.
        SettledByMediation = "settled_by_mediation", "Selesai melalui mediasi";
        /// Examination found no maladministration.
        NoMaladministration = "no_maladministration", "Tidak ditemukan maladministrasi";
        /// Examination was stopped.
        ExaminationStopped = "examination_stopped", "Pemeriksaan dihentikan";
        /// The respondent carried out the corrective action.
        CorrectiveActionImplemented = "corrective_action_implemented", "Tindakan korektif dilaksanakan";
        /// Resolved in the resolution and monitoring stage.
        ResolvedInResolution = "resolved_in_resolution", "Selesai pada tahap resolusi";
        /// The recommendation was implemented.
        RecommendationImplemented = "recommendation_implemented", "Rekomendasi dilaksanakan";
        /// The recommendation was partly implemented.
        RecommendationPartlyImplemented = "recommendation_partly_implemented", "Rekomendasi dilaksanakan sebagian";
        /// The recommendation was not implemented.
        RecommendationNotImplemented = "recommendation_not_implemented", "Rekomendasi tidak dilaksanakan";
    }
);

vocabulary!(
    /// The kinds of `escalated`: each is legal only from certain states (see `decide`).
    EscalationKind {
        /// Press the respondent through its superior (atasan terlapor).
        ToSuperior = "to_superior", "Kepada atasan terlapor";
        /// A formal summons (pemanggilan).
        Summons = "summons", "Pemanggilan";
        /// Police assistance after three unanswered summons (pemanggilan paksa).
        PoliceAssistance = "police_assistance", "Bantuan kepolisian";
        /// Hand the case to another office (e.g. Perwakilan to pusat).
        TransferOffice = "transfer_office", "Pelimpahan ke kantor lain";
        /// Corrective action ignored: to Resolusi dan Monitoring.
        ToResolution = "to_resolution", "Ke resolusi dan monitoring";
        /// Resolution failed: refer to the Chair for a Recommendation.
        ToRecommendation = "to_recommendation", "Usulan rekomendasi";
        /// Recommendation ignored: publish the non-compliance.
        Publication = "publication", "Publikasi";
        /// Recommendation ignored: report to the DPR and the President.
        ReportToParliamentAndPresident = "report_to_parliament_and_president", "Laporan kepada DPR dan Presiden";
    }
);

vocabulary!(
    /// The conclusion of the examination report (LHP/LAHP).
    Finding {
        /// Maladministration found; corrective action follows.
        Found = "found", "Ditemukan maladministrasi";
        /// No maladministration found.
        NotFound = "not_found", "Tidak ditemukan maladministrasi";
        /// Examination stopped.
        Stopped = "stopped", "Pemeriksaan dihentikan";
    }
);

vocabulary!(
    /// How a mediation ended.
    MediationOutcome {
        /// The parties agreed; terms recorded.
        Agreed = "agreed", "Sepakat";
        /// No agreement.
        Failed = "failed", "Tidak sepakat";
    }
);

vocabulary!(
    /// To whom a clarification letter is addressed.
    Addressee {
        /// The respondent agency (terlapor).
        Respondent = "respondent", "Terlapor";
        /// The respondent's superior (atasan terlapor).
        Superior = "superior", "Atasan terlapor";
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taxonomy_v1_has_the_ten_forms_and_other() {
        let t = Taxonomy::v1();
        assert_eq!(t.forms.len(), 11);
        assert!(t.knows_form(&FormCode::parse("improper_request_for_payment").unwrap()));
        assert!(!t.knows_form(&FormCode::parse("bribery").unwrap()));
    }

    #[test]
    fn vocabularies_parse_their_own_codes() {
        for r in ClosureReason::ALL {
            assert_eq!(ClosureReason::parse(r.as_str()), Some(*r));
        }
        assert_eq!(ClosureReason::ALL.len(), 18);
        assert_eq!(EscalationKind::ALL.len(), 8);
        assert_eq!(Channel::ALL.len(), 10);
        assert_eq!(Channel::parse("fax"), None);
    }
}
