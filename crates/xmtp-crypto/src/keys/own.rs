//! The own keys: one private key with its signed public key (`OwnKey`), and the own private key
//! bundle — generated from a wallet, decoded from and encoded to its V1 and V2 forms, and its
//! contact bundles.

use super::*;

/// One of our own keys: the private key and its signed public key.
#[derive(Debug, Clone)]
pub struct OwnKey {
    secret: PrivateKey,
    public: SignedKey,
}

impl OwnKey {
    /// The private key.
    pub fn secret(&self) -> &PrivateKey {
        &self.secret
    }

    /// The signed public key.
    pub fn public(&self) -> &SignedKey {
        &self.public
    }

    fn from_legacy_proto(key: &pb::PrivateKey) -> Result<Self, BundleError> {
        let secret = match &key.union {
            Some(pb::private_key::Union::Secp256k1(k)) => PrivateKey::from_bytes(&k.bytes)?,
            None => return Err(BundleError::Missing("private key bytes")),
        };
        let public = SignedKey::from_legacy(key.public_key.as_ref().ok_or(BundleError::Missing("public key"))?)?;
        if public.key() != secret.public_key() {
            return Err(BundleError::PublicKeyMismatch);
        }
        Ok(Self { secret, public })
    }

    fn to_legacy_proto(&self) -> pb::PrivateKey {
        pb::PrivateKey {
            timestamp: self.public.created_raw(),
            union: Some(pb::private_key::Union::Secp256k1(pb::private_key::Secp256k1 {
                bytes: self.secret.to_bytes().expose().to_vec(),
            })),
            public_key: self.public.to_legacy_proto().ok(),
        }
    }

    fn to_signed_proto(&self, is_identity: bool) -> pb::SignedPrivateKey {
        pb::SignedPrivateKey {
            created_ns: self.public.created_ms().saturating_mul(1_000_000),
            union: Some(pb::signed_private_key::Union::Secp256k1(pb::signed_private_key::Secp256k1 {
                bytes: self.secret.to_bytes().expose().to_vec(),
            })),
            public_key: Some(self.public.to_signed_proto(is_identity)),
        }
    }
}

/// Our own identity: the legacy `PrivateKeyBundleV1` (identity key + pre-keys, newest first),
/// with the address and the public bundles computed once.
#[derive(Debug, Clone)]
pub struct PrivateKeyBundle {
    identity: OwnKey,
    pre_keys: Vec<OwnKey>,
    address: WalletAddress,
    legacy_public: pb::PublicKeyBundle,
    signed_public: pb::SignedPublicKeyBundle,
}

impl PrivateKeyBundle {
    /// Creates a new identity the way the reference does (spec §3.6): identity key signed by the
    /// wallet (Create Identity text), one pre-key signed by the identity key. `now_ms` is the
    /// identity key's timestamp; the pre-key gets `now_ms + 1`.
    pub fn generate(wallet: &dyn WalletSigner, now_ms: u64, rng: &mut impl CryptoRngCore) -> Result<Self, BundleError> {
        let identity = PrivateKey::generate(rng);
        let pre_key = PrivateKey::generate(rng);
        Self::from_secrets(wallet, identity, now_ms, pre_key, now_ms + 1)
    }

    /// Builds a bundle from existing private keys and timestamps, signing as `generate` does.
    /// Used to reproduce identities deterministically (tests, vectors).
    pub fn from_secrets(
        wallet: &dyn WalletSigner,
        identity: PrivateKey,
        identity_ms: u64,
        pre_key: PrivateKey,
        pre_key_ms: u64,
    ) -> Result<Self, BundleError> {
        if let Some(wallet_key) = wallet.local_key() {
            return Self::from_local_secrets(wallet_key, wallet.address(), identity, identity_ms, pre_key, pre_key_ms);
        }
        // The wallet's signature and the pre-key's are independent: on two cores they take the
        // time of one (each is a public-key derivation plus a signature).
        let (id_public, pre_public) = rayon::join(
            || SignedKey::wallet_signed(*identity.public_key(), identity_ms, wallet),
            || SignedKey::signed_by_identity(*pre_key.public_key(), pre_key_ms, &identity),
        );
        let identity = OwnKey { secret: identity, public: id_public? };
        let pre_keys = vec![OwnKey { secret: pre_key, public: pre_public }];
        if wallet.signs_locally() {
            // Both signatures were just made here with keys we hold: nothing to re-check.
            Self::assemble_trusted(identity, pre_keys, wallet.address())
        } else {
            Self::assemble(identity, pre_keys, Some(&wallet.address()))
        }
    }

