//! HTTP Basic authentication, as Supervisor's `supervisor_auth_handler` does it: one user per
//! server, the password in clear or as `{SHA}<hex sha1>`, realm `default`. Every route of a
//! server with credentials is guarded, /ok.html included (Supervisor wraps every handler).
//!
//! Comparisons are constant-time over equal-length digests, so neither the password nor its
//! length leaks through timing (Supervisor compares with `==`).

use base64::Engine as _;

use crate::config::Credentials;

/// What the guard decided about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// 401 with `WWW-Authenticate: Basic realm="default"`.
    Unauthorized,
    /// 400: the Basic token is not base64 (Supervisor's medusa answers so).
    Malformed,
}

/// The `WWW-Authenticate` value of every 401.
pub const CHALLENGE: &str = "Basic realm=\"default\"";

/// Checks an `Authorization` header value against a server's credentials; no credentials
/// means the server is open.
pub fn check(credentials: Option<&Credentials>, header: Option<&[u8]>) -> Verdict {
    let Some(credentials) = credentials else {
        return Verdict::Allowed;
    };
    let Some(header) = header.and_then(|h| std::str::from_utf8(h).ok()) else {
        return Verdict::Unauthorized;
    };
    let Some((scheme, token)) = header.trim().split_once(' ') else {
        return Verdict::Unauthorized;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Verdict::Unauthorized;
    }
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(token.trim()) else {
        return Verdict::Malformed;
    };
    let Some(colon) = decoded.iter().position(|&b| b == b':') else {
        return Verdict::Unauthorized;
    };
    let (username, password) = (&decoded[..colon], &decoded[colon + 1..]);
    // Evaluate both halves, so a wrong user name takes as long as a wrong password.
    let user_ok = same_digest(username, credentials.username.as_bytes());
    let password_ok = password_matches(&credentials.password, password);
    if user_ok & password_ok {
        Verdict::Allowed
    } else {
        Verdict::Unauthorized
    }
}

/// A stored password is either clear text or `{SHA}` and the hex SHA-1 of the password
/// (Supervisor's `encrypted_dictionary_authorizer`; the hex is compared as written).
fn password_matches(stored: &str, given: &[u8]) -> bool {
    match stored.strip_prefix("{SHA}") {
        Some(hex) => {
            let given_hex = sha1_smol::Sha1::from(given).digest().to_string();
            same_digest(given_hex.as_bytes(), hex.as_bytes())
        }
        None => same_digest(given, stored.as_bytes()),
    }
}

/// Compares the SHA-1 digests of `a` and `b` in constant time: equal lengths always, so the
/// length of the secret does not show either.
fn same_digest(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (
        sha1_smol::Sha1::from(a).digest().bytes(),
        sha1_smol::Sha1::from(b).digest().bytes(),
    );
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(password: &str) -> Credentials {
        Credentials {
            username: "user".into(),
            password: password.into(),
        }
    }

    fn basic(userpass: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(userpass)
        )
    }

    #[test]
    fn open_server_allows_everything() {
        assert_eq!(check(None, None), Verdict::Allowed);
    }

    #[test]
    fn clear_password() {
        let c = creds("123");
        let ok = basic("user:123");
        assert_eq!(check(Some(&c), Some(ok.as_bytes())), Verdict::Allowed);
        for bad in ["user:1234", "user:", "other:123", "user"] {
            let h = basic(bad);
            assert_eq!(check(Some(&c), Some(h.as_bytes())), Verdict::Unauthorized);
        }
        assert_eq!(check(Some(&c), None), Verdict::Unauthorized);
        assert_eq!(check(Some(&c), Some(b"Digest abc")), Verdict::Unauthorized);
        assert_eq!(check(Some(&c), Some(b"Basic !!!")), Verdict::Malformed);
    }

    #[test]
    fn colons_belong_to_the_password() {
        let c = creds("a:b");
        let h = basic("user:a:b");
        assert_eq!(check(Some(&c), Some(h.as_bytes())), Verdict::Allowed);
    }

    #[test]
    fn sha_password() {
        // sha1("thepassword")
        let c = creds("{SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d");
        let ok = basic("user:thepassword");
        assert_eq!(check(Some(&c), Some(ok.as_bytes())), Verdict::Allowed);
        let literal = basic("user:{SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d");
        assert_eq!(
            check(Some(&c), Some(literal.as_bytes())),
            Verdict::Unauthorized
        );
    }

    #[test]
    fn scheme_is_case_insensitive() {
        let c = creds("123");
        let h = basic("user:123").replace("Basic", "basic");
        assert_eq!(check(Some(&c), Some(h.as_bytes())), Verdict::Allowed);
    }
}
