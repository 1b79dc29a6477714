//! Letters and legal dates (DOMAIN §3): a [`Letter`] is data (how it went, its number, its
//! date, when it was received), and the legal clocks run from receipt, never from the moment
//! ombud records an event. Owns the rules every letter obeys: office-local dates not after
//! today, receipt not before the letter's date, a number on post, hand and e-mail letters, and
//! phone calls and meetings received on their date.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::taxonomy::vocabulary;
use std::fmt;

vocabulary!(
    /// How a letter travelled.
    Via {
        Post = "post", "Pos", "Post";
        Hand = "hand", "Diantar langsung", "By hand";
        Email = "email", "Surel", "E-mail";
        Whatsapp = "whatsapp", "WhatsApp", "WhatsApp";
        Phone = "phone", "Telepon", "Phone";
        Meeting = "meeting", "Pertemuan", "Meeting";
    }
);

impl Via {
    /// Whether a letter sent this way has a number (post, hand, e-mail).
    pub const fn is_numbered(self) -> bool {
        matches!(self, Via::Post | Via::Hand | Via::Email)
    }

    /// Whether it is received on its own date (a call or a meeting).
    pub const fn is_received_at_once(self) -> bool {
        matches!(self, Via::Phone | Via::Meeting)
    }
}

/// An outgoing letter (or call, or meeting) as the act records it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Letter {
    /// How it went.
    pub via: Via,
    /// Its number (post, hand and e-mail letters), e.g. `B/123/LM.01/VIII/2026`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Its date (office-local).
    pub date: NaiveDate,
    /// When the addressee received it, once known (a later `letter_received` may add it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_on: Option<NaiveDate>,
}

impl Letter {
    /// Checks the letter against DOMAIN §3 and fills in the receipt of a call or a meeting.
    /// `field` names the letter in a refusal (e.g. `letter`).
    pub fn checked(mut self, field: &'static str, today: NaiveDate) -> Result<Letter, DomainError> {
        match (&self.number, self.via.is_numbered()) {
            (None, true) => {
                return Err(DomainError::validation(
                    field,
                    format!("a letter sent by {} has a number", self.via),
                ))
            }
            (Some(n), _) => crate::decide::check_text(field, n, 100)?,
            (None, false) => {}
        }
        legal_date(field, self.date, today)?;
        if self.via.is_received_at_once() {
            match self.received_on {
                Some(r) if r != self.date => {
                    return Err(DomainError::validation(
                        field,
                        format!("a {} is received on its own date ({})", self.via, self.date),
                    ))
                }
                _ => self.received_on = Some(self.date),
            }
        }
        if let Some(received) = self.received_on {
            received_after(field, received, self.date, today)?;
        }
        Ok(self)
    }
}

/// A legal date is office-local and not after today.
pub fn legal_date(
    field: &'static str,
    date: NaiveDate,
    today: NaiveDate,
) -> Result<(), DomainError> {
    if date > today {
        return Err(DomainError::validation(
            field,
            format!("{date} is after today ({today} at the office)"),
        ));
    }
    Ok(())
}

/// A receipt (or an answer) is not before what it answers, and not after today.
pub fn received_after(
    field: &'static str,
    received: NaiveDate,
    sent: NaiveDate,
    today: NaiveDate,
) -> Result<(), DomainError> {
    legal_date(field, received, today)?;
    if received < sent {
        return Err(DomainError::validation(
            field,
            format!("received on {received}, before the letter's date {sent}"),
        ));
    }
    Ok(())
}
