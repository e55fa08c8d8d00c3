#!/usr/bin/env bash
# The whole test suite, on a fresh machine of this project's kind (Debian, JDK 17 + Temurin 25,
# Maven, Node.js 20, redis-server). Installs what the browser tests need (Debian's chromium) and
# what the reverse-proxy tests need (Debian's nginx and haproxy) if missing, checks the README's demo
# command on a fresh clone (scripts/check-demo-command.sh), then runs `mvn -B -Prelease verify` on
# JDK 17 and `mvn -B verify` again on Temurin 25 when it is present.
set -euo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing Debian's chromium for the browser tests"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium > /dev/null
fi

# The tests run their own nginx and haproxy on free ports (the packages' services are not used).
if [ ! -x /usr/sbin/nginx ] || [ ! -x /usr/sbin/haproxy ]; then
  echo "== installing Debian's nginx and haproxy for the reverse-proxy tests"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx haproxy > /dev/null
fi

# The README's demo command, exactly as written, on a fresh clone and local repository.
scripts/check-demo-command.sh

# -Prelease: the sources and javadoc jars build too (javadoc without errors on the public API).
echo "== mvn -B -Prelease verify on $(java -version 2>&1 | head -1)"
mvn -B -Prelease verify

JDK25=/usr/lib/jvm/temurin-25-jdk-amd64
if [ -x "$JDK25/bin/java" ]; then
  echo "== mvn -B verify on Temurin 25"
  # the browser suites and the chaos run (@Tag("first-jdk-only"), about 4 minutes) ran on JDK 17 above
  JAVA_HOME="$JDK25" mvn -B verify -DexcludedGroups=first-jdk-only
fi
