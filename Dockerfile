# Sykkelturen API. Build: docker build -t sykkelturen .
# Run on SQLite in a volume:  docker run -p 8000:8000 -v sykkelturen-data:/data sykkelturen
# Run on PostgreSQL:          docker run -p 8000:8000 -e DATABASE_URL=postgresql+psycopg://user:pw@db/sykkelturen sykkelturen
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
COPY migrations ./migrations
RUN pip install --no-cache-dir --upgrade pip \
 && pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite:////data/sykkelturen.db
RUN useradd --create-home --uid 10001 sykkelturen \
 && mkdir /data && chown sykkelturen /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER sykkelturen
WORKDIR /home/sykkelturen
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["sykkelturen", "serve", "--host", "0.0.0.0", "--port", "8000"]
