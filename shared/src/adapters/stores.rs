//! The reports table, the attachment bucket and the calendar: what the report use cases
//! (submitting, looking up) run on, built the same way for every function that serves them.

use crate::adapters::aws::SdkConfig;
use crate::adapters::dynamodb::DynamoReportStore;
use crate::adapters::env::{ConfigError, Env};
use crate::adapters::s3::S3Attachments;
use crate::domain::calendar::Calendar;
use crate::usecases::reports::Reports;

pub struct Stores {
    pub store: DynamoReportStore,
    pub files: S3Attachments,
    pub calendar: &'static Calendar,
}

impl Stores {
    /// The table and the bucket the function declares (`TABLE_NAME`, `ATTACHMENTS_BUCKET`).
    pub fn configured(config: &SdkConfig, env: &impl Env) -> Result<Self, ConfigError> {
        Ok(Self {
            store: DynamoReportStore::configured(config, env)?,
            files: S3Attachments::configured(config, env)?,
            calendar: Calendar::embedded()
                .map_err(|_| ConfigError::Invalid("the embedded calendar".into()))?,
        })
    }

    /// The report use cases on these adapters.
    pub fn reports(&self) -> Reports<'_, DynamoReportStore, S3Attachments> {
        Reports {
            store: &self.store,
            files: &self.files,
            calendar: self.calendar,
        }
    }
}