    /// [`Self::from_secrets`] with a wallet whose key is held here: the same bytes, made
    /// together on one core — both public keys, then both signatures, `ecc` sharing their
    /// inversions (faster here than two chains on two cores: waking a thread costs more).
    fn from_local_secrets(
        wallet_key: &PrivateKey,
        address: WalletAddress,
        identity: PrivateKey,
        identity_ms: u64,
        pre_key: PrivateKey,
        pre_key_ms: u64,
    ) -> Result<Self, BundleError> {
        ecc::compute_public_keys(&[&identity, &pre_key]);
        let (id_key, pre_key_public) = (*identity.public_key(), *pre_key.public_key());
        let id_text = create_identity_text(&legacy_bytes_to_sign(identity_ms, &id_key));
        let wallet_digest = eip191_hash(id_text.as_bytes());
        let pre_digest = sha256(&[&legacy_bytes_to_sign(pre_key_ms, &pre_key_public)]);
        let signatures = ecc::sign_prehash_batch(&[(wallet_key, &wallet_digest), (&identity, &pre_digest)]);
        let [wallet_signature, pre_signature] = [signatures[0], signatures[1]];
        let identity =
            OwnKey { public: SignedKey::legacy_presigned(id_key, identity_ms, wallet_signature), secret: identity };
        let pre_keys = vec![OwnKey {
            public: SignedKey::legacy_presigned(pre_key_public, pre_key_ms, pre_signature),
            secret: pre_key,
        }];
        Self::assemble_trusted(identity, pre_keys, address)
    }

    /// Adds a new current pre-key (newest first). The reference never rotates, but bundles with
    /// several pre-keys must work (spec §3.6).
    pub fn rotate_pre_key(&self, now_ms: u64, rng: &mut impl CryptoRngCore) -> Result<Self, BundleError> {
        let secret = PrivateKey::generate(rng);
        let public = SignedKey::signed_by_identity(*secret.public_key(), now_ms, &self.identity.secret);
        let mut pre_keys = vec![OwnKey { secret, public }];
        pre_keys.extend(self.pre_keys.iter().cloned());
        Self::assemble_trusted(self.identity.clone(), pre_keys, self.address.clone())
    }

    /// Decodes a stored bundle: `PrivateKeyBundle{v1}`, or a bare `PrivateKeyBundleV1` (legacy).
    /// A `PrivateKeyBundle{v2}` is refused (spec §3.1, trap 22).
    pub fn decode(bytes: &[u8]) -> Result<Self, BundleError> {
        match pb::PrivateKeyBundle::decode(bytes) {
            Ok(pb::PrivateKeyBundle { version: Some(pb::private_key_bundle::Version::V1(v1)) }) => {
                let r = Self::from_v1_proto(&v1);
                scrub_v1(v1);
                r
            }
            Ok(pb::PrivateKeyBundle { version: Some(pb::private_key_bundle::Version::V2(_)) }) => {
                Err(BundleError::V2BundleNotLoadable)
            }
            _ => {
                let v1: pb::PrivateKeyBundleV1 = decode("PrivateKeyBundle", bytes)?;
                let r = Self::from_v1_proto(&v1);
                scrub_v1(v1);
                r
            }
        }
    }

    /// Checks and loads a `PrivateKeyBundleV1`: every stored public key must match its secret,
    /// every pre-key must be signed by the identity key.
    pub fn from_v1_proto(v1: &pb::PrivateKeyBundleV1) -> Result<Self, BundleError> {
        let identity =
            OwnKey::from_legacy_proto(v1.identity_key.as_ref().ok_or(BundleError::Missing("identity key"))?)?;
        let pre_keys = v1.pre_keys.iter().map(OwnKey::from_legacy_proto).collect::<Result<Vec<_>, _>>()?;
        Self::assemble(identity, pre_keys, None)
    }

    /// Checks every signature (loaded bundles, external wallets), then builds the bundle.
    fn assemble(
        identity: OwnKey,
        pre_keys: Vec<OwnKey>,
        expected: Option<&WalletAddress>,
    ) -> Result<Self, BundleError> {
        for k in &pre_keys {
            k.public.verify_signed_by(identity.secret.public_key())?;
        }
        let address = identity.public.wallet_address()?;
        if let Some(expected) = expected
            && *expected != address
        {
            return Err(BundleError::WrongWallet { expected: expected.clone(), found: address });
        }
        Self::assemble_trusted(identity, pre_keys, address)
    }

    /// Builds the bundle from keys whose signatures are known to be right (made here).
    fn assemble_trusted(identity: OwnKey, pre_keys: Vec<OwnKey>, address: WalletAddress) -> Result<Self, BundleError> {
        let current = pre_keys.first().ok_or(BundleError::NoPreKeys)?;
        let legacy_public = pb::PublicKeyBundle {
            identity_key: Some(identity.public.to_legacy_proto()?),
            pre_key: Some(current.public.to_legacy_proto()?),
        };
        let signed_public = pb::SignedPublicKeyBundle {
            identity_key: Some(identity.public.to_signed_proto(true)),
            pre_key: Some(current.public.to_signed_proto(false)),
        };
        Ok(Self { identity, pre_keys, address, legacy_public, signed_public })
    }

