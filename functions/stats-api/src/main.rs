use lambda_http::{Error, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lapor_shared::http::init_tracing();
    // SDK client and configuration: once per cold start, shared by every invocation.
    let state: &'static stats_api::State = Box::leak(Box::new(stats_api::State::from_env().await?));
    run(service_fn(move |req| stats_api::handle(state, req))).await
}
