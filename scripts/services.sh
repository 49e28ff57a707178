#!/usr/bin/env bash
# Start throw-away PostgreSQL and Redis servers on loopback for the integration tests.
# Source it: `source scripts/services.sh`; it exports SHOESTREET_TEST_POSTGRES_URL and
# SHOESTREET_TEST_REDIS_URL and registers `shoestreet_services_stop` (call it on exit).
# A server that cannot start is reported and its tests skip; nothing here is fatal.

_free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

SHOESTREET_SERVICES_DIR=$(mktemp -d /tmp/shoestreet-services.XXXXXX)
chmod 755 "$SHOESTREET_SERVICES_DIR"

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ]; then
  PGPORT=$(_free_port)
  PGDATA="$SHOESTREET_SERVICES_DIR/pg"
  mkdir -p "$PGDATA"
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$PGDATA"
    RUN_PG=(runuser -u postgres --)
  else
    RUN_PG=()
  fi
  if "${RUN_PG[@]}" "$PGBIN/initdb" -D "$PGDATA/data" -A trust -U postgres >"$SHOESTREET_SERVICES_DIR/initdb.log" 2>&1 &&
     "${RUN_PG[@]}" "$PGBIN/pg_ctl" -D "$PGDATA/data" -w -l "$PGDATA/server.log" \
        -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null 2>&1; then
    export SHOESTREET_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/postgres"
    echo "services: PostgreSQL on 127.0.0.1:$PGPORT"
  else
    echo "services: PostgreSQL did not start (see $SHOESTREET_SERVICES_DIR); its tests will skip" >&2
  fi
else
  echo "services: PostgreSQL server not installed; its tests will skip" >&2
fi

if command -v redis-server >/dev/null; then
  RPORT=$(_free_port)
  if redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
       --pidfile "$SHOESTREET_SERVICES_DIR/redis.pid" --logfile "$SHOESTREET_SERVICES_DIR/redis.log" >/dev/null 2>&1; then
    for _ in $(seq 50); do redis-cli -p "$RPORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
    export SHOESTREET_TEST_REDIS_URL="redis://127.0.0.1:$RPORT/0"
    echo "services: Redis on 127.0.0.1:$RPORT"
  else
    echo "services: Redis did not start; its tests will skip" >&2
  fi
else
  echo "services: Redis server not installed; its tests will skip" >&2
fi

shoestreet_services_stop() {
  if [ -n "${PGDATA:-}" ] && [ -f "$PGDATA/data/postmaster.pid" ]; then
    "${RUN_PG[@]}" "$PGBIN/pg_ctl" -D "$PGDATA/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  if [ -f "$SHOESTREET_SERVICES_DIR/redis.pid" ]; then
    kill "$(cat "$SHOESTREET_SERVICES_DIR/redis.pid")" 2>/dev/null || true
  fi
  rm -rf "$SHOESTREET_SERVICES_DIR"
}
