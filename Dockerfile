# objectsync: one image for every service (migrate, worker, beat, api); the command picks the role.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# unixODBC for pyodbc, and the PostgreSQL ODBC driver (the ANSI INFORMATION_SCHEMA path of the SQL Server
# connector). Build with --build-arg MSSQL_ODBC=1 to add Microsoft's "ODBC Driver 18 for SQL Server"
# (accepts Microsoft's EULA) for real SQL Server, Azure SQL and Synapse connections.
ARG MSSQL_ODBC=0
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends unixodbc odbc-postgresql ca-certificates; \
    if [ "$MSSQL_ODBC" = "1" ]; then \
        apt-get install -y --no-install-recommends curl gnupg; \
        curl -fsSL https://packages.microsoft.com/keys/microsoft.asc | gpg --dearmor -o /usr/share/keyrings/microsoft-prod.gpg; \
        echo "deb [signed-by=/usr/share/keyrings/microsoft-prod.gpg] https://packages.microsoft.com/debian/12/prod bookworm main" \
            > /etc/apt/sources.list.d/mssql-release.list; \
        apt-get update; \
        ACCEPT_EULA=Y apt-get install -y --no-install-recommends msodbcsql18; \
        apt-get purge -y curl gnupg; \
        apt-get autoremove -y; \
    fi; \
    rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 objectsync
WORKDIR /app

COPY pyproject.toml README.md LICENSE constraints.txt beat_schedule.py ./
COPY settings ./settings
COPY domain ./domain
COPY connectors ./connectors
COPY models ./models
COPY catalog ./catalog
COPY services ./services
COPY workers ./workers
COPY tasks ./tasks
COPY api ./api
COPY console ./console
COPY cli ./cli
# Every connector's client library, at the versions the tests passed with (bench/ and tests/ stay out).
RUN pip install -c constraints.txt '.[all]'

USER objectsync
ENV OBJECTSYNC_HOME=/home/objectsync/.objectsync
# The image's own check: the code imports and the catalog settings load. Each service in docker-compose.yml
# has a check of its role (API readiness, worker ping, beat's schedule file).
HEALTHCHECK --interval=60s --timeout=15s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import api.app, workers.celery_app"]
CMD ["objectsync", "--help"]
