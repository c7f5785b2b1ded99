import { useEffect, useMemo, useState } from "react";
import { backend, type AppStatus } from "../lib/backend";
import { passed, quiz } from "../lib/phrase";
import { ErrorNote } from "./ErrorNote";
import { strings } from "../lib/strings";

/**
 * The recovery phrase: shown, then checked by picking back three of its words. The phrase lives
 * only in this component's state while it is open.
 */
export function PhraseSetup({ intro, onStatus, onDone }: {
  intro: string;
  onStatus: (s: AppStatus) => void;
  onDone: () => void;
}) {
  const [words, setWords] = useState<string[] | null>(null);
  const [step, setStep] = useState<"show" | "check">("show");
  const [answers, setAnswers] = useState<(string | null)[]>([null, null, null]);
  const [wrong, setWrong] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    backend.recoveryPhrase().then((p) => setWords(p.split(" ")), setError);
    return () => setWords(null);
  }, []);
  const questions = useMemo(() => (words ? quiz(words) : []), [words, step]);

  const check = async () => {
    if (!words || !passed(words, questions, answers)) {
      setWrong(true);
      return;
    }
    try {
      onStatus(await backend.confirmPhrase());
      onDone();
    } catch (e) {
      setError(e);
    }
  };

  const t = strings.phraseSetup;
  return (
    <section className="panel phrase" aria-labelledby="phrase-title" id="phrase-setup">
      <h2 id="phrase-title">{t.title}</h2>
      <p>{intro}</p>
      {words && step === "show" && (
        <>
          <ol className="words" aria-label={t.words} id="phrase-words">
            {words.map((w, i) => <li key={i} className="mono">{w}</li>)}
          </ol>
          <p className="muted small">{t.keep}</p>
          <div className="row">
            <button id="phrase-written" className="primary" onClick={() => { setStep("check"); setAnswers([null, null, null]); setWrong(false); }}>{t.written}</button>
            <button id="phrase-later" onClick={onDone}>{t.later}</button>
          </div>
        </>
      )}
      {words && step === "check" && (
        <form onSubmit={(e) => { e.preventDefault(); check(); }} aria-label={t.check}>
          {questions.map((q, i) => (
            <fieldset key={q.position} className="question">
              <legend>{t.word(q.position + 1)}</legend>
              <div className="options" role="radiogroup">
                {q.options.map((o) => (
                  <button type="button" key={o} role="radio" aria-checked={answers[i] === o} className={`mono ${answers[i] === o ? "chosen" : ""}`}
                    data-word={o} onClick={() => { setAnswers((a) => a.map((x, k) => (k === i ? o : x))); setWrong(false); }}>
                    {o}
                  </button>
                ))}
              </div>
            </fieldset>
          ))}
          {wrong && <p className="error" role="alert">{t.wrong}</p>}
          <div className="row">
            <button type="button" onClick={() => setStep("show")}>{t.backToPhrase}</button>
            <button id="phrase-check" className="primary" disabled={answers.some((a) => a === null)}>{t.confirm}</button>
          </div>
        </form>
      )}
      <ErrorNote error={error} />
    </section>
  );
}
