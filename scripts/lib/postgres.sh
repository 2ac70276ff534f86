# shellcheck shell=bash
#
# postgres.sh: make a PostgreSQL server reachable for the integration tests.
#
#   postgres_ensure URL   succeed when URL answers; otherwise start the local cluster when PostgreSQL
#                         is installed but down, or install it (Debian, as root) when it is absent,
#                         then try again. Never exits the caller's shell.

_pg_err() { printf 'postgres: %s\n' "$*" >&2; }

# _pg_reachable URL: true when a connection to URL's host:port is accepted and, when psql exists,
# a query answers.
_pg_reachable() {
	local url=$1 hostport host port
	hostport=${url#*://}
	hostport=${hostport#*@}
	hostport=${hostport%%/*}
	host=${hostport%%:*}
	port=${hostport##*:}
	[[ $port == "$hostport" ]] && port=5432
	if command -v psql >/dev/null 2>&1; then
		PGCONNECT_TIMEOUT=3 psql "$url" -XtAc 'select 1' >/dev/null 2>&1
	else
		timeout 3 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null
	fi
}

_pg_start_cluster() {
	local v
	command -v pg_ctlcluster >/dev/null 2>&1 || return 1
	for v in /etc/postgresql/*; do
		[[ -d $v/main ]] || continue
		v=${v##*/}
		printf 'postgres: starting the local cluster %s/main\n' "$v" >&2
		pg_ctlcluster --skip-systemctl-redirect "$v" main start >&2 2>&1 || true
	done
	return 0
}

_pg_install() {
	if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
		_pg_err "PostgreSQL is not installed, and this script can install it only as root with apt-get"
		return 1
	fi
	printf 'postgres: installing PostgreSQL from the Debian packages (about a minute)\n' >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2; } || return 1
	_pg_start_cluster
	# The tests connect over TCP as postgres to database test: trust loopback, as on the CI machine.
	local hba
	for hba in /etc/postgresql/*/main/pg_hba.conf; do
		grep -q '^host all all 127.0.0.1/32 trust' "$hba" || sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
	done
	for v in /etc/postgresql/*; do pg_ctlcluster --skip-systemctl-redirect "${v##*/}" main reload >&2 2>&1 || true; done
	su postgres -c "psql -XtAc \"select 1 from pg_database where datname='test'\" | grep -q 1 || createdb test" >&2
}

postgres_ensure() {
	local url=$1 i
	_pg_reachable "$url" && return 0
	if command -v pg_ctlcluster >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
		_pg_start_cluster
	else
		_pg_install || return 1
	fi
	for i in $(seq 1 30); do
		_pg_reachable "$url" && return 0
		sleep 0.5
	done
	_pg_err "not reachable at ${url%%\?*}"
	return 1
}
