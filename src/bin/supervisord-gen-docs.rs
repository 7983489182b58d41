//! `supervisord-gen-docs OUTDIR`: the man pages (OUTDIR/man/NAME.1) and the bash,
//! zsh and fish completions (OUTDIR/completions/) of supervisord, supervisorctl and
//! pidproxy, from the clap definitions the binaries use, so they cannot drift apart.

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;

fn main() -> std::io::Result<()> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .expect("usage: supervisord-gen-docs OUTDIR"),
    );
    let version = env!("CARGO_PKG_VERSION");
    let commands = [
        supervisord::cli::Cli::command().about("run a set of applications as daemons"),
        supervisord::ctl::command(),
        supervisord::pidproxy::command(),
    ];
    std::fs::create_dir_all(out.join("completions"))?;
    for command in commands {
        let mut command = command.version(version);
        man_page(&command, &out.join("man"))?;
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let name = command.get_name().to_string();
            clap_complete::generate_to(shell, &mut command, name, out.join("completions"))?;
        }
    }
    Ok(())
}

fn man_page(command: &clap::Command, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page)?;
    std::fs::write(dir.join(format!("{}.1", command.get_name())), page)
}
