#!/usr/bin/env bash
# A local deployment with real parts (ADR 022): nginx -> N BFF instances -> pgbouncer (transaction
# pooling) -> a PostgreSQL 15 primary, plus a streaming replica made with pg_basebackup that serves
# history, charts, CSV and the audit log (DATABASE_READ_URL). Everything lives under CLUSTER_DIR
# and on its own ports; the machine's own PostgreSQL is never touched.
#
#   pnpm cluster up            build, then start everything (idempotent: stops a previous run first)
#   pnpm cluster down          stop everything and delete CLUSTER_DIR
#   pnpm cluster status        what runs, readiness of each instance, replica lag
#   pnpm cluster restart       rolling restart: each instance leaves nginx, drains, restarts, rejoins
#   pnpm cluster kill <i>      SIGKILL instance i (1-based);  pnpm cluster start <i>: start it again
#   pnpm cluster replica-stop | replica-start
#   pnpm cluster scale <n>     run n instances (nginx is reloaded; consistent hashing moves only the changed share of orgs)
#
# Environment: CLUSTER_DIR (deploy/.run), CLUSTER_PORT (8080, nginx), CLUSTER_INSTANCES (3),
# CLUSTER_BASE_PORT (3100: instance i listens on base+i, its metrics on base+100+i... see below),
# CLUSTER_PG_PORT (55432; the replica +1, pgbouncer CLUSTER_PGBOUNCER_PORT 56432), SKIP_BUILD=1,
# CLUSTER_POOL_MAX (DB_POOL_MAX of each instance, 10), CLUSTER_ENV (extra VAR=value words for the instances),
# CLUSTER_PUBLIC_URL (the instances' PUBLIC_URL; default nginx's http://127.0.0.1:CLUSTER_PORT),
# SELLER_LEGAL_NAME / SELLER_ADDRESS / SELLER_GSTIN / SELLER_SAC (the seller on tax invoices; default the demo seller),
# CLUSTER_STATEMENT_TIMEOUT / CLUSTER_LOCK_TIMEOUT / CLUSTER_IDLE_IN_TRANSACTION_TIMEOUT (set on the app's role: 30s, 5s, 15s).
#
# Needs: Node 24 on PATH, and the Debian packages postgresql-15, nginx, pgbouncer (and curl). Run as
# root, the script installs what is missing (apt-get; their system services are not started) and
# runs PostgreSQL and pgbouncer as the postgres user; otherwise it names what to install.
# `pnpm test:cluster` drives it end to end; `pnpm bench:cluster` measures it (docs/benchmarks.md).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="${CLUSTER_DIR:-$ROOT/deploy/.run}"
PORT="${CLUSTER_PORT:-8080}"
BASE_PORT="${CLUSTER_BASE_PORT:-3100}"
METRICS_BASE_PORT="${CLUSTER_METRICS_BASE_PORT:-9100}"
PG_PORT="${CLUSTER_PG_PORT:-55432}"
REPLICA_PORT="$((PG_PORT + 1))"
BOUNCER_PORT="${CLUSTER_PGBOUNCER_PORT:-56432}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
WEB_DIST="$ROOT/web/dist"

# The demo seller (shared/src/tax.ts DEMO_SELLER): a well-formed GSTIN of no real business.
DEMO_SELLER_LEGAL_NAME='TestKase Demo Private Limited'
DEMO_SELLER_ADDRESS='1 Demo Street, Indiranagar, Bengaluru 560038, Karnataka, India'
DEMO_SELLER_GSTIN='29AAACT1234A1ZX'

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# PostgreSQL and pgbouncer refuse to run as root: as root they run as the postgres user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# What the cluster runs on, from Debian's archive (bookworm: nginx 1.22, pgbouncer 1.18, PostgreSQL 15).
need_packages() {
  local missing=()
  [ -x "$PG_BIN/pg_ctl" ] && [ -x "$PG_BIN/pg_basebackup" ] || missing+=(postgresql-15)
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
  command -v curl >/dev/null || missing+=(curl)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ] || [ "${CLUSTER_NO_INSTALL:-0}" = 1 ]; then
      die "missing Debian packages: ${missing[*]}. Install them (sudo apt-get install -y ${missing[*]}), or run this script as root and it installs them. Their own services are not needed: the cluster starts its own processes under $RUN."
    fi
    log "installing ${missing[*]} (apt-get; their system services are not used)"
    # policy-rc.d 101: the packages' own services (nginx on :80, pgbouncer on :6432, a main PostgreSQL cluster) are not started
    local policy_made=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; policy_made=1; fi
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >"${TMPDIR:-/tmp}/cluster-apt.log" 2>&1; then
      log "apt-get install failed; refreshing the package lists (apt-get update) and trying again"
      apt-get update >>"${TMPDIR:-/tmp}/cluster-apt.log" 2>&1 || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >>"${TMPDIR:-/tmp}/cluster-apt.log" 2>&1 \
        || { [ $policy_made = 1 ] && rm -f /usr/sbin/policy-rc.d; die "apt-get install ${missing[*]} failed (see ${TMPDIR:-/tmp}/cluster-apt.log)"; }
    fi
    [ $policy_made = 1 ] && rm -f /usr/sbin/policy-rc.d
  fi
  [ "$(id -u)" = 0 ] || [ -w "$(dirname "$RUN")" ] || die "$(dirname "$RUN") is not writable"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  [ "$major" -ge 24 ] || die "node on PATH is $(node --version 2>/dev/null || echo missing); the BFF needs Node 24 (export PATH=/opt/node24/bin:\$PATH)"
}
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
PGBOUNCER="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"

