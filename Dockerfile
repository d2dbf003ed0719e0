# fplan service image. Build: docker build -t fplan .   Run with compose.yaml (PostGIS beside it).

# the map's MapLibre GL JS comes from npm at build time, never from the repository (the JS
# checks, typescript and eslint, are devDependencies the image does not need)
FROM node:20-bookworm-slim AS web
WORKDIR /web
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    APP_HOST=0.0.0.0 APP_PORT=8000 APP_CACHE_DIR=/app/.cache \
    NUMBA_CACHE_DIR=/app/.cache/numba

RUN useradd --create-home --uid 10001 fplan
WORKDIR /app

COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY geo ./geo
COPY scenarios ./scenarios
# dev harnesses behind `fplan bench` and `fplan loadtest`
COPY benchmarks ./benchmarks
COPY tools ./tools
COPY migrations ./migrations
COPY --from=web /web/node_modules/maplibre-gl/dist ./node_modules/maplibre-gl/dist
# editable: the app finds alembic.ini, migrations/ and node_modules/ beside its sources
RUN pip install --no-cache-dir --no-deps -e . && mkdir -p /app/.cache && chown fplan /app/.cache

USER fplan
EXPOSE 8000
# prestart: migrate, then serve
CMD ["sh", "-c", "fplan db migrate && exec fplan serve"]
