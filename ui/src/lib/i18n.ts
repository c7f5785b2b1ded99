// The app's language: i18next holds each language's catalogue and picks one from the user's
// choice (Settings, kept in this window's storage) or the system's languages, falling back to
// English. `strings` (strings.ts) then reads that catalogue; react-i18next re-renders on a change.
import i18next, { type i18n as I18n } from "i18next";
import { initReactI18next, useTranslation } from "react-i18next";
import { de } from "./strings.de";
import { en, setCatalogue, type Catalogue } from "./strings";

/** The languages shipped, each named in itself (for the Settings menu). */
export const LANGUAGES = { en: "English", de: "Deutsch" } as const;
export type Language = keyof typeof LANGUAGES;
const CATALOGUES: Record<Language, Catalogue> = { en, de };
const KEY = "courier.language";

/** Right-to-left scripts (none shipped yet; a pseudo-locale in the tests uses it). */
const RTL = new Set(["ar", "fa", "he", "ur", "yi"]);

/** The first of `wanted` (BCP 47 tags, best first) that is shipped, by its primary subtag; else English. */
export function pickLanguage(wanted: readonly string[]): Language {
  for (const tag of wanted) {
    const primary = tag.toLowerCase().split(/[-_]/)[0];
    if (primary in LANGUAGES) return primary as Language;
  }
  return "en";
}

/** The language chosen in Settings, or null to follow the system. */
export function chosenLanguage(): Language | null {
  try {
    const v = localStorage.getItem(KEY);
    return v && v in LANGUAGES ? (v as Language) : null;
  } catch {
    return null;
  }
}

function systemLanguages(): readonly string[] {
  return typeof navigator === "undefined" ? [] : navigator.languages?.length ? navigator.languages : [navigator.language];
}

export const i18n: I18n = i18next.createInstance();

/** The BCP 47 locale for Intl: the system's own tag when it is in the active language (en-GB, de-AT). */
export function locale(): string {
  const lng = i18n.language || "en";
  return systemLanguages().find((t) => t.toLowerCase().split(/[-_]/)[0] === lng) ?? lng;
}

function apply(lng: string) {
  setCatalogue(CATALOGUES[lng as Language] ?? en);
  if (typeof document !== "undefined") {
    document.documentElement.lang = lng;
    document.documentElement.dir = RTL.has(lng) ? "rtl" : "ltr";
  }
}

/** Starts i18next with the user's or the system's language (synchronous: the catalogues are bundled). */
export function startI18n(): I18n {
  if (i18n.isInitialized) return i18n;
  i18n.on("languageChanged", apply);
  void i18n.use(initReactI18next).init({
    resources: Object.fromEntries(Object.entries(CATALOGUES).map(([l, c]) => [l, { translation: c }])),
    lng: chosenLanguage() ?? pickLanguage(systemLanguages()),
    fallbackLng: "en",
    supportedLngs: Object.keys(LANGUAGES),
    interpolation: { escapeValue: false },
    initAsync: false,
    react: { useSuspense: false },
  });
  return i18n;
}

/** Sets the language (null: follow the system again) and keeps the choice. */
export async function setLanguage(lng: Language | null): Promise<void> {
  try {
    if (lng) localStorage.setItem(KEY, lng);
    else localStorage.removeItem(KEY);
  } catch {
    // No storage (a locked-down webview): the choice lasts for this window only.
  }
  await i18n.changeLanguage(lng ?? pickLanguage(systemLanguages()));
}

/** Re-renders the caller when the language changes; its catalogue. */
export function useStrings(): Catalogue {
  const { i18n: current } = useTranslation(undefined, { i18n });
  return CATALOGUES[current.language as Language] ?? en;
}

// Started when first imported: the catalogues are bundled, so the language is known at once.
startI18n();
