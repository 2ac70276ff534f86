# shellcheck shell=bash
#
# versitygw.sh: run a throwaway Versity S3 Gateway (versitygw) for the S3 integration tests.
#
# Source this file from bash, then:
#
#   versitygw_ensure   find the pinned binary, or install it with `go install` (~70 s the first time)
#   versitygw_start    start it on a free loopback port over a fresh temp directory and export
#                      TEST_S3_ENDPOINT, TEST_S3_ACCESS_KEY and TEST_S3_SECRET_KEY
#   versitygw_stop     stop it, remove its directory and unset those variables
#
# The functions return non-zero with a message on stderr when something goes wrong; they never exit
# the caller's shell and work under `set -euo pipefail`. The binary lives in
# ${THANHTRA_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/thanhtra-tools}/versitygw-<version>/ so that
# several checkouts share one build.

VERSITYGW_VERSION=v1.8.0

_versitygw_err() {
	printf 'versitygw: %s\n' "$*" >&2
}

# versitygw_ensure sets VERSITYGW_BIN to the pinned versitygw binary, installing it when missing.
versitygw_ensure() {
	local tools dir bin
	tools=${THANHTRA_TOOLS:-${XDG_CACHE_HOME:-${HOME:?}/.cache}/thanhtra-tools}
	dir=$tools/versitygw-$VERSITYGW_VERSION
	bin=$dir/versitygw
	if [[ -x $bin ]]; then
		VERSITYGW_BIN=$bin
		return 0
	fi
	if ! command -v go >/dev/null 2>&1; then
		_versitygw_err "$bin is missing and go is not on PATH to install it"
		return 1
	fi
	if ! mkdir -p "$dir"; then
		_versitygw_err "cannot create $dir"
		return 1
	fi
	printf 'versitygw: installing github.com/versity/versitygw/cmd/versitygw@%s into %s (takes about 70 s)\n' \
		"$VERSITYGW_VERSION" "$dir" >&2
	# GOFLAGS is cleared so that a caller's -mod=vendor or similar cannot break the install, and
	# GOWORK=off so that a go.work in the current directory is not consulted.
	if ! GOBIN=$dir GOFLAGS= GOWORK=off go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"; then
		_versitygw_err "go install of versitygw@$VERSITYGW_VERSION failed"
		return 1
	fi
	if [[ ! -x $bin ]]; then
		_versitygw_err "go install succeeded but $bin is not there"
		return 1
	fi
	VERSITYGW_BIN=$bin
}

