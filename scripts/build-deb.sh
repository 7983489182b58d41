#!/usr/bin/env bash
# Builds the Debian package target/debian/supervisor-rs_VERSION_ARCH.deb from a staged tree
# with dpkg-deb (no tool beyond dpkg and cargo): Debian's supervisor layout, the man pages and
# shell completions generated from the clap definitions (supervisord-gen-docs).
#
#   scripts/build-deb.sh                  cargo build --release, then package
#   scripts/build-deb.sh --bindir DIR     package the binaries already built in DIR
#                                         (tests/deb_package.rs packages its own build)
#   scripts/build-deb.sh --out DIR        write the .deb into DIR
#   scripts/build-deb.sh --uncompressed   no xz (the test's debug binaries take minutes)
#
# For a static build, build first and pass its directory:
#   RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --target x86_64-unknown-linux-gnu
#   scripts/build-deb.sh --bindir target/x86_64-unknown-linux-gnu/release
set -euo pipefail
cd "$(dirname "$0")/.."

bindir=
out=target/debian
compression=-Zxz
while [ $# -gt 0 ]; do
    case $1 in
        --bindir) bindir=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --uncompressed) compression=-Znone; shift ;;
        *) echo "usage: $0 [--bindir DIR] [--out DIR] [--uncompressed]" >&2; exit 2 ;;
    esac
done
if [ -z "$bindir" ]; then
    cargo build --release --locked --bins
    bindir=target/release
fi

package=supervisor-rs
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root

for dir in usr/bin etc/supervisor/conf.d var/log/supervisor lib/systemd/system \
    usr/share/man/man1 usr/share/bash-completion/completions usr/share/zsh/vendor-completions \
    usr/share/fish/vendor_completions.d "usr/share/doc/$package" DEBIAN; do
    install -d -m 755 "$root/$dir"
done
for binary in supervisord supervisorctl pidproxy; do
    install -m 755 "$bindir/$binary" "$root/usr/bin/$binary"
done
# Supervisor's fourth command; ours is a subcommand.
printf '#!/bin/sh\n# The commented sample configuration, as Supervisor'"'"'s echo_supervisord_conf.\nexec /usr/bin/supervisord echo-conf "$@"\n' \
    >"$root/usr/bin/echo_supervisord_conf"
chmod 755 "$root/usr/bin/echo_supervisord_conf"
install -m 644 packaging/debian/supervisord.conf "$root/etc/supervisor/supervisord.conf"
install -m 644 config-samples/supervisor.service "$root/lib/systemd/system/supervisor.service"
install -m 644 packaging/debian/copyright "$root/usr/share/doc/$package/copyright"

"$bindir/supervisord-gen-docs" "$stage/docs"
for page in "$stage"/docs/man/*.1; do
    gzip -9n <"$page" >"$root/usr/share/man/man1/$(basename "$page").gz"
    chmod 644 "$root/usr/share/man/man1/$(basename "$page").gz"
done
for command in supervisord supervisorctl pidproxy; do
    completions=$stage/docs/completions
    install -m 644 "$completions/$command.bash" "$root/usr/share/bash-completion/completions/$command"
    install -m 644 "$completions/_$command" "$root/usr/share/zsh/vendor-completions/_$command"
    install -m 644 "$completions/$command.fish" "$root/usr/share/fish/vendor_completions.d/$command.fish"
done

for script in postinst prerm postrm; do
    install -m 755 "packaging/debian/$script" "$root/DEBIAN/$script"
done
echo /etc/supervisor/supervisord.conf >"$root/DEBIAN/conffiles"
(cd "$root" && find . -type f ! -path './DEBIAN/*' ! -path './etc/*' -printf '%P\0' \
    | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
# The newest glibc symbol version the binaries need (none for a static build).
glibc=$(objdump -T "$root"/usr/bin/supervisor* "$root/usr/bin/pidproxy" 2>/dev/null \
    | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -n 1 || true)
cat >"$root/DEBIAN/control" <<CONTROL
Package: $package
Version: $version
Architecture: $arch
Maintainer: supervisord (Rust) maintainers <root@localhost>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f 1)
Pre-Depends: init-system-helpers (>= 1.54~)
${glibc:+Depends: libc6 (>= $glibc)
}Provides: supervisor (= 4.3.0)
Conflicts: supervisor
Replaces: supervisor
Section: admin
Priority: optional
Description: Supervisor 4.3's process control system, rewritten in Rust
 A drop-in replacement for Debian's supervisor package: the same commands
 (supervisord, supervisorctl, pidproxy, echo_supervisord_conf), configuration
 (/etc/supervisor/supervisord.conf and conf.d/), logs and supervisor.service.
 Python event listeners that import supervisor.childutils need the Python
 module from 'pip install supervisor'.
CONTROL
chmod 644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

mkdir -p "$out"
deb=$out/${package}_${version}_${arch}.deb
dpkg-deb --root-owner-group "$compression" --build "$root" "$deb" >/dev/null
echo "$deb"
