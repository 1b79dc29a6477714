//! The vocabulary of a case as data: forms of maladministration (a versioned list of codes,
//! not a frozen wire enum, so a new form is a data change), and the closed sets whose values
//! carry rules (channels, tracks, closure reasons and grounds, findings, addressees, outcomes,
//! assessments...). Each closed set lists its values with `label_id` (Indonesian, the default)
//! and `label_en`, so read models, forms and letters can show them.

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
/// Declares a closed vocabulary: a serde snake_case enum with `ALL`, `as_str`, `label_id`
/// (Indonesian, shown by default) and `label_en`. A value with `legacy` in its doc is read from
/// stored events only; `decide` never writes it.
macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal, $id:literal, $en:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        pub enum $name {
            $($(#[$vdoc])* #[doc = concat!("`", $code, "`: ", $id, " (", $en, ")")] #[serde(rename = $code)] $variant,)+
        }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The wire code.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// The Indonesian label (the default language of ombud's screens and letters).
            pub const fn label_id(self) -> &'static str {
                match self { $($name::$variant => $id,)+ }
            }

            /// The English label.
            pub const fn label_en(self) -> &'static str {
                match self { $($name::$variant => $en,)+ }
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

        impl crate::labels::Labelled for $name {
            const VOCABULARY: &'static str = stringify!($name);
            fn all() -> &'static [Self] { Self::ALL }
            fn code(self) -> &'static str { self.as_str() }
            fn label_id(self) -> &'static str { $name::label_id(self) }
            fn label_en(self) -> &'static str { $name::label_en(self) }
        }
    };
}
pub(crate) use vocabulary;

vocabulary!(
    /// How a report reached the office.
    Channel {
        WalkIn = "walk_in", "Datang langsung", "Walk-in";
        Letter = "letter", "Surat", "Letter";
        Email = "email", "Surel", "E-mail";
        Phone = "phone", "Telepon", "Phone";
        Whatsapp = "whatsapp", "WhatsApp", "WhatsApp";
        Web = "web", "Situs web", "Website";
        SocialMedia = "social_media", "Media sosial", "Social media";
        Sp4nLapor = "sp4n_lapor", "SP4N-LAPOR!", "SP4N-LAPOR!";
        OutreachEvent = "outreach_event", "Penerimaan laporan di luar kantor", "Outreach event";
        OwnInitiative = "own_initiative", "Investigasi atas prakarsa sendiri", "Own initiative";
    }
);

vocabulary!(
    /// The intake type (DOMAIN §2): decides the state a case opens in and what it carries.
    Track {
        Consultation = "consultation", "Konsultasi Non Laporan (KNL)", "Consultation (not a report)";
        CarbonCopy = "carbon_copy", "Tembusan", "Carbon copy";
        Regular = "regular", "Laporan Masyarakat", "Public report";
        RapidResponse = "rapid_response", "Reaksi/Respons Cepat Ombudsman (RCO)", "Rapid response (RCO)";
        OwnInitiative = "own_initiative", "Investigasi atas Prakarsa Sendiri (IAPS)", "Own-initiative investigation";
    }
);

vocabulary!(
    /// Why a rapid response (RCO) was opened (PO 26/2017 Pasal 26–27).
    RcoCriterion {
        Emergency = "emergency", "Kedaruratan", "Emergency";
        ThreatToLife = "threat_to_life", "Ancaman terhadap nyawa", "Threat to life";
        ThreatToRightToLive = "threat_to_right_to_live", "Ancaman terhadap hak hidup", "Threat to the right to live";
    }
);

