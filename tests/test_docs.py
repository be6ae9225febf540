"""/docs and /redoc work without the internet: every asset they load is served by the app."""

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient


class _Assets(HTMLParser):
    """The URLs a browser would fetch to render the page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href", "img": "src", "redoc": "spec-url"}
        for name, value in attrs:
            if name == wanted.get(tag) and value:
                self.urls.append(value)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_every_asset_of_the_page_is_served_locally(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    parser = _Assets()
    parser.feed(response.text)
    # Swagger UI names its document in the inline script instead of an attribute.
    parser.urls += re.findall(r"url: '([^']+)'", response.text)
    assert len(parser.urls) >= 3, parser.urls
    for url in parser.urls:
        assert url.startswith("/"), f"{page} loads {url} from elsewhere"
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.content, url
    assert "cdn" not in response.text.lower()
    assert "fonts.googleapis" not in response.text
