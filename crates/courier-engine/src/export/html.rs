//! The HTML form of an export: one self-contained page readable in any browser, no script (a
//! Content-Security-Policy forbids any), every value from a conversation escaped — texts, names,
//! addresses, emoji, file names — and links to attachments percent-encoded.

use std::io::{self, Write};

use super::record::{ConversationRecord, Header, MessageRecord};

/// `s` with `& < > " '` escaped, safe in element content and in quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A relative link to `path` (`/`-separated): every byte but unreserved ones percent-encoded,
/// so no name can end the attribute or become a scheme (`javascript:`).
pub fn href(path: &str) -> String {
    let mut out = String::from("./");
    for part in path.split('/').filter(|p| !p.is_empty()) {
        if out.len() > 2 {
            out.push('/');
        }
        for b in part.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;max-width:50rem;margin:1rem auto;padding:0 1rem}\
.warning{border:2px solid #b00;padding:.5rem 1rem;background:#fee;color:#600}\
h2{margin-top:2rem;border-bottom:1px solid #ccc}.m{margin:.4rem 0;padding:.3rem .5rem;border-left:3px solid #ccc}\
.me{border-color:#36c}.who{font-weight:600}.when,.meta{color:#666;font-size:.85em}\
.text{white-space:pre-wrap;overflow-wrap:anywhere}.reply{color:#555;font-size:.9em}";

pub fn header(w: &mut impl Write, h: &Header) -> io::Result<()> {
    write!(
        w,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src 'self'\">\
<meta name=\"referrer\" content=\"no-referrer\">\
<title>Courier history of {account}</title><style>{STYLE}</style></head><body>\n\
<h1>Courier history of {account}</h1>\n<p class=\"warning\"><strong>{warning}</strong></p>\n\
<p class=\"meta\">Exported {at} by Courier {version}.</p>\n",
        account = escape(&h.account),
        warning = escape(&h.warning),
        at = escape(&h.exported_at),
        version = escape(&h.courier_version),
    )
}

pub fn conversation(w: &mut impl Write, c: &ConversationRecord) -> io::Result<()> {
    let title = match &c.peer_name {
        Some(n) => format!("{} ({})", escape(n), escape(&c.peer)),
        None => escape(&c.peer),
    };
    write!(w, "<section><h2>{title}</h2>\n<p class=\"meta\">{} conversation", escape(&c.version))?;
    if let Some(id) = &c.conversation_id {
        write!(w, " “{}”", escape(id))?;
    }
    for (k, v) in &c.metadata {
        write!(w, ", {}: {}", escape(k), escape(v))?;
    }
    writeln!(w, ", started {}; {}.</p>", escape(&c.created), escape(&c.consent))
}

pub fn end_conversation(w: &mut impl Write) -> io::Result<()> {
    writeln!(w, "</section>")
}

pub fn message(w: &mut impl Write, m: &MessageRecord) -> io::Result<()> {
    let who = match &m.sender_name {
        Some(n) => format!("{} ({})", escape(n), escape(&m.sender)),
        None => escape(&m.sender),
    };
    write!(
        w,
        "<div class=\"m{mine}\" id=\"m-{id}\"><span class=\"who\">{who}</span> <span class=\"when\">{when}</span>",
        mine = if m.from_me { " me" } else { "" },
        id = escape(&m.id),
        when = escape(&m.sent),
    )?;
    if m.state != "sent" && m.state != "received" {
        write!(w, " <span class=\"meta\">({})</span>", escape(&m.state))?;
    }
    if let Some(r) = &m.reply_to {
        write!(
            w,
            "<div class=\"reply\">↩ <a href=\"#m-{id}\">in reply to an earlier message</a></div>",
            id = escape(r)
        )?;
    }
    write!(w, "<div class=\"text\">{}</div>", escape(&m.text))?;
    if let Some(a) = &m.attachment {
        write!(w, "<div class=\"meta\">📎 ")?;
        match &a.file {
            Some(f) => write!(w, "<a href=\"{}\">{}</a>", escape(&href(f)), escape(f))?,
            None => write!(w, "{}", escape(&a.name))?,
        }
        write!(w, " ({}, {} bytes)", escape(&a.mime_type), a.size)?;
        if let Some(why) = &a.missing {
            write!(w, " — not saved: {}", escape(why))?;
        }
        write!(w, "</div>")?;
    }
    if !m.reactions.is_empty() {
        write!(w, "<div class=\"meta\">")?;
        for r in &m.reactions {
            write!(w, "{} {} ", escape(&r.emoji), escape(&r.by.join(", ")))?;
        }
        write!(w, "</div>")?;
    }
    writeln!(w, "</div>")
}

pub fn footer(w: &mut impl Write) -> io::Result<()> {
    writeln!(w, "</body></html>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_links() {
        assert_eq!(
            escape("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
        assert_eq!(href("h-attachments/\"onload=x.png"), "./h-attachments/%22onload%3Dx.png");
        assert_eq!(href("a/javascript:alert(1)"), "./a/javascript%3Aalert%281%29");
    }
}
