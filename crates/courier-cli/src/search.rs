//! `courier search QUERY [--peer ADDR|TOPIC] [--limit N] [--include-blocked]`: the messages
//! stored here that match, newest first. Text: one line per hit with the matches in `[…]` (the
//! text's own `[`, `]` and `\` escaped with `\`);
//! `--json`: one object per line, exactly `{id, topic, peer, sent_ns, snippet}` (the snippet
//! as `[{text, is_match}]` segments, never markup).

use courier_api::search::{self, SearchHit, SnippetPart};
use courier_engine::Engine;
use serde::Serialize;

use crate::print::Printer;

/// The search command's arguments.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// Words to find (case and accents do not matter; a word also finds words it begins).
    pub query: String,
    /// Only conversations with this address (or this conversation topic).
    #[arg(long)]
    pub peer: Option<String>,
    /// How many hits, newest first (at most 200).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=200))]
    pub limit: u32,
    /// Also search blocked peers' messages.
    #[arg(long)]
    pub include_blocked: bool,
}

/// One hit as `--json` prints it.
#[derive(Serialize)]
struct Line<'a> {
    id: String,
    topic: &'a str,
    peer: &'a str,
    sent_ns: String,
    snippet: &'a [SnippetPart],
}

/// Runs a search on the open account and prints the hits.
pub(crate) async fn run(e: &Engine, out: &Printer, args: SearchArgs) -> anyhow::Result<()> {
    let hits = search::search(e, &args.query, args.peer.as_deref(), args.include_blocked, args.limit).await?;
    for h in &hits {
        print(out, h)?;
    }
    Ok(())
}

fn print(out: &Printer, h: &SearchHit) -> anyhow::Result<()> {
    if out.json {
        let line = Line {
            id: h.id.to_string(),
            topic: h.topic.as_str(),
            peer: h.peer.as_str(),
            sent_ns: h.sent_ns.to_string(),
            snippet: &h.snippet,
        };
        println!("{}", serde_json::to_string(&line)?);
    } else {
        crate::terminal::say(&format!("{} {} {}: {}", h.id, h.peer, h.sender, render(&h.snippet)));
    }
    Ok(())
}

/// A snippet as one line of text, matches in `[…]`; a `[`, `]` or `\` of the text itself is
/// escaped with `\`, so brackets in a message cannot pass for a match.
fn render(snippet: &[SnippetPart]) -> String {
    let mut out = String::new();
    for p in snippet {
        if p.is_match {
            out.push('[');
        }
        for c in p.text.chars() {
            if matches!(c, '[' | ']' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
        if p.is_match {
            out.push(']');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(text: &str, is_match: bool) -> SnippetPart {
        SnippetPart { text: text.into(), is_match }
    }

    #[test]
    fn brackets_in_a_text_cannot_pass_for_a_match() {
        let fake = render(&[part("[word] then ", false), part("x", true)]);
        let real = render(&[part("word", true), part(" then ", false), part("x", true)]);
        assert_ne!(fake, real);
        assert_eq!(fake, r"\[word\] then [x]");
        assert_eq!(render(&[part(r"a\[b] \", false), part("c", true)]), r"a\\\[b\] \\[c]");
    }
}
