# Helpers shared by the service scripts (postgres.sh, pgbouncer.sh, redis.sh,
# nginx.sh, cluster.sh); sourced, never run. Each function is small and has
# no state of its own.

# A command's path: on PATH, else under Debian's versioned PostgreSQL folders
# (/usr/lib/postgresql/N/bin, where pg_ctl and initdb live). Fails when absent.
find_bin() {
  local name=$1
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
  local candidate
  for candidate in /usr/lib/postgresql/*/bin/"$name"; do
    [ -x "$candidate" ] && { echo "$candidate"; return; }
  done
  return 1
}

# Install a Debian package (with sudo unless root). The package may start a
# system-wide service of its own (SERVICE, on its standard port); we stop it,
# because the scripts run their own servers in temp folders.
apt_install() {
  local package=$1 service=${2:-}
  echo "Installing Debian's $package package..." >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$package" >&2
  if [ -n "$service" ]; then $sudo service "$service" stop >/dev/null 2>&1 || true; fi
}

# A TCP port free on ADDRESS (default loopback) now; the caller binds it soon after.
free_port() {
  python3 -c 'import socket, sys; s = socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1]); s.close()' \
    "${1:-127.0.0.1}"
}

# Run a command as the servers' owner: ourselves, or `postgres` when root
# (PostgreSQL and PgBouncer refuse to run as root).
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# True once something accepts TCP connections on HOST:PORT, polling up to SECONDS (default 5).
wait_listening() {
  local host=$1 port=$2 seconds=${3:-5}
  python3 -c '
import socket, sys, time
host, port, deadline = sys.argv[1], int(sys.argv[2]), time.monotonic() + float(sys.argv[3])
while True:
    try:
        socket.create_connection((host, port), 0.2).close()
        sys.exit(0)
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(1)
        time.sleep(0.1)
' "$host" "$port" "$seconds"
}
