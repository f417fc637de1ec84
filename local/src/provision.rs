//! Creates the template's DynamoDB tables on moto (or any DynamoDB endpoint).

use std::collections::BTreeMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};

use crate::template::{TableSpec, Template};

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