# _versitygw_port_in_use reports whether something accepts connections on 127.0.0.1:$1. It uses bash's
# /dev/tcp, so it needs no external tool.
_versitygw_port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# _versitygw_http_status prints the status code of an unauthenticated GET / on 127.0.0.1:$1, or
# nothing when the port does not answer within a second.
_versitygw_http_status() {
	local line
	(
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n' "$1" >&3
		IFS= read -r -t 1 line <&3 || exit 1
		# "HTTP/1.1 403 Forbidden" -> "403"
		line=${line#* }
		printf '%s\n' "${line%% *}"
	) 2>/dev/null
}

# _versitygw_random_hex prints $1 random bytes as lower-case hex.
_versitygw_random_hex() {
	od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

# versitygw_start starts versitygw in the background and exports TEST_S3_ENDPOINT, TEST_S3_ACCESS_KEY
# and TEST_S3_SECRET_KEY. It waits up to about 10 s for the gateway to answer HTTP.
versitygw_start() {
	local dir port attempt i status access secret pid
	if [[ -n ${VERSITYGW_PID:-} ]] && kill -0 "$VERSITYGW_PID" 2>/dev/null; then
		_versitygw_err "already running (pid $VERSITYGW_PID at ${TEST_S3_ENDPOINT:-?}); call versitygw_stop first"
		return 1
	fi
	if [[ -z ${VERSITYGW_BIN:-} ]]; then
		versitygw_ensure || return 1
	fi
	dir=$(mktemp -d "${TMPDIR:-/tmp}/versitygw.XXXXXX") || {
		_versitygw_err "cannot create a temp directory"
		return 1
	}
	if ! mkdir -p "$dir/data" "$dir/versions"; then
		_versitygw_err "cannot create $dir/data and $dir/versions"
		rm -rf "$dir"
		return 1
	fi
	access=$(_versitygw_random_hex 10) && secret=$(_versitygw_random_hex 20) || {
		_versitygw_err "cannot read /dev/urandom"
		rm -rf "$dir"
		return 1
	}

	# A random high port that nobody answers on. Another process may take it before versitygw binds,
	# so a start that dies early is retried on another port.
	for attempt in 1 2 3 4 5; do
		port=""
		for i in $(seq 1 50); do
			local candidate=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
			if ! _versitygw_port_in_use "$candidate"; then
				port=$candidate
				break
			fi
		done
		if [[ -z $port ]]; then
			_versitygw_err "no free loopback port found"
			rm -rf "$dir"
			return 1
		fi

		ROOT_ACCESS_KEY_ID=$access ROOT_SECRET_ACCESS_KEY=$secret \
			"$VERSITYGW_BIN" --port "127.0.0.1:$port" --quiet \
			posix --versioning-dir "$dir/versions" "$dir/data" >"$dir/versitygw.log" 2>&1 &
		pid=$!

		# Ready when GET / answers at all (403 without credentials); give up after ~10 s.
		for i in $(seq 1 100); do
			if ! kill -0 "$pid" 2>/dev/null; then
				break
			fi
			status=$(_versitygw_http_status "$port") || status=""
			if [[ -n $status ]]; then
				VERSITYGW_PID=$pid
				VERSITYGW_DIR=$dir
				export TEST_S3_ENDPOINT=127.0.0.1:$port
				export TEST_S3_ACCESS_KEY=$access
				export TEST_S3_SECRET_KEY=$secret
				printf 'versitygw: pid %s listening on %s (GET / -> %s), data in %s\n' \
					"$pid" "$TEST_S3_ENDPOINT" "$status" "$dir" >&2
				return 0
			fi
			sleep 0.1
		done

		if kill -0 "$pid" 2>/dev/null; then
			# Alive but silent for 10 s: do not retry, something is wrong.
			kill "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
			_versitygw_err "no answer on 127.0.0.1:$port after 10 s; log follows"
			tail -n 20 "$dir/versitygw.log" >&2 || true
			rm -rf "$dir"
			return 1
		fi
		wait "$pid" 2>/dev/null || true
		_versitygw_err "exited at start on port $port (attempt $attempt); log follows"
		tail -n 20 "$dir/versitygw.log" >&2 || true
	done
	_versitygw_err "could not start after 5 attempts"
	rm -rf "$dir"
	return 1
}

# versitygw_stop stops the gateway started by versitygw_start, removes its directory and unsets the
# TEST_S3_* variables. Calling it when nothing runs is not an error.
versitygw_stop() {
	local i
	if [[ -n ${VERSITYGW_PID:-} ]]; then
		if kill "$VERSITYGW_PID" 2>/dev/null; then
			for i in $(seq 1 50); do
				kill -0 "$VERSITYGW_PID" 2>/dev/null || break
				sleep 0.1
			done
			if kill -0 "$VERSITYGW_PID" 2>/dev/null; then
				kill -KILL "$VERSITYGW_PID" 2>/dev/null || true
			fi
		fi
		# wait reports the signal as a non-zero status; that is expected here.
		wait "$VERSITYGW_PID" 2>/dev/null || true
	fi
	if [[ -n ${VERSITYGW_DIR:-} ]]; then
		rm -rf "$VERSITYGW_DIR"
	fi
	unset VERSITYGW_PID VERSITYGW_DIR TEST_S3_ENDPOINT TEST_S3_ACCESS_KEY TEST_S3_SECRET_KEY
	return 0
}
