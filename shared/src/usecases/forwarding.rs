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
use crate::ports::{AgencyStore, HandoffQueues, NotificationQueue, OutboxStore};

#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    #[error("malformed forwarding message")]
    Malformed,
    #[error("agency {0} is not onboarded")]
    UnknownAgency(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Agency records looked up once per invocation.
#[derive(Default)]
pub struct AgencyCache(HashMap<String, AgencyRecord>);

impl AgencyCache {
    async fn get<A: AgencyStore>(
        &mut self,
        store: &A,
        code: &str,
    ) -> Result<&AgencyRecord, ForwardError> {
        if !self.0.contains_key(code) {
            let rec = store
                .agency(code)
                .await?
                .ok_or_else(|| ForwardError::UnknownAgency(code.to_string()))?;
            self.0.insert(code.to_string(), rec);
        }
        self.0
            .get(code)
            .ok_or_else(|| ForwardError::UnknownAgency(code.to_string()))
    }
}

/// The outbox's destinations: agencies' queues and the citizens' notification queue.
pub struct Outlets<'a, A, Q, N> {
    pub agencies: &'a A,
    pub queues: &'a Q,
    pub notifications: &'a N,
}

/// Sends one outbox item and removes it from the outbox.
pub async fn deliver<O, A, Q, N>(
    outbox: &O,
    out: &Outlets<'_, A, Q, N>,
    cache: &mut AgencyCache,
    handoff: &Handoff,
) -> Result<(), ForwardError>
where
    O: OutboxStore,
    A: AgencyStore,
    Q: HandoffQueues,
    N: NotificationQueue,
{
    if handoff.kind == HandoffKind::Notification {
        out.notifications
            .enqueue(&NotificationMessage {
                registration_number: handoff.number.to_string(),
                event_id: handoff.id.to_string(),
            })
            .await?;
        outbox.complete_handoff(handoff).await?;
        tracing::info!(registration_number = %handoff.number, "notification queued");
        return Ok(());
    }
    let agencies = out.agencies;
    let queues = out.queues;
    let agency = cache.get(agencies, &handoff.agency).await?;
    let body = handoff.message().to_json();
    queues
        .send(
            &agency.queue_url,
            &body,
            &handoff.case_id().to_string(),
            &handoff.id.to_string(),
        )
        .await?;
    outbox.complete_handoff(handoff).await?;
    tracing::info!(
        registration_number = %handoff.number,
        agency = %handoff.agency,
        kind = handoff.kind.code(),
        "hand-off delivered"
    );
    Ok(())
}

/// Delivers every pending hand-off of one report. Returns how many were delivered.
pub async fn drain<O, A, Q, N>(
    outbox: &O,
    out: &Outlets<'_, A, Q, N>,
    cache: &mut AgencyCache,
    number: &RegistrationNumber,
) -> Result<usize, ForwardError>
where
    O: OutboxStore,
    A: AgencyStore,
    Q: HandoffQueues,
    N: NotificationQueue,
{
    let pending = outbox.handoffs(number).await?;
    let mut first_error = None;
    let mut delivered = 0;
    for h in &pending {
        match deliver(outbox, out, cache, h).await {
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

/// Parses a forwarding-queue message body.
pub fn parse_drain_request(body: &str) -> Result<RegistrationNumber, ForwardError> {
    let req: DrainRequest = serde_json::from_str(body).map_err(|_| ForwardError::Malformed)?;
    RegistrationNumber::parse(&req.registration_number).map_err(|_| ForwardError::Malformed)
}

/// Handles a batch of forwarding-queue messages `(message id, body)`; returns the ids of the
/// messages that failed, for the runtime's partial batch response. A message that can never
/// succeed fails on every attempt and ends in the dead-letter queue.
pub async fn handle_batch<O, A, Q, N>(
    outbox: &O,
    out: &Outlets<'_, A, Q, N>,
    messages: &[(String, String)],
) -> Vec<String>
where
    O: OutboxStore,
    A: AgencyStore,
    Q: HandoffQueues,
    N: NotificationQueue,
{
    let mut cache = AgencyCache::default();
    let mut failed = Vec::new();
    let mut drained: BTreeSet<RegistrationNumber> = BTreeSet::new();
    for (id, body) in messages {
        let result = match parse_drain_request(body) {
            // Two triggers for one report in a batch: the first drain did the work.
            Ok(n) if drained.contains(&n) => Ok(0),
            Ok(n) => drain(outbox, out, &mut cache, &n).await.inspect(|_| {
                drained.insert(n);
            }),
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "forwarding message failed");
            failed.push(id.clone());
        }
    }
    failed
}

/// The periodic sweep: delivers hand-offs whose trigger was lost. Returns (delivered, failed).
pub async fn sweep<O, A, Q, N>(outbox: &O, out: &Outlets<'_, A, Q, N>, limit: u32) -> (usize, usize)
where
    O: OutboxStore,
    A: AgencyStore,
    Q: HandoffQueues,
    N: NotificationQueue,
{
    let mut cache = AgencyCache::default();
    let pending = match outbox.pending_handoffs(limit).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "outbox sweep could not read pending hand-offs");
            return (0, 1);
        }
    };
    let (mut ok, mut failed) = (0, 0);
    for h in &pending {
        match deliver(outbox, out, &mut cache, h).await {
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