instances() { cat "$RUN/instances" 2>/dev/null || echo "${CLUSTER_INSTANCES:-3}"; }
bff_port() { echo $((BASE_PORT + $1)); }
metrics_port() { echo $((METRICS_BASE_PORT + $1)); }

wait_for() { # what, seconds, command...
  local what="$1" secs="$2"; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "timed out waiting for $what"
    sleep 0.2
  done
}

psql_primary() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"; }

start_postgres() {
  mkdir -p "$RUN"
  [ "$(id -u)" = 0 ] && chown postgres: "$RUN"
  local opts="-c listen_addresses=127.0.0.1 -k $RUN -c wal_level=replica -c max_wal_senders=5 -c hot_standby=on -c max_connections=200 -c shared_buffers=256MB"
  if [ ! -d "$RUN/pg-primary" ]; then
    as_pg "$PG_BIN/initdb" -D "$RUN/pg-primary" -A trust -U postgres -E UTF8 --no-sync >/dev/null
  fi
  as_pg "$PG_BIN/pg_ctl" -D "$RUN/pg-primary" -o "-p $PG_PORT $opts" -l "$RUN/pg-primary.log" -w -t 60 start >/dev/null
  # The application's role (not a superuser) owns its database; the cluster's tooling uses postgres.
  psql_primary -d postgres -tAc "select 1 from pg_roles where rolname = 'aic'" | grep -q 1 || psql_primary -d postgres -c "create role aic login"
  psql_primary -d postgres -tAc "select 1 from pg_database where datname = 'aic'" | grep -q 1 || psql_primary -d postgres -c "create database aic owner aic"
  # The BFF sends its time limits (statement, lock wait, idle in transaction) as startup parameters;
  # pgbouncer in transaction mode cannot keep per-client settings and drops them
  # (ignore_startup_parameters), so they are set on the role instead: every server connection
  # pgbouncer opens for aic starts with them. Same values as the BFF's defaults (bff/src/db/db.ts).
  psql_primary -d postgres -c "alter role aic set statement_timeout = '${CLUSTER_STATEMENT_TIMEOUT:-30s}'" \
    -c "alter role aic set lock_timeout = '${CLUSTER_LOCK_TIMEOUT:-5s}'" \
    -c "alter role aic set idle_in_transaction_session_timeout = '${CLUSTER_IDLE_IN_TRANSACTION_TIMEOUT:-15s}'"
  # The replica: a base backup of the primary (-R writes primary_conninfo and standby.signal), streaming from then on.
  if [ ! -d "$RUN/pg-replica" ]; then
    as_pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U postgres -D "$RUN/pg-replica" -R -X stream -c fast >/dev/null
  fi
  echo "-p $REPLICA_PORT $opts" >"$RUN/replica.opts"
  start_replica
}

start_replica() {
  as_pg "$PG_BIN/pg_ctl" -D "$RUN/pg-replica" -o "$(cat "$RUN/replica.opts")" -l "$RUN/pg-replica.log" -w -t 60 start >/dev/null
}
stop_replica() {
  as_pg "$PG_BIN/pg_ctl" -D "$RUN/pg-replica" -m fast -w -t 60 stop >/dev/null 2>&1 || true
}

start_pgbouncer() {
  sed -e "s|@RUN@|$RUN|g" -e "s|@PORT@|$BOUNCER_PORT|g" -e "s|@PRIMARY_PORT@|$PG_PORT|g" -e "s|@REPLICA_PORT@|$REPLICA_PORT|g" \
    "$ROOT/deploy/pgbouncer.ini.template" >"$RUN/pgbouncer.ini"
  printf '"aic" ""\n"postgres" ""\n' >"$RUN/pgbouncer-users.txt"
  [ "$(id -u)" = 0 ] && chown postgres: "$RUN/pgbouncer.ini" "$RUN/pgbouncer-users.txt"
  as_pg "$PGBOUNCER" -d "$RUN/pgbouncer.ini"
  wait_for "pgbouncer" 20 "$PG_BIN/psql" -X -h 127.0.0.1 -p "$BOUNCER_PORT" -U aic -d aic -c 'select 1'
}

