//! Keys in the operating system's keychain (Secret Service on Linux, with the kernel keyring as
//! an explicit fallback; the macOS Keychain; the Windows Credential Manager). Never a file, and
//! never the keyring crate's in-memory mock: every entry is built for a named platform store.

use xmtp_crypto::Secret;

/// The service name of every Courier entry.
const SERVICE: &str = "courier";

/// Which store holds the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// freedesktop Secret Service (GNOME Keyring, KWallet, KeePassXC) over D-Bus.
    SecretService,
    /// The Linux kernel keyring (keyutils): in kernel memory only, gone at reboot or logout.
    KernelKeyring,
    /// macOS Keychain.
    MacOs,
    /// Windows Credential Manager.
    Windows,
}

impl Backend {
    /// The platform's normal store.
    pub fn platform_default() -> Self {
        if cfg!(target_os = "macos") {
            Self::MacOs
        } else if cfg!(target_os = "windows") {
            Self::Windows
        } else {
            Self::SecretService
        }
    }

    /// Parses `secret-service`, `kernel`, `macos`, `windows`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "secret-service" => Some(Self::SecretService),
            "kernel" => Some(Self::KernelKeyring),
            "macos" => Some(Self::MacOs),
            "windows" => Some(Self::Windows),
            _ => None,
        }
    }

    /// The name [`Backend::parse`] reads.
    pub fn name(self) -> &'static str {
        match self {
            Self::SecretService => "secret-service",
            Self::KernelKeyring => "kernel",
            Self::MacOs => "macos",
            Self::Windows => "windows",
        }
    }
}

/// Why the keychain failed. Messages never contain secret values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeychainError {
    /// The store cannot be reached at all (no Secret Service on the session bus, …).
    #[error(
        "the {} keychain is not available ({detail}). {hint}",
        backend.name()
    )]
    Unavailable {
        /// The store.
        backend: Backend,
        /// What the platform said.
        detail: String,
        /// What to do.
        hint: &'static str,
    },
    /// The store is there but locked or refused access.
    #[error("the {} keychain refused access ({detail}); unlock it and try again", backend.name())]
    Locked {
        /// The store.
        backend: Backend,
        /// What the platform said.
        detail: String,
    },
    /// This build has no support for that store on this platform.
    #[error("the {} keychain does not exist on this platform", .0.name())]
    Unsupported(Backend),
    /// Anything else the store reported.
    #[error("keychain error: {0}")]
    Other(String),
}

const NO_SECRET_SERVICE: &str = "Start a Secret Service (GNOME Keyring, KWallet or KeePassXC), or pass --keychain kernel \
to keep keys in the kernel keyring instead (they are lost at reboot or logout)";

/// Access to one keychain backend.
#[derive(Debug, Clone, Copy)]
pub struct Keychain {
    backend: Backend,
}

impl Keychain {
    /// A keychain on `backend`.
    pub fn new(backend: Backend) -> Self {
        Self { backend }
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    fn entry(&self, account: &str, item: &str) -> Result<keyring::Entry, KeychainError> {
        let user = format!("{account}/{item}");
        let credential: Box<keyring::Credential> = match self.backend {
            #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
            Backend::SecretService => Box::new(
                keyring::secret_service::SsCredential::new_with_target(None, SERVICE, &user)
                    .map_err(|e| self.map(e))?,
            ),
            #[cfg(target_os = "linux")]
            Backend::KernelKeyring => Box::new(
                keyring::keyutils::KeyutilsCredential::new_with_target(None, SERVICE, &user)
                    .map_err(|e| self.map(e))?,
            ),
            #[cfg(target_os = "macos")]
            Backend::MacOs => {
                Box::new(keyring::macos::MacCredential::new_with_target(None, SERVICE, &user).map_err(|e| self.map(e))?)
            }
            #[cfg(target_os = "windows")]
            Backend::Windows => Box::new(
                keyring::windows::WinCredential::new_with_target(None, SERVICE, &user).map_err(|e| self.map(e))?,
            ),
            #[allow(unreachable_patterns)]
            other => return Err(KeychainError::Unsupported(other)),
        };
        Ok(keyring::Entry::new_with_credential(credential))
    }

    fn map(&self, e: keyring::Error) -> KeychainError {
        match e {
            keyring::Error::PlatformFailure(d) => KeychainError::Unavailable {
                backend: self.backend,
                detail: d.to_string(),
                hint: if self.backend == Backend::SecretService {
                    NO_SECRET_SERVICE
                } else {
                    "Check that the platform keychain works for this user"
                },
            },
            keyring::Error::NoStorageAccess(d) => {
                KeychainError::Locked { backend: self.backend, detail: d.to_string() }
            }
            other => KeychainError::Other(other.to_string()),
        }
    }

    /// Stores a secret (replacing any earlier one).
    pub fn store(&self, account: &str, item: &str, secret: &str) -> Result<(), KeychainError> {
        self.entry(account, item)?.set_password(secret).map_err(|e| self.map(e))
    }

    /// Reads a secret; `None` if there is no such entry.
    pub fn load(&self, account: &str, item: &str) -> Result<Option<Secret<String>>, KeychainError> {
        match self.entry(account, item)?.get_password() {
            Ok(s) => Ok(Some(Secret::new(s))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(self.map(e)),
        }
    }

    /// Deletes a secret (no error if absent).
    pub fn delete(&self, account: &str, item: &str) -> Result<(), KeychainError> {
        match self.entry(account, item)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(self.map(e)),
        }
    }

    /// Writes, reads back and deletes a probe entry: fails with a clear message if the store
    /// cannot keep a secret.
    pub fn check(&self) -> Result<(), KeychainError> {
        static PROBES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = PROBES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let probe = format!("probe-{}-{n}", std::process::id());
        self.store("courier-keychain-check", &probe, "ok")?;
        let back = self.load("courier-keychain-check", &probe)?;
        self.delete("courier-keychain-check", &probe)?;
        match back {
            Some(v) if v.expose() == "ok" => Ok(()),
            _ => Err(KeychainError::Other(format!("the {} keychain did not keep a test entry", self.backend.name()))),
        }
    }
}
