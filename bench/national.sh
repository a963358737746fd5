#!/usr/bin/env bash
# The measurements of BENCHMARKS.md, in order, on throwaway PostgreSQL 15 + Redis started
# exactly as CI starts them (scripts/services.sh). Results: printed, and JSON in bench/out/.
#
#   bench/national.sh [PRESET]        # default: national
#
# Takes about 15 minutes on the 2-core machine; needs ~6 GB of free disk for the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-national}
py=.venv/bin/python

# A fresh machine: PostgreSQL, Redis (scripts/services.sh checks those too) and /usr/bin/time.
scripts/ensure-packages.sh postgresql redis time

eval "$(scripts/services.sh start)"
trap 'scripts/services.sh stop "$EOR_SERVICES_DIR"' EXIT
export DEBUG=false SECRET_KEY=benchmark-only-key-not-for-any-deployment-0123456789
export ALLOWED_HOSTS=127.0.0.1,localhost,testserver SECURE_SSL_REDIRECT=false
mkdir -p bench/out
echo "== $(date -u) $(uptime)"
$py manage.py migrate --no-input -v0
echo "== generate_synthetic --preset $preset"
/usr/bin/time -f "generate_synthetic: %e s wall, %M KB max RSS" \
    $py manage.py generate_synthetic --preset "$preset" --seed 1 2>&1 | tee bench/out/generate.txt
# Start the timings from a settled server, as a production database would be: without this,
# autovacuum works through the 10 M freshly inserted events and the checkpointer writes
# out gigabytes of dirty buffers during whichever benchmark happens to be running.
echo "== VACUUM (ANALYZE) and CHECKPOINT"
/usr/bin/time -f "vacuum and checkpoint: %e s" \
    $py manage.py dbshell -- -q -c "VACUUM (ANALYZE)" -c "CHECKPOINT"
$py -m bench.rollup --json
$py -m bench.pages --json
$py -m bench.incremental --json
$py -m bench.http_exits --json
# The exit against its floor in one run (issue 16): exit ÷ floor, p95 at half the floor's rate.
$py -m bench.http_exits --floor --json
$py -m bench.import_throughput --json
# pandas holds every event of its scope in memory: the 30 largest organisations.
$py -m bench.pandas_vs_sql --organisations 30 --json
echo "== issue 16's table, as measured in this run (preset $preset)"
echo "| figure | measured | target | verdict | load 1/5/15 at the end of its benchmark |"
echo "|---|---|---|---|---|"
$py -m bench.summarise --issue16
echo "== done $(date -u) $(uptime)"
