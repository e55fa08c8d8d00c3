#!/usr/bin/env bash
# Runs the README's demo command EXACTLY as written (the line after `<!-- demo-command -->`), the way
# a newcomer does: in a fresh clone of this repository's HEAD, with a throwaway local Maven
# repository seeded from the normal one minus this project's own artifacts (io/socketserve), so that
# nothing a previous `mvn install` left behind can make it pass. Waits for the demo page and
# /socket-serve.js, then stops the server. A broken demo command fails the test run (issue 11).
set -euo pipefail
cd "$(dirname "$0")/.."

command=$(awk '/<!-- demo-command -->/{found=1; next} found && /^```sh/{getline; print; exit}' README.md)
if [ -z "$command" ]; then
  echo "check-demo-command: no \`<!-- demo-command -->\` block in README.md" >&2
  exit 1
fi

work=$(mktemp -d)
cleanup() {
  if [ -n "${pgid:-}" ]; then kill -TERM -- "-$pgid" 2>/dev/null || true; sleep 1; kill -KILL -- "-$pgid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

seed="${MAVEN_REPOSITORY:-$HOME/.m2/repository}"
mkdir -p "$work/repo"
if [ -d "$seed" ]; then cp -a "$seed/." "$work/repo/"; fi
rm -rf "$work/repo/io/socketserve"

if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  git clone -q . "$work/clone"
  if [ -n "$(git status --porcelain)" ]; then
    echo "check-demo-command: note: uncommitted changes are not part of this check (it runs HEAD)"
  fi
else
  mkdir "$work/clone"
  tar --exclude=./.git --exclude='*/target' --exclude='*/node_modules' -cf - . | tar -xf - -C "$work/clone"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

echo "== demo command, as the README writes it: $command   (PORT=$port, fresh local repository)"
# setsid: the command (Maven and the JVM it starts) gets a process group of its own to stop.
pushd "$work/clone" > /dev/null
PORT=$port MAVEN_OPTS="-Dmaven.repo.local=$work/repo ${MAVEN_OPTS:-}" \
  setsid bash -c "$command" > "$work/demo.log" 2>&1 &
pgid=$!
popd > /dev/null

deadline=$((SECONDS + 300))
until curl -sf -o /dev/null "http://127.0.0.1:$port/"; do
  if [ $SECONDS -ge $deadline ] || ! kill -0 "$pgid" 2>/dev/null; then
    echo "check-demo-command: the demo did not serve http://127.0.0.1:$port/ — its output:" >&2
    cat "$work/demo.log" >&2
    exit 1
  fi
  sleep 1
done
# Into a file, not `curl | grep -q`: grep -q exits at the first match, curl then fails writing the
# rest (exit 23) and pipefail turns a served client into a failure.
if ! curl -sf -o "$work/client.js" "http://127.0.0.1:$port/socket-serve.js"; then
  echo "check-demo-command: GET /socket-serve.js failed" >&2
  exit 1
fi
if ! grep -q "export function connect" "$work/client.js"; then
  echo "check-demo-command: /socket-serve.js is not the client — it served:" >&2
  head -c 400 "$work/client.js" >&2
  exit 1
fi
echo "== demo command OK: page and /socket-serve.js served after $SECONDS s"
