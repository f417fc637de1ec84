//! The forwarding function's work: move outbox items onto the agencies' queues.
//!
//! Each hand-off is sent with its own id as the queue's deduplication id and deleted from the
//! outbox only after the send succeeded. A crash before the send leaves the item for the next
//! attempt; a crash after the send and before the delete repeats a send that the queue
//! deduplicates, and that the agency API would discard anyway (an acknowledged case).

use std::collections::{BTreeSet, HashMap};

use crate::domain::agencies::AgencyRecord;
use crate::domain::cases::{DrainRequest, Handoff, HandoffKind, NotificationMessage};
use crate::domain::error::StoreError;
use crate::domain::regno::RegistrationNumber;
use crate::ports::{
    AgencyStore, HandoffQueues, NotificationQueue, OpsAlerts, OutboxStore, QueueAdmin,
    WorkflowStore,
};
use crate::usecases::onboarding::{AdminError, Onboarding};

#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    #[error("malformed forwarding message")]
    Malformed,
    #[error("agency {0} is not in the directory")]
    UnknownAgency(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<AdminError> for ForwardError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::UnknownAgency(code) | AdminError::NotOnboarded(code) => {
                ForwardError::UnknownAgency(code)
            }
            AdminError::Store(e) => ForwardError::Store(e),
            AdminError::Random => ForwardError::Store(StoreError::Other("random".into())),
        }
    }
}

/// Agency records with their queues, looked up (or created) once per invocation.
#[derive(Default)]
pub struct AgencyCache(HashMap<String, AgencyRecord>);

/// The ports of the forwarding function: the outbox and its destinations, the agencies'
/// queues, the citizens' notification queue and the operations topic; the queue admin that
/// gives an agency its queue when its first case is handed off; the reports, read for an
/// escalation's details.
#[derive(Clone, Copy)]
pub struct Forwarding<'a, O, A, Q, M, N, P, W> {
    pub outbox: &'a O,
    pub agencies: &'a A,
    pub queues: &'a Q,
    pub admin: &'a M,
    /// The visibility timeout of a queue created here.
    pub visibility_seconds: i32,
    pub notifications: &'a N,
    pub alerts: &'a P,
    pub reports: &'a W,
}

/// What one invocation remembers between the messages of its batch.
#[derive(Default)]
pub struct Batch {
    agencies: AgencyCache,
    drained: BTreeSet<RegistrationNumber>,
}

