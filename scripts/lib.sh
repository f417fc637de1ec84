# Shared by scripts/run and scripts/test. Sourced, not executed.
# Installs what the commands need on a fresh machine, and starts/stops moto by its own PID.

LAPOR_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LAPOR_CACHE="${LAPOR_CACHE:-$HOME/.cache/lapor}"
# A stable target dir outside the clone, so later runs (and CI) reuse the build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$LAPOR_CACHE/target}"
LAPOR_VENV="${LAPOR_VENV:-$LAPOR_CACHE/venv}"

step() { printf '\n==> %s\n' "$*"; }

# ensure_venv DIR REQUIREMENTS WHAT: a Python venv at DIR with the pinned REQUIREMENTS,
# (re)installed only when that file changes.
ensure_venv() {
  local venv="$1" req="$2" what="$3" stamp="$1/.lapor-requirements"
  if [ ! -x "$venv/bin/python" ]; then
    step "creating the Python venv at $venv"
    python3 -m venv "$venv"
  fi
  if ! cmp -s "$req" "$stamp"; then
    step "installing $what"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
    cp "$req" "$stamp"
  fi
}

# moto[server], cfn-lint, aws-sam-cli and openapi-spec-validator (scripts/requirements.txt).
ensure_python_tools() {
  ensure_venv "$LAPOR_VENV" "$LAPOR_ROOT/scripts/requirements.txt" \
    "Python tools (moto, cfn-lint, aws-sam-cli)"
  export PATH="$LAPOR_VENV/bin:$PATH"
}

# checkov in its own venv: its pinned dependencies would fight aws-sam-cli's.
ensure_checkov() {
  ensure_venv "$LAPOR_CACHE/venv-checkov" "$LAPOR_ROOT/scripts/requirements-checkov.txt" checkov
  CHECKOV="$LAPOR_CACHE/venv-checkov/bin/checkov"
}

# Schemathesis (contract tests) in its own venv, like checkov.
ensure_schemathesis() {
  ensure_venv "$LAPOR_CACHE/venv-schemathesis" "$LAPOR_ROOT/scripts/requirements-schemathesis.txt" \
    schemathesis
  SCHEMATHESIS="$LAPOR_CACHE/venv-schemathesis/bin/schemathesis"
}

ensure_rust_tools() {
  command -v cargo >/dev/null || { echo "cargo is required (https://rustup.rs)" >&2; exit 1; }
  if ! cargo clippy --version >/dev/null 2>&1 || ! cargo fmt --version >/dev/null 2>&1; then
    rustup component add clippy rustfmt
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Fake credentials and region for the SDK against moto (never real AWS).
local_aws_env() {
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_SESSION_TOKEN=local
  export AWS_REGION=ap-southeast-3 AWS_DEFAULT_REGION=ap-southeast-3
  export AWS_EC2_METADATA_DISABLED=true SAM_CLI_TELEMETRY=0
}

MOTO_PID=""
# start_moto PORT LOGFILE: starts moto's server on 127.0.0.1:PORT and waits until it answers.
start_moto() {
  local port="$1" log="$2"
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is already in use: stop what runs there or set another port" >&2
    return 1
  fi
  # Our launcher: moto with its DynamoDB backend serialised (see scripts/moto_server.py).
  "$LAPOR_VENV/bin/python" "$LAPOR_ROOT/scripts/moto_server.py" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  MOTO_PID=$!
  for _ in $(seq 1 100); do
    if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/', timeout=1)" 2>/dev/null; then
      return 0
    fi
    kill -0 "$MOTO_PID" 2>/dev/null || { echo "moto failed to start, see $log" >&2; cat "$log" >&2; return 1; }
    sleep 0.2
  done
  echo "moto did not answer on port $port, see $log" >&2
  return 1
}

# Stops only the moto this script started.
stop_moto() {
  if [ -n "$MOTO_PID" ] && kill -0 "$MOTO_PID" 2>/dev/null; then
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
  fi
  MOTO_PID=""
}

LOCAL_PID=""
# start_local_stack API_PORT MOTO_ENDPOINT CREDENTIALS LOGFILE: starts the built lapor-local
# (cargo build -p lapor-local first) against a running moto, with its own resource prefix,
# and waits until the API answers. Used by scripts/test for the contract and browser tests.
start_local_stack() {
  local port="$1" moto="$2" creds="$3" log="$4"
  AWS_ENDPOINT_URL="$moto" "$CARGO_TARGET_DIR/debug/lapor-local" --template infra/template.yaml \
    --listen "127.0.0.1:$port" --prefix "lapor-t$port-" --credentials "$creds" >"$log" 2>&1 &
  LOCAL_PID=$!
  for _ in $(seq 1 300); do
    if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/v1/categories', timeout=1)" 2>/dev/null; then
      return 0
    fi
    kill -0 "$LOCAL_PID" 2>/dev/null || { echo "the local stack failed to start, see $log" >&2; tail -20 "$log" >&2; return 1; }
    sleep 0.2
  done
  echo "the local stack did not answer on port $port, see $log" >&2
  return 1
}

# Stops only the local stack this script started.
stop_local_stack() {
  if [ -n "$LOCAL_PID" ] && kill -0 "$LOCAL_PID" 2>/dev/null; then
    kill -INT "$LOCAL_PID" 2>/dev/null || true
    wait "$LOCAL_PID" 2>/dev/null || true
  fi
  LOCAL_PID=""
}
