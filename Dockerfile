# EOR production image: the Django app, its Celery workers and beat all run from this image
# through scripts/entrypoint.sh (docker-compose.yml picks the role: release, web, worker,
# worker-integrations, beat). `make prod-check` runs the same script on the host, behind
# nginx with TLS, so the commands that are tested are the ones that ship. Static files are collected at build time and
# served by whitenoise, so gunicorn needs no separate web server for them.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY . .
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin eor \
    && DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input \
    && chown -R eor:eor /app/staticfiles

USER eor
EXPOSE 8000
# Workers, threads, port and access log: gunicorn.conf.py (WEB_CONCURRENCY, GUNICORN_THREADS).
ENTRYPOINT ["/app/scripts/entrypoint.sh"]
CMD ["web"]