start_bff() { # i
  local i="$1" port metrics
  port="$(bff_port "$i")"
  metrics="$(metrics_port "$i")"
  # Production mode, as a deployment runs: PUBLIC_URL is nginx's address (the base of links in
  # emails), the seller on tax invoices is the demo seller unless SELLER_* are set (ADR 024), and
  # the demo stand-ins (sandbox payments, demo model, emails kept in the outbox) are opted into.
  # shellcheck disable=SC2086
  env NODE_ENV=production PORT="$port" HOST=127.0.0.1 METRICS_PORT="$metrics" \
    PUBLIC_URL="${CLUSTER_PUBLIC_URL:-http://127.0.0.1:$PORT}" \
    SELLER_LEGAL_NAME="${SELLER_LEGAL_NAME:-$DEMO_SELLER_LEGAL_NAME}" SELLER_ADDRESS="${SELLER_ADDRESS:-$DEMO_SELLER_ADDRESS}" \
    SELLER_GSTIN="${SELLER_GSTIN:-$DEMO_SELLER_GSTIN}" SELLER_SAC="${SELLER_SAC:-998315}" \
    DATABASE_URL="postgres://aic@127.0.0.1:$BOUNCER_PORT/aic" \
    DATABASE_READ_URL="${CLUSTER_READ_URL:-postgres://aic@127.0.0.1:$REPLICA_PORT/aic}" \
    DB_POOL_MAX="${CLUSTER_POOL_MAX:-10}" TRUST_PROXY=loopback WEB_DIST="$WEB_DIST" SEED_DEMO="${SEED_DEMO:-true}" \
    ALLOW_SANDBOX_PAYMENTS=true ALLOW_DEMO_MODEL=true ALLOW_OUTBOX_EMAIL=true LOG_LEVEL="${LOG_LEVEL:-info}" \
    ${CLUSTER_ENV:-} \
    setsid node --enable-source-maps "$ROOT/bff/dist/server.js" >>"$RUN/bff-$i.log" 2>&1 </dev/null &
  echo $! >"$RUN/bff-$i.pid"
}

ready() { curl -fsS -o /dev/null "http://127.0.0.1:$(bff_port "$1")/api/ready" 2>/dev/null; }
# Ready, or the reason it is not: an instance that exits (a configuration error) fails at once with its log.
wait_ready() {
  local i="$1" deadline=$((SECONDS + ${CLUSTER_READY_SECONDS:-90})) pid
  pid="$(cat "$RUN/bff-$i.pid" 2>/dev/null || echo 0)"
  until ready "$i"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$RUN/bff-$i.log" >&2 || true
      die "instance $i exited before it was ready (its log: $RUN/bff-$i.log; pnpm cluster down cleans up)"
    fi
    [ $SECONDS -lt $deadline ] || { tail -n 20 "$RUN/bff-$i.log" >&2 || true; die "instance $i not ready after ${CLUSTER_READY_SECONDS:-90} s (its log: $RUN/bff-$i.log)"; }
    sleep 0.2
  done
}

stop_bff() { # i signal
  local pidfile="$RUN/bff-$1.pid" pid
  [ -f "$pidfile" ] || return 0
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "-${2:-TERM}" "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null; do
      if [ $SECONDS -ge $deadline ]; then kill -KILL "$pid" 2>/dev/null || true; fi
      sleep 0.1
    done
  fi
  rm -f "$pidfile"
}

# nginx's upstream list; instances named in $RUN/down are marked down (their orgs go to the next instance).
write_nginx_conf() {
  local n i ups=""
  n="$(instances)"
  for i in $(seq 1 "$n"); do
    local flag=""
    grep -qx "$i" "$RUN/down" 2>/dev/null && flag=" down"
    ups+="    server 127.0.0.1:$(bff_port "$i") max_fails=1 fail_timeout=5s$flag;"$'\n'
  done
  mkdir -p "$RUN/nginx-tmp"
  UPS="$ups" awk -v run="$RUN" -v port="$PORT" -v web="$WEB_DIST" '
    { gsub(/@RUN@/, run); gsub(/@PORT@/, port); gsub(/@WEB_DIST@/, web) }
    /^@UPSTREAMS@$/ { printf "%s", ENVIRON["UPS"]; next }
    { print }' "$ROOT/deploy/nginx.conf.template" >"$RUN/nginx.conf"
  "$NGINX" -t -q -c "$RUN/nginx.conf" -p "$RUN" -g 'user root;' 2>>"$RUN/nginx-error.log" || die "nginx -t failed (see $RUN/nginx-error.log)"
}
nginx_cmd() { "$NGINX" -c "$RUN/nginx.conf" -p "$RUN" -g 'user root;' "$@"; }
reload_nginx() { write_nginx_conf; nginx_cmd -s reload 2>/dev/null; sleep 0.5; }

