#!/usr/bin/env bash
# Makes the two environments if they are missing or stale:
#   .venv       the app (Python 3.11+): bot package deps from pyproject.toml, pinned by requirements/app.lock
#   .venv-rasa  the engine (Python 3.10): rasa==3.6.21 pinned by requirements/rasa.lock
# Each is built once into a cache keyed by the files it is built from and linked into the
# checkout, so a fresh clone (CI) reuses it instead of spending minutes on pip.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${CLIENTASSISTENT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clientassistent}"
mkdir -p "$CACHE"

python_with_version() {  # $1 = minimum minor (e.g. 11) or exact "10"; prints a working interpreter
  local want=$1 exact=${2:-} candidates=() root
  root=$(pyenv root 2>/dev/null || true)
  if [ -n "$exact" ]; then
    candidates+=("python3.$want")
    [ -n "$root" ] && candidates+=("$root"/versions/3."$want".*/bin/python3."$want")
  else
    candidates+=(python3.13 python3.12 python3.11 python3)
    [ -n "$root" ] && candidates+=("$root"/versions/3.1[1-3].*/bin/python3)
  fi
  for py in "${candidates[@]}"; do
    if "$py" -c "import sys; v=sys.version_info[1]; sys.exit(0 if (v == $want if '$exact' else v >= $want) and sys.version_info[0] == 3 else 1)" 2>/dev/null; then
      echo "$py"; return 0
    fi
  done
  return 1
}

key_of() { cat "$@" | sha256sum | cut -c1-16; }

ensure_venv() {  # $1 link name, $2 python, $3 key, $4... install command run inside the venv
  local link=$1 python=$2 key=$3; shift 3
  local dir="$CACHE/${link#.}-$key"
  exec 9>"$dir.lock"; flock 9
  if [ ! -f "$dir/.complete" ]; then
    echo "Building $link in $dir (one time, a few minutes)..."
    rm -rf "$dir"
    "$python" -m venv "$dir"
    "$dir/bin/python" -m pip install -q --upgrade "pip<25" 2>&1 | grep -v "is ignored: it is neither" || true
    (cd "$PWD" && VENV="$dir" "$@")
    touch "$dir/.complete"
  fi
  flock -u 9
  if [ "$(readlink "$link" 2>/dev/null)" != "$dir" ]; then
    rm -rf "$link"
    ln -s "$dir" "$link"
  fi
}

# This machine's pip config names package mirrors that may be absent; keep their noise out.
quiet_pip() { "$VENV/bin/pip" install -q "$@" 2> >(grep -v 'is ignored: it is neither' >&2); }
install_app() { quiet_pip -c requirements/app.lock $("$VENV/bin/python" scripts/app_dependencies.py); }
install_rasa() { quiet_pip -r requirements/rasa.lock; }

APP_PY=$(python_with_version 11) || { echo "Python 3.11 or newer is needed" >&2; exit 1; }
RASA_PY=$(python_with_version 10 exact) || { echo "Python 3.10 is needed for Rasa 3.6 (pyenv install 3.10)" >&2; exit 1; }

ensure_venv .venv "$APP_PY" "$(key_of pyproject.toml requirements/app.lock)" install_app
ensure_venv .venv-rasa "$RASA_PY" "$(key_of requirements/rasa.lock)" install_rasa

# Debian's Chromium for the browser tests of the admin web pages (Playwright drives it; it
# never downloads a browser of its own). Installed when missing and we are root.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's chromium for the browser tests (one time)..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
      >/dev/null || echo "Could not install chromium; the browser tests will fail" >&2
  else
    echo "The browser tests need /usr/bin/chromium: sudo apt-get install chromium" >&2
  fi
fi
