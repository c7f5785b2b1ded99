//! The local network (spec: gRPC on 127.0.0.1:5556, the gateway on 5555) and whether the node
//! answering there is one this user's Courier started. Anything can listen on a loopback port,
//! so answering is not enough: the app that starts an embedded node gives it the user's node key
//! (32 random bytes in `<app folder>/node-key`, a private file in a private folder shared by all
//! profiles of the user), and another window adopts the node only if it proves it holds that key
//! (`courier_node::proof`: a fresh nonce, an HMAC bound to the address). The probe carries no
//! token and no topic of the user's: a node that fails it has learnt nothing. Once adopted, the
//! node proves itself again on every call the engine makes (`courier_engine::proof`): another
//! process that takes the port after it stops gets no token, no topic and no publish.

use std::io::Read as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use courier_engine::client::ClientError;
use courier_engine::proof::{NodeProof, Unproven};
use courier_node::proof::NodeKey;
use rand_core::RngCore;
use xmtp_crypto::Secret;

use crate::private;

/// How long a probe may take in all (connect, ask, answer).
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// The key file's name in the app folder.
pub const KEY_FILE: &str = "node-key";
/// The most bytes read from the key file (the key is 64 hex digits and maybe a newline).
const KEY_FILE_MAX: u64 = 80;

/// Where the local network is and where the user's node key lives. The app uses
/// [`LocalNet::of_user`]; tests put it on free ports and a temporary folder (the one seam).
#[derive(Debug, Clone)]
pub struct LocalNet {
    /// gRPC address.
    pub grpc: SocketAddr,
    /// HTTP gateway address.
    pub http: SocketAddr,
    /// The node key file, in this user's private app folder; `None` when there is no such
    /// folder (no data directory: a shared temporary folder is never used for the key), and
    /// then no node is adopted and the embedded node proves nothing.
    pub key_file: Option<PathBuf>,
}

/// Why the node at the local address is not used.
#[derive(Debug, thiserror::Error)]
pub enum NotAdopted {
    /// Nothing accepts connections there.
    #[error("nothing answers")]
    Nothing,
    /// No Courier of this user has started a node yet (no key to check a proof with).
    #[error("no node key yet ({0})")]
    NoKey(std::io::Error),
    /// The probe failed or took too long.
    #[error("it did not answer the probe: {0}")]
    NoAnswer(String),
    /// It answered without a proof.
    #[error("it sent no proof: not a node started by Courier")]
    NoProof,
    /// It answered with a proof that does not verify.
    #[error("its proof is wrong: not a node started by this user's Courier")]
    WrongProof,
}

impl LocalNet {
    /// The spec's local ports; the key in the app folder (`<data dir>/courier`, which holds
    /// the profiles) whatever profile folder is in use.
    pub fn of_user() -> Self {
        Self {
            grpc: SocketAddr::from(([127, 0, 0, 1], 5556)),
            http: SocketAddr::from(([127, 0, 0, 1], 5555)),
            key_file: key_file_in(dirs::data_dir()),
        }
    }

