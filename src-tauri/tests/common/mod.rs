//! Shared by the app's command tests: IPC requests on Tauri's mock runtime, and the keychain
//! the tests use.

#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use serde_json::Value;
use tauri::WebviewWindow;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response};
use tauri::webview::InvokeRequest;

/// Calls a command through a real IPC request: its result, or its `{code, message}` error.
pub fn invoke(w: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    let req = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(w, req).map(|b| b.deserialize::<Value>().unwrap())
}

/// Secret Service, or the backend COURIER_TEST_KEYCHAIN names (the kernel keyring in CI's second run).
pub fn backend() -> courier_engine::Backend {
    std::env::var("COURIER_TEST_KEYCHAIN")
        .ok()
        .and_then(|b| courier_engine::Backend::parse(&b))
        .unwrap_or(courier_engine::Backend::SecretService)
}

/// Calls a command that answers with raw bytes (`tauri::ipc::Response`).
pub fn invoke_raw(w: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Vec<u8>, Value> {
    let req = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    match get_ipc_response(w, req) {
        Ok(tauri::ipc::InvokeResponseBody::Raw(bytes)) => Ok(bytes),
        Ok(tauri::ipc::InvokeResponseBody::Json(json)) => panic!("JSON where raw bytes were expected: {json}"),
        Err(e) => Err(e),
    }
}
