// No inline English in the components: every user-visible text comes from the catalogue
// (strings.ts, and its German twin strings.de.ts), so a second language covers every screen.
import { describe, expect, it } from "vitest";
import { inlineText } from "./inlineText";
import { en } from "../lib/strings";
import { de } from "../lib/strings.de";

const sources = import.meta.glob(["../components/**/*.tsx", "../App.tsx"], { query: "?raw", import: "default", eager: true }) as Record<string, string>;

describe("the string catalogue", () => {
  it("finds inline text of each kind it looks for (the check itself can fail)", () => {
    const src = `export const X = () => <div title="Hello" aria-label={"Shut"}>
      Plain text {cond ? "Yes" : t.no} {\`n \${x} items\`} <img alt="cat" /><P intro="Words here" className="a b" />
      <span>+</span><i aria-hidden="true">⚙</i>{strings.a.b}{" "}
    </div>;`;
    expect(inlineText(src).map((f) => f.text)).toEqual(["Hello", "Shut", "Plain text", "Yes", "n   items", "cat", "Words here"]);
  });

  it("holds every user-visible text: none inline in ui/src/components or App.tsx", () => {
    expect(Object.keys(sources).length).toBeGreaterThan(20);
    const inline = Object.entries(sources).flatMap(([file, src]) => inlineText(src, file).map((f) => `${file.replace("../", "")}:${f.line}: ${JSON.stringify(f.text)}`));
    expect(inline).toEqual([]);
  });

  it("has the same keys in German as in English", () => {
    const shape = (o: object, at = ""): string[] => Object.entries(o).flatMap(([k, v]) => (v && typeof v === "object" ? shape(v, `${at}${k}.`) : [`${at}${k}:${typeof v}`]));
    expect(shape(de)).toEqual(shape(en));
  });
});
