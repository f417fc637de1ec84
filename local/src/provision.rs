//! Creates the template's DynamoDB tables, SQS queues and S3 buckets on moto (or any AWS
//! endpoint).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};

use aws_sdk_sqs::types::QueueAttributeName;

use crate::template::{BucketSpec, CorsRuleSpec, QueueSpec, TableSpec, Template};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn keys(pairs: &[(String, String)]) -> Result<Vec<KeySchemaElement>, BoxError> {
    pairs
        .iter()
        .map(|(name, kt)| {
            Ok(KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(KeyType::from(kt.as_str()))
                .build()?)
        })
        .collect()
}

/// Creates one table named `name` from its template spec; an existing table is kept.
pub async fn create_table(client: &Client, spec: &TableSpec, name: &str) -> Result<(), BoxError> {
    let mut req = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest);
    for (attr, ty) in &spec.attributes {
        req = req.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(attr)
                .attribute_type(ScalarAttributeType::from(ty.as_str()))
                .build()?,
        );
    }
    req = req.set_key_schema(Some(keys(&spec.key_schema)?));
    for index in &spec.global_indexes {
        req = req.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(&index.name)
                .set_key_schema(Some(keys(&index.key_schema)?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(index.projection.as_str()))
                        .build(),
                )
                .build()?,
        );
    }
    if let Some(view) = &spec.stream_view_type {
        req = req.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(view.as_str()))
                .build()?,
        );
    }
    match req.send().await {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|se| se.is_resource_in_use_exception()) =>
        {
            return Ok(());
        }
        Err(e) => return Err(Box::new(e)),
    }
    if let Some(attr) = &spec.ttl_attribute {
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(attr)
                    .enabled(true)
                    .build()?,
            )
            .send()
            .await?;
    }
    Ok(())
}

/// Creates every table of the template, named `{prefix}{LogicalId}`. Returns logical id →
/// physical name, which is what `!Ref` resolves to.
pub async fn create_tables(
    client: &Client,
    template: &Template,
    prefix: &str,
) -> Result<BTreeMap<String, String>, BoxError> {
    let mut names = BTreeMap::new();
    for spec in template.tables() {
        let name = format!("{prefix}{}", spec.logical_id);
        create_table(client, &spec, &name).await?;
        names.insert(spec.logical_id.clone(), name);
    }
    Ok(names)
}

/// A queue created on the endpoint: its URL (what `!Ref` resolves to) and ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueInfo {
    pub url: String,
    pub arn: String,
}

/// The physical name of a queue: `{prefix}{LogicalId}`, with `.fifo` for a FIFO queue.
pub fn queue_name(prefix: &str, spec: &QueueSpec) -> String {
    let suffix = if spec.fifo { ".fifo" } else { "" };
    format!("{prefix}{}{suffix}", spec.logical_id)
}

/// Creates one queue named `name`; an existing queue is kept and given these attributes.
pub async fn create_queue(
    client: &aws_sdk_sqs::Client,
    spec: &QueueSpec,
    name: &str,
    dlq_arn: Option<&str>,
    visibility_override: Option<i32>,
) -> Result<QueueInfo, BoxError> {
    let mut attributes: HashMap<QueueAttributeName, String> = HashMap::new();
    if let Some(v) = visibility_override.or(spec.visibility_timeout) {
        attributes.insert(QueueAttributeName::VisibilityTimeout, v.to_string());
    }
    if let Some(r) = spec.retention {
        attributes.insert(QueueAttributeName::MessageRetentionPeriod, r.to_string());
    }
    if let (Some(arn), Some((_, max))) = (dlq_arn, &spec.redrive) {
        let policy = serde_json::json!({"deadLetterTargetArn": arn, "maxReceiveCount": max});
        attributes.insert(QueueAttributeName::RedrivePolicy, policy.to_string());
    }
    if spec.content_based_deduplication {
        attributes.insert(
            QueueAttributeName::ContentBasedDeduplication,
            "true".to_string(),
        );
    }
    let mut create = attributes.clone();
    if spec.fifo {
        create.insert(QueueAttributeName::FifoQueue, "true".to_string());
    }
    let url = match client
        .create_queue()
        .queue_name(name)
        .set_attributes(Some(create))
        .send()
        .await
    {
        Ok(out) => out.queue_url.ok_or("CreateQueue returned no QueueUrl")?,
        // The queue exists with other attributes (an earlier run, another visibility
        // override): keep it, and bring its attributes to what the template says.
        Err(e)
            if e.as_service_error()
                .is_some_and(|se| se.is_queue_name_exists()) =>
        {
            let url = client
                .get_queue_url()
                .queue_name(name)
                .send()
                .await?
                .queue_url
                .ok_or("GetQueueUrl returned no QueueUrl")?;
            if !attributes.is_empty() {
                client
                    .set_queue_attributes()
                    .queue_url(&url)
                    .set_attributes(Some(attributes))
                    .send()
                    .await?;
            }
            url
        }
        Err(e) => return Err(Box::new(e)),
    };
    let arn = client
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await?
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .ok_or("GetQueueAttributes returned no QueueArn")?;
    Ok(QueueInfo { url, arn })
}

