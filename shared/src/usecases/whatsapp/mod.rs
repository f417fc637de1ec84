//! The WhatsApp channel's use cases: the webhook's, the worker's, and sending a citizen a
//! message.

pub mod webhook;
pub mod worker;

use time::OffsetDateTime;

use crate::domain::error::StoreError;
use crate::domain::whatsapp::{TEMPLATE_LANGUAGE, UPDATE_TEMPLATE, texts, within_service_window};
use crate::ports::WhatsAppApi;

/// Sends `text` to a citizen: free-form within the 24-hour window, otherwise the
/// [`UPDATE_TEMPLATE`] template with the text as its parameter. Used for replies (always
/// inside the window: the citizen just wrote) and by notifications.
pub async fn send_to_citizen<W: WhatsAppApi>(
    api: &W,
    wa_id: &str,
    last_inbound: Option<OffsetDateTime>,
    now: OffsetDateTime,
    text: &str,
) -> Result<(), StoreError> {
    if within_service_window(last_inbound, now) {
        api.send_text(wa_id, text).await
    } else {
        api.send_template(
            wa_id,
            UPDATE_TEMPLATE,
            TEMPLATE_LANGUAGE,
            &[texts::template_parameter(text)],
        )
        .await
    }
}
