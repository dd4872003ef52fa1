#!/bin/sh
# Assembles the container's runtime root filesystem from Debian packages, without installing
# them anywhere: the image's last stage is `FROM scratch` plus this tree plus the binary.
#
#   deploy/rootfs.sh <empty-dir>
#
# Runs on any Debian bookworm system with package lists (`apt-get update`): the Dockerfile runs it
# in a debian:bookworm-slim stage, CI runs it on the host and starts the release binary inside
# the tree with chroot, so what ships is what was tested. Needs root only for the ownership of
# /data; as another user the tree is still complete, with /data owned by that user.
#
# What the gateway needs at run time, and nothing else:
#   libc6, libgcc-s1  the binary links glibc and libgcc_s dynamically
#   ca-certificates   the TLS client (rustls with the platform verifier) trusts the system bundle
#   busybox-static    /bin/sh for the agent's `exec` tool and the HEALTHCHECK, plus the usual
#                     command-line tools an agent expects (ls, cat, grep, sed, wget, ...)
set -eu

out="${1:?usage: deploy/rootfs.sh <empty-dir>}"
uid=10001
gid=10001

mkdir -p "$out"
if [ -n "$(ls -A "$out")" ]; then
  echo "rootfs.sh: $out is not empty; give it an empty or new directory" >&2
  exit 2
fi

debs="$(mktemp -d)"
trap 'rm -rf "$debs"' EXIT
# apt-get download writes into the current directory; as root it drops to the _apt user, which
# must be able to write there.
chmod 0777 "$debs"
(cd "$debs" && apt-get download -q libc6 libgcc-s1 ca-certificates busybox-static) || {
  echo "rootfs.sh: apt-get download failed; run 'apt-get update' first (and check the network)" >&2
  exit 1
}
for deb in "$debs"/*.deb; do
  dpkg-deb --extract "$deb" "$out"
done

# What update-ca-certificates would build: every Mozilla root in one PEM bundle, at the path
# OpenSSL-style lookups (and so rustls-native-certs) read first.
mkdir -p "$out/etc/ssl/certs"
cat "$out"/usr/share/ca-certificates/mozilla/*.crt > "$out/etc/ssl/certs/ca-certificates.crt"
chmod 0644 "$out/etc/ssl/certs/ca-certificates.crt"

# Trim what a running gateway never reads: the per-certificate copies (the bundle has them),
# iconv modules, documentation, the package maintainer tooling and busybox's udhcpc hooks.
rm -rf "$out/usr/share/ca-certificates" "$out/usr/sbin/update-ca-certificates" \
  "$out/etc/ca-certificates" "$out/etc/ca-certificates.conf" \
  "$out/usr/share/doc" "$out/usr/share/man" "$out/usr/share/lintian" "$out/usr/share/info" \
  "$out/usr/share/bug" "$out/usr/share/locale" "$out/usr/share/udhcpc" "$out/etc/udhcpc"
for gconv in "$out"/usr/lib/*/gconv; do
  if [ -d "$gconv" ]; then rm -rf "$gconv"; fi
done

# /bin/sh and the applets, as relative symlinks so they resolve inside the tree (and inside a
# chroot) rather than on the host. Applets whose names are taken are left alone.
busybox="$out/bin/busybox"
mkdir -p "$out/usr/bin" "$out/sbin" "$out/usr/sbin"
for applet in $("$busybox" --list-full); do
  link="$out/$applet"
  if [ -e "$link" ] || [ -L "$link" ]; then continue; fi
  case "$applet" in
    bin/*) target="busybox" ;;
    sbin/*) target="../bin/busybox" ;;
    usr/bin/* | usr/sbin/*) target="../../bin/busybox" ;;
    *) continue ;;
  esac
  ln -s "$target" "$link"
done

# Users: root, and the gateway's own fixed uid/gid so a bind-mounted host directory can be
# chowned to it (`chown -R 10001:10001 <dir>`).
cat > "$out/etc/passwd" <<EOF
root:x:0:0:root:/root:/bin/sh
openclaw:x:$uid:$gid:openclaw:/data:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat > "$out/etc/group" <<EOF
root:x:0:
openclaw:x:$gid:
nogroup:x:65534:
EOF
printf 'hosts: files dns\n' > "$out/etc/nsswitch.conf"
mkdir -p "$out/root" "$out/tmp" "$out/data" "$out/usr/local/bin" "$out/proc" "$out/dev"
chmod 0700 "$out/root"
chmod 1777 "$out/tmp"
chmod 0700 "$out/data"
if [ "$(id -u)" -eq 0 ]; then
  chown "$uid:$gid" "$out/data"
fi
echo "rootfs.sh: $(du -sk "$out" | cut -f1) KiB in $out"
