# Installs what a fresh Debian machine with the Swift toolchain lacks. Sourced by scripts/serve and scripts/test.

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then
    as_root apt-get update -qq >&2
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >&2
}

# libmicrohttpd, GnuTLS (its TLS library; mockruns makes and checks certificates with it) and pkg-config,
# which SwiftPM uses to find both.
need_libmicrohttpd() {
  if ! dpkg -s libmicrohttpd-dev >/dev/null 2>&1 || ! dpkg -s libgnutls28-dev >/dev/null 2>&1 \
    || ! command -v pkg-config >/dev/null 2>&1; then
    echo "installing libmicrohttpd-dev, libgnutls28-dev and pkg-config" >&2
    apt_install libmicrohttpd-dev libgnutls28-dev pkg-config
  fi
}

# curl, which the HTTPS and IPv6 tests use as a client (URLSession on Linux cannot trust one certificate file,
# nor open an IPv6-literal URL).
need_curl() {
  if ! command -v curl >/dev/null 2>&1; then
    echo "installing curl" >&2
    apt_install curl
  fi
}

# The real client programs the conformance tests drive (wes-client, Python requests), in a venv under .build.
need_python_clients() {
  if ! command -v python3 >/dev/null 2>&1 || ! python3 -c "import venv, ensurepip" >/dev/null 2>&1; then
    echo "installing python3 and python3-venv" >&2
    apt_install python3 python3-venv
  fi
  local venv=.build/clients-venv
  local wanted
  wanted=$(cat Tests/clients/requirements.txt)
  if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.installed" 2>/dev/null)" != "$wanted" ]; then
    echo "installing the Python client packages into $venv" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r Tests/clients/requirements.txt >&2
    printf '%s' "$wanted" > "$venv/.installed"
  fi
}
