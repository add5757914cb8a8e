# Shell helpers shared by the benchmark scripts (bench/run.sh, bench/chain/run.sh, bench/postgres/run.sh).
# Source it after setting the variables below; it defines functions only, and starts and writes nothing itself.
#
# log, die, rss_kib, free_port, wait_http: no variables.
# publish_exporter and exporter_facts expect:
#   ROOT          the repository (exporter/ and Directory.*.props are read from it)
#   OUT           the script's gitignored output folder: out/xx-exporter, out/artifacts, out/publish.log, out/src
#   EXPORTER_BIN  $OUT/xx-exporter/xx-exporter, the published binary
#   PUBLISH       auto (when the binary is missing or older than the sources), always or never
#   SOURCE        optional: a git revision to publish (git archive into $OUT/src) instead of the working tree
# new_results sets RESULTS (a new $OUT/results/<UTC time>/) and LOAD_BEFORE (the load average as the run starts).
# end_summary expects the calling script's machine_facts (which may use host_facts and exporter_facts).

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# A value of /proc/PID/status in KiB: rss_kib PID VmRSS|VmHWM|RssAnon|RssFile (or Threads, a count).
rss_kib() { awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until $1 answers; else shows the log $4 of process $3 and stops.
wait_http() {
  local url=$1 name=$2 pid=$3 logfile=$4 i
  for i in $(seq 200); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  cat "$logfile" >&2
  die "$name did not answer on $url"
}

# Native AOT binary with a private --artifacts-path: nothing is written to exporter/bin or exporter/obj, which
# other people's builds use (checked on the build log, which names every intermediate path at normal verbosity).
# With SOURCE, exporter/ as of that revision is exported read-only (git archive) so the numbers belong to one commit.
publish_exporter() {
  local newer= src=$ROOT source=${SOURCE:-}
  if [[ -x $EXPORTER_BIN ]]; then
    newer=$(find "$ROOT/exporter" "$ROOT/Directory.Build.props" "$ROOT/Directory.Packages.props" \
      \( -path "$ROOT/exporter/bin" -o -path "$ROOT/exporter/obj" \) -prune -o -type f -newer "$EXPORTER_BIN" -print -quit)
  fi
  case $PUBLISH in
    never) [[ -x $EXPORTER_BIN ]] || die "$EXPORTER_BIN missing (run without --no-publish)"; return 0 ;;
    auto) [[ -x $EXPORTER_BIN && -z $newer ]] && { log "reusing $EXPORTER_BIN (newer than exporter/ sources)"; return 0; } ;;
  esac
  command -v dotnet >/dev/null || die "dotnet missing"
  mkdir -p "$OUT"
  if [[ -n $source ]]; then
    src=$OUT/src
    rm -rf "$src" && mkdir -p "$src"
    git -C "$ROOT" archive "$source" exporter Directory.Build.props Directory.Packages.props | tar -x -C "$src"
  fi
  log "publishing the exporter (Native AOT, linux-x64) from ${source:-the working tree} into $OUT/xx-exporter"
  dotnet publish "$src/exporter/XxExporter.csproj" -c Release -r linux-x64 --nologo -v n \
    --artifacts-path "$OUT/artifacts" -o "$OUT/xx-exporter" >"$OUT/publish.log" 2>&1 \
    || { tail -30 "$OUT/publish.log" >&2; die "publish failed (log: $OUT/publish.log)"; }
  if grep -qE "$ROOT/exporter/(obj|bin)/" "$OUT/publish.log"; then
    die "the publish touched exporter/obj or exporter/bin (see $OUT/publish.log)"
  fi
  touch "$EXPORTER_BIN"
  # What was built, for the report (read-only git queries).
  if [[ -n $source ]]; then
    echo "git revision $(git -C "$ROOT" rev-parse --short "$source") ($source)"
  else
    local dirty=
    [[ -n $(git -C "$ROOT" --no-optional-locks status --porcelain -- exporter 2>/dev/null) ]] && dirty=' with uncommitted exporter/ changes'
    echo "the working tree at HEAD $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$dirty"
  fi >"$OUT/xx-exporter/built-from.txt"
}

# The first lines of a report's machine section (markdown list items).
host_facts() {
  cat <<EOF
- nproc: $(nproc); CPU: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
- RAM: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo); kernel: $(uname -r); load average before the run: $LOAD_BEFORE
EOF
}

# The exporter line of a report's machine section: version, build date and what it was built from.
exporter_facts() {
  echo "- xx-exporter: $("$EXPORTER_BIN" --version 2>/dev/null || echo '?'), Native AOT, published" \
    "$(date -u -r "$EXPORTER_BIN" +%FT%TZ) from $(cat "$OUT/xx-exporter/built-from.txt" 2>/dev/null || echo 'an unrecorded source')"
}

# A new folder for this run's results, named by its UTC start; and the load average before the run adds to it.
new_results() {
  LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
  RESULTS=$OUT/results/$(date -u +%Y%m%dT%H%M%SZ)
  mkdir -p "$RESULTS"
}

# Ends $RESULTS/summary.md with the machine (the calling script's machine_facts) and shows it.
end_summary() {
  { echo; machine_facts; } >>"$RESULTS/summary.md"
  cat "$RESULTS/summary.md"
  log "results in $RESULTS"
}