cmd_up() {
  need_packages
  [ -d "$RUN" ] && cmd_down
  mkdir -p "$RUN"
  echo "${CLUSTER_INSTANCES:-3}" >"$RUN/instances"
  if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building the SPA and the BFF (pnpm build)"
    (cd "$ROOT" && pnpm build >"$RUN/build.log" 2>&1) || die "pnpm build failed (see $RUN/build.log)"
  fi
  log "PostgreSQL 15 primary on :$PG_PORT, streaming replica on :$REPLICA_PORT"
  start_postgres
  log "pgbouncer (transaction pooling) on :$BOUNCER_PORT"
  start_pgbouncer
  local n i
  n="$(instances)"
  # The first instance migrates (and seeds the demo) alone; the others find the schema current.
  start_bff 1
  wait_ready 1
  for i in $(seq 2 "$n"); do start_bff "$i"; done
  for i in $(seq 2 "$n"); do wait_ready "$i"; done
  write_nginx_conf
  nginx_cmd
  wait_for "nginx" 10 curl -fsS -o /dev/null "http://127.0.0.1:$PORT/api/ready"
  log "up: http://127.0.0.1:$PORT (nginx) -> $n instances on :$((BASE_PORT + 1))..:$((BASE_PORT + n)) (metrics :$((METRICS_BASE_PORT + 1))..) -> pgbouncer :$BOUNCER_PORT -> PostgreSQL :$PG_PORT (+ replica :$REPLICA_PORT)"
}

cmd_down() {
  [ -d "$RUN" ] || { log "nothing to stop"; return 0; }
  [ -f "$RUN/nginx.pid" ] && { nginx_cmd -s quit 2>/dev/null || kill "$(cat "$RUN/nginx.pid")" 2>/dev/null || true; }
  local f
  for f in "$RUN"/bff-*.pid; do
    [ -e "$f" ] || continue
    f="${f##*/bff-}"
    stop_bff "${f%.pid}" TERM
  done
  [ -f "$RUN/pgbouncer.pid" ] && { kill "$(cat "$RUN/pgbouncer.pid")" 2>/dev/null || true; }
  stop_replica
  as_pg "$PG_BIN/pg_ctl" -D "$RUN/pg-primary" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  # nginx's master exits after its workers: wait for the pid file to go
  local deadline=$((SECONDS + 10))
  while [ -f "$RUN/nginx.pid" ] && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
  rm -rf "$RUN"
  log "down"
}

cmd_status() {
  local n i
  n="$(instances)"
  for i in $(seq 1 "$n"); do
    if ready "$i"; then echo "instance $i :$(bff_port "$i") ready"; else echo "instance $i :$(bff_port "$i") NOT ready"; fi
  done
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/api/ready" && echo "nginx :$PORT ready" || echo "nginx :$PORT NOT ready"
  "$PG_BIN/psql" -X -tA -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -d aic \
    -c "select 'replica lag: ' || case when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then '0' else coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp())::text, 'unknown') end || ' s'" 2>/dev/null || echo "replica :$REPLICA_PORT down"
}

# Rolling restart: the instance leaves nginx first (no new request reaches it; its orgs go to the
# next instance), then SIGTERM drains what it is running, then it starts and is ready before it rejoins.
cmd_restart() {
  local n i
  n="$(instances)"
  for i in $(seq 1 "$n"); do
    echo "$i" >"$RUN/down"
    reload_nginx
    stop_bff "$i" TERM
    start_bff "$i"
    wait_ready "$i"
    rm -f "$RUN/down"
    reload_nginx
    log "instance $i restarted"
  done
}

cmd_scale() {
  local n="$1" old i
  old="$(instances)"
  echo "$n" >"$RUN/instances"
  for i in $(seq $((old + 1)) "$n"); do start_bff "$i"; wait_ready "$i"; done
  reload_nginx
  for i in $(seq $((n + 1)) "$old"); do stop_bff "$i" TERM; done
  log "scaled to $n instances"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  restart) cmd_restart ;;
  kill) stop_bff "${2:?instance}" KILL ;;
  start) start_bff "${2:?instance}"; wait_ready "$2" ;;
  scale) cmd_scale "${2:?instances}" ;;
  replica-stop) stop_replica ;;
  replica-start) start_replica ;;
  *) die "usage: pnpm cluster up|down|status|restart|kill <i>|start <i>|scale <n>|replica-stop|replica-start" ;;
esac
