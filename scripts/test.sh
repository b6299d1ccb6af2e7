#!/usr/bin/env bash
# Runs every test of pubdata, on a fresh Debian machine as on a developer's:
#   1. installs what the tests need when it is missing (Debian's chromium and
#      fonts-wqy-microhei when run as root; the e2e npm packages);
#   2. gofmt, go vet, staticcheck;
#   3. finds PostgreSQL on 127.0.0.1:5432 for the store contract tests, unless
#      PUBDATA_TEST_POSTGRES is already set;
#   4. go test ./... (with the race detector);
#   5. a short run of every fuzz target;
#   6. builds e2e/.bin/pubdata and smoke-tests it, every benchmark with --quick;
#   7. the browser and API-document tests (e2e/, node:test);
#   8. a summary of what ran, what was skipped and why, and the total time.
# It exits non-zero if anything failed. No standard input is read.
#
# Environment:
#   PUBDATA_TEST_POSTGRES  PostgreSQL URL for the store tests (found on 127.0.0.1:5432 if unset)
#   PUBDATA_TEST_RACE=0    run go test without the race detector
#   PUBDATA_FUZZTIME=5s    how long each fuzz target runs (0 skips fuzzing)
#   PUBDATA_NO_INSTALL=1   install nothing (apt, npm); say what is skipped instead
#   CHROMIUM               the browser for the e2e tests (default /usr/bin/chromium)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
started=$(date +%s)
exec </dev/null

ran=()
skipped=()
failed=()

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
skip() { skipped+=("$1"); printf 'SKIP: %s\n' "$1"; }
elapsed() { echo $(($(date +%s) - $1)); }

# step NAME CMD...: runs CMD, records it as ran or failed, never stops the script.
step() {
	local name=$1 t0 rc=0
	shift
	say "$name"
	t0=$(date +%s)
	"$@" || rc=$?
	if [ "$rc" -eq 0 ]; then
		ran+=("$name ($(elapsed "$t0")s)")
	else
		failed+=("$name (exit $rc, $(elapsed "$t0")s)")
		printf 'FAILED: %s (exit %d)\n' "$name" "$rc"
	fi
	return 0
}

