// The recovery-phrase check: the user picks back three of the phrase's words, each among four
// of the phrase's words, so the check itself shows nothing new.

export type Question = { position: number; options: string[] };

/** Three distinct positions of `words`, each with four options (the right word among them). */
export function quiz(words: string[], random: () => number = Math.random): Question[] {
  const positions = pick(words.map((_, i) => i), 3, random).sort((a, b) => a - b);
  return positions.map((position) => {
    const others = pick(unique(words).filter((w) => w !== words[position]), 3, random);
    return { position, options: pick([words[position], ...others], 4, random) };
  });
}

/** Whether every answer is the word at its question's position. */
export function passed(words: string[], questions: Question[], answers: (string | null)[]): boolean {
  return questions.length > 0 && questions.every((q, i) => answers[i] === words[q.position]);
}

function unique(words: string[]): string[] {
  return [...new Set(words)];
}

/** `n` items of `from` in random order (Fisher–Yates on a copy). */
function pick<T>(from: T[], n: number, random: () => number): T[] {
  const a = [...from];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, n);
}