    /// The wallet address this identity belongs to.
    pub fn address(&self) -> &WalletAddress {
        &self.address
    }

    /// The identity key.
    pub fn identity(&self) -> &OwnKey {
        &self.identity
    }

    /// The current pre-key (`pre_keys[0]`).
    pub fn current_pre_key(&self) -> &OwnKey {
        // `assemble` refuses bundles without pre-keys.
        &self.pre_keys[0]
    }

    /// All pre-keys, newest first.
    pub fn pre_keys(&self) -> &[OwnKey] {
        &self.pre_keys
    }

    /// The own pre-key with this public key, if any (spec §5.3).
    pub fn pre_key_for(&self, public: &PublicKey) -> Option<&OwnKey> {
        self.pre_keys.iter().find(|k| k.public.key() == public)
    }

    /// Whether `identity` is our identity key (compared by public key, spec §3.7c).
    pub fn is_own_identity(&self, identity: &PublicKey) -> bool {
        self.identity.secret.public_key() == identity
    }

    /// The legacy public bundle (identity + current pre-key), as V1 headers carry it.
    pub fn public_bundle(&self) -> &pb::PublicKeyBundle {
        &self.legacy_public
    }

    /// The V2 public bundle, as invitations and `SignedContent` carry it.
    pub fn signed_public_bundle(&self) -> &pb::SignedPublicKeyBundle {
        &self.signed_public
    }

    /// Our own bundle as a verified [`PeerBundle`] (to encrypt to ourselves, or compare).
    pub fn as_peer(&self) -> PeerBundle {
        PeerBundle {
            address: self.address.clone(),
            identity: self.identity.public.clone(),
            pre_key: self.current_pre_key().public.clone(),
        }
    }

    /// `PB(ContactBundle{v1})` and `PB(ContactBundle{v2})`, in the order the reference publishes
    /// them (spec §4.3).
    pub fn contact_bundles(&self) -> [Vec<u8>; 2] {
        let v1 = pb::ContactBundle {
            version: Some(pb::contact_bundle::Version::V1(pb::ContactBundleV1 {
                key_bundle: Some(self.legacy_public.clone()),
            })),
        };
        let v2 = pb::ContactBundle {
            version: Some(pb::contact_bundle::Version::V2(pb::ContactBundleV2 {
                key_bundle: Some(self.signed_public.clone()),
            })),
        };
        [v1.encode_to_vec(), v2.encode_to_vec()]
    }

    fn to_v1_proto(&self) -> pb::PrivateKeyBundleV1 {
        pb::PrivateKeyBundleV1 {
            identity_key: Some(self.identity.to_legacy_proto()),
            pre_keys: self.pre_keys.iter().map(OwnKey::to_legacy_proto).collect(),
        }
    }

    /// `PB(PrivateKeyBundle{v1})`: what is stored (encrypted) and exported. Zeroized on drop.
    pub fn encode_v1(&self) -> Secret<Vec<u8>> {
        let v1 = self.to_v1_proto();
        let bytes = pb::PrivateKeyBundle { version: Some(pb::private_key_bundle::Version::V1(v1)) };
        let out = Secret::new(bytes.encode_to_vec());
        if let Some(pb::private_key_bundle::Version::V1(v1)) = bytes.version {
            scrub_v1(v1);
        }
        out
    }

    /// `PB(PrivateKeyBundle{v2})` (the conversion of spec §3.5). Zeroized on drop.
    pub fn encode_v2(&self) -> Secret<Vec<u8>> {
        let v2 = pb::PrivateKeyBundleV2 {
            identity_key: Some(self.identity.to_signed_proto(true)),
            pre_keys: self.pre_keys.iter().map(|k| k.to_signed_proto(false)).collect(),
        };
        let bundle = pb::PrivateKeyBundle { version: Some(pb::private_key_bundle::Version::V2(v2)) };
        let out = Secret::new(bundle.encode_to_vec());
        if let Some(pb::private_key_bundle::Version::V2(mut v2)) = bundle.version {
            for k in v2.identity_key.iter_mut().chain(v2.pre_keys.iter_mut()) {
                if let Some(pb::signed_private_key::Union::Secp256k1(s)) = &mut k.union {
                    zeroize::Zeroize::zeroize(&mut s.bytes);
                }
            }
        }
        out
    }
}

/// Overwrites the private scalars in a decoded or encoded `PrivateKeyBundleV1`.
fn scrub_v1(mut v1: pb::PrivateKeyBundleV1) {
    for k in v1.identity_key.iter_mut().chain(v1.pre_keys.iter_mut()) {
        if let Some(pb::private_key::Union::Secp256k1(s)) = &mut k.union {
            zeroize::Zeroize::zeroize(&mut s.bytes);
        }
    }
}
