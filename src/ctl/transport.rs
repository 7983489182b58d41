//! A small blocking HTTP/1.1 client for supervisorctl: XML-RPC calls over one kept-alive
//! connection (unix socket or TCP), Basic auth, and streamed GETs for `tail -f` / `fg`.
//!
//! Blocking std sockets are enough: the client does one thing at a time, and a blocking
//! `read` is what lets a SIGINT (installed without SA_RESTART) interrupt a `tail -f` with
//! EINTR. Like Supervisor's `SupervisorTransport`, a non-200 reply drops the connection and
//! becomes [`CallError::Protocol`]; a reused connection the server closed is reopened once.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use crate::rpc::xmlrpc::{decode_response, encode_call, Value};

/// Where the server listens, from a `serverurl`.
#[derive(Debug, Clone, PartialEq)]
pub enum Endpoint {
    Unix(String),
    Tcp { host: String, port: u16 },
}

impl Endpoint {
    /// Parses `unix:///path` or `http://host[:port][/...]` as `SupervisorTransport` does;
    /// anything else is its ValueError text.
    pub fn parse(serverurl: &str) -> Result<Endpoint, String> {
        if let Some(path) = serverurl.strip_prefix("unix://") {
            return Ok(Endpoint::Unix(path.to_string()));
        }
        if let Some(rest) = serverurl.strip_prefix("http://") {
            let netloc = rest.split(['/', '?', '#']).next().unwrap_or("");
            let hostport = netloc.rsplit('@').next().unwrap_or("");
            let (host, port) = match hostport.rsplit_once(':') {
                Some((h, p)) if !h.ends_with(']') || !p.is_empty() => match p {
                    "" => (h, 80),
                    p => (
                        h,
                        p.parse::<u16>().map_err(|_| {
                            format!(
                                "Port could not be cast to integer value as {}",
                                crate::config::py::repr(p)
                            )
                        })?,
                    ),
                },
                _ => (hostport, 80),
            };
            let host = host.trim_start_matches('[').trim_end_matches(']');
            return Ok(Endpoint::Tcp {
                host: host.to_ascii_lowercase(),
                port,
            });
        }
        Err(format!("Unknown protocol for serverurl {serverurl}"))
    }

    fn connect(&self) -> io::Result<Box<dyn Stream>> {
        Ok(match self {
            Endpoint::Unix(path) => Box::new(UnixStream::connect(path)?),
            Endpoint::Tcp { host, port } => Box::new(TcpStream::connect((host.as_str(), *port))?),
        })
    }

    /// The `Host:` header: http.client's `host[:port]`, `localhost` on a unix socket.
    fn host_header(&self) -> String {
        match self {
            Endpoint::Unix(_) => "localhost".into(),
            Endpoint::Tcp { host, port: 80 } => host.clone(),
            Endpoint::Tcp { host, port } => format!("{host}:{port}"),
        }
    }
}

/// A socket of either kind, so one client serves both.
pub trait Stream: Read + Write + Send {
    /// Shuts both directions, so a reader blocked in another thread returns.
    fn shutdown(&self);
    fn try_clone_box(&self) -> io::Result<Box<dyn Stream>>;
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()>;
}

impl Stream for UnixStream {
    fn shutdown(&self) {
        let _ = UnixStream::shutdown(self, std::net::Shutdown::Both);
    }
    fn try_clone_box(&self) -> io::Result<Box<dyn Stream>> {
        Ok(Box::new(self.try_clone()?))
    }
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        UnixStream::set_read_timeout(self, timeout)
    }
}

impl Stream for TcpStream {
    fn shutdown(&self) {
        let _ = TcpStream::shutdown(self, std::net::Shutdown::Both);
    }
    fn try_clone_box(&self) -> io::Result<Box<dyn Stream>> {
        Ok(Box::new(self.try_clone()?))
    }
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_read_timeout(self, timeout)
    }
}

/// Why a call did not return a value. Each variant is one of the exception classes the
/// stock client catches (or fails to catch), so commands can word them the same way.
#[derive(Debug)]
pub enum CallError {
    /// `xmlrpclib.Fault`: the server answered with a fault.
    Fault { code: i32, string: String },
    /// `xmlrpclib.ProtocolError`: an HTTP status other than 200.
    Protocol { status: u16, reason: String },
    /// `socket.error`: could not connect, or the connection broke.
    Io(io::Error),
    /// A reply that is not HTTP or not XML-RPC.
    Invalid(String),
    /// The `ValueError` for a `serverurl` that is neither `http://` nor `unix://`.
    BadUrl(String),
}