impl<O, A, Q, M, N, P, W> Forwarding<'_, O, A, Q, M, N, P, W>
where
    O: OutboxStore,
    A: AgencyStore,
    Q: HandoffQueues,
    M: QueueAdmin,
    N: NotificationQueue,
    P: OpsAlerts,
    W: WorkflowStore,
{
    /// The agency's record with its queue, from the cache or the store (creating the queue
    /// at the agency's first case).
    async fn agency<'c>(
        &self,
        cache: &'c mut AgencyCache,
        handoff: &Handoff,
    ) -> Result<&'c AgencyRecord, ForwardError> {
        let code = handoff.agency.as_str();
        if !cache.0.contains_key(code) {
            let onboarding = Onboarding {
                store: self.agencies,
                queues: self.admin,
            };
            let record = onboarding
                .with_queue(code, self.visibility_seconds, handoff.created_at)
                .await?;
            cache.0.insert(code.to_string(), record);
        }
        cache
            .0
            .get(code)
            .ok_or_else(|| ForwardError::UnknownAgency(code.to_string()))
    }

    /// Sends one outbox item and removes it from the outbox.
    pub async fn deliver(
        &self,
        cache: &mut AgencyCache,
        handoff: &Handoff,
    ) -> Result<(), ForwardError> {
        if handoff.kind == HandoffKind::Notification {
            self.notifications
                .enqueue(&NotificationMessage {
                    registration_number: handoff.number.to_string(),
                    event_id: handoff.id.to_string(),
                })
                .await?;
            self.outbox.complete_handoff(handoff).await?;
            tracing::info!(registration_number = %handoff.number, "notification queued");
            return Ok(());
        }
        if handoff.kind == HandoffKind::Escalation {
            // Published, then taken off the outbox: a crash in between publishes it again
            // (the topic has no deduplication), never loses it.
            let record = self
                .reports
                .record(&handoff.number)
                .await?
                .ok_or(ForwardError::Malformed)?;
            self.alerts.publish(&record.escalation(handoff)).await?;
            self.outbox.complete_handoff(handoff).await?;
            tracing::info!(registration_number = %handoff.number, agency = %handoff.agency, "escalation published");
            return Ok(());
        }
        let agency = self.agency(cache, handoff).await?;
        let queue = agency
            .queue
            .as_ref()
            .ok_or_else(|| ForwardError::UnknownAgency(handoff.agency.clone()))?;
        let body = handoff.message().to_json();
        self.queues
            .send(
                &queue.url,
                &body,
                &handoff.case_id().to_string(),
                &handoff.id.to_string(),
            )
            .await?;
        self.outbox.complete_handoff(handoff).await?;
        tracing::info!(
            registration_number = %handoff.number,
            agency = %handoff.agency,
            kind = handoff.kind.code(),
            "hand-off delivered"
        );
        Ok(())
    }

    /// Delivers every pending hand-off of one report. Returns how many were delivered.
    pub async fn drain(
        &self,
        cache: &mut AgencyCache,
        number: &RegistrationNumber,
    ) -> Result<usize, ForwardError> {
        let pending = self.outbox.handoffs(number).await?;
        let mut first_error = None;
        let mut delivered = 0;
        for h in &pending {
            match self.deliver(cache, h).await {
                Ok(()) => delivered += 1,
                Err(e) => {
                    tracing::warn!(error = %e, agency = %h.agency, "hand-off not delivered");
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(delivered),
        }
    }

    /// One message of the forwarding queue (`{"registration_number": ...}`): drains that
    /// report's outbox. A message that can never succeed fails on every attempt and ends in
    /// the dead-letter queue; two triggers for one report in a batch drain it once.
    pub async fn triggered(&self, batch: &mut Batch, body: &str) -> Result<(), ForwardError> {
        let number = parse_drain_request(body)?;
        if batch.drained.contains(&number) {
            return Ok(());
        }
        self.drain(&mut batch.agencies, &number).await?;
        batch.drained.insert(number);
        Ok(())
    }

    /// The periodic sweep: delivers hand-offs whose trigger was lost. Returns (delivered,
    /// failed).
    pub async fn sweep(&self, limit: u32) -> (usize, usize) {
        let mut cache = AgencyCache::default();
        let pending = match self.outbox.pending_handoffs(limit).await {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "outbox sweep could not read pending hand-offs");
                return (0, 1);
            }
        };
        let (mut ok, mut failed) = (0, 0);
        for h in &pending {
            match self.deliver(&mut cache, h).await {
                Ok(()) => ok += 1,
                Err(e) => {
                    tracing::warn!(error = %e, agency = %h.agency, "sweep could not deliver");
                    failed += 1;
                }
            }
        }
        tracing::info!(delivered = ok, failed, "outbox sweep");
        (ok, failed)
    }
}

/// Parses a forwarding-queue message body.
pub fn parse_drain_request(body: &str) -> Result<RegistrationNumber, ForwardError> {
    let req: DrainRequest = serde_json::from_str(body).map_err(|_| ForwardError::Malformed)?;
    RegistrationNumber::parse(&req.registration_number).map_err(|_| ForwardError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drain_requests() {
        let n = RegistrationNumber::from_random([1, 2, 3, 4, 5, 6]);
        let body = serde_json::json!({"registration_number": n.to_string()}).to_string();
        assert_eq!(parse_drain_request(&body).unwrap(), n);
        for bad in [
            "",
            "{}",
            "[]",
            r#"{"registration_number": 5}"#,
            r#"{"registration_number": "XXXXX-XXXXX"}"#,
            r#"{"registration_number": "7M2QK-D9XZ5", "x": 1}"#,
        ] {
            assert!(parse_drain_request(bad).is_err(), "{bad}");
        }
    }
}
