//! FIFO hand-off queues and the forwarding trigger in memory.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::{Mutex, MutexGuard};

use ulid::Ulid;

use crate::domain::cases::is_agency_code;
use crate::domain::error::StoreError;
use crate::domain::regno::RegistrationNumber;
use crate::ports::{ForwardingTrigger, HandoffQueues, QueueAdmin, QueuedMessage, ReceiptOutcome};

struct StoredMessage {
    body: String,
    group: String,
    /// Set while the message is in flight (received, not yet deleted or released).
    receipt: Option<String>,
}

#[derive(Default)]
struct MemoryQueue {
    /// In sending order.
    messages: BTreeMap<u64, StoredMessage>,
    /// Every deduplication id ever accepted (SQS forgets them after five minutes).
    dedup_ids: HashSet<String>,
}

#[derive(Default)]
struct QueuesInner {
    queues: BTreeMap<String, MemoryQueue>,
    next_seq: u64,
    kicks: Vec<RegistrationNumber>,
    unavailable: bool,
}

/// In-memory FIFO queues with SQS's FIFO semantics where the workflow relies on them:
/// a deduplication id is delivered once; messages are delivered in order and, while a
/// message of a group is in flight, no later message of that group is delivered.
/// Received messages stay hidden until deleted or [`MemoryQueues::release_all`] (the
/// visibility timeout passing), which also invalidates their receipts. Receives never wait.
#[derive(Default)]
pub struct MemoryQueues {
    inner: Mutex<QueuesInner>,
}

impl MemoryQueues {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, QueuesInner>, StoreError> {
        self.inner
            .lock()
            .map_err(|_| StoreError::Other("poisoned".into()))
    }

