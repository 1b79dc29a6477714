//! The v1 event types ombud no longer writes, and how a reader sees them (DOMAIN §7):
//! `escalated` by its kind (to the superior → a clarification to the superior without a
//! clock; a summons → `summoned`; police assistance → `police_assistance_requested`; a
//! transfer → `transferred`; to resolution → `referred_to_resolution` with ground `legacy`; to
//! recommendation → `referred_to_recommendation`; publication → `published`; the report to
//! parliament → `reported_to_dpr_and_president`), and `concluded` as `lhp_issued`. The stored
//! bytes keep their v1 type forever (the subject, the hash chain and subscribers see it); only
//! the decoded [`EventData`] is v2.

use ombud_domain::event::*;
use ombud_domain::taxonomy::{
    ActionAddressee, Addressee, Finding, Purpose, ResolutionGround, StopGround, SummonsParty,
};
use ombud_domain::{Deadline, EventData, Letter, OfficeCode, Sealed, Via};
use serde::Deserialize;

use crate::upcast::UpcastContext;

/// A v1 event type no longer written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LegacyType {
    /// `escalated`
    Escalated,
    /// `concluded`
    Concluded,
}

impl LegacyType {
    /// Every legacy type.
    pub const ALL: &'static [LegacyType] = &[LegacyType::Escalated, LegacyType::Concluded];

    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            LegacyType::Escalated => "escalated",
            LegacyType::Concluded => "concluded",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<LegacyType> {
        LegacyType::ALL.iter().copied().find(|t| t.as_str() == name)
    }
}

/// v1 `escalated` data.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Escalated {
    kind: EscalationKind,
    reason: Sealed,
    #[serde(default)]
    target: Option<String>,
}

/// v1's escalation kinds.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum EscalationKind {
    ToSuperior,
    Summons,
    PoliceAssistance,
    TransferOffice,
    ToResolution,
    ToRecommendation,
    Publication,
    ReportToParliamentAndPresident,
}

/// v1 `concluded` data.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Concluded {
    finding: Finding,
    #[serde(default)]
    corrective_actions: Option<Sealed>,
    #[serde(default)]
    deadline: Option<Deadline>,
}

/// Reads `data` of a legacy type (schema version 1) as the v2 event it stands for.
pub fn decode(
    legacy: LegacyType,
    version: u32,
    data: &str,
    cx: &UpcastContext,
) -> Result<EventData, String> {
    if version != 1 {
        return Err(format!(
            "{} exists only at schema version 1",
            legacy.as_str()
        ));
    }
    match legacy {
        LegacyType::Escalated => {
            let e: Escalated = serde_json::from_str(data).map_err(|e| e.to_string())?;
            escalated(e, cx)
        }
        LegacyType::Concluded => {
            let c: Concluded = serde_json::from_str(data).map_err(|e| e.to_string())?;
            concluded(c)
        }
    }
}

fn escalated(e: Escalated, cx: &UpcastContext) -> Result<EventData, String> {
    let note = Some(e.reason);
    Ok(match e.kind {
        EscalationKind::ToSuperior => EventData::ClarificationRequested(ClarificationRequested {
            // Round 0: v1 counted escalations to the superior apart from clarification rounds.
            round: 0,
            addressee: Addressee::Superior,
            purpose: Purpose::Clarification,
            // The superior's reply had no clock in v1: the letter is on record as received
            // on its day, so no clock waits for it.
            letter: Letter {
                via: Via::Post,
                number: None,
                date: cx.date,
                received_on: Some(cx.date),
            },
            deadline: None,
            note,
        }),
        EscalationKind::Summons => EventData::Summoned(Summoned {
            summons: 0,
            party: Party {
                kind: SummonsParty::Respondent,
                party_ref: "respondent".to_owned(),
                name: None,
            },
            appointment_at: None,
            letter: None,
            note,
        }),
        EscalationKind::PoliceAssistance => {
            EventData::PoliceAssistanceRequested(PoliceAssistanceRequested {
                party_ref: None,
                police_unit: e.target,
                letter: None,
                note,
            })
        }
        EscalationKind::TransferOffice => {
            let target = e.target.ok_or("a v1 transfer without its target office")?;
            let to_office = OfficeCode::parse(&target)
                .map_err(|err| format!("a v1 transfer to {target:?}: {err}"))?;
            let reason = note.ok_or("no reason")?;
            EventData::Transferred(Transferred { to_office, reason })
        }
        EscalationKind::ToResolution => EventData::ReferredToResolution(ReferredToResolution {
            ground: ResolutionGround::Legacy,
            note,
        }),
        EscalationKind::ToRecommendation => EventData::ReferredToRecommendation(Noted { note }),
        EscalationKind::Publication => EventData::Published(Noted { note }),
        EscalationKind::ReportToParliamentAndPresident => {
            EventData::ReportedToDprAndPresident(ReportedToDprAndPresident { letter: None, note })
        }
    })
}

fn concluded(c: Concluded) -> Result<EventData, String> {
    let conclusion = match c.finding {
        Finding::Found => Conclusion::Found {
            // Read as the alleged forms: `evolve` fills them in from the case.
            forms_found: Vec::new(),
            corrective_actions: vec![CorrectiveAction {
                id: "1".to_owned(),
                addressee: ActionAddressee::Unspecified,
                name: None,
                action: c
                    .corrective_actions
                    .ok_or("a v1 finding of maladministration without its corrective actions")?,
            }],
        },
        Finding::NotFound => Conclusion::NotFound,
        Finding::Stopped => Conclusion::Stopped {
            ground: StopGround::Unspecified,
        },
    };
    Ok(EventData::LhpIssued(LhpIssued {
        conclusion,
        letter: None,
        deadline: c.deadline,
    }))
}