vocabulary!(
    /// The legal ground a case is closed on (DOMAIN §5).
    ClosureReason {
        ConsultationOnly = "consultation_only", "Konsultasi Non Laporan (KNL)", "Consultation only";
        CarbonCopyFiled = "carbon_copy_filed", "Tembusan diarsipkan", "Carbon copy filed";
        RcoResolved = "rco_resolved", "RCO selesai", "Rapid response resolved";
        IncompleteDeemedWithdrawn = "incomplete_deemed_withdrawn", "Dianggap dicabut (tidak dilengkapi)", "Deemed withdrawn (not completed)";
        WithdrawnByReporter = "withdrawn_by_reporter", "Dicabut Pelapor", "Withdrawn by the reporter";
        TimeBarred = "time_barred", "Kedaluwarsa", "Time-barred";
        Duplicate = "duplicate", "Sudah pernah dilaporkan", "Duplicate";
        TransferredOut = "transferred_out", "Diteruskan ke instansi yang berwenang", "Forwarded to the competent body";
        NoPriorComplaint = "no_prior_complaint", "Belum menyampaikan keberatan kepada Terlapor", "No prior complaint to the respondent";
        SubJudice = "sub_judice", "Sedang/telah diperiksa pengadilan", "Before or decided by a court";
        AgencyStillHandling = "agency_still_handling", "Masih dalam penyelesaian Terlapor", "Still being handled by the respondent";
        ResolvedByRespondent = "resolved_by_respondent", "Pelapor telah memperoleh penyelesaian dari Terlapor", "Resolved by the respondent";
        OutsideCompetence = "outside_competence", "Bukan kewenangan Ombudsman", "Outside the Ombudsman's competence";
        SettledByMediation = "settled_by_mediation", "Selesai melalui mediasi/konsiliasi", "Settled by mediation or conciliation";
        NoMaladministration = "no_maladministration", "Tidak ditemukan maladministrasi", "No maladministration found";
        ExaminationStopped = "examination_stopped", "Pemeriksaan dihentikan", "Examination stopped";
        CorrectiveActionImplemented = "corrective_action_implemented", "Tindakan korektif dilaksanakan", "Corrective action implemented";
        ResolvedInResolution = "resolved_in_resolution", "Selesai pada tahap Resolusi dan Monitoring", "Resolved at resolution and monitoring";
        RecommendationImplemented = "recommendation_implemented", "Rekomendasi dilaksanakan", "Recommendation implemented";
        RecommendationPartlyImplemented = "recommendation_partly_implemented", "Rekomendasi dilaksanakan sebagian", "Recommendation partly implemented";
        RecommendationNotImplemented = "recommendation_not_implemented", "Rekomendasi tidak dilaksanakan", "Recommendation not implemented";
    }
);

vocabulary!(
    /// The ground of an examination stopped under Pasal 36(1)(a)–(e).
    StopGround {
        NoPriorComplaint = "no_prior_complaint", "Belum menyampaikan keberatan kepada Terlapor (Pasal 36(1)(a))", "No prior complaint (36(1)(a))";
        SubJudice = "sub_judice", "Sedang/telah diperiksa pengadilan (Pasal 36(1)(b))", "Before a court (36(1)(b))";
        AgencyStillHandling = "agency_still_handling", "Masih dalam penyelesaian Terlapor (Pasal 36(1)(c))", "Still being handled (36(1)(c))";
        ResolvedByRespondent = "resolved_by_respondent", "Pelapor telah memperoleh penyelesaian (Pasal 36(1)(d))", "Resolved by the respondent (36(1)(d))";
        OutsideCompetence = "outside_competence", "Bukan kewenangan Ombudsman (Pasal 36(1)(e))", "Outside competence (36(1)(e))";
        /// legacy: a v1 `concluded(stopped)`, which recorded no ground.
        Unspecified = "unspecified", "Tidak disebutkan (data v1)", "Not stated (v1 data)";
    }
);

vocabulary!(
    /// What the examination found, as proposed, approved and issued in the LHP.
    Finding {
        Found = "found", "Ditemukan maladministrasi", "Maladministration found";
        NotFound = "not_found", "Tidak ditemukan maladministrasi", "No maladministration found";
        Stopped = "stopped", "Pemeriksaan dihentikan", "Examination stopped";
    }
);

vocabulary!(
    /// Whom a letter of clarification is addressed to.
    Addressee {
        Respondent = "respondent", "Terlapor", "Respondent";
        Superior = "superior", "Atasan Terlapor", "Respondent's superior";
        RelatedAgency = "related_agency", "Instansi terkait", "Related agency";
        Reporter = "reporter", "Pelapor", "Reporter";
        OtherParty = "other_party", "Pihak lain", "Other party";
    }
);

vocabulary!(
    /// What a clarification asks for.
    Purpose {
        Clarification = "clarification", "Klarifikasi", "Clarification";
        Documents = "documents", "Permintaan dokumen", "Documents";
        Information = "information", "Permintaan keterangan", "Information";
    }
);

vocabulary!(
    /// How a clarification ended.
    AnswerOutcome {
        Answered = "answered", "Dijawab", "Answered";
        Waived = "waived", "Tidak menggunakan hak jawab", "Right of answer not used";
    }
);

vocabulary!(
    /// Who is summoned (Pasal 31).
    SummonsParty {
        Respondent = "respondent", "Terlapor", "Respondent";
        Witness = "witness", "Saksi", "Witness";
    }
);

vocabulary!(
    /// An examination or follow-up activity.
    ActivityKind {
        FieldCheck = "field_check", "Pemeriksaan lapangan", "Field check";
        Meeting = "meeting", "Pertemuan", "Meeting";
        Mediation = "mediation", "Mediasi", "Mediation";
        Conciliation = "conciliation", "Konsiliasi", "Conciliation";
        Facilitation = "facilitation", "Fasilitasi", "Facilitation";
    }
);

