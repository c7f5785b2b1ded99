//! How the web view draws. Without a GPU (no DRM render node: a virtual machine, a container, a
//! remote X server) WebKit's GPU paths run on Mesa's software GL and keep DMA-BUF sized buffers,
//! which costs memory and buys nothing, so the web view draws on the CPU instead. With a GPU,
//! WebKit's defaults stand. (`BENCHMARKS.md` has the figures.)

/// Whether the web view should use the GPU: `COURIER_GPU=on|off` if set, else whether this
/// machine has a GPU that WebKit can render with.
pub fn use_gpu() -> bool {
    match std::env::var("COURIER_GPU").as_deref() {
        Ok("on") => true,
        Ok("off") => false,
        _ => has_gpu(),
    }
}

/// Whether this machine has a GPU that WebKit can render with.
pub fn has_gpu() -> bool {
    #[cfg(target_os = "linux")]
    {
        std::fs::read_dir("/dev/dri")
            .map(|d| d.flatten().any(|e| e.file_name().to_string_lossy().starts_with("renderD")))
            .unwrap_or(false)
    }
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}

/// Applies the drawing choice to a window's web view.
pub fn configure<R: tauri::Runtime>(window: &tauri::WebviewWindow<R>) {
    if use_gpu() {
        return;
    }
    tracing::info!("the web view draws on the CPU (no GPU render node, or COURIER_GPU=off)");
    #[cfg(target_os = "linux")]
    let result = window.with_webview(|view| {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
        if let Some(settings) = view.inner().settings() {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    });
    #[cfg(not(target_os = "linux"))]
    let result: tauri::Result<()> = Ok(());
    if let Err(e) = result {
        tracing::warn!(error = %e, "cannot configure the web view");
    }
}
