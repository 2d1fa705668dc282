# shellcheck shell=bash
# Debian's Prometheus, for the telemetry test (`dev.sh test`): the .NET test starts it itself (unprivileged, a temporary
# folder, a free port, a 1 s scrape interval) against the API and the worker it hosts, because only the test knows their
# ports. Here we install it and tell the test where it is. Sourced by deploy/dev.sh; expects common.sh.
#
# The package's service is not started: the test's Prometheus is the only one (policy-rc.d in containers, and we never
# enable the unit). Nothing to stop here: the test kills its process.

PROMETHEUS_APT_PACKAGES=(prometheus)

# prometheus_ensure: install prometheus if missing and export PHOTOAPI_TEST_PROMETHEUS (the binary); fails the run if absent.
prometheus_ensure() {
  ensure_apt_packages "${PROMETHEUS_APT_PACKAGES[@]}"
  local bin
  bin="$(command -v prometheus || true)"
  [[ -n $bin && -x $bin ]] || die "prometheus is not installed (apt package prometheus)"
  export PHOTOAPI_TEST_PROMETHEUS="$bin"
  log "Prometheus $("$bin" --version 2>&1 | sed -n '1s/^prometheus, version \([^ ]*\).*/\1/p') at $bin (started by the telemetry test)"
}
