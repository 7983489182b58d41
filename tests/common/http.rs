//! A raw HTTP/1.1 client over std sockets for the HTTP front-end tests: requests are written
//! byte for byte (so malformed and partial ones can be sent), responses parsed just enough to
//! check status, headers, bodies and chunked streams. Every read has a deadline.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::DEADLINE;

trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

/// One client connection.
pub struct Conn {
    stream: Box<dyn Stream>,
    /// Bytes read but not yet consumed.
    buf: Vec<u8>,
}

/// A response head, plus the body when it was read whole.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// A header's value by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn chunked(&self) -> bool {
        self.header("transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    }
}

/// `Authorization: Basic ...` for `user:password`.
pub fn basic_auth(user: &str, password: &str) -> String {
    use base64::Engine as _;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Authorization: Basic {token}\r\n")
}

/// A localhost TCP port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("ephemeral port")
        .port()
}

impl Conn {
    pub fn unix(path: &Path) -> Conn {
        let stream =
            UnixStream::connect(path).unwrap_or_else(|e| panic!("connect {}: {e}", path.display()));
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
        Conn::new(Box::new(stream))
    }

    pub fn tcp(port: u16) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", port))
            .unwrap_or_else(|e| panic!("connect 127.0.0.1:{port}: {e}"));
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
        Conn::new(Box::new(stream))
    }

    fn new(stream: Box<dyn Stream>) -> Conn {
        Conn {
            stream,
            buf: Vec::new(),
        }
    }

    /// Writes raw bytes.
    pub fn send(&mut self, raw: &[u8]) {
        self.stream.write_all(raw).expect("write request");
    }

    /// Sends `METHOD path` with `extra` header lines (each ending in CRLF) and a body with its
    /// Content-Length when there is one, as Supervisor's clients send (Host: localhost).
    pub fn request(&mut self, method: &str, path: &str, extra: &str, body: Option<&[u8]>) {
        let mut raw = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n{extra}");
        if let Some(body) = body {
            raw.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        raw.push_str("\r\n");
        let mut raw = raw.into_bytes();
        raw.extend_from_slice(body.unwrap_or_default());
        self.send(&raw);
    }

    /// GET `path` and read the whole response.
    pub fn get(&mut self, path: &str, extra: &str) -> Response {
        self.request("GET", path, extra, None);
        self.response()
    }

    /// Reads one whole response: head, then a Content-Length body, or a chunked body to its
    /// last chunk.
    pub fn response(&mut self) -> Response {
        let mut response = self.head();
        if response.chunked() {
            while let Some(chunk) = self.chunk() {
                response.body.extend(chunk);
            }
        } else if let Some(n) = response.header("content-length") {
            let n: usize = n.parse().expect("content-length");
            response.body = self.take(n);
        }
        response
    }

    /// Reads a response head only (a stream's chunks follow with [`Conn::chunk`]).
    pub fn head(&mut self) -> Response {
        let end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i;
            }
            self.fill();
        };
        let head = String::from_utf8(self.buf.drain(..end + 4).collect()).expect("utf-8 head");
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        Response {
            status,
            headers,
            body: Vec::new(),
        }
    }

    /// The next chunk of a chunked body, or None after the last one.
    pub fn chunk(&mut self) -> Option<Vec<u8>> {
        let line_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n") {
                break i;
            }
            self.fill();
        };
        let size_line = String::from_utf8(self.buf.drain(..line_end + 2).collect()).unwrap();
        let size = usize::from_str_radix(size_line.trim().split(';').next().unwrap(), 16)
            .unwrap_or_else(|_| panic!("bad chunk size {size_line:?}"));
        let data = self.take(size + 2);
        (size > 0).then(|| data[..size].to_vec())
    }

    /// Reads chunks until their text contains `needle`; returns everything read.
    pub fn chunks_until(&mut self, needle: &str) -> String {
        let end = Instant::now() + DEADLINE;
        let mut text = String::new();
        while !text.contains(needle) {
            assert!(
                Instant::now() < end,
                "no {needle:?} in the stream: {text:?}"
            );
            let chunk = self
                .chunk()
                .unwrap_or_else(|| panic!("stream ended: {text:?}"));
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
        text
    }

    /// Whether the server closed the connection (reads EOF within `wait`).
    pub fn closed_within(&mut self, wait: Duration) -> bool {
        let end = Instant::now() + wait;
        let mut byte = [0u8; 1024];
        while Instant::now() < end {
            match self.stream.read(&mut byte) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
                Err(_) => return false,
            }
        }
        false
    }

    fn take(&mut self, n: usize) -> Vec<u8> {
        while self.buf.len() < n {
            self.fill();
        }
        self.buf.drain(..n).collect()
    }

    fn fill(&mut self) {
        let mut chunk = [0u8; 8192];
        match self.stream.read(&mut chunk) {
            Ok(0) => panic!(
                "connection closed; unread: {:?}",
                String::from_utf8_lossy(&self.buf)
            ),
            Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            Err(e) => panic!(
                "read failed ({e}); unread: {:?}",
                String::from_utf8_lossy(&self.buf)
            ),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The Python with the stock supervisor 4.3 package: `$SUPERVISOR_PY_VENV`, else
/// `target/pyvenv` as scripts/setup-test-deps.sh makes it. Panics with how to get it.
pub fn python() -> PathBuf {
    let venv = std::env::var_os("SUPERVISOR_PY_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pyvenv"));
    let python = venv.join("bin/python");
    assert!(
        python.exists(),
        "no Python with supervisor 4.3 at {}: run scripts/setup-test-deps.sh or set \
         SUPERVISOR_PY_VENV",
        venv.display()
    );
    python
}
