//! A hostile HTTP server on loopback, written at the socket: it answers each request with what
//! the test's handler says, including what no well-behaved server sends (a body that never
//! ends, a decompression bomb, a header that loops). For the tests of the clients' bounds.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// What to answer to one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A whole response: status, extra headers, body (sent with its Content-Length).
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// A 200 with a chunked body that never ends: `chunk` sent again and again until the client
    /// hangs up.
    Endless {
        headers: Vec<(String, String)>,
        chunk: Vec<u8>,
    },
}

impl Reply {
    /// A 200 with a JSON body.
    pub fn json(body: &str) -> Reply {
        Reply::Full {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// An extra header.
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        match &mut self {
            Reply::Full { headers, .. } | Reply::Endless { headers, .. } => {
                headers.push((name.to_string(), value.to_string()));
            }
        }
        self
    }
}

/// The server: its address, and how many requests it has answered.
pub struct RawServer {
    pub port: u16,
    requests: Arc<AtomicU64>,
}

impl RawServer {
    /// Serves on 127.0.0.1 (a free port) until the process ends; `handler` maps a request's
    /// path and query to its reply.
    pub fn start(handler: impl Fn(&str) -> Reply + Send + Sync + 'static) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("local address").port();
        let requests = Arc::new(AtomicU64::new(0));
        let handler = Arc::new(handler);
        let counted = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let handler = Arc::clone(&handler);
                let counted = Arc::clone(&counted);
                std::thread::spawn(move || serve(stream, &*handler, &counted));
            }
        });
        RawServer { port, requests }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}

fn serve(stream: TcpStream, handler: &dyn Fn(&str) -> Reply, requests: &AtomicU64) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut out = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        // Headers, to the blank line.
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" || line == "\n" {
                break;
            }
        }
        requests.fetch_add(1, Ordering::Relaxed);
        let target = request_line.split_whitespace().nth(1).unwrap_or("/");
        match handler(target) {
            Reply::Full {
                status,
                headers,
                body,
            } => {
                let mut head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", body.len());
                for (k, v) in headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                if out.write_all(head.as_bytes()).is_err() || out.write_all(&body).is_err() {
                    return;
                }
            }
            Reply::Endless { headers, chunk } => {
                let mut head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n".to_string();
                for (k, v) in headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                if out.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
                framed.extend_from_slice(&chunk);
                framed.extend_from_slice(b"\r\n");
                while out.write_all(&framed).is_ok() {}
                return;
            }
        }
    }
}
