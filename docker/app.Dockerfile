# Passerelle's own image: one image, three commands (see docker-compose.yml):
#   actions  python -m actions.server --actions actions -p 5055
#   bot      python -m bot                 (webhook mode in production)
#   admin    uvicorn admin.app:app ...     (staff dashboard + JSON API)
# plus the one-shot `python -m leads migrate`. The Rasa engine is not in here: it runs the
# official rasa/rasa image (Rasa 3.6 pins old libraries that must not meet ours).
FROM python:3.12-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PASSERELLE_VAR_DIR=/app/var

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them. Exact versions come
# from the lock file; the test and benchmark tools listed in app.txt stay out of the image.
COPY requirements/app.txt requirements/app.lock.txt requirements/
RUN grep -vE '^(pytest|pytest-asyncio|pytest-timeout|ruff|mypy|types-[A-Za-z]+|playwright|zxing-cpp|psutil|py-spy)==' \
        requirements/app.txt > /tmp/runtime.txt \
 && pip install -r /tmp/runtime.txt -c requirements/app.lock.txt \
 && rm /tmp/runtime.txt

COPY passerelle_settings/ passerelle_settings/
COPY actions/ actions/
COPY bot/ bot/
COPY leads/ leads/
COPY admin/ admin/
COPY content/ content/
# actions/domain.py reads the domain: Rasa sends it to no action (enable_selective_domain)
COPY domain/ domain/

# An unprivileged user; /app/var (funnel salt fallback, lead outage spool) is a volume.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin passerelle \
 && mkdir -p /app/var/spool \
 && chown -R passerelle /app/var
USER passerelle
VOLUME /app/var

EXPOSE 5055 8000 8443
CMD ["python", "-m", "actions.server", "--actions", "actions", "-p", "5055"]
