import { useState } from "react";
import { LANGUAGES, chosenLanguage, setLanguage, useStrings, type Language } from "../lib/i18n";

/** Settings: the app's language, or the system's (the default). */
export function LanguageSetting() {
  const t = useStrings().language;
  const [choice, setChoice] = useState<Language | "">(chosenLanguage() ?? "");
  return (
    <section aria-labelledby="language-heading">
      <h3 id="language-heading">{t.heading}</h3>
      <label htmlFor="language">{t.label}</label>
      <select id="language" value={choice} onChange={(e) => {
        const v = e.target.value as Language | "";
        setChoice(v);
        void setLanguage(v === "" ? null : v);
      }}>
        <option value="">{t.system}</option>
        {Object.entries(LANGUAGES).map(([code, name]) => <option key={code} value={code} lang={code}>{name}</option>)}
      </select>
    </section>
  );
}
