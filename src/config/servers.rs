//! The sections about talking to the daemon: `[unix_http_server]`, `[inet_http_server]` (and
//! named `[inet_http_server:x]`), `[rpcinterface:x]` and the client's `[supervisorctl]`.

use super::expand::Expansions;
use super::load::normalize_path;
use super::parse::Ini;
use super::section::{section_error, section_file, value_problem, Problem, SectionReader};
use super::types::{colon_separated_user_group, inet_address, octal_type};
use super::{
    ConfigError, Credentials, InetHttpServerConfig, RpcInterfaceConfig, SupervisorctlConfig,
    UnixHttpServerConfig,
};

/// The only RPC interface factory this daemon has: Supervisor's own.
pub const STOCK_RPCINTERFACE_FACTORY: &str = "supervisor.rpcinterface:make_main_rpcinterface";
const FACTORY_KEY: &str = "supervisor.rpcinterface_factory";

/// Every `[rpcinterface:x]`. Python would import any factory; we implement the stock one and
/// refuse others, so that a config relying on a plugin fails loudly instead of half-working.
pub(crate) fn rpcinterfaces(
    ini: &Ini,
    env: &Expansions,
) -> Result<Vec<RpcInterfaceConfig>, ConfigError> {
    let mut found = Vec::new();
    for section in &ini.sections {
        let Some(name) = section.name.strip_prefix("rpcinterface:") else {
            continue;
        };
        let s = SectionReader::new(ini, &section.name, env.clone());
        found.push(rpcinterface(&s, name).map_err(|p| s.error(p))?);
    }
    Ok(found)
}

fn rpcinterface(s: &SectionReader, name: &str) -> Result<RpcInterfaceConfig, Problem> {
    let Some(factory) = s.get(FACTORY_KEY)? else {
        return Err(Problem::NamesSection(format!(
            "section [{}] does not specify a {FACTORY_KEY}",
            s.name
        )));
    };
    if factory.trim() != STOCK_RPCINTERFACE_FACTORY {
        return Err(value_problem(
            FACTORY_KEY,
            format!(
                "{factory} cannot be resolved: this supervisord provides only \
                 {STOCK_RPCINTERFACE_FACTORY}"
            ),
        ));
    }
    let mut extra = Vec::new();
    for option in s.ini.options(&s.name) {
        if option != FACTORY_KEY {
            let value = s.get(&option)?.unwrap_or_default();
            extra.push((option, value));
        }
    }
    Ok(RpcInterfaceConfig {
        name: name.to_string(),
        factory: factory.trim().to_string(),
        extra,
    })
}

/// Supervisor passes each `[rpcinterface:x]` section's other options (`[DEFAULT]`'s too) to
/// its factory as keyword arguments when it opens its HTTP servers, so with no server nothing
/// is called and nothing refused. The stock `make_main_rpcinterface(supervisord)` takes none:
/// Python stops the start with `Could not make supervisor rpc interface` and logs the
/// TypeError that names the first key; we say both on one line, with the section and file.
pub(crate) fn check_factory_arguments(
    ini: &Ini,
    interfaces: &[RpcInterfaceConfig],
) -> Result<(), ConfigError> {
    let Some((interface, key)) = interfaces
        .iter()
        .find_map(|i| i.extra.first().map(|(key, _)| (i, key)))
    else {
        return Ok(());
    };
    let section = format!("rpcinterface:{}", interface.name);
    let problem = Problem::Plain(format!(
        "Could not make {} rpc interface: make_main_rpcinterface() got an unexpected keyword \
         argument {}",
        interface.name,
        super::py::repr(key)
    ));
    Err(section_error(
        problem,
        &section,
        section_file(ini, &section),
    ))
}

/// The HTTP servers: every section whose name starts with `inet_http_server`, then the first
/// starting with `unix_http_server` (all of them are validated, as Supervisor does).
pub(crate) fn http_servers(
    ini: &Ini,
    here: &str,
    env: &Expansions,
) -> Result<(Option<UnixHttpServerConfig>, Vec<InetHttpServerConfig>), ConfigError> {
    let mut inet = Vec::new();
    for section in ini
        .sections
        .iter()
        .filter(|s| s.name.starts_with("inet_http_server"))
    {
        let s = SectionReader::new(ini, &section.name, env.clone());
        inet.push(inet_http_server(&s).map_err(|p| s.error(p))?);
    }
    let mut unix = None;
    for section in ini
        .sections
        .iter()
        .filter(|s| s.name.starts_with("unix_http_server"))
    {
        let s = SectionReader::new(ini, &section.name, env.clone());
        let server = unix_http_server(&s, here).map_err(|p| s.error(p))?;
        unix.get_or_insert(server);
    }
    Ok((unix, inet))
}