/// Creates every queue of the template, named by [`queue_name`], dead-letter queues before
/// the queues that redrive to them. `visibility_override` replaces every queue's
/// `VisibilityTimeout` (tests use 1–2 s to see redelivery quickly). Returns logical id →
/// queue. Idempotent: existing queues are kept.
pub async fn create_queues(
    client: &aws_sdk_sqs::Client,
    template: &Template,
    prefix: &str,
    visibility_override: Option<i32>,
) -> Result<BTreeMap<String, QueueInfo>, BoxError> {
    let mut pending = template.queues();
    let mut created: BTreeMap<String, QueueInfo> = BTreeMap::new();
    while !pending.is_empty() {
        let (ready, waiting): (Vec<QueueSpec>, Vec<QueueSpec>) =
            pending.into_iter().partition(|q| match &q.redrive {
                Some((dlq, _)) => created.contains_key(dlq),
                None => true,
            });
        if ready.is_empty() {
            let ids: Vec<&str> = waiting.iter().map(|q| q.logical_id.as_str()).collect();
            return Err(format!(
                "queues whose RedrivePolicy names no queue of the template (or a cycle): {}",
                ids.join(", ")
            )
            .into());
        }
        for spec in ready {
            let dlq_arn = spec
                .redrive
                .as_ref()
                .and_then(|(dlq, _)| created.get(dlq))
                .map(|q| q.arn.clone());
            let name = queue_name(prefix, &spec);
            let info = create_queue(
                client,
                &spec,
                &name,
                dlq_arn.as_deref(),
                visibility_override,
            )
            .await?;
            created.insert(spec.logical_id.clone(), info);
        }
        pending = waiting;
    }
    Ok(created)
}

/// The physical name of a bucket: `{prefix}{LogicalId}` made a valid bucket name (lower
/// case; letters, digits, `-` and `.`; 3 to 63 characters, starting and ending with a letter
/// or digit).
pub fn bucket_name(prefix: &str, spec: &BucketSpec) -> String {
    let raw = format!("{prefix}{}", spec.logical_id).to_ascii_lowercase();
    let mut name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(63)
        .collect();
    let trim = |c: char| !c.is_ascii_alphanumeric();
    name = name.trim_matches(trim).to_string();
    while name.len() < 3 {
        name.push('0');
    }
    name
}

/// Creates one bucket named `name` in the configuration's region; an existing bucket of
/// ours is kept.
pub async fn create_bucket(
    client: &aws_sdk_s3::Client,
    name: &str,
    region: Option<&str>,
) -> Result<(), BoxError> {
    use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
    let mut req = client.create_bucket().bucket(name);
    if let Some(r) = region.filter(|r| *r != "us-east-1") {
        req = req.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(r))
                .build(),
        );
    }
    match req.send().await {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|se| se.is_bucket_already_owned_by_you()) =>
        {
            Ok(())
        }
        Err(e) => Err(Box::new(e)),
    }
}

/// Gives bucket `name` the template's CORS rules (none: nothing to do), so that the web
/// front end can post presigned upload forms straight to the bucket, as browsers do with S3.
pub async fn apply_bucket_cors(
    client: &aws_sdk_s3::Client,
    name: &str,
    rules: &[CorsRuleSpec],
) -> Result<(), BoxError> {
    use aws_sdk_s3::types::{CorsConfiguration, CorsRule};
    if rules.is_empty() {
        return Ok(());
    }
    let mut config = CorsConfiguration::builder();
    for r in rules {
        config = config.cors_rules(
            CorsRule::builder()
                .set_allowed_methods(Some(r.allowed_methods.clone()))
                .set_allowed_origins(Some(r.allowed_origins.clone()))
                .set_allowed_headers(Some(r.allowed_headers.clone()))
                .set_expose_headers(Some(r.exposed_headers.clone()))
                .set_max_age_seconds(r.max_age)
                .build()?,
        );
    }
    client
        .put_bucket_cors()
        .bucket(name)
        .cors_configuration(config.build()?)
        .send()
        .await?;
    Ok(())
}

