//! `courier name`, `pin`/`unpin`, `mute`/`unmute`, `archive`/`unarchive`: the user's own names
//! for contacts and conversation flags. They stay in this computer's store: the XMTP protocol
//! has no place for them (only the consent list is shared between devices).

use clap::Subcommand;
use courier_api::people::{self, Flag};
use courier_api::threads::{self, parse_thread};
use courier_engine::{Engine, ListFilter, Thread};

use crate::print::Printer;

/// Names and conversation flags.
#[derive(Debug, Subcommand)]
pub enum PeopleCommand {
    /// Name a contact on this computer (never sent); without NAME, take its name off.
    Name {
        /// The contact's address.
        address: String,
        /// The name (at most 64 characters).
        name: Option<String>,
    },
    /// Pin a conversation (listed first): every conversation with an address, or one topic.
    Pin {
        /// Address or conversation topic.
        peer: String,
    },
    /// Unpin.
    Unpin {
        /// Address or conversation topic.
        peer: String,
    },
    /// Mute (no notifications in the app).
    Mute {
        /// Address or conversation topic.
        peer: String,
    },
    /// Unmute.
    Unmute {
        /// Address or conversation topic.
        peer: String,
    },
    /// Archive (out of the list until a new message comes; `conversations --filter archived`).
    Archive {
        /// Address or conversation topic.
        peer: String,
    },
    /// Take out of the archive.
    Unarchive {
        /// Address or conversation topic.
        peer: String,
    },
}

/// Runs one of them on the open account.
pub(crate) async fn run(e: &Engine, out: &Printer, cmd: PeopleCommand) -> anyhow::Result<()> {
    let (peer, flag, on) = match cmd {
        PeopleCommand::Name { address, name } => {
            let kept = people::set_contact_name(e, &address, name.as_deref()).await?;
            return out.named(&address, kept.as_deref());
        }
        PeopleCommand::Pin { peer } => (peer, Flag::Pinned, true),
        PeopleCommand::Unpin { peer } => (peer, Flag::Pinned, false),
        PeopleCommand::Mute { peer } => (peer, Flag::Muted, true),
        PeopleCommand::Unmute { peer } => (peer, Flag::Muted, false),
        PeopleCommand::Archive { peer } => (peer, Flag::Archived, true),
        PeopleCommand::Unarchive { peer } => (peer, Flag::Archived, false),
    };
    let topics: Vec<String> = match parse_thread(&peer)? {
        Thread::Conversation(t) => vec![t.to_string()],
        Thread::Peer(p) => threads::conversations(e, ListFilter::All)
            .await?
            .into_iter()
            .filter(|c| c.peer == p)
            .map(|c| c.topic.to_string())
            .collect(),
    };
    if topics.is_empty() {
        anyhow::bail!("no conversation with {peer} here");
    }
    for t in topics {
        out.conversation(&people::set_flag(e, &t, flag, on).await?)?;
    }
    Ok(())
}
