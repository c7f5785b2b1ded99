//! One running instance per profile. The instance holding the profile lock answers on a loopback
//! port it writes, with a random token, to `<profile>/.instance`. A second start of the same
//! profile sends that token to ask it to show its window, then exits. The token means only a
//! process that can read the profile folder can ask, and a stale file pointing at a port some
//! other program now owns is detected (no `ok` comes back) instead of trusted.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rand_core::RngCore;

/// The file, in the profile folder, naming the running instance's port and token.
pub const FILE: &str = ".instance";
const REQUEST: &str = "courier-show";
const TIMEOUT: Duration = Duration::from_secs(2);
/// Requests and replies are one short line: a peer that never sends a newline cannot grow it.
const LINE_MAX: u64 = 256;

/// Why the running instance could not be reached.
#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    /// No readable `.instance` file.
    #[error("cannot read {path}: {source}")]
    NoFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not `port token`.
    #[error("{0} is malformed")]
    Malformed(PathBuf),
    /// Connecting, writing or reading failed.
    #[error("the running instance did not answer: {0}")]
    Io(#[from] std::io::Error),
    /// Something answered, but not with `ok`.
    #[error("the program at the recorded port is not this profile's Courier")]
    WrongAnswer,
}

fn token() -> String {
    let mut bytes = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Listens for "show" requests for the profile in `dir`; `on_show` runs (on the listener's
/// thread) for each request carrying the right token. Returns once the file is written.
pub fn serve(dir: &Path, on_show: impl Fn() + Send + 'static) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    let addr = listener.local_addr()?;
    let token = token();
    // Private, written aside and renamed, so a second instance never reads half a file.
    crate::private::write(&dir.join(FILE), format!("{} {token}\n", addr.port()).as_bytes())?;
    std::thread::Builder::new().name("courier-instance".into()).spawn(move || {
        for stream in listener.incoming() {
            match stream.and_then(|s| answer(s, &token)) {
                Ok(true) => on_show(),
                Ok(false) => tracing::warn!("ignored a show request without this profile's token"),
                Err(e) => tracing::debug!(error = %e, "instance request failed"),
            }
        }
    })?;
    Ok(addr)
}

/// Reads one request; answers `ok` and returns true if it carries `token`.
fn answer(stream: TcpStream, token: &str) -> std::io::Result<bool> {
    stream.set_read_timeout(Some(TIMEOUT))?;
    let mut line = String::new();
    BufReader::new((&stream).take(LINE_MAX)).read_line(&mut line)?;
    let ok = line.trim_end() == format!("{REQUEST} {token}");
    if ok {
        (&stream).write_all(b"ok\n")?;
    }
    Ok(ok)
}

/// Asks the instance running the profile in `dir` to show its window.
pub fn signal(dir: &Path) -> Result<(), InstanceError> {
    let path = dir.join(FILE);
    let text = std::fs::read_to_string(&path).map_err(|source| InstanceError::NoFile { path: path.clone(), source })?;
    let (port, token) = text.trim().split_once(' ').ok_or_else(|| InstanceError::Malformed(path.clone()))?;
    let port: u16 = port.parse().map_err(|_| InstanceError::Malformed(path.clone()))?;
    let stream = TcpStream::connect_timeout(&SocketAddr::from((Ipv4Addr::LOCALHOST, port)), TIMEOUT)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    (&stream).write_all(format!("{REQUEST} {token}\n").as_bytes())?;
    let mut reply = String::new();
    BufReader::new((&stream).take(LINE_MAX)).read_line(&mut reply)?;
    if reply.trim_end() == "ok" { Ok(()) } else { Err(InstanceError::WrongAnswer) }
}
