//! A minimal blocking XML-RPC client over a unix socket with one kept-alive connection, so
//! that the figures measure the daemon, not the client.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use supervisord::rpc::xmlrpc::{decode_response, encode_call, Value};

pub struct Client {
    path: PathBuf,
    conn: Option<BufReader<UnixStream>>,
}

impl Client {
    pub fn new(path: &Path) -> Client {
        Client {
            path: path.to_path_buf(),
            conn: None,
        }
    }

    /// Calls `method`; Err carries a fault or a transport error as text.
    pub fn call(&mut self, method: &str, params: &[Value]) -> Result<Value, String> {
        let body = encode_call(method, params);
        let raw = self.post("/RPC2", body.as_bytes())?;
        decode(&raw)
    }

    /// Sends a call without waiting for its reply, which [`Client::finish`] then reads: for
    /// timing something the call causes elsewhere, apart from the reply's own way back.
    pub fn begin(&mut self, method: &str, params: &[Value]) -> Result<(), String> {
        let body = encode_call(method, params);
        let result = self.send("/RPC2", body.as_bytes());
        self.drop_if_failed(result)
    }

    /// The reply to the call [`Client::begin`] sent.
    pub fn finish(&mut self) -> Result<Value, String> {
        let result = self.connection().and_then(read_response);
        decode(&self.drop_if_failed(result)?)
    }

    /// Calls `method` and returns the raw response body without decoding it, so that a
    /// latency figure measures the daemon rather than this client's XML parsing (the same
    /// for both daemons). A fault is still an error.
    pub fn call_raw(&mut self, method: &str, params: &[Value]) -> Result<Vec<u8>, String> {
        let body = encode_call(method, params);
        let raw = self.post("/RPC2", body.as_bytes())?;
        if raw.windows(7).any(|w| w == b"<fault>") {
            return Err(format!("fault: {}", String::from_utf8_lossy(&raw)));
        }
        Ok(raw)
    }

    fn connection(&mut self) -> Result<&mut BufReader<UnixStream>, String> {
        if self.conn.is_none() {
            let s = UnixStream::connect(&self.path).map_err(|e| e.to_string())?;
            s.set_read_timeout(Some(Duration::from_secs(600))).ok();
            self.conn = Some(BufReader::new(s));
        }
        Ok(self.conn.as_mut().expect("connected"))
    }

    fn post(&mut self, path: &str, body: &[u8]) -> Result<Vec<u8>, String> {
        let result = self.try_post(path, body);
        self.drop_if_failed(result)
    }

    /// A connection that failed mid-request is in an unknown state: the next call reconnects.
    fn drop_if_failed<T>(&mut self, result: Result<T, String>) -> Result<T, String> {
        if result.is_err() {
            self.conn = None;
        }
        result
    }

    fn try_post(&mut self, path: &str, body: &[u8]) -> Result<Vec<u8>, String> {
        self.send(path, body)?;
        read_response(self.connection()?)
    }

    fn send(&mut self, path: &str, body: &[u8]) -> Result<(), String> {
        let conn = self.connection()?;
        // Head and body in one write, as Python's http.client sends them (xmlrpc.client,
        // supervisorctl): two writes would cost either server an extra wake-up per call.
        let mut request = format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        request.extend_from_slice(body);
        conn.get_mut()
            .write_all(&request)
            .map_err(|e| e.to_string())
    }
}

fn decode(raw: &[u8]) -> Result<Value, String> {
    match decode_response(raw).map_err(|e| e.to_string())? {
        Ok(v) => Ok(v),
        Err((code, text)) => Err(format!("fault {code}: {text}")),
    }
}

/// Reads one response with a Content-Length or chunked body.
fn read_response(conn: &mut BufReader<UnixStream>) -> Result<Vec<u8>, String> {
    let mut line = String::new();
    let mut length = None;
    let mut chunked = false;
    loop {
        line.clear();
        if conn.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            return Err("connection closed".into());
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let lower = l.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse::<usize>().ok();
        }
        if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            conn.read_line(&mut line).map_err(|e| e.to_string())?;
            let size = usize::from_str_radix(line.trim(), 16).map_err(|e| e.to_string())?;
            let mut chunk = vec![0; size + 2];
            conn.read_exact(&mut chunk).map_err(|e| e.to_string())?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length.ok_or("no length")?, 0);
        conn.read_exact(&mut body).map_err(|e| e.to_string())?;
    }
    Ok(body)
}

/// Time to the first body byte of GET `path` on a fresh connection.
pub fn first_byte(socket: &Path, path: &str) -> Result<Duration, String> {
    let start = std::time::Instant::now();
    let mut s = UnixStream::connect(socket).map_err(|e| e.to_string())?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes())
        .map_err(|e| e.to_string())?;
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = s.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("closed before the body".into());
        }
        seen.extend_from_slice(&buf[..n]);
        if let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            if seen.len() > end + 4 {
                return Ok(start.elapsed());
            }
        }
    }
}
