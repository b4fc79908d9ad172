#!/usr/bin/env bash
# Installs what OPES-SMTP needs on Debian 12. Idempotent: when every package
# is already present it only asks dpkg and returns in well under a second.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ make pkg-config
  # test scripts (openssl makes the TLS tests' certificates)
  python3 openssl
  # libraries
  libboost1.81-dev libssl-dev nlohmann-json3-dev doctest-dev
  # fuzzing (libFuzzer ships with clang's runtime)
  clang libclang-rt-14-dev
  # the proxy's tests and benchmark talk to real peers: Postfix's smtp-sink
  # and smtp-source (postfix, preseeded below so that no MTA is configured or
  # started) and swaks as an SMTP client (its --tls needs Net::SSLeay, which
  # --no-install-recommends leaves out)
  postfix swaks libnet-ssleay-perl
  # doveadm makes the {CRAM-MD5} secrets the SMTP AUTH tests check
  # (tests/proxy/daemon/auth_test.py; the unit tests hold recorded ones);
  # Dovecot's POP3 and IMAP servers are the HOST tests' real upstreams
  dovecot-core dovecot-pop3d dovecot-imapd
  # fetchmail in ODMR mode is the customer of the ODMR tests
  # (tests/proxy/daemon/odmr_test.py)
  fetchmail
)

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
if [[ " ${missing[*]} " == *" postfix "* ]]; then
  # Only the tools are wanted: "No configuration" installs Postfix without a
  # main.cf, so no mail system starts on this machine.
  echo "postfix postfix/main_mailer_type select No configuration" |
    "${sudo_cmd[@]}" debconf-set-selections
fi
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
