//! Onboarded agencies (`AGENCY#<code>/PROFILE`) and their API key hashes
//! (`APIKEY#<sha256 hex>/APIKEY`, expiring through the table's TTL once rotated).

use super::items::{
    APIKEY_SK, AgencyItem, ApiKeyItem, PROFILE_SK, agency_pk, apikey_pk, from_item, to_item,
};
use super::{DynamoReportStore, TxFailure};
use crate::domain::agencies::{AgencyRecord, ApiKeyRecord};
use crate::domain::error::StoreError;
use crate::ports::AgencyStore;

impl AgencyStore for DynamoReportStore {
    async fn agency(&self, code: &str) -> Result<Option<AgencyRecord>, StoreError> {
        self.get(agency_pk(code), PROFILE_SK)
            .await?
            .map(|item| from_item::<AgencyItem>(item, "agency")?.into_record())
            .transpose()
    }

    async fn api_key(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        self.get(apikey_pk(key_hash), APIKEY_SK)
            .await?
            .map(|item| from_item::<ApiKeyItem>(item, "api key")?.into_record())
            .transpose()
    }

    async fn save_agency(
        &self,
        agency: &AgencyRecord,
        keys: &[ApiKeyRecord],
    ) -> Result<(), StoreError> {
        let mut items = Vec::with_capacity(1 + keys.len());
        items.push(self.put(to_item(&AgencyItem::from_record(agency))?, None, None)?);
        for k in keys {
            items.push(self.put(to_item(&ApiKeyItem::from_record(k))?, None, None)?);
        }
        match self.transact(items).await {
            Ok(()) => Ok(()),
            // No conditions: only a concurrent transaction on the same items cancels it.
            Err(TxFailure::Cancelled(_) | TxFailure::InProgress) => Err(StoreError::Unavailable(
                "conflicting concurrent write".into(),
            )),
            Err(TxFailure::Store(e)) => Err(e),
        }
    }

    async fn save_agencies(
        &self,
        agencies: &[(AgencyRecord, Vec<ApiKeyRecord>)],
    ) -> Result<(), StoreError> {
        let mut items = Vec::new();
        for (agency, keys) in agencies {
            items.push(to_item(&AgencyItem::from_record(agency))?);
            for k in keys {
                items.push(to_item(&ApiKeyItem::from_record(k))?);
            }
        }
        self.batch_put(items).await
    }
}