/// Creates every bucket of the template, named by [`bucket_name`], with its CORS rules.
/// Returns logical id → bucket name, which is what `!Ref` resolves to. The client should
/// address buckets by path (moto on loopback has no virtual hosts).
pub async fn create_buckets(
    client: &aws_sdk_s3::Client,
    template: &Template,
    prefix: &str,
    region: Option<&str>,
) -> Result<BTreeMap<String, String>, BoxError> {
    let mut names = BTreeMap::new();
    for spec in template.buckets() {
        let name = bucket_name(prefix, &spec);
        create_bucket(client, &name, region).await?;
        apply_bucket_cors(client, &name, &template.bucket_cors(&spec.logical_id)).await?;
        names.insert(spec.logical_id.clone(), name);
    }
    Ok(names)
}

/// Creates every SNS topic of the template, named `{prefix}{LogicalId}` (locally without the
/// template's key: moto does not encrypt). Returns logical id → topic ARN, which is what
/// `!Ref` resolves to.
pub async fn create_topics(
    client: &aws_sdk_sns::Client,
    template: &Template,
    prefix: &str,
) -> Result<BTreeMap<String, String>, BoxError> {
    let mut arns = BTreeMap::new();
    for id in template.topics() {
        let out = client
            .create_topic()
            .name(format!("{prefix}{id}"))
            .send()
            .await?;
        let arn = out.topic_arn.ok_or("CreateTopic returned no TopicArn")?;
        arns.insert(id, arn);
    }
    Ok(arns)
}

/// The template parameter naming the agencies' hand-off queues.
pub const HANDOFF_QUEUE_PREFIX_PARAMETER: &str = "HandoffQueuePrefix";

/// The name prefix of the agencies' hand-off queues of the stack `prefix`.
pub fn handoff_queue_prefix(prefix: &str) -> String {
    format!("{prefix}handoff-")
}

/// What the template's resources are called on the endpoint.
#[derive(Debug, Clone, Default)]
pub struct Physical {
    /// Logical id → what `!Ref` resolves to: a table's name, a queue's URL, a bucket's name;
    /// and `HandoffQueuePrefix`, this stack's prefix of the agencies' queues.
    pub refs: BTreeMap<String, String>,
    /// Queue logical id → queue ARN (what `!GetAtt X.Arn` resolves to).
    pub queue_arns: BTreeMap<String, String>,
    /// Table logical id → its stream's ARN (what `!GetAtt X.StreamArn` resolves to).
    pub stream_arns: BTreeMap<String, String>,
}

impl Physical {
    /// A queue's URL and ARN.
    pub fn queue(&self, logical_id: &str) -> Option<QueueInfo> {
        Some(QueueInfo {
            url: self.refs.get(logical_id)?.clone(),
            arn: self.queue_arns.get(logical_id)?.clone(),
        })
    }
}

