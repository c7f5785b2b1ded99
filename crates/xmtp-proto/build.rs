//! Compiles `../../proto` with prost (and tonic when the `grpc` feature is on).
//! protoc comes from the `protoc-bin-vendored` crate, so the build works offline.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("../../proto");
    let files = [
        "message_contents/signature.proto",
        "message_contents/public_key.proto",
        "message_contents/private_key.proto",
        "message_contents/ciphertext.proto",
        "message_contents/contact.proto",
        "message_contents/message.proto",
        "message_contents/invitation.proto",
        "message_contents/content.proto",
        "message_api/v1/message_api.proto",
    ]
    .map(|f| root.join(f));
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }

    let mut config = prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    // Deterministic encoding of map fields (EncodedContent.parameters, Context.metadata).
    config.btree_map(["."]);
    // Envelope payloads are shared, not copied, when a node relays one to many subscribers.
    config.bytes([".xmtp.message_api.v1.Envelope.message"]);

    let grpc = std::env::var_os("CARGO_FEATURE_GRPC").is_some();
    tonic_prost_build::configure().build_client(grpc).build_server(grpc).build_transport(false).compile_with_config(
        config,
        &files,
        &[root],
    )?;
    Ok(())
}
