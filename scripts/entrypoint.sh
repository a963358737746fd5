#!/usr/bin/env sh
# The one place that says how EOR's processes start in production. The Docker image
# (ENTRYPOINT), docker-compose.yml (one command per service) and `make prod-check`
# (scripts/prod-check.sh, which runs them on this machine behind nginx) all call it, so the
# commands that are tested are the ones that ship.
#
#   scripts/entrypoint.sh release               # migrate, then collect static files (run once)
#   scripts/entrypoint.sh web                   # gunicorn (gunicorn.conf.py; GUNICORN_BIND)
#   scripts/entrypoint.sh worker                # Celery, default queue: refreshes, rollups, reminders
#   scripts/entrypoint.sh worker-integrations   # Celery, the integrations queue (slow figures)
#   scripts/entrypoint.sh beat                  # Celery beat: one per deployment
#   scripts/entrypoint.sh <anything else>       # run as given (a shell, manage.py …)
#
# Extra arguments after the role are passed on to the program. Settings come from the
# environment (.env.example). Sized by WEB_CONCURRENCY and GUNICORN_THREADS (gunicorn.conf.py),
# CELERY_CONCURRENCY and CELERY_BEAT_SCHEDULE here.
set -eu
cd "$(dirname "$0")/.."

role=${1:-web}
[ $# -eq 0 ] || shift
case "$role" in
    release)
        python manage.py migrate --no-input
        exec python manage.py collectstatic --no-input -v0
        ;;
    web)
        # gunicorn reads gunicorn.conf.py from the working directory (the project root).
        exec gunicorn "$@"
        ;;
    worker)
        exec celery -A trelleborg worker -Q celery -n "celery@%h" --loglevel=INFO \
            --concurrency="${CELERY_CONCURRENCY:-2}" "$@"
        ;;
    worker-integrations)
        # CELERY_TASK_ROUTES sends the organisation-wide figures here: slow, never in the way
        # of a dashboard refresh.
        exec celery -A trelleborg worker -Q integrations -n "integrations@%h" --loglevel=INFO \
            --concurrency=1 "$@"
        ;;
    beat)
        exec celery -A trelleborg beat --loglevel=INFO \
            --schedule "${CELERY_BEAT_SCHEDULE:-/tmp/celerybeat-schedule}" "$@"
        ;;
    *)
        exec "$role" "$@"
        ;;
esac