    /// The user's node key: the one in the key file, or a new one written there (a private file
    /// in a private folder). Two apps making it at once agree: the first link wins.
    /// A key file that is not this user's private file is replaced.
    pub fn key_or_new(&self) -> std::io::Result<NodeKey> {
        let Some(key_file) = &self.key_file else { return Err(no_folder()) };
        if let Ok(k) = read_key(key_file) {
            return Ok(NodeKey::new(*k.expose()));
        }
        if let Some(dir) = key_file.parent() {
            private::create_dir(dir)?;
        }
        let mut bytes = Secret::new([0u8; 32]);
        rand_core::OsRng.fill_bytes(bytes.expose_mut());
        let text = Secret::new(hex::encode(bytes.expose()));
        // Written whole aside, then linked into place: a link never replaces a file, so of two
        // apps making a key at once, one key wins and both use it.
        let tmp = key_file.with_extension(format!("{}.tmp", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let written = private::create_new(&tmp).and_then(|mut f| {
            std::io::Write::write_all(&mut f, text.expose().as_bytes())?;
            f.sync_all()
        });
        let linked = written.and_then(|()| std::fs::hard_link(&tmp, key_file));
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => Ok(NodeKey::new(*bytes.expose())),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match read_key(key_file) {
                Ok(k) => Ok(NodeKey::new(*k.expose())),
                // A damaged file in the way: no node can be using it.
                Err(_) => {
                    private::write(key_file, text.expose().as_bytes())?;
                    Ok(NodeKey::new(*bytes.expose()))
                }
            },
            Err(e) => Err(e),
        }
    }

    /// Whether the node at [`LocalNet::grpc`] proves it runs with this user's node key; if so,
    /// what it must prove on every call from now on (the engine's client checks it).
    pub async fn adopt(&self) -> Result<NodeProof, NotAdopted> {
        let connect = tokio::net::TcpStream::connect(self.grpc);
        if !matches!(tokio::time::timeout(Duration::from_millis(500), connect).await, Ok(Ok(_))) {
            return Err(NotAdopted::Nothing);
        }
        let key_file = self.key_file.as_deref().ok_or_else(|| NotAdopted::NoKey(no_folder()))?;
        let proof = NodeProof::new(read_key(key_file).map_err(NotAdopted::NoKey)?, self.grpc);
        match tokio::time::timeout(PROBE_TIMEOUT, courier_engine::proof::check(&proof)).await {
            Ok(Ok(())) => Ok(proof),
            Ok(Err(ClientError::NotProven(Unproven::Missing))) => Err(NotAdopted::NoProof),
            Ok(Err(ClientError::NotProven(Unproven::Wrong))) => Err(NotAdopted::WrongProof),
            Ok(Err(e)) => Err(NotAdopted::NoAnswer(e.to_string())),
            Err(_) => Err(NotAdopted::NoAnswer("timed out".into())),
        }
    }
}

/// `<data dir>/courier`: the app's folder, holding `profiles/` and the node key (without a data
/// directory, a folder in the temporary directory, which never holds the key: [`key_file_in`]).
pub fn app_folder() -> PathBuf {
    dirs::data_dir().unwrap_or_else(std::env::temp_dir).join("courier")
}

/// The node key file in the app folder below `data_dir`; none without a data directory.
pub fn key_file_in(data_dir: Option<PathBuf>) -> Option<PathBuf> {
    data_dir.map(|d| d.join("courier").join(KEY_FILE))
}

/// The node key file beside a profile folder given as is (`COURIER_DATA_DIR`: tests, scripts,
/// portable use): in its parent, so profiles side by side share it, if that parent is this
/// user's private folder (Unix: owned, no group or other access); else none (a shared folder
/// such as /tmp never holds the key).
pub fn key_file_beside(profile_dir: &Path) -> Option<PathBuf> {
    let parent = std::path::absolute(profile_dir).ok()?.parent()?.to_owned();
    let meta = std::fs::metadata(&parent).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.uid() != rustix::process::geteuid().as_raw() || meta.mode() & 0o077 != 0 {
            return None;
        }
    }
    meta.is_dir().then(|| parent.join(KEY_FILE))
}

fn no_folder() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::NotFound, "no private app folder to keep the node key in")
}

/// The key in `path` (64 hex digits; a file of any other size is damaged, and at most a few
/// bytes more than that are read), if the file is this user's and only his (Unix): a key others
/// could read or plant proves nothing.
fn read_key(path: &Path) -> std::io::Result<Secret<[u8; 32]>> {
    let mut text = Secret::new(String::new());
    let file = std::fs::File::open(path)?;
    check_private(&file.metadata()?)?;
    file.take(KEY_FILE_MAX).read_to_string(text.expose_mut())?;
    let mut bytes = Secret::new([0u8; 32]);
    hex::decode_to_slice(text.expose().trim(), bytes.expose_mut())
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "the node key file is damaged"))?;
    Ok(bytes)
}

/// Refuses a key file (as opened: a symbolic link counts as its target) that is not a regular
/// file of the current user without group or other access.
#[cfg(unix)]
fn check_private(meta: &std::fs::Metadata) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let refuse = |why: &str| Err(std::io::Error::new(std::io::ErrorKind::PermissionDenied, why.to_owned()));
    if !meta.is_file() {
        return refuse("the node key is not a regular file");
    }
    if meta.uid() != rustix::process::geteuid().as_raw() {
        return refuse("the node key file belongs to another user");
    }
    if meta.mode() & 0o077 != 0 {
        return refuse("others can open the node key file");
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(meta: &std::fs::Metadata) -> std::io::Result<()> {
    if meta.is_file() {
        Ok(())
    } else {
        Err(std::io::Error::new(std::io::ErrorKind::PermissionDenied, "the node key is not a regular file"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[cfg(unix)]
    #[test]
    fn beside_a_profile_the_key_lives_only_in_a_private_parent() {
        use std::os::unix::fs::PermissionsExt;
        let base = tempfile::tempdir().unwrap();
        let profile = base.path().join("profile");
        std::fs::set_permissions(base.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(key_file_beside(&profile), Some(base.path().join(KEY_FILE)), "a private parent");
        std::fs::set_permissions(base.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(key_file_beside(&profile), None, "a parent others can open");
        assert_eq!(key_file_beside(Path::new("/tmp/profile")), None, "the shared temporary folder");
    }

    #[test]
    fn without_a_data_directory_there_is_no_key_file() {
        assert_eq!(key_file_in(None), None);
        let home = PathBuf::from("/home/u/.local/share");
        assert_eq!(key_file_in(Some(home.clone())), Some(home.join("courier").join(KEY_FILE)));
    }
}
