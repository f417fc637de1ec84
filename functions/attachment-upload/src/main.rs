use lambda_http::{Error, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lapor_shared::http::init_tracing();
    // SDK client, credentials provider and bucket: once per cold start.
    let state: &'static attachment_upload::State =
        Box::leak(Box::new(attachment_upload::State::from_env().await?));
    run(service_fn(move |req| attachment_upload::handle(state, req))).await
}
