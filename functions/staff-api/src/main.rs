use lambda_http::{Error, run, service_fn};
use lapor_shared::adapters::{aws, env::ProcessEnv};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lapor_shared::http::request::init_tracing();
    // Once per process: one SDK configuration, the clients and the state built from it.
    let config = aws::sdk_config().await;
    let state: &'static staff_api::State =
        Box::leak(Box::new(staff_api::build(&config, &ProcessEnv)?));
    run(service_fn(move |req| staff_api::handle(state, req))).await
}
