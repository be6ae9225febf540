"""The baseline of bench/http.py: the smallest FastAPI app, served the same way."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def hello() -> dict[str, str]:
    return {"hello": "world"}
