// The texts Rust shows outside the web view (notifications, the tray) follow the UI's language:
// told at start and on every change.
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { backend, type NativeLanguage } from "./backend";
import { i18n } from "./i18n";

const NATIVE: readonly NativeLanguage[] = ["en", "de"];

/** The native language for a UI language (English for one Rust does not ship). */
export function nativeLanguage(lng: string): NativeLanguage {
  return NATIVE.find((l) => l === lng) ?? "en";
}

/** Tells Rust the UI's language now and whenever it changes. */
export function useNativeTexts(): void {
  const { i18n: current } = useTranslation(undefined, { i18n });
  const lng = nativeLanguage(current.language);
  useEffect(() => { backend.setLanguage(lng).catch(() => {}); }, [lng]);
}