    fn op(&self) -> Result<MutexGuard<'_, QueuesInner>, StoreError> {
        let inner = self.lock()?;
        if inner.unavailable {
            return Err(StoreError::Unavailable("injected outage".into()));
        }
        Ok(inner)
    }

    /// The URL [`QueueAdmin::ensure_handoff_queue`] gives an agency's hand-off queue.
    pub fn handoff_queue_url(agency_code: &str) -> String {
        format!("memory://lapor-handoff-{agency_code}.fifo")
    }

    /// The URL of an agency's dead-letter queue.
    pub fn dead_letter_queue_url(agency_code: &str) -> String {
        format!("memory://lapor-handoff-{agency_code}-dlq.fifo")
    }

    /// Creates a queue (sending to a queue that does not exist fails, as on SQS).
    pub fn create_queue(&self, url: &str) {
        if let Ok(mut i) = self.lock() {
            i.queues.entry(url.to_string()).or_default();
        }
    }

    /// While set, every call fails with [`StoreError::Unavailable`].
    pub fn set_unavailable(&self, unavailable: bool) {
        if let Ok(mut i) = self.lock() {
            i.unavailable = unavailable;
        }
    }

    /// Makes every in-flight message visible again (their receipts stop working).
    pub fn release_all(&self) {
        if let Ok(mut i) = self.lock() {
            for q in i.queues.values_mut() {
                for m in q.messages.values_mut() {
                    m.receipt = None;
                }
            }
        }
    }

    /// The bodies of a queue's messages not in flight, in order.
    pub fn visible(&self, url: &str) -> Vec<String> {
        self.bodies(url, false)
    }

    /// The bodies of a queue's messages in flight, in order.
    pub fn in_flight(&self, url: &str) -> Vec<String> {
        self.bodies(url, true)
    }

    fn bodies(&self, url: &str, in_flight: bool) -> Vec<String> {
        let Ok(inner) = self.lock() else {
            return Vec::new();
        };
        inner
            .queues
            .get(url)
            .map(|q| {
                q.messages
                    .values()
                    .filter(|m| m.receipt.is_some() == in_flight)
                    .map(|m| m.body.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every queue URL created so far.
    pub fn queue_urls(&self) -> Vec<String> {
        self.lock()
            .map(|i| i.queues.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The reports the forwarding trigger was kicked for, in order.
    pub fn kicks(&self) -> Vec<RegistrationNumber> {
        self.lock().map(|i| i.kicks.clone()).unwrap_or_default()
    }
}

fn no_queue() -> StoreError {
    StoreError::Other("QueueDoesNotExist".into())
}

impl HandoffQueues for MemoryQueues {
    async fn send(
        &self,
        queue_url: &str,
        body: &str,
        group_id: &str,
        dedup_id: &str,
    ) -> Result<(), StoreError> {
        let mut inner = self.op()?;
        let seq = inner.next_seq;
        let q = inner.queues.get_mut(queue_url).ok_or_else(no_queue)?;
        if !q.dedup_ids.insert(dedup_id.to_string()) {
            return Ok(()); // accepted, not delivered again
        }
        q.messages.insert(
            seq,
            StoredMessage {
                body: body.to_string(),
                group: group_id.to_string(),
                receipt: None,
            },
        );
        inner.next_seq += 1;
        Ok(())
    }

    async fn receive(
        &self,
        queue_url: &str,
        max: i32,
        _wait_seconds: i32,
    ) -> Result<Vec<QueuedMessage>, StoreError> {
        let mut inner = self.op()?;
        let q = inner.queues.get_mut(queue_url).ok_or_else(no_queue)?;
        let max = usize::try_from(max.clamp(1, 10)).unwrap_or(1);
        let blocked: BTreeSet<String> = q
            .messages
            .values()
            .filter(|m| m.receipt.is_some())
            .map(|m| m.group.clone())
            .collect();
        let mut out = Vec::new();
        for (seq, m) in q.messages.iter_mut() {
            if out.len() == max {
                break;
            }
            if m.receipt.is_some() || blocked.contains(&m.group) {
                continue;
            }
            let receipt = format!("{seq}-{}", Ulid::new());
            m.receipt = Some(receipt.clone());
            out.push(QueuedMessage {
                body: m.body.clone(),
                receipt,
            });
        }
        Ok(out)
    }

    async fn delete(&self, queue_url: &str, receipt: &str) -> Result<ReceiptOutcome, StoreError> {
        let mut inner = self.op()?;
        let q = inner.queues.get_mut(queue_url).ok_or_else(no_queue)?;
        let seq = q
            .messages
            .iter()
            .find(|(_, m)| m.receipt.as_deref() == Some(receipt))
            .map(|(seq, _)| *seq);
        Ok(match seq {
            Some(seq) => {
                q.messages.remove(&seq);
                ReceiptOutcome::Done
            }
            None => ReceiptOutcome::InvalidReceipt,
        })
    }

    async fn hold(
        &self,
        queue_url: &str,
        receipt: &str,
        _seconds: i32,
    ) -> Result<ReceiptOutcome, StoreError> {
        let inner = self.op()?;
        let q = inner.queues.get(queue_url).ok_or_else(no_queue)?;
        let in_flight = q
            .messages
            .values()
            .any(|m| m.receipt.as_deref() == Some(receipt));
        Ok(if in_flight {
            ReceiptOutcome::Done
        } else {
            ReceiptOutcome::InvalidReceipt
        })
    }
}

impl ForwardingTrigger for MemoryQueues {
    async fn kick(&self, number: &RegistrationNumber) -> Result<(), StoreError> {
        self.op()?.kicks.push(*number);
        Ok(())
    }
}

impl QueueAdmin for MemoryQueues {
    async fn ensure_handoff_queue(
        &self,
        agency_code: &str,
        _visibility_timeout_seconds: i32,
    ) -> Result<(String, String), StoreError> {
        if !is_agency_code(agency_code) {
            return Err(StoreError::Other("not an agency code".into()));
        }
        let mut inner = self.op()?;
        let urls = (
            Self::handoff_queue_url(agency_code),
            Self::dead_letter_queue_url(agency_code),
        );
        inner.queues.entry(urls.0.clone()).or_default();
        inner.queues.entry(urls.1.clone()).or_default();
        Ok(urls)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::samples;

    fn number(seed: u8) -> RegistrationNumber {
        samples::number(seed)
    }

    #[tokio::test]
    async fn fifo_queues_deduplicate_and_hold_back_a_group_in_flight() {
        let queues = MemoryQueues::new();
        let (url, dlq) = queues.ensure_handoff_queue("kemenkes", 300).await.unwrap();
        assert_eq!(
            queues.ensure_handoff_queue("kemenkes", 300).await.unwrap(),
            (url.clone(), dlq)
        );
        assert!(queues.ensure_handoff_queue("Bad Code", 300).await.is_err());
        assert!(queues.send("memory://nope", "x", "g", "d").await.is_err());

        queues.send(&url, "a1", "case-a", "1").await.unwrap();
        queues.send(&url, "a1 again", "case-a", "1").await.unwrap();
        queues.send(&url, "a2", "case-a", "2").await.unwrap();
        queues.send(&url, "b1", "case-b", "3").await.unwrap();
        assert_eq!(queues.visible(&url), vec!["a1", "a2", "b1"]);

        let first = queues.receive(&url, 1, 0).await.unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].body, "a1");
        // case-a has a message in flight: a2 waits, b1 comes.
        let second = queues.receive(&url, 10, 0).await.unwrap();
        let bodies: Vec<_> = second.iter().map(|m| m.body.as_str()).collect();
        assert_eq!(bodies, vec!["b1"]);
        assert_eq!(queues.in_flight(&url), vec!["a1", "b1"]);

        // The visibility timeout passes: old receipts stop working.
        queues.release_all();
        assert_eq!(
            queues.delete(&url, &first[0].receipt).await.unwrap(),
            ReceiptOutcome::InvalidReceipt
        );
        let again = queues.receive(&url, 10, 0).await.unwrap();
        let bodies: Vec<_> = again.iter().map(|m| m.body.as_str()).collect();
        assert_eq!(bodies, vec!["a1", "a2", "b1"]);
        for m in &again {
            assert_eq!(
                queues.delete(&url, &m.receipt).await.unwrap(),
                ReceiptOutcome::Done
            );
        }
        assert_eq!(
            queues.delete(&url, &again[0].receipt).await.unwrap(),
            ReceiptOutcome::InvalidReceipt
        );
        assert!(queues.receive(&url, 10, 0).await.unwrap().is_empty());

        queues.kick(&number(1)).await.unwrap();
        assert_eq!(queues.kicks(), vec![number(1)]);
    }
}

/// The operations topic in memory: every alert published, in order.
#[derive(Default)]
pub struct MemoryOpsAlerts(Mutex<Vec<crate::domain::cases::OpsAlert>>);

impl MemoryOpsAlerts {
    pub fn published(&self) -> Vec<crate::domain::cases::OpsAlert> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl crate::ports::OpsAlerts for MemoryOpsAlerts {
    async fn publish(&self, alert: &crate::domain::cases::OpsAlert) -> Result<(), StoreError> {
        self.0
            .lock()
            .map_err(|_| StoreError::Other("poisoned".into()))?
            .push(alert.clone());
        Ok(())
    }
}
