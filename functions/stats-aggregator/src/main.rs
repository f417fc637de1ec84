use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use lapor_shared::adapters::{aws, env::ProcessEnv};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    // Once per process: one SDK configuration, the client and the state built from it.
    let config = aws::sdk_config().await;
    let state: &'static stats_aggregator::State =
        Box::leak(Box::new(stats_aggregator::build(&config, &ProcessEnv)?));
    run(service_fn(
        move |ev: LambdaEvent<aws_lambda_events::event::dynamodb::Event>| async move {
            Ok::<_, Error>(stats_aggregator::handle(state, ev.payload).await)
        },
    ))
    .await
}
