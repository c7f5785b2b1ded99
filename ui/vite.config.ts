import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The app is served by Tauri from ui/dist; no inline scripts or styles (strict CSP).
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", assetsInlineLimit: 0 },
  test: { environment: "jsdom", globals: true },
});