impl From<io::Error> for CallError {
    fn from(e: io::Error) -> Self {
        CallError::Io(e)
    }
}

/// The `Authorization` header value for `user:password`.
pub fn basic_auth(username: &str, password: &str) -> String {
    use base64::Engine as _;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    format!("Basic {token}")
}

/// An XML-RPC client on one endpoint, with credentials.
pub struct Client {
    endpoint: Result<Endpoint, String>,
    auth: Option<String>,
    conn: Option<Conn>,
}

impl Client {
    /// The stock transport sends credentials only when both are set.
    pub fn new(serverurl: &str, username: Option<&str>, password: Option<&str>) -> Client {
        Client {
            endpoint: Endpoint::parse(serverurl),
            auth: match (username, password) {
                (Some(u), Some(p)) => Some(basic_auth(u, p)),
                _ => None,
            },
            conn: None,
        }
    }

    /// The endpoint, or the ValueError the stock transport raises for a bad scheme.
    pub fn endpoint(&self) -> Result<&Endpoint, CallError> {
        self.endpoint
            .as_ref()
            .map_err(|e| CallError::BadUrl(e.clone()))
    }

    /// Calls `method(params)` on `/RPC2`.
    pub fn call(&mut self, method: &str, params: &[Value]) -> Result<Value, CallError> {
        let body = encode_call(method, params);
        let reused = self.conn.is_some();
        match self.post(&body) {
            // The server may close an idle kept-alive connection: http.client reopens it.
            Err(CallError::Io(_)) if reused => {
                self.conn = None;
                self.post(&body)
            }
            other => other,
        }
    }

