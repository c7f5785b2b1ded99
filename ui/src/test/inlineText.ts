// Finds user-visible text written inline in a component's source (not taken from the catalogue,
// strings.ts): JSX text with letters, and string literals with letters given to a text attribute
// (aria-label, title, placeholder, alt…), to a component's text prop (intro, label…), or shown as a
// JSX child ({"…"}, {cond ? "…" : x}, {`…${x}`}). Used by strings.test.ts over every component.
import ts from "typescript";

/** Attributes whose value is read or shown to the user. */
const TEXT_ATTRIBUTES = new Set(["aria-label", "aria-description", "aria-roledescription", "aria-valuetext", "aria-placeholder", "title", "placeholder", "alt"]);
/** Props of our own components that carry text to show. */
const TEXT_PROPS = new Set(["intro", "label", "text", "heading", "message", "hint", "description", "confirm", "cancel"]);
const LETTERS = /\p{L}/u;

export interface Inline {
  line: number;
  text: string;
}

/** The inline user-visible texts in `source` (a .tsx file's text), with their line. */
export function inlineText(source: string, file = "x.tsx"): Inline[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: Inline[] = [];
  const add = (node: ts.Node, text: string) => {
    if (LETTERS.test(text)) found.push({ line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, text: text.trim() });
  };
  /** Literal text an expression shows as it is (its branches, its template's literal parts). */
  const shown = (e: ts.Expression | undefined): void => {
    if (!e) return;
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) add(e, e.text);
    else if (ts.isTemplateExpression(e)) add(e, [e.head.text, ...e.templateSpans.map((s) => s.literal.text)].join(" "));
    else if (ts.isParenthesizedExpression(e)) shown(e.expression);
    else if (ts.isConditionalExpression(e)) { shown(e.whenTrue); shown(e.whenFalse); }
    else if (ts.isBinaryExpression(e) && [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(e.operatorToken.kind)) {
      if (e.operatorToken.kind !== ts.SyntaxKind.AmpersandAmpersandToken) shown(e.left);
      shown(e.right);
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isJsxText(node)) add(node, node.text);
    else if (ts.isJsxExpression(node) && node.parent && !ts.isJsxAttribute(node.parent)) shown(node.expression);
    else if (ts.isJsxAttribute(node)) {
      const name = node.name.getText(sf);
      const tag = (node.parent.parent as ts.JsxOpeningLikeElement).tagName.getText(sf);
      const component = /^[A-Z]/.test(tag);
      if (TEXT_ATTRIBUTES.has(name) || (component && TEXT_PROPS.has(name))) {
        const init = node.initializer;
        if (init && ts.isStringLiteral(init)) add(init, init.text);
        else if (init && ts.isJsxExpression(init)) shown(init.expression);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}