/// Creates every table, queue, bucket and topic of the template (see [`create_tables`],
/// [`create_queues`], [`create_buckets`], [`create_topics`]).
pub async fn provision(
    config: &aws_config::SdkConfig,
    template: &Template,
    prefix: &str,
    visibility_override: Option<i32>,
) -> Result<Physical, BoxError> {
    let dynamodb = Client::new(config);
    let sqs = aws_sdk_sqs::Client::new(config);
    let mut refs = create_tables(&dynamodb, template, prefix).await?;
    let queues = create_queues(&sqs, template, prefix, visibility_override).await?;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    );
    let region = config.region().map(|r| r.to_string());
    refs.extend(create_buckets(&s3, template, prefix, region.as_deref()).await?);
    refs.extend(create_topics(&aws_sdk_sns::Client::new(config), template, prefix).await?);
    let mut queue_arns = BTreeMap::new();
    for (id, q) in queues {
        refs.insert(id.clone(), q.url);
        queue_arns.insert(id, q.arn);
    }
    // The agencies' hand-off queues are made outside the template, under this stack's prefix.
    refs.insert(
        HANDOFF_QUEUE_PREFIX_PARAMETER.into(),
        handoff_queue_prefix(prefix),
    );
    let mut stream_arns = BTreeMap::new();
    for spec in template.tables() {
        let (true, Some(name)) = (spec.stream_view_type.is_some(), refs.get(&spec.logical_id))
        else {
            continue;
        };
        let table = dynamodb.describe_table().table_name(name).send().await?;
        if let Some(arn) = table.table.and_then(|t| t.latest_stream_arn) {
            stream_arns.insert(spec.logical_id.clone(), arn);
        }
    }
    Ok(Physical {
        refs,
        queue_arns,
        stream_arns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SNIPPET: &str = r#"
Resources:
  Things:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions:
        - {AttributeName: PK, AttributeType: S}
      KeySchema:
        - {AttributeName: PK, KeyType: HASH}
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
      ContentBasedDeduplication: true
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt OrdersDLQ.Arn
        maxReceiveCount: 5
  OrdersDLQ:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
      MessageRetentionPeriod: 1209600
  Files_Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: {SSEAlgorithm: AES256}
"#;

    #[tokio::test]
    async fn provisions_tables_and_queues_idempotently() {
        let Ok(endpoint) = std::env::var("LAPOR_TEST_ENDPOINT") else {
            eprintln!(
                "SKIPPED: LAPOR_TEST_ENDPOINT is not set (scripts/test starts moto and sets it)"
            );
            return;
        };
        let config = lapor_shared::adapters::aws::sdk_config_loader()
            .endpoint_url(endpoint)
            .region(aws_sdk_sqs::config::Region::new("ap-southeast-3"))
            .credentials_provider(aws_sdk_sqs::config::Credentials::new(
                "testing", "testing", None, None, "tests",
            ))
            .load()
            .await;
        let template = Template::parse(SNIPPET).unwrap();
        let prefix = format!("p{}-", ulid::Ulid::new().to_string().to_lowercase());
        let physical = provision(&config, &template, &prefix, None).await.unwrap();
        assert_eq!(physical.refs["Things"], format!("{prefix}Things"));
        let orders = physical.queue("Orders").unwrap();
        let dlq = physical.queue("OrdersDLQ").unwrap();
        assert!(orders.url.ends_with(&format!("{prefix}Orders.fifo")));
        assert!(dlq.arn.ends_with(&format!(":{prefix}OrdersDLQ.fifo")));
        assert_eq!(physical.queue_arns.len(), 2);
        let bucket = &physical.refs["Files_Bucket"];
        assert_eq!(bucket, &format!("{prefix}files-bucket"));
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        );
        s3.head_bucket().bucket(bucket).send().await.unwrap();

        let sqs = aws_sdk_sqs::Client::new(&config);
        let attrs = sqs
            .get_queue_attributes()
            .queue_url(&orders.url)
            .attribute_names(QueueAttributeName::All)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap();
        assert_eq!(attrs[&QueueAttributeName::FifoQueue], "true");
        assert_eq!(
            attrs[&QueueAttributeName::ContentBasedDeduplication],
            "true"
        );
        let redrive: serde_json::Value =
            serde_json::from_str(&attrs[&QueueAttributeName::RedrivePolicy]).unwrap();
        assert_eq!(redrive["deadLetterTargetArn"], dlq.arn.as_str());

        // Again, with another visibility timeout: same resources, attributes updated.
        let again = provision(&config, &template, &prefix, Some(2))
            .await
            .unwrap();
        assert_eq!(again.refs, physical.refs);
        assert_eq!(again.queue_arns, physical.queue_arns);
        let visibility = sqs
            .get_queue_attributes()
            .queue_url(&orders.url)
            .attribute_names(QueueAttributeName::VisibilityTimeout)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap();
        assert_eq!(visibility[&QueueAttributeName::VisibilityTimeout], "2");
    }

    #[test]
    fn bucket_names_are_valid() {
        let spec = |id: &str| BucketSpec {
            logical_id: id.to_string(),
        };
        assert_eq!(
            bucket_name("lapor-local-", &spec("AttachmentsBucket")),
            "lapor-local-attachmentsbucket"
        );
        assert_eq!(bucket_name("T_1-", &spec("A")), "t-1-a");
        let long = bucket_name(&"x".repeat(70), &spec("B"));
        assert_eq!(long.len(), 63);
        assert_eq!(bucket_name("-", &spec("A")), "a00");
    }

    #[tokio::test]
    async fn a_redrive_to_an_unknown_queue_is_an_error() {
        let Ok(endpoint) = std::env::var("LAPOR_TEST_ENDPOINT") else {
            eprintln!(
                "SKIPPED: LAPOR_TEST_ENDPOINT is not set (scripts/test starts moto and sets it)"
            );
            return;
        };
        let config = lapor_shared::adapters::aws::sdk_config_loader()
            .endpoint_url(endpoint)
            .region(aws_sdk_sqs::config::Region::new("ap-southeast-3"))
            .credentials_provider(aws_sdk_sqs::config::Credentials::new(
                "testing", "testing", None, None, "tests",
            ))
            .load()
            .await;
        let template = Template::parse(
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      RedrivePolicy:\n        deadLetterTargetArn: !GetAtt Missing.Arn\n        maxReceiveCount: 3\n",
        )
        .unwrap();
        let sqs = aws_sdk_sqs::Client::new(&config);
        let err = create_queues(&sqs, &template, "x-", None)
            .await
            .unwrap_err();
        assert!(err.to_string().contains('Q'), "{err}");
    }
}
