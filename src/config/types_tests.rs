//! Unit tests for types.rs: each parser against the values and error texts of Supervisor's
//! datatypes.py.

use super::*;

#[test]
fn booleans() {
    for t in ["yes", "TRUE", "On", "1"] {
        assert_eq!(boolean(t), Ok(true), "{t}");
    }
    for f in ["no", "False", "OFF", "0"] {
        assert_eq!(boolean(f), Ok(false), "{f}");
    }
    assert_eq!(
        boolean("maybe"),
        Err("not a valid boolean value: 'maybe'".into())
    );
}

#[test]
fn byte_sizes() {
    assert_eq!(byte_size("1024"), Ok(1024));
    assert_eq!(byte_size("10kb"), Ok(10 * 1024));
    assert_eq!(byte_size("50MB"), Ok(50 * 1024 * 1024));
    assert_eq!(byte_size("1GB"), Ok(1 << 30));
    assert_eq!(
        byte_size("5XB"),
        Err("invalid literal for int() with base 10: '5xb'".into())
    );
    assert_eq!(
        byte_size("abcMB"),
        Err("invalid literal for int() with base 10: 'abc'".into())
    );
    assert!(byte_size("-1").is_err());
}

#[test]
fn signals() {
    assert_eq!(signal_number("TERM"), Ok(15));
    assert_eq!(signal_number("sigterm"), Ok(15));
    assert_eq!(signal_number("HUP"), Ok(1));
    assert_eq!(signal_number("9"), Ok(9));
    assert_eq!(signal_number("RTMIN"), Ok(34));
    assert_eq!(
        signal_number("BOGUS"),
        Err("value 'BOGUS' is not a valid signal name".into())
    );
    assert_eq!(
        signal_number("99"),
        Err("value '99' is not a valid signal number".into())
    );
}

#[test]
fn octals() {
    assert_eq!(octal_type("022"), Ok(0o22));
    assert_eq!(octal_type("0o777"), Ok(0o777));
    assert_eq!(
        octal_type("999"),
        Err("999 can not be converted to an octal type".into())
    );
}

#[test]
fn exitcodes() {
    assert_eq!(list_of_exitcodes("0"), Ok(vec![0]));
    assert_eq!(list_of_exitcodes("0, 2"), Ok(vec![0, 2]));
    assert_eq!(list_of_exitcodes(""), Ok(vec![]));
    assert_eq!(
        list_of_exitcodes("0,256"),
        Err("not a valid list of exit codes: '0,256'".into())
    );
    assert_eq!(
        list_of_exitcodes("a"),
        Err("not a valid list of exit codes: 'a'".into())
    );
}

#[test]
fn autorestart() {
    assert_eq!(auto_restart("true"), Ok(AutoRestart::True));
    assert_eq!(auto_restart("OFF"), Ok(AutoRestart::False));
    assert_eq!(auto_restart("Unexpected"), Ok(AutoRestart::Unexpected));
    assert_eq!(
        auto_restart("Sometimes"),
        Err("invalid 'autorestart' value 'sometimes'".into())
    );
}

#[test]
fn logfiles() {
    assert_eq!(logfile_name("AUTO"), Ok(LogTarget::Auto));
    assert_eq!(logfile_name("none"), Ok(LogTarget::None));
    assert_eq!(logfile_name("Off"), Ok(LogTarget::None));
    assert_eq!(logfile_name("syslog"), Ok(LogTarget::Syslog));
    assert_eq!(
        logfile_name("/tmp/x.log"),
        Ok(LogTarget::Path("/tmp/x.log".into()))
    );
    assert_eq!(
        logfile_name("rel.log"),
        Ok(LogTarget::Path("rel.log".into()))
    );
    assert_eq!(
        logfile_name("/nonexistent/dir/x.log"),
        Err("The directory named as part of the path /nonexistent/dir/x.log does not exist".into())
    );
}

#[test]
fn directories() {
    assert_eq!(existing_directory("/tmp"), Ok("/tmp".into()));
    assert_eq!(
        existing_directory("/nonexistent"),
        Err("/nonexistent is not an existing directory".into())
    );
    assert_eq!(py_dirname("/a/b//c"), "/a/b");
    assert_eq!(py_dirname("/c"), "/");
    assert_eq!(py_dirname("c"), "");
}

#[test]
fn levels() {
    assert_eq!(logging_level("WARN"), Ok(LogLevel::Warn));
    assert_eq!(logging_level("blather"), Ok(LogLevel::Blather));
    assert_eq!(
        logging_level("warning"),
        Err("bad logging level name 'warning'".into())
    );
}

#[test]
fn sd_notify_values() {
    assert_eq!(sd_notify("AUTO"), Ok(SdNotify::Auto));
    assert_eq!(sd_notify("off"), Ok(SdNotify::Off));
    assert!(sd_notify("on").is_err());
    assert_eq!(sd_notify_ready("settled"), Ok(SdNotifyReady::Settled));
    assert_eq!(
        sd_notify_ready("ready"),
        Err("sd_notify_ready must be started or settled, not 'ready'".into())
    );
}