vocabulary!(
    /// How a mediation is conducted (UU 25/2009 Pasal 46(5)).
    MediationMethod {
        Mediation = "mediation", "Mediasi", "Mediation";
        Conciliation = "conciliation", "Konsiliasi", "Conciliation";
    }
);

vocabulary!(
    /// How a mediation ended.
    MediationOutcome {
        Agreed = "agreed", "Sepakat", "Agreed";
        Failed = "failed", "Tidak sepakat", "Failed";
    }
);

vocabulary!(
    /// Whom a corrective action is addressed to (PO 48/2020 Pasal 25(2a)).
    ActionAddressee {
        Respondent = "respondent", "Terlapor", "Respondent";
        Superior = "superior", "Atasan Terlapor", "Respondent's superior";
        RelatedAgency = "related_agency", "Instansi terkait", "Related agency";
        /// legacy: a v1 `concluded(found)`, whose actions named no addressee.
        Unspecified = "unspecified", "Tidak disebutkan (data v1)", "Not stated (v1 data)";
    }
);

vocabulary!(
    /// What the respondent reported of one corrective action.
    ActionStatus {
        Done = "done", "Dilaksanakan", "Done";
        Partial = "partial", "Dilaksanakan sebagian", "Partly done";
        NotDone = "none", "Belum dilaksanakan", "Not done";
        Refused = "refused", "Ditolak", "Refused";
    }
);

vocabulary!(
    /// Why a case went to Resolusi dan Monitoring.
    ResolutionGround {
        PeriodExpired = "period_expired", "Jangka waktu tindakan korektif terlampaui", "Corrective-action period expired";
        RefusedByRespondent = "refused_by_respondent", "Terlapor menolak tindakan korektif", "Refused by the respondent";
        /// legacy: a v1 `escalated(to_resolution)`, which recorded no ground.
        Legacy = "legacy", "Tidak disebutkan (data v1)", "Not stated (v1 data)";
    }
);

vocabulary!(
    /// The superior's report on a Recommendation (Pasal 38(2)).
    ImplementationReport {
        Full = "full", "Dilaksanakan seluruhnya", "Fully implemented";
        Partial = "partial", "Dilaksanakan sebagian", "Partly implemented";
        NotImplemented = "none", "Tidak dilaksanakan", "Not implemented";
    }
);

vocabulary!(
    /// The Ombudsman's assessment of a Recommendation's implementation.
    Assessment {
        Implemented = "implemented", "Dilaksanakan", "Implemented";
        PartlyImplemented = "partly_implemented", "Dilaksanakan sebagian", "Partly implemented";
        NotImplemented = "not_implemented", "Tidak dilaksanakan", "Not implemented";
    }
);

vocabulary!(
    /// The two checks of a report before acceptance.
    VerificationStage {
        Formal = "formal", "Verifikasi formil", "Formal verification";
        Material = "material", "Verifikasi materiil", "Material verification";
    }
);

vocabulary!(
    /// Who the reporter is (DOMAIN §1).
    ReporterKind {
        Individual = "individual", "Perorangan", "Individual";
        Group = "group", "Kelompok", "Group";
        LegalCounsel = "legal_counsel", "Kuasa hukum", "Legal counsel";
        Ngo = "ngo", "Lembaga swadaya masyarakat", "NGO";
        LegalEntity = "legal_entity", "Badan hukum", "Legal entity";
        VictimFamily = "victim_family", "Keluarga korban", "Victim's family";
    }
);

vocabulary!(
    /// What the deadline engine proposes to a person (DOMAIN §8).
    ProposedAction {
        NextClarificationRound = "next_clarification_round", "Klarifikasi tahap berikutnya", "Next clarification round";
        Summons = "summons", "Pemanggilan", "Summons";
        IssueLhp = "issue_lhp", "Penyampaian LHP", "Issue the LHP";
        ReferToResolution = "refer_to_resolution", "Penyerahan ke Resolusi dan Monitoring", "Refer to resolution and monitoring";
        PoliceRequest = "police_request", "Permintaan bantuan Kepolisian", "Police request";
        AssessImplementation = "assess_implementation", "Penilaian pelaksanaan Rekomendasi", "Assess implementation";
        ConvertRco = "convert_rco", "Pengalihan RCO menjadi laporan", "Convert the rapid response";
        CloseDeemedWithdrawn = "close_deemed_withdrawn", "Penutupan: dianggap dicabut", "Close as deemed withdrawn";
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
        assert_eq!(ClosureReason::ALL.len(), 21);
        assert_eq!(Channel::ALL.len(), 10);
        assert_eq!(Channel::parse("fax"), None);
    }
}
