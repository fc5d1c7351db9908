# Sourced by scripts/test and scripts/serve: a Python 3.11+ virtualenv in .venv with the project
# installed (editable, with the dev, postgres and redis extras). Re-installs only when
# pyproject.toml changed since the last install.

log() { printf '\n==> %s\n' "$*"; }

am_root() { [ "$(id -u)" = 0 ]; }

apt_install() {
  if am_root && command -v apt-get >/dev/null 2>&1; then
    log "apt-get install $*"
    if [ -z "${_APT_UPDATED:-}" ]; then
      DEBIAN_FRONTEND=noninteractive apt-get update -qq && _APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
  else
    return 1
  fi
}

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

ensure_venv() {
  # CairoSVG (badge images to PNG) needs the Cairo C library.
  # (grep without -q reads everything: with pipefail, -q could kill ldconfig with SIGPIPE.)
  if ! { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep 'libcairo\.so\.2' >/dev/null; then
    apt_install libcairo2 || echo "libcairo2 is missing: publishing badges will fail (apt-get install libcairo2)." >&2
  fi
  if [ ! -x .venv/bin/python ]; then
    local python
    python=$(find_python) || { echo "Python 3.11 or newer is needed (set PYTHON=...)." >&2; return 1; }
    log "Creating .venv with $python"
    if ! "$python" -m venv .venv 2>/dev/null; then
      rm -rf .venv
      apt_install python3-venv || { echo "python3 -m venv failed: install python3-venv." >&2; return 1; }
      "$python" -m venv .venv || return 1
    fi
  fi
  local stamp=.venv/.installed-from
  local wanted
  wanted=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    log "pip install -e '.[dev,postgres,redis]'"
    .venv/bin/python -m pip install -q --upgrade pip &&
      .venv/bin/python -m pip install -q -e '.[dev,postgres,redis]' &&
      echo "$wanted" > "$stamp" || return 1
  fi
}
