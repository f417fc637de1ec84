use lambda_http::{Error, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lapor_shared::http::init_tracing();
    // SDK client and configuration: once per cold start, shared by every invocation.
    let state: &'static submit_report::State =
        Box::leak(Box::new(submit_report::State::from_env().await?));
    run(service_fn(move |req| submit_report::handle(state, req))).await
}