summary() {
	local total
	total=$(elapsed "$started")
	say "summary"
	echo "ran:"
	for s in "${ran[@]+"${ran[@]}"}"; do echo "  ok      $s"; done
	for s in "${failed[@]+"${failed[@]}"}"; do echo "  FAILED  $s"; done
	if [ ${#skipped[@]} -gt 0 ]; then
		echo "skipped:"
		for s in "${skipped[@]}"; do echo "  - $s"; done
	else
		echo "skipped: nothing"
	fi
	printf 'total time: %dm%02ds\n' $((total / 60)) $((total % 60))
	if [ ${#failed[@]} -gt 0 ]; then
		echo "RESULT: FAILED (${#failed[@]})"
		return 1
	fi
	echo "RESULT: OK"
}

if ! command -v go >/dev/null 2>&1; then
	echo "scripts/test.sh: go is not on PATH (Go 1.26 is needed)" >&2
	exit 1
fi
echo "$(go version); node $(node --version 2>/dev/null || echo 'not found'); $(nproc) cores"

# --- 1. what the tests need -------------------------------------------------

chromium_bin=${CHROMIUM:-/usr/bin/chromium}
have_browser=false

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

install_debian() {
	local missing=()
	if ! command -v dpkg-query >/dev/null 2>&1; then
		skip "Debian packages chromium, fonts-wqy-microhei: not a Debian system (no dpkg)"
		return 0
	fi
	for p in chromium fonts-wqy-microhei; do
		installed "$p" || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		echo "chromium and fonts-wqy-microhei are installed"
		return 0
	fi
	if [ "${PUBDATA_NO_INSTALL:-}" = 1 ]; then
		skip "installing ${missing[*]}: PUBDATA_NO_INSTALL=1"
	elif [ "$(id -u)" -ne 0 ]; then
		skip "installing ${missing[*]}: not root (run: sudo apt-get install -y ${missing[*]})"
	elif ! command -v apt-get >/dev/null 2>&1; then
		skip "installing ${missing[*]}: apt-get is not available"
	else
		echo "installing ${missing[*]} from Debian's archive"
		apt-get update -qq || return 1
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" || return 1
	fi
	return 0
}
step "install Debian packages for the browser tests" install_debian
if [ -x "$chromium_bin" ]; then
	have_browser=true
	installed fonts-wqy-microhei 2>/dev/null || echo "note: fonts-wqy-microhei is missing: Chinese renders as boxes in screenshots"
else
	echo "no browser at $chromium_bin: the browser tests will be skipped"
fi

have_npm=false
install_npm() {
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		skip "npm packages for e2e/: node or npm is not installed (every e2e test is skipped)"
		return 0
	fi
	# npm writes node_modules/.package-lock.json on every install.
	if [ -f e2e/node_modules/.package-lock.json ] && [ ! e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]; then
		echo "e2e/node_modules is up to date"
		have_npm=true
		return 0
	fi
	if [ "${PUBDATA_NO_INSTALL:-}" = 1 ]; then
		skip "npm ci in e2e/: PUBDATA_NO_INSTALL=1 (every e2e test is skipped)"
		return 0
	fi
	# playwright-core never downloads a browser; the e2e tests use Debian's chromium.
	(cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) || return 1
	have_npm=true
}
step "install npm packages for e2e/" install_npm

# --- 2. static checks -------------------------------------------------------

check_gofmt() {
	local files
	files=$(find . -name '*.go' -not -path './.git/*' -not -path './e2e/node_modules/*' -not -path './e2e/.bin/*' -print0 | xargs -0 gofmt -l) || return 1
	if [ -n "$files" ]; then
		echo "gofmt would change:"
		echo "$files"
		return 1
	fi
}
step "gofmt -l" check_gofmt
step "go vet ./..." go vet ./...
step "staticcheck ./..." go tool staticcheck ./...

# --- 3. PostgreSQL ----------------------------------------------------------

if [ -n "${PUBDATA_TEST_POSTGRES:-}" ]; then
	echo "PostgreSQL store tests use PUBDATA_TEST_POSTGRES (already set)"
elif command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
	export PUBDATA_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
	echo "PostgreSQL found on 127.0.0.1:5432: PUBDATA_TEST_POSTGRES=$PUBDATA_TEST_POSTGRES"
else
	skip "PostgreSQL store tests: PUBDATA_TEST_POSTGRES is unset and no PostgreSQL answers on 127.0.0.1:5432 (SQLite only)"
fi

# --- 4. go test -------------------------------------------------------------

race=(-race)
if [ "${PUBDATA_TEST_RACE:-1}" = 0 ]; then
	race=()
	skip "race detector: PUBDATA_TEST_RACE=0"
elif [ "$(go env CGO_ENABLED)" != 1 ] || ! command -v "$(go env CC)" >/dev/null 2>&1; then
	race=()
	skip "race detector: it needs cgo and a C compiler ($(go env CC))"
fi
step "go test ${race[*]:+${race[*]} }-count=1 ./..." go test "${race[@]}" -count=1 ./...

# --- 5. fuzz ----------------------------------------------------------------

fuzztime=${PUBDATA_FUZZTIME:-5s}
run_fuzz() {
	local file line pkg name out st rc=0 n=0
	# one target at a time: go test -fuzz takes a single target and package
	while IFS= read -r line; do
		file=${line%%:*}
		name=${line#*:}
		name=${name#func }
		name=${name%%(*}
		pkg=./$(dirname "${file#./}")
		n=$((n + 1))
		echo "--- $name in $pkg"
		st=0
		out=$(go test -run='^$' -fuzz="^${name}\$" -fuzztime="$fuzztime" -fuzzminimizetime=2s "$pkg" 2>&1) || st=$?
		# The fuzzing engine itself sometimes stops a loaded run with "context
		# deadline exceeded" and no failing input (a Go toolchain flake, not a
		# finding): that run is repeated once; any other failure stands.
		if [ $st -ne 0 ] && echo "$out" | grep -q 'context deadline exceeded' && ! echo "$out" | grep -q 'Failing input'; then
			echo "$out" | tail -n 4
			echo "(the fuzzing engine timed out without a failing input: running $name again)"
			st=0
			out=$(go test -run='^$' -fuzz="^${name}\$" -fuzztime="$fuzztime" -fuzzminimizetime=2s "$pkg" 2>&1) || st=$?
		fi
		if [ $st -eq 0 ]; then
			echo "$out" | tail -n 2
		else
			echo "$out"
			echo "FAILED: fuzz target $name in $pkg (a failing input is kept under $pkg/testdata/fuzz/$name)"
			rc=1
		fi
	done < <(grep -roE --include='*_test.go' --exclude-dir=node_modules --exclude-dir=.git '^func Fuzz[A-Za-z0-9_]*\(' . | sort)
	echo "$n fuzz targets, $fuzztime each"
	return $rc
}
if [ "$fuzztime" = 0 ]; then
	skip "fuzzing: PUBDATA_FUZZTIME=0"
else
	step "fuzz every target for $fuzztime" run_fuzz
fi

# --- 6. the binary ----------------------------------------------------------

bin=$root/e2e/.bin/pubdata
have_bin=false
build() {
	mkdir -p e2e/.bin && go build -o "$bin" ./cmd/pubdata && have_bin=true
}
step "go build -o e2e/.bin/pubdata ./cmd/pubdata" build

smoke() {
	local tmp got names name out rc=0
	tmp=$(mktemp -d)
	# --data points at an empty directory: the smoke checks touch no database here.
	got=$("$bin" workdays add 2025-09-30 5 --data "$tmp/none") || return 1
	if [ "$got" != 2025-10-14 ]; then
		echo "pubdata workdays add 2025-09-30 5 printed '$got', want 2025-10-14"
		rc=1
	else
		echo "pubdata workdays add 2025-09-30 5 -> $got"
	fi
	"$bin" version || rc=1
	# `pubdata bench` with no name lists the benchmarks, two spaces in, and exits 2.
	names=$("$bin" bench 2>&1 | sed -n 's/^  \([a-z0-9][a-z0-9_.-]*\) .*/\1/p' || true)
	if [ -z "$names" ]; then
		echo "pubdata bench listed no benchmarks"
		rc=1
	fi
	local db=()
	[ -n "${PUBDATA_TEST_POSTGRES:-}" ] && db=(--db "$PUBDATA_TEST_POSTGRES")
	for name in $names; do
		echo "--- pubdata bench $name --quick ${db[*]:+--db \$PUBDATA_TEST_POSTGRES}"
		if ! out=$(cd "$tmp" && "$bin" bench "$name" --quick "${db[@]}" 2>&1); then
			echo "$out"
			echo "pubdata bench $name failed"
			rc=1
			continue
		fi
		echo "$out" | tail -n 3
		if ! echo "$out" | tail -n 1 | grep -q "^bench $name: "; then
			echo "pubdata bench $name did not end with 'bench $name: key=value ...'"
			rc=1
		fi
	done
	rm -rf "$tmp"
	return $rc
}
if $have_bin; then
	step "smoke checks of the binary and every benchmark --quick" smoke
else
	skip "smoke checks and benchmarks: the binary did not build"
fi

# --- 7. browser and API-document tests ---------------------------------------

if ! $have_bin; then
	skip "e2e tests: the binary did not build"
elif ! $have_npm; then
	skip "e2e tests: the npm packages are not installed"
elif $have_browser; then
	step "e2e: npm test (browser and OpenAPI tests)" bash -c 'cd e2e && PUBDATA_BIN="$1" CHROMIUM="$2" npm test --silent' _ "$bin" "$chromium_bin"
else
	skip "browser tests: no chromium at $chromium_bin (as root this script installs Debian's chromium)"
	step "e2e: node --test openapi.test.mjs" bash -c 'cd e2e && PUBDATA_BIN="$1" node --test openapi.test.mjs' _ "$bin"
fi

summary
