//! SQS batches: each message handled in turn, the failed ones reported as batch item
//! failures (`ReportBatchItemFailures`), so only they are retried and a poison message ends
//! in its queue's dead-letter queue.

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};

/// What a failed message means for the rest of its batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Messages are independent: only the failed ones are retried.
    Independent,
    /// A FIFO queue: after a failure every later message of the batch is retried too, so the
    /// messages of a group are never processed out of order.
    Fifo,
}

/// What handles the messages of a batch, one body at a time. Its state lives as long as
/// the batch (a cache, the messages seen), so it may remember between messages.
pub trait Consumer {
    type Error: Display;

    fn consume(&mut self, body: &str) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// Hands every message of `event` to `consumer` and answers the partial batch response.
/// Failures are logged with their error, never with the body.
pub async fn partial_batch<C: Consumer + Send>(
    event: SqsEvent,
    order: Order,
    consumer: &mut C,
) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for record in event.records {
        let id = record.message_id.unwrap_or_default();
        let failed_before = !response.batch_item_failures.is_empty();
        let failed = if order == Order::Fifo && failed_before {
            true
        } else {
            // Boxed: a consumer's future is deep, and the runtime's future holds this one.
            let handled: Pin<Box<dyn Future<Output = Result<(), C::Error>> + Send + '_>> =
                Box::pin(consumer.consume(record.body.as_deref().unwrap_or_default()));
            match handled.await {
                Ok(()) => false,
                Err(e) => {
                    tracing::warn!(error = %e, "message failed; it will be retried");
                    true
                }
            }
        };
        if failed {
            let mut f = BatchItemFailure::default();
            f.item_identifier = id;
            response.batch_item_failures.push(f);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::event::sqs::SqsMessage;

    fn event(bodies: &[&str]) -> SqsEvent {
        let mut e = SqsEvent::default();
        for (i, b) in bodies.iter().enumerate() {
            let mut m = SqsMessage::default();
            m.message_id = Some(format!("m{i}"));
            m.body = Some(b.to_string());
            e.records.push(m);
        }
        e
    }

    fn failed(r: &SqsBatchResponse) -> Vec<&str> {
        r.batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect()
    }

    /// Refuses every body but "ok", remembering what it saw.
    #[derive(Default)]
    struct Picky(Vec<String>);

    impl Consumer for Picky {
        type Error = &'static str;

        async fn consume(&mut self, body: &str) -> Result<(), &'static str> {
            self.0.push(body.to_string());
            if body == "ok" { Ok(()) } else { Err("refused") }
        }
    }

    #[tokio::test]
    async fn only_failed_messages_are_retried_unless_the_queue_is_fifo() {
        let bodies = ["ok", "bad", "ok", "bad"];
        let mut all = Picky::default();
        let r = partial_batch(event(&bodies), Order::Independent, &mut all).await;
        assert_eq!(failed(&r), ["m1", "m3"]);
        assert_eq!(all.0.len(), 4);
        let mut fifo = Picky::default();
        let r = partial_batch(event(&bodies), Order::Fifo, &mut fifo).await;
        assert_eq!(failed(&r), ["m1", "m2", "m3"]);
        assert_eq!(
            fifo.0,
            ["ok", "bad"],
            "nothing after a failure runs on a FIFO queue"
        );
        let r = partial_batch(event(&[]), Order::Fifo, &mut Picky::default()).await;
        assert!(failed(&r).is_empty());
    }
}
