//! The TCP layer every transport starts with.

use super::Target;
use tokio::net::TcpStream;

/// Connects to the target's host and port, with Nagle off (checks send small packets and time
/// the answers).
///
/// # Errors
/// The connect error.
pub async fn connect(target: &Target) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect((target.host.as_str(), target.port)).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}
