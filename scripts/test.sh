#!/usr/bin/env bash
#
# scripts/test.sh: the project's test command (README.md; CI runs it through .ci/run).
#
# 1. gofmt and go vet;
# 2. go test -race ./... on the embedded engines: SQLite and the local object store;
# 3. go test ./... again (without -race) on PostgreSQL and a real S3 server (Versity S3 Gateway, started here on
#    a free loopback port and stopped at the end), when they are reachable. PostgreSQL is started
#    when installed but down (and installed when absent, as root on Debian); versitygw is installed
#    with `go install` and cached.
#
# TEST_REQUIRE_POSTGRES=1 / TEST_REQUIRE_S3=1 make the real engines mandatory: unreachable is a
# failure, never a skip. TEST_DATABASE_URL overrides the PostgreSQL server (default: local, database
# test). Extra arguments go to `go test` (e.g. -run TestX, -count=1).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/versitygw.sh
source scripts/lib/versitygw.sh
# shellcheck source=lib/postgres.sh
source scripts/lib/postgres.sh
# shellcheck source=lib/poppler.sh
source scripts/lib/poppler.sh

require_pg=${TEST_REQUIRE_POSTGRES:-0}
require_s3=${TEST_REQUIRE_S3:-0}
pg_url=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
started=$SECONDS

say() { printf '\n==> %s\n' "$*"; }
loud() {
	printf '\n%s\n' '################################################################################'
	printf '## %s\n' "$@"
	printf '%s\n\n' '################################################################################'
}

race=()
export GORACE=${GORACE:-atexit_sleep_ms=0} # the race detector otherwise waits 1 s at the end of every test binary
if [[ $(go env CGO_ENABLED) == 1 ]] && command -v "$(go env CC)" >/dev/null 2>&1; then
	race=(-race)
else
	loud "NO C COMPILER: the race detector is OFF (go test -race needs cgo; DECISIONS.md D23)." \
		"Install gcc (apt-get install gcc) to run the tests as CI does."
fi

# The document renderer's golden-image tests need pdftoppm; where CI makes the real engines
# mandatory, they must not skip either.
poppler_ensure || loud "pdftoppm (poppler-utils) is missing: the document golden-image tests will skip."
if [[ $require_pg == 1 ]]; then
	export TEST_REQUIRE_PDFTOPPM=1
fi

say "gofmt and go vet"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './data/*'))
if [[ -n $unformatted ]]; then
	printf 'gofmt would change:\n%s\n' "$unformatted" >&2
	exit 1
fi
go vet ./...

say "tests on the embedded engines: SQLite + local object store"
env -u TEST_DATABASE_URL -u TEST_REQUIRE_POSTGRES -u TEST_S3_ENDPOINT -u TEST_REQUIRE_S3 \
	go test "${race[@]}" -timeout 25m "$@" ./...
engines="sqlite+local: passed"

say "real engines: PostgreSQL + S3 (versitygw)"
have_pg=0 have_s3=0
if postgres_ensure "$pg_url"; then
	have_pg=1
elif [[ $require_pg == 1 ]]; then
	echo "FAIL: PostgreSQL is required (TEST_REQUIRE_POSTGRES=1) but not reachable" >&2
	exit 1
fi
trap 'versitygw_stop >/dev/null 2>&1 || true' EXIT
if versitygw_ensure && versitygw_start; then
	have_s3=1
elif [[ $require_s3 == 1 ]]; then
	echo "FAIL: an S3 server is required (TEST_REQUIRE_S3=1) but versitygw could not be installed or started" >&2
	exit 1
fi

if ((have_pg || have_s3)); then
	run_env=()
	label=()
	if ((have_pg)); then
		run_env+=(TEST_DATABASE_URL="$pg_url" TEST_REQUIRE_POSTGRES=1)
		label+=(postgres)
	fi
	if ((have_s3)); then
		run_env+=(TEST_REQUIRE_S3=1)
		label+=(versitygw)
	fi
	# Without the race detector: the embedded pass above already ran every test under it, and the
	# data races it finds are in our Go code, not in the engine behind it; this pass checks the SQL and
	# the S3 protocol, at a third of the time.
	say "tests on ${label[*]}"
	env "${run_env[@]}" go test -timeout 25m "$@" ./...
	engines="$engines; $(IFS=+; echo "${label[*]}"): passed"
else
	loud "PostgreSQL and S3 unreachable: only the embedded engines were tested."
fi
((have_pg)) || engines="$engines; postgres: NOT RUN"
((have_s3)) || engines="$engines; s3: NOT RUN"

say "done in $((SECONDS - started)) s — engines: $engines${race[*]:+ (race detector on)}"
