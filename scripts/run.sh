#!/usr/bin/env bash
# Quick start: install dependencies, build (release), create a demo instance in
# ./demo (domain example.test, users alice@ and bob@ with generated passwords,
# printed once), then run `postamt serve` in the foreground on 127.0.0.1 with
# port base 10000 (SMTP 10025, submission 10587, submissions 10465, POP3 10110,
# POP3S 10995).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build-release Release postamt
bin=build-release/src/app/postamt
if [ ! -f demo/postamt.toml ]; then
  "$bin" init --data demo --domain example.test --hostname localhost --bind 127.0.0.1 --port-base 10000
  for u in alice bob; do
    pw=$(openssl rand -base64 12)
    printf '%s\n' "$pw" | "$bin" user add --data demo "$u@example.test" --password-stdin >/dev/null
    echo "user $u@example.test  password: $pw"
  done
  echo "(passwords are printed only once; change them with: $bin user passwd --data demo ADDRESS)"
fi
exec "$bin" serve --data demo
