# Sourced by bench-web.sh and bench-export.sh: the benchmark server's start-up and a console
# sign-in, written once. Expects BIN, PORT, say() and die() from the caller.

# start_server RUN_DIR DB [VAR=value …]: `tianfu serve` on 127.0.0.1:$PORT in RUN_DIR (its log in
# RUN_DIR/server.log), with the given environment; waits until it listens. Sets pid and URL and
# stops the server when the script exits.
start_server() {
  local run="$1" db="$2"; shift 2
  (cd "$run" && exec env "$@" "$BIN" serve --listen "127.0.0.1:$PORT" --db "$db" >server.log 2>&1) &
  pid=$!
  trap 'kill "$pid" 2>/dev/null || true' EXIT
  URL="http://127.0.0.1:$PORT"
  for _ in $(seq 600); do
    grep -q "http://127.0.0.1:$PORT/" "$run/server.log" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || { cat "$run/server.log" >&2; die "the server exited"; }
    sleep 0.1
  done
}

# sign_in RUN_DIR NAME ONE_TIME_PASSWORD NEXT: signs in at the console with the cookie jar
# RUN_DIR/cookies.txt and replaces the one-time password (sets pw). Defines c (curl with the jar)
# and csrf PATH (the form token of a page).
sign_in() {
  jar="$1/cookies.txt"
  local name="$2" otp="$3" next="$4" t code
  c() { curl -sS -b "$jar" -c "$jar" "$@"; }
  # (sed -n 1p, not head -1: head leaving early fails the pipe under pipefail on a long page)
  csrf() { c "$URL$1" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | sed -n 1p; }
  t=$(csrf /login); [ -n "$t" ] || die "no CSRF token on /login"
  code=$(c -o /dev/null -w '%{http_code}' --data-urlencode "_csrf=$t" --data-urlencode "name=$name" --data-urlencode "password=$otp" --data-urlencode "next=$next" "$URL/login")
  [ "$code" = 303 ] || [ "$code" = 302 ] || die "login answered $code"
  pw="Bench-$RANDOM-Pw9"
  t=$(csrf /password); [ -n "$t" ] || die "no CSRF token on /password"
  code=$(c -o /dev/null -w '%{http_code}' --data-urlencode "_csrf=$t" --data-urlencode "current=$otp" --data-urlencode "new=$pw" --data-urlencode "repeat=$pw" "$URL/password")
  [ "$code" = 303 ] || [ "$code" = 302 ] || die "password change answered $code"
}
