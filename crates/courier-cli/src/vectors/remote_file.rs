//! The `encrypted` part of a remote attachment case: its file opens with the message's
//! parameters (size, then digest before decrypting, then decryption and decoding) to the
//! attachment `inner_expected` names.

use serde_json::{Value, json};
use xmtp_crypto::content::{Content, DecodedContent, MAX_DECOMPRESSED_BYTES, remote};
use xmtp_crypto::hash;

use super::json::{R, field, hex_field};

pub(super) fn check(decoded: &DecodedContent, encrypted: &Value) -> R<()> {
    let Content::RemoteAttachment(message) = &decoded.content else {
        return Err("`encrypted` given for content that is not a remote attachment".into());
    };
    let payload = hex_field(encrypted, "payload_hex")?;
    let opened = remote::open(message, &payload, MAX_DECOMPRESSED_BYTES).map_err(|e| format!("remote file: {e}"))?;
    let Content::Attachment(file) = &opened.content else {
        return Err(format!("remote file holds {}, not an attachment", opened.content_type));
    };
    let got = json!({
        "filename": file.filename,
        "mimeType": file.mime_type,
        "data_hex": hex::encode(&file.data),
        "data_sha256": hex::encode(hash::sha256(&[&file.data])),
    });
    let Value::Object(want) = field(encrypted, "inner_expected")? else {
        return Err("`encrypted.inner_expected` is not an object".into());
    };
    for (k, v) in want {
        if got.get(k) != Some(v) {
            return Err(format!("encrypted.inner_expected.{k}: got {}, want {v}", got.get(k).unwrap_or(&Value::Null)));
        }
    }
    Ok(())
}
