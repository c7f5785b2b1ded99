//! The client commands' shape on the command line: the shared options ([`Global`]), the
//! list filter, and every subcommand with its arguments (clap). `client` runs them.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use courier_engine::ListFilter;

/// Options shared by the client commands.
#[derive(Debug, Clone, clap::Args)]
pub struct Global {
    /// Data folder [default: `courier` in the user's data folder].
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Node gRPC URL: http://host:port (plaintext) or https://host (TLS).
    #[arg(long, global = true, default_value = "http://127.0.0.1:5556")]
    pub node: String,
    /// The node's attachment store (its HTTP address): remote attachments are uploaded there,
    /// and plain-http downloads are allowed from it [default: http://127.0.0.1:5555 with the
    /// default local node, else none].
    #[arg(long, global = true)]
    pub attachments_url: Option<String>,
    /// Keychain: secret-service, kernel (Linux fallback, lost at reboot), macos, windows
    /// [default: the platform's].
    #[arg(long, global = true)]
    pub keychain: Option<String>,
    /// Account address, when the data folder holds several.
    #[arg(long, global = true)]
    pub account: Option<String>,
    /// Machine-readable output: one JSON object per line.
    #[arg(long, global = true)]
    pub json: bool,
}

/// Which conversations to list.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Filter {
    /// All but blocked peers.
    Visible,
    /// Allowed peers.
    Allowed,
    /// Message requests.
    Requests,
    /// Blocked peers.
    Blocked,
    /// The archive.
    Archived,
    /// Everything.
    All,
}

impl From<Filter> for ListFilter {
    fn from(f: Filter) -> Self {
        match f {
            Filter::Visible => Self::Visible,
            Filter::Allowed => Self::Allowed,
            Filter::Requests => Self::Requests,
            Filter::Blocked => Self::Blocked,
            Filter::Archived => Self::Archived,
            Filter::All => Self::All,
        }
    }
}

/// Client commands.
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Create, import, show or back up an account.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Whether an address has an XMTP identity.
    CanMessage {
        /// The address.
        address: String,
    },
    /// List conversations, pinned first, then most recent first (blocked peers and the archive
    /// hidden unless asked).
    Conversations {
        /// Which conversations.
        #[arg(long, value_enum, default_value = "visible")]
        filter: Filter,
    },
    /// Allow a peer (moves its conversations out of the requests).
    Allow {
        /// The address.
        address: String,
    },
    /// Block a peer (hides its conversations).
    Block {
        /// The address.
        address: String,
    },
    /// Send a text message (V2 by default).
    Send {
        /// The recipient's address.
        address: String,
        /// The text.
        text: String,
        /// Use the V1 conversation.
        #[arg(long)]
        v1: bool,
        /// V2 conversation id (a separate thread with the same peer).
        #[arg(long)]
        conversation_id: Option<String>,
        /// Metadata of a new conversation with a conversation id: key=value,key=value.
        #[arg(long, requires = "conversation_id", value_parser = parse_metadata)]
        metadata: Option<std::collections::BTreeMap<String, String>>,
        /// Reply to this message (its id), in its conversation.
        #[arg(long, conflicts_with_all = ["v1", "conversation_id"])]
        reply_to: Option<String>,
    },
    /// React to a message with an emoji (or take the reaction back).
    React {
        /// The peer (or conversation topic) the message is with.
        peer: String,
        /// The message id.
        id: String,
        /// The emoji.
        emoji: String,
        /// Take the reaction back.
        #[arg(long)]
        remove: bool,
    },
    /// Tell the peer you read the conversation (a read receipt), if they sent something since
    /// the last one and you allowed them.
    Read {
        /// The peer (or conversation topic).
        peer: String,
    },
    /// Send a file: inline when small, as a remote attachment (encrypted, uploaded to the
    /// node's attachment store) when large or asked.
    SendFile {
        /// The peer (or conversation topic).
        peer: String,
        /// The file.
        path: PathBuf,
        /// Reply to this message (its id).
        #[arg(long)]
        reply_to: Option<String>,
        /// Always as a remote attachment.
        #[arg(long)]
        remote: bool,
    },
    /// Write a message's attachment to a file (a remote one is downloaded, its digest checked
    /// and decrypted first).
    Save {
        /// The peer (or conversation topic) the message is with.
        peer: String,
        /// The message id.
        id: String,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
    /// Messages with an address (or of a conversation topic), oldest first.
    Messages {
        /// Address or topic.
        peer: String,
        /// How many of the newest.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Only messages before this one (its id): the next page back.
        #[arg(long)]
        before: Option<String>,
    },
    /// Print incoming messages as they arrive (Ctrl-C stops).
    Listen,
    /// Fetch everything new from the node.
    Sync,
    /// Export the whole history to files readable without Courier (not encrypted).
    Export(crate::export::ExportArgs),
    /// Local names and conversation flags.
    #[command(flatten)]
    People(crate::people::PeopleCommand),
    /// Search the messages stored here, newest first.
    Search(crate::search::SearchArgs),
}

/// Account commands. (`Debug` never shows a key or phrase given on the command line.)
#[derive(Subcommand)]
pub enum AccountCommand {
    /// A new account, made from a new 12-word recovery phrase: the address on stdout, the
    /// phrase on stderr (write it down).
    Create,
    /// Sign in with a wallet key or a recovery phrase; XMTP keys are restored from the network
    /// backup when they exist.
    Import {
        /// Wallet private key, hex.
        #[arg(long, conflicts_with = "phrase", required_unless_present = "phrase")]
        wallet_key: Option<String>,
        /// BIP-39 recovery phrase (account m/44'/60'/0'/0/0).
        #[arg(long)]
        phrase: Option<String>,
    },
    /// Show the account.
    Show,
    /// Print the account's recovery phrase.
    ShowPhrase,
    /// Print the account's wallet private key (hex), for another wallet app.
    ExportKey,
    /// Print the encrypted key backup (EncryptedPrivateKeyBundle, hex), openable with the wallet.
    ExportBackup,
    /// When the account's store cannot be read with its key: keep the unreadable file aside
    /// (never deleted), start a fresh store and sync the history from the network. Asks first;
    /// refuses a store that opens, or one another Courier has open.
    RecoverStore {
        /// Do not ask (for scripts).
        #[arg(long)]
        yes: bool,
    },
    /// Remove the account from this computer: its keys in the keychain and its local data. Its
    /// recovery phrase or wallet key restores it.
    Remove {
        /// Do not ask (for scripts).
        #[arg(long)]
        yes: bool,
    },
}

impl std::fmt::Debug for AccountCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Create => f.write_str("Create"),
            Self::Import { .. } => f.write_str("Import { .. }"),
            Self::Show => f.write_str("Show"),
            Self::ShowPhrase => f.write_str("ShowPhrase"),
            Self::ExportKey => f.write_str("ExportKey"),
            Self::ExportBackup => f.write_str("ExportBackup"),
            Self::RecoverStore { yes } => write!(f, "RecoverStore {{ yes: {yes} }}"),
            Self::Remove { yes } => write!(f, "Remove {{ yes: {yes} }}"),
        }
    }
}

fn parse_metadata(s: &str) -> Result<std::collections::BTreeMap<String, String>, String> {
    s.split(',')
        .map(|kv| kv.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect::<Option<_>>()
        .ok_or_else(|| "want key=value,key=value".to_owned())
}