    fn post(&mut self, body: &str) -> Result<Value, CallError> {
        let endpoint = self.endpoint()?.clone();
        if self.conn.is_none() {
            self.conn = Some(Conn::new(endpoint.connect()?));
        }
        let conn = self.conn.as_mut().expect("connected above");
        let mut head = format!(
            "POST /RPC2 HTTP/1.1\r\nHost: {}\r\nAccept-Encoding: identity\r\n\
             User-Agent: supervisorctl (Rust)\r\nContent-Type: text/xml\r\nAccept: text/xml\r\n",
            endpoint.host_header()
        );
        if let Some(auth) = &self.auth {
            head.push_str(&format!("Authorization: {auth}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let result = (|| {
            conn.stream.write_all(head.as_bytes())?;
            conn.stream.write_all(body.as_bytes())?;
            conn.stream.flush()?;
            let response = conn.read_head()?;
            let body = conn.read_body(&response)?;
            Ok::<_, io::Error>((response, body))
        })();
        let (response, body) = match result {
            Ok(r) => r,
            Err(e) => {
                self.conn = None;
                return Err(CallError::Io(e));
            }
        };
        if response.status != 200 || response.close {
            self.conn = None;
        }
        if response.status != 200 {
            return Err(CallError::Protocol {
                status: response.status,
                reason: response.reason,
            });
        }
        match decode_response(&body) {
            Ok(Ok(value)) => Ok(value),
            Ok(Err((code, string))) => Err(CallError::Fault { code, string }),
            Err(e) => Err(CallError::Invalid(e.to_string())),
        }
    }

    /// Opens a new connection and sends `GET path`: for `/logtail/...` and `/mainlogtail`.
    /// Like Supervisor's `HTTPHandler`, credentials go only when a password is set.
    pub fn get_stream(&self, path: &str, password_set: bool) -> Result<Conn, CallError> {
        let endpoint = self.endpoint()?;
        let mut stream = endpoint.connect()?;
        let mut head = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nAccept-Encoding: chunked\r\nAccept: */*\r\n\
             User-agent: Supervisor HTTP Client\r\n",
            endpoint.host_header()
        );
        if let (true, Some(auth)) = (password_set, &self.auth) {
            head.push_str(&format!("Authorization: {auth}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        stream.set_read_timeout(Some(INTERRUPT_CHECK))?;
        Ok(Conn {
            interruptible: true,
            ..Conn::new(stream)
        })
    }
}

/// A response's status line and the headers that frame its body.
#[derive(Debug)]
pub struct Head {
    pub status: u16,
    pub reason: String,
    chunked: bool,
    length: Option<usize>,
    close: bool,
}

/// One connection with a read buffer.
pub struct Conn {
    pub stream: Box<dyn Stream>,
    buf: Vec<u8>,
    /// A streamed GET (`tail -f`, `fg`): a Ctrl-C ends its reads.
    interruptible: bool,
}

/// How often a streamed read looks at the Ctrl-C flag. A SIGINT interrupts a blocked read
/// (EINTR), but one that lands just before the read starts does not: the read then wakes
/// this often to see the flag.
const INTERRUPT_CHECK: Duration = Duration::from_millis(500);

impl Conn {
    fn new(stream: Box<dyn Stream>) -> Conn {
        Conn {
            stream,
            buf: Vec::new(),
            interruptible: false,
        }
    }

    /// Reads more bytes into the buffer; 0 at end of stream. EINTR is returned to the
    /// caller (not retried), so a Ctrl-C can stop a blocked read.
    fn fill(&mut self) -> io::Result<usize> {
        let mut chunk = [0u8; 8192];
        loop {
            if self.interruptible && super::term::interrupted() {
                return Err(io::ErrorKind::Interrupted.into());
            }
            match self.stream.read(&mut chunk) {
                Err(e)
                    if self.interruptible
                        && matches!(
                            e.kind(),
                            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                        ) =>
                {
                    continue
                }
                read => {
                    let n = read?;
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(n);
                }
            }
        }
    }

    fn read_line(&mut self) -> io::Result<Vec<u8>> {
        loop {
            if let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=i).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            if self.fill()? == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed",
                ));
            }
        }
    }

    /// Reads the status line and headers.
    pub fn read_head(&mut self) -> io::Result<Head> {
        let status_line = String::from_utf8_lossy(&self.read_line()?).into_owned();
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or("");
        let status = parts.next().and_then(|s| s.parse().ok());
        let (true, Some(status)) = (version.starts_with("HTTP/"), status) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("bad status line {status_line:?}"),
            ));
        };
        let mut head = Head {
            status,
            reason: parts.next().unwrap_or("").trim().to_string(),
            chunked: false,
            length: None,
            close: version == "HTTP/1.0",
        };
        loop {
            let line = self.read_line()?;
            if line.is_empty() {
                return Ok(head);
            }
            let line = String::from_utf8_lossy(&line);
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "transfer-encoding" => head.chunked = value.eq_ignore_ascii_case("chunked"),
                "content-length" => head.length = value.parse().ok(),
                "connection" => head.close = value.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
    }

    /// Reads a whole body.
    fn read_body(&mut self, head: &Head) -> io::Result<Vec<u8>> {
        let mut body = Vec::new();
        self.stream_body(head, &mut |bytes| {
            body.extend_from_slice(bytes);
            Ok(())
        })?;
        Ok(body)
    }

    /// Hands the next `count` bytes to `sink` as they arrive.
    fn pass_on(
        &mut self,
        count: usize,
        sink: &mut dyn FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut left = count;
        while left > 0 {
            if self.buf.is_empty() && self.fill()? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let n = left.min(self.buf.len());
            let piece: Vec<u8> = self.buf.drain(..n).collect();
            sink(&piece)?;
            left -= n;
        }
        Ok(())
    }

    /// Hands the body to `sink` piece by piece as it arrives (chunked, by length, or until
    /// the server closes).
    pub fn stream_body(
        &mut self,
        head: &Head,
        sink: &mut dyn FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        if head.chunked {
            loop {
                let line = String::from_utf8_lossy(&self.read_line()?).into_owned();
                let size_text = line.split([';', ' ']).next().unwrap_or("").trim();
                if size_text.is_empty() {
                    continue;
                }
                let size = usize::from_str_radix(size_text, 16)
                    .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
                if size == 0 {
                    // Trailer: lines up to an empty one.
                    while !self.read_line()?.is_empty() {}
                    return Ok(());
                }
                self.pass_on(size, sink)?;
                self.read_line()?;
            }
        } else if let Some(length) = head.length {
            self.pass_on(length, sink)
        } else {
            loop {
                if !self.buf.is_empty() {
                    let piece = std::mem::take(&mut self.buf);
                    sink(&piece)?;
                }
                if self.fill()? == 0 {
                    return Ok(());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        assert_eq!(
            Endpoint::parse("unix:///tmp/s.sock"),
            Ok(Endpoint::Unix("/tmp/s.sock".into()))
        );
        assert_eq!(
            Endpoint::parse("http://LocalHost:9001/RPC2"),
            Ok(Endpoint::Tcp {
                host: "localhost".into(),
                port: 9001
            })
        );
        assert_eq!(
            Endpoint::parse("http://127.0.0.1"),
            Ok(Endpoint::Tcp {
                host: "127.0.0.1".into(),
                port: 80
            })
        );
        assert_eq!(
            Endpoint::parse("localhost:9001"),
            Err("Unknown protocol for serverurl localhost:9001".into())
        );
    }

    #[test]
    fn auth_header() {
        assert_eq!(basic_auth("user", "123"), "Basic dXNlcjoxMjM=");
    }
}