fn inet_http_server(s: &SectionReader) -> Result<InetHttpServerConfig, Problem> {
    let auth = credentials(s)?;
    let Some(port) = s.get("port")? else {
        return Err(Problem::NamesSection(format!(
            "section [{}] has no port value",
            s.name
        )));
    };
    let (host, port) = inet_address(&port).map_err(|m| value_problem("port", m))?;
    Ok(InetHttpServerConfig {
        section: s.name.clone(),
        host,
        port,
        auth,
        metrics: metrics(s)?,
    })
}

fn unix_http_server(s: &SectionReader, here: &str) -> Result<UnixHttpServerConfig, Problem> {
    let mut with_here = SectionReader::new(s.ini, &s.name, s.expansions.clone());
    with_here.expansions.set_str("here", here);
    let Some(file) = with_here.get("file")? else {
        return Err(Problem::NamesSection(format!(
            "section [{}] has no file value",
            s.name
        )));
    };
    let auth = credentials(s)?;
    let chown = match s.get("chown")? {
        None => None,
        Some(text) => Some(
            colon_separated_user_group(&text)
                .map_err(|_| Problem::Plain(format!("Invalid sockchown value {text}")))?,
        ),
    };
    let chmod = match s.get("chmod")? {
        None => 0o700,
        Some(text) => {
            octal_type(&text).map_err(|_| Problem::Plain(format!("Invalid chmod value {text}")))?
        }
    };
    Ok(UnixHttpServerConfig {
        file: normalize_path(super::py::strip(&file)),
        chmod,
        chown,
        auth,
        metrics: metrics(s)?,
    })
}

/// `metrics = true` serves `GET /metrics` on the section's socket (ours; Python ignores it).
fn metrics(s: &SectionReader) -> Result<bool, Problem> {
    s.parse("metrics", "false", super::types::boolean)
}

/// `username` and `password`: both or neither.
fn credentials(s: &SectionReader) -> Result<Option<Credentials>, Problem> {
    match (s.get("username")?, s.get("password")?) {
        (None, None) => Ok(None),
        (Some(username), Some(password)) => Ok(Some(Credentials { username, password })),
        _ => Err(Problem::NamesSection(format!(
            "Section [{}] contains incomplete authentication: If a username or a password is \
             specified, both the username and password must be specified",
            s.name
        ))),
    }
}

/// `[supervisorctl]`, read leniently: the daemon never uses it (Supervisor's daemon does not
/// even look at it), so a mistake there must not stop the daemon. A value that does not
/// expand is kept as written.
pub(crate) fn supervisorctl(ini: &Ini, here: &str, env: &Expansions) -> SupervisorctlConfig {
    let mut expansions = env.clone();
    expansions.set_str("here", here);
    let with_here = SectionReader::new(ini, "supervisorctl", expansions);
    let plain = SectionReader::new(ini, "supervisorctl", env.clone());
    let lenient = |s: &SectionReader, option: &str| -> Option<String> {
        let raw = s.raw(option)?;
        Some(
            s.get(option)
                .ok()
                .flatten()
                .unwrap_or_else(|| raw.to_string()),
        )
    };
    let serverurl =
        lenient(&with_here, "serverurl").unwrap_or_else(|| "http://localhost:9001".to_string());
    let serverurl = match serverurl.strip_prefix("unix://") {
        Some(path) => format!("unix://{}", normalize_path(path).display()),
        None => serverurl,
    };
    SupervisorctlConfig {
        serverurl,
        username: lenient(&plain, "username"),
        password: lenient(&plain, "password"),
        prompt: lenient(&plain, "prompt").unwrap_or_else(|| "supervisor".to_string()),
        history_file: lenient(&with_here, "history_file")
            .filter(|h| !h.is_empty())
            .map(|h| normalize_path(&h)),
    }
}
