//! The floor for `BENCHMARKS.md`: the same Tauri and WebKit stack showing an empty page, with no
//! engine, node or UI, drawing the way Courier does. `scripts/bench-app.sh` measures its memory
//! next to Courier's in the same run.

fn main() -> std::process::ExitCode {
    let mut context = tauri::generate_context!();
    context.config_mut().app.windows.clear();
    let result = tauri::Builder::default()
        // A real page served the way Courier's UI is (a custom scheme), so that WebKit starts its
        // web process as it does for Courier.
        .register_uri_scheme_protocol("blank", |_, _| {
            tauri::http::Response::builder()
                .header("content-type", "text/html")
                .body(b"<!doctype html><title>blank</title><p>blank</p>".to_vec())
                .unwrap_or_default()
        })
        .setup(|app| {
            let url = tauri::WebviewUrl::CustomProtocol("blank://localhost/".parse()?);
            let window = tauri::WebviewWindowBuilder::new(app, "main", url).title("blank").build()?;
            courier_app::render::configure(&window);
            Ok(())
        })
        .run(context);
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("blank_window: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
