use lambda_runtime::{Error, LambdaEvent, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    // SDK client and configuration: once per cold start, shared by every invocation.
    let state: &'static stats_aggregator::State =
        Box::leak(Box::new(stats_aggregator::State::from_env().await?));
    run(service_fn(
        move |ev: LambdaEvent<aws_lambda_events::event::dynamodb::Event>| async move {
            Ok::<_, Error>(stats_aggregator::handle(state, ev.payload).await)
        },
    ))
    .await
}