#[test]
fn inet_addresses() {
    assert_eq!(
        inet_address("127.0.0.1:9001"),
        Ok(("127.0.0.1".into(), 9001))
    );
    assert_eq!(
        inet_address("LocalHost:9001"),
        Ok(("localhost".into(), 9001))
    );
    assert_eq!(inet_address("*:9001"), Ok((String::new(), 9001)));
    assert_eq!(inet_address(":9001"), Ok((String::new(), 9001)));
    assert_eq!(inet_address("9001"), Ok((String::new(), 9001)));
    assert_eq!(
        inet_address("abc"),
        Err("not a valid port number: 'abc'".into())
    );
    assert_eq!(
        inet_address("h:0"),
        Err("0 is below lower bound (1)".into())
    );
    assert_eq!(
        inet_address("h:70000"),
        Err("70000 is above upper bound (65535)".into())
    );
    assert_eq!(
        inet_address("h:"),
        Err("no port number specified in 'h:'".into())
    );
}

#[test]
fn users_and_groups() {
    assert_eq!(name_to_uid("root"), Ok(0));
    assert_eq!(name_to_uid("0"), Ok(0));
    assert_eq!(
        name_to_uid("no-such-user-xyz"),
        Err("Invalid user name no-such-user-xyz".into())
    );
    assert_eq!(
        name_to_uid("4000000000"),
        Err("Invalid user id 4000000000".into())
    );
    assert_eq!(name_to_gid("0"), Ok(0));
    assert_eq!(colon_separated_user_group("root"), Ok((0, None)));
    assert_eq!(colon_separated_user_group("0:0"), Ok((0, Some(0))));
    assert_eq!(
        colon_separated_user_group("root:no-such-group-xyz"),
        Err("Invalid user:group definition root:no-such-group-xyz".into())
    );
}

#[test]
fn names() {
    assert_eq!(process_or_group_name(" web "), Ok("web".into()));
    assert_eq!(
        process_or_group_name("a b"),
        Err("Invalid name: 'a b' because of character: ' '".into())
    );
    assert_eq!(
        process_or_group_name("a/b"),
        Err("Invalid name: 'a/b' because of character: '/'".into())
    );
}

#[test]
fn environment_pairs() {
    let pairs = |s: &str| dict_of_key_value_pairs(s);
    let owned = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    assert_eq!(pairs("A=1,B=2"), Ok(owned(&[("A", "1"), ("B", "2")])));
    assert_eq!(
        pairs("KEY=\"val with, comma\",B=2"),
        Ok(owned(&[("KEY", "val with, comma"), ("B", "2")]))
    );
    assert_eq!(pairs("A='x',A=y"), Ok(owned(&[("A", "y")])));
    assert_eq!(
        pairs("PATH=/usr/bin:/bin"),
        Ok(owned(&[("PATH", "/usr/bin:/bin")]))
    );
    assert_eq!(pairs(""), Ok(vec![]));
    assert_eq!(
        pairs("A=1,B"),
        Err("Unexpected end of key/value pairs in value 'A=1,B'".into())
    );
    assert_eq!(pairs("A=\"x"), Err("No closing quotation".into()));
    // Supervisor never checks the separator token.
    assert_eq!(pairs("A=1;B=2"), Ok(owned(&[("A", "1"), ("B", "2")])));
}

#[test]
fn shlex_matches_python_non_posix() {
    assert_eq!(
        shlex_tokens("a\"b c\" 'd e'x #c\nf").unwrap(),
        vec!["a\"b", "c\"", "'d e'", "x", "f"]
    );
    assert_eq!(shlex_tokens("ab#c\nd").unwrap(), vec!["abd"]);
    assert_eq!(shlex_tokens("é=1").unwrap(), vec!["é", "=", "1"]);
}

#[test]
fn log_prefixes() {
    use PrefixField::{Name, Stream, Time};
    let fields = |s: &str| log_prefix(s).map(|p| p.fields().collect::<Vec<_>>());
    assert_eq!(fields(""), Ok(vec![]));
    assert!(log_prefix("").unwrap().is_empty());
    assert_eq!(fields("time,name,stream"), Ok(vec![Time, Name, Stream]));
    assert_eq!(fields(" Stream , time "), Ok(vec![Stream, Time]));
    assert_eq!(fields("name,"), Ok(vec![Name]));
    assert_eq!(
        log_prefix("time,bogus"),
        Err("not a valid log prefix: 'time,bogus' ('bogus' is not time, name or stream)".into())
    );
    assert_eq!(
        log_prefix("name,NAME"),
        Err("not a valid log prefix: 'name,NAME' ('NAME' is given twice)".into())
    );
}
